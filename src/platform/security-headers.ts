import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** DESIGN §5 headers: CSP with a per-request nonce and no 'unsafe-inline', HSTS, no framing, no-store when signed in. */
async function securityHeaders(app: FastifyInstance) {
  app.decorateRequest('cspNonce', '');
  app.addHook('onRequest', async (request) => {
    request.cspNonce = randomBytes(16).toString('base64');
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const csp = [
      "default-src 'self'",
      `script-src 'self' 'nonce-${request.cspNonce}'`,
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      "connect-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ].join('; ');
    reply.headers({
      'content-security-policy': csp,
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    });
    if (!reply.hasHeader('cache-control')) {
      // Signed-in pages carry personal data: never stored. Anonymous pages carry a CSRF token: private, revalidated.
      reply.header('cache-control', request.session?.userId ? 'no-store' : 'private, no-cache');
    }
    return payload;
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
