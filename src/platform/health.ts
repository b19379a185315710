import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseReachable } from '../db/database.js';

/** `/healthz`: the process answers. `/readyz`: it can reach its database, so a load balancer may send it work. */
async function health(app: FastifyInstance) {
  app.get('/healthz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });
  app.get('/readyz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    const ok = await isDatabaseReachable(app.db);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'database unreachable' });
  });
}

export default fp(health, { name: 'health' });
