import type { FastifyInstance } from 'fastify';

/** Links in the plain-text body, for the dev mailbox to make clickable. */
export function splitLinks(text: string): { text: string; href?: string }[] {
  return text.split(/(https?:\/\/[^\s<>"]+)/g).filter(Boolean).map((part) => (/^https?:\/\//.test(part) ? { text: part, href: part } : { text: part }));
}

/** Development only (never registered in production): every email the portal has written, newest first. */
export default async function devMailboxRoutes(app: FastifyInstance) {
  app.get('/dev/mailbox', async (request, reply) => {
    const emails = await app.db
      .selectFrom('outbox')
      .select(['id', 'to_address', 'subject', 'status', 'created_at'])
      .orderBy('created_at', 'desc')
      .limit(100)
      .execute();
    return reply.render('dev-mailbox/views/list', { title: request.t('devMailbox:title'), emails });
  });

  app.get<{ Params: { id: string } }>('/dev/mailbox/:id', async (request, reply) => {
    const email = await app.db.selectFrom('outbox').selectAll().where('id', '=', request.params.id).executeTakeFirst();
    if (!email) return reply.errorPage(404, 'notFound');
    return reply.render('dev-mailbox/views/email', {
      title: email.subject,
      email,
      paragraphs: email.text_body.split(/\n{2,}/).map(splitLinks),
      backLink: '/dev/mailbox',
    });
  });
}
