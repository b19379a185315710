import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import nunjucks from 'nunjucks';
import type { Config } from '../config.js';
import { CSRF_FIELD } from './csrf.js';
import { govukDir, srcDir } from './paths.js';
import { formatDate } from './time.js';

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
    formatDate: (iso: string) => formatDate(iso, request.lang),
    cspNonce: request.cspNonce,
    currentPath: url.pathname,
    languageLinks: { en: withLang('en'), cy: withLang('cy') },
    user: request.user,
    csrfToken: () => request.csrfToken(),
  };
}

/**
 * Public pages that are the same for every anonymous visitor are rendered once per language and path and
 * kept, with markers where the per-request values go (CSP nonce, CSRF token, the path in the language links).
 * Rendering a GOV.UK page through Nunjucks costs about a millisecond; filling in three markers costs microseconds.
 * `path`: one copy per address (a fixed set of routes). `template`: one copy per template and language
 * (for pages such as 404 whose address is whatever was typed).
 */
export type PageCache = 'path' | 'template';
export type ViewModel = Record<string, unknown> | (() => Record<string, unknown>);

const marker = randomBytes(6).toString('hex');
const MARKS = { nonce: `__nonce_${marker}__`, csrf: `__csrf_${marker}__`, here: `__here_${marker}__` } as const;
const MARK_PATTERN = new RegExp(`(${Object.values(MARKS).join('|')})`);

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function viewsPlugin(app: FastifyInstance, opts: { env: nunjucks.Environment }) {
  const { env } = opts;
  const file = (template: string) => (template.endsWith('.njk') ? template : `${template}.njk`);
  const pages = new Map<string, string[]>();

  app.decorateReply('render', function (this: FastifyReply, template: string, viewModel: ViewModel = {}, cache?: PageCache) {
    const request = this.request;
    // A cached page's model is only built when the page is first rendered.
    const model = () => (typeof viewModel === 'function' ? viewModel() : viewModel);
    this.type('text/html; charset=utf-8');
    if (!cache || request.user || request.method !== 'GET') {
      return this.send(env.render(file(template), { ...baseContext(request), ...model() }));
    }
    const pathname = request.url.split('?')[0] as string;
    const key = `${template}|${request.lang}|${cache === 'path' ? pathname : ''}`;
    let parts = pages.get(key);
    if (!parts) {
      const html = env.render(file(template), {
        ...baseContext(request),
        cspNonce: MARKS.nonce,
        csrfToken: () => MARKS.csrf,
        currentPath: cache === 'path' ? pathname : '',
        languageLinks: { en: `${MARKS.here}?lng=en`, cy: `${MARKS.here}?lng=cy` },
        ...model(),
      });
      parts = html.split(MARK_PATTERN);
      pages.set(key, parts);
    }
    const values: Record<string, () => string> = {
      [MARKS.nonce]: () => request.cspNonce,
      [MARKS.csrf]: () => request.csrfToken(),
      [MARKS.here]: () => escapeHtml(pathname),
    };
    let out = '';
    for (let i = 0; i < parts.length; i++) out += i % 2 ? (values[parts[i] as string] as () => string)() : parts[i];
    return this.send(out);
  });
}

export default fp(viewsPlugin, { name: 'views' });
