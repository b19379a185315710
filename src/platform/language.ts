import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type I18n, isLang, type Lang } from './i18n.js';

export const LANG_COOKIE = 'portal_lang';

/** `?lng=cy|en` switches and is remembered in a cookie; otherwise the cookie, then the browser's preference. */
export function chooseLanguage(request: FastifyRequest): { lang: Lang; remember: boolean } {
  const query = (request.query as Record<string, unknown> | undefined)?.lng;
  if (isLang(query)) return { lang: query, remember: request.cookies[LANG_COOKIE] !== query };
  const cookie = request.cookies[LANG_COOKIE];
  if (isLang(cookie)) return { lang: cookie, remember: false };
  const accept = request.headers['accept-language'] ?? '';
  return { lang: /^\s*cy\b/i.test(accept) ? 'cy' : 'en', remember: false };
}

async function languagePlugin(app: FastifyInstance, opts: { i18n: I18n; secure: boolean }) {
  app.decorateRequest('lang', 'en');
  app.decorateRequest('t', null as never);
  app.addHook('onRequest', async (request, reply) => {
    const { lang, remember } = chooseLanguage(request);
    request.lang = lang;
    request.t = opts.i18n.t(lang);
    if (remember) {
      reply.setCookie(LANG_COOKIE, lang, { path: '/', maxAge: 365 * 24 * 3600, sameSite: 'lax', secure: opts.secure, httpOnly: true });
    }
  });
}

export default fp(languagePlugin, { name: 'language', dependencies: ['@fastify/cookie'] });
