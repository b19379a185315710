import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export type ErrorKey = 'notFound' | 'forbidden' | 'badRequest' | 'tooLarge' | 'tooMany' | 'serverError' | 'unavailable' | 'csrf';

declare module 'fastify' {
  interface FastifyReply {
    errorPage(status: number, key: ErrorKey, extra?: Record<string, unknown>): FastifyReply;
  }
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'SQLITE_BUSY', '57P01', '57P03', '53300']);

function isUnavailable(error: FastifyError & { cause?: unknown }): boolean {
  const codes = [error.code, (error.cause as { code?: string } | undefined)?.code];
  return codes.some((c) => c !== undefined && UNAVAILABLE_CODES.has(c)) || /Connection terminated|timeout exceeded when trying to connect/i.test(error.message);
}

/** Same-origin path the person came from, for a "go back" link; never an outside address. */
export function sameOriginReferer(request: FastifyRequest): string {
  const referer = request.headers.referer;
  if (!referer) return '/';
  try {
    const url = new URL(referer);
    return url.host === request.headers.host ? url.pathname + url.search : '/';
  } catch {
    return '/';
  }
}

/** GOV.UK-style error pages in the person's language; a stack trace goes to the log, never to the page. */
async function errorsPlugin(app: FastifyInstance) {
  app.decorateReply('errorPage', function (this: FastifyReply, status: number, key: ErrorKey, extra = {}) {
    // A reference helps the support team find a failure in the logs; a 404 needs none, and is the same for everyone.
    const requestId = status >= 500 ? this.request.id : undefined;
    return this.code(status).render('errors/page', { errorKey: key, requestId, ...extra }, status === 404 && !Object.keys(extra).length ? 'template' : undefined);
  });

  app.setNotFoundHandler((_request, reply) => {
    reply.errorPage(404, 'notFound');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    let key: ErrorKey;
    let code: number;
    if (status === 429) [code, key] = [429, 'tooMany'];
    else if (status === 413) [code, key] = [413, 'tooLarge'];
    else if (status === 403) [code, key] = [403, 'forbidden'];
    else if (status === 404) [code, key] = [404, 'notFound'];
    else if (status >= 400 && status < 500) [code, key] = [400, 'badRequest'];
    else if (isUnavailable(error)) [code, key] = [503, 'unavailable'];
    else [code, key] = [500, 'serverError'];

    if (code >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ err: { message: error.message, code: error.code } }, 'request refused');
    if (code === 503) reply.header('retry-after', '30');
    try {
      reply.errorPage(code, key, { backHref: code < 500 ? sameOriginReferer(request) : undefined });
    } catch (renderError) {
      request.log.error({ err: renderError }, 'error page failed to render');
      reply.code(code).type('text/plain; charset=utf-8').send(`Sorry, there is a problem with the service (${request.id}).`);
    }
  });
}

export default fp(errorsPlugin, { name: 'errors', dependencies: ['views'] });
