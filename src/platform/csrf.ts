import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sameOriginReferer } from './errors.js';

/**
 * Signed double-submit CSRF protection (DESIGN §5): a random value in an httpOnly cookie, and in every
 * form an HMAC of it under the server's secret. A cross-site page can neither read the cookie nor forge
 * the HMAC. The cookie is replaced at every sign-in, two-step and sign-out, binding tokens to that session.
 * The token travels only in a hidden form field (`_csrf`), never in a query string.
 */
export interface CsrfOptions {
  secret: string;
  secure: boolean;
}

export const CSRF_FIELD = '_csrf';

export function csrfCookieName(secure: boolean): string {
  return secure ? '__Host-portal_csrf' : 'portal_csrf';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function csrfPlugin(app: FastifyInstance, opts: CsrfOptions) {
  const cookieName = csrfCookieName(opts.secure);
  const cookieOptions = { path: '/', httpOnly: true, secure: opts.secure, sameSite: 'lax' as const };
  const sign = (value: string) => createHmac('sha256', opts.secret).update(value).digest('base64url');

  const state = new WeakMap<FastifyRequest, { value: string; isNew: boolean }>();
  const current = (request: FastifyRequest) => {
    let s = state.get(request);
    if (!s) {
      const existing = request.cookies[cookieName];
      s = existing && existing.length === 43 ? { value: existing, isNew: false } : { value: randomBytes(32).toString('base64url'), isNew: true };
      state.set(request, s);
    }
    return s;
  };

  app.decorateRequest('csrfToken', function (this: FastifyRequest) {
    return sign(current(this).value);
  });
  app.decorateRequest('verifyCsrf', function (this: FastifyRequest, sent: string) {
    const cookie = this.cookies[cookieName];
    return Boolean(cookie && sent && safeEqual(sign(cookie), sent));
  });
  app.decorateRequest('rotateCsrf', function (this: FastifyRequest) {
    state.set(this, { value: randomBytes(32).toString('base64url'), isNew: true });
  });

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (SAFE_METHODS.has(request.method)) return;
    if (request.routeOptions.config?.csrf === false) {
      // The route reads its own (multipart) body and checks the token there; without the cookie it cannot pass.
      if (request.cookies[cookieName]) return;
      request.log.warn({ event: 'csrf_refused' }, 'CSRF cookie missing');
      return reply.errorPage(403, 'csrf', { backHref: sameOriginReferer(request) });
    }
    const body = request.body as Record<string, unknown> | undefined;
    const sent = typeof body?.[CSRF_FIELD] === 'string' ? (body[CSRF_FIELD] as string) : '';
    if (!request.verifyCsrf(sent)) {
      request.log.warn({ event: 'csrf_refused' }, 'CSRF token missing or invalid');
      return reply.errorPage(403, 'csrf', { backHref: sameOriginReferer(request) });
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const s = state.get(request);
    if (s?.isNew) reply.setCookie(cookieName, s.value, cookieOptions);
    return payload;
  });
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the route checks the token itself (multipart uploads). */
    csrf?: boolean;
  }
  interface FastifyRequest {
    /** Issue a new CSRF secret: called when the session changes hands (sign-in, two-step, sign-out). */
    rotateCsrf(): void;
    /** For routes that read their own body (file uploads) and so check the token themselves. */
    verifyCsrf(sent: string): boolean;
  }
}

export default fp(csrfPlugin, { name: 'csrf', dependencies: ['@fastify/cookie'] });
