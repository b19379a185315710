import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import nunjucks from 'nunjucks';
import type { Config } from '../config.js';
import { CSRF_FIELD } from './csrf.js';
import { govukDir, srcDir } from './paths.js';

export function createViewEnvironment(config: Config): nunjucks.Environment {
  const loader = new nunjucks.FileSystemLoader(
    [path.join(srcDir, 'views'), path.join(srcDir, 'features'), path.join(govukDir)],
    // Templates are compiled once and kept; `npm run dev` restarts the process on change.
    { noCache: false, watch: false },
  );
  const env = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false });
  env.addGlobal('council', { name: config.councilName, phone: config.senTeamPhone, email: config.senTeamEmail });
  env.addGlobal('csrfField', CSRF_FIELD);
  env.addGlobal('isProduction', config.env === 'production');
  env.addFilter('telHref', (phone: string) => `tel:${String(phone).replace(/[^\d+]/g, '')}`);
  return env;
}

/** The fields every page's layout reads. Views get these plus their own explicit view model. */
function baseContext(request: FastifyRequest): Record<string, unknown> {
  const url = new URL(request.url, 'http://x');
  url.searchParams.delete('lng');
  const here = url.pathname + (url.search || '');
  const withLang = (lng: string) => {
    const u = new URL(here, 'http://x');
    u.searchParams.set('lng', lng);
    return u.pathname + u.search;
  };
  return {
    t: request.t,
    lang: request.lang,
    cspNonce: request.cspNonce,
    currentPath: url.pathname,
    languageLinks: { en: withLang('en'), cy: withLang('cy') },
    user: request.user,
    csrfToken: () => request.csrfToken(),
  };
}

async function viewsPlugin(app: FastifyInstance, opts: { env: nunjucks.Environment }) {
  const { env } = opts;
  app.decorateReply('render', function (this: FastifyReply, template: string, model: Record<string, unknown> = {}) {
    const html = env.render(template.endsWith('.njk') ? template : `${template}.njk`, {
      ...baseContext(this.request),
      ...model,
    });
    return this.type('text/html; charset=utf-8').send(html);
  });
}

export default fp(viewsPlugin, { name: 'views' });
