import type { FastifyInstance } from 'fastify';
import { requireEmailTwoStep } from '../account/auth.js';

/** The SEND area for families. Every route here needs sign-in with two-step verification by email. */
export default async function sendRoutes(app: FastifyInstance) {
  app.addHook('preHandler', requireEmailTwoStep);

  app.get('/send', async (request, reply) => {
    return reply.render('send/views/home', { title: request.t('send:home.title') });
  });
}
