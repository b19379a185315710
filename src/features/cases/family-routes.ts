import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CurrentUser } from '../../platform/types.js';
import { requireEmailTwoStep } from '../account/auth.js';
import type { SendService } from '../send/service.js';
import { caseViewModel } from './case-view.js';
import { sendLetterPdf } from './letter-pdf.js';
import type { CaseService } from './service.js';

const me = (request: FastifyRequest) => request.user as CurrentUser;

/** Track progress: the family's live, dated view of their case, and its decision letters. */
export default async function familyCaseRoutes(app: FastifyInstance, opts: { cases: CaseService; send: SendService }) {
  const { cases, send } = opts;
  app.addHook('preHandler', requireEmailTwoStep);

  app.get<{ Params: { reference: string } }>('/send/cases/:reference', async (request, reply) => {
    const row = await cases.caseForFamily(me(request), request.params.reference, request);
    if (!row) return reply.errorPage(404, 'notFound');
    await cases.recordView(me(request), row, request);
    const model = await caseViewModel(request, row, cases, send, 'family');
    return reply.render('cases/views/family', { title: request.t('track:title', { child: model.child.firstName }), ...model, backLink: '/send' });
  });

  type LetterParams = { Params: { reference: string; eventId: string } };

  /** The family's own case and one of its letters; anything else is a 404 (refusals audited by caseForFamily). */
  async function loadLetter(request: FastifyRequest<LetterParams>, reply: FastifyReply) {
    const row = await cases.caseForFamily(me(request), request.params.reference, request);
    if (!row) {
      reply.errorPage(404, 'notFound');
      return undefined;
    }
    const model = await caseViewModel(request, row, cases, send, 'family');
    const letter = model.letters.find((l) => l.eventId === request.params.eventId);
    if (!letter) {
      reply.errorPage(404, 'notFound');
      return undefined;
    }
    return { row, model, letter };
  }

  app.get<LetterParams>('/send/cases/:reference/letters/:eventId', async (request, reply) => {
    const found = await loadLetter(request, reply);
    if (!found) return;
    const { row, model, letter } = found;
    const pdfHref = `/send/cases/${row.reference}/letters/${letter.eventId}/pdf`;
    return reply.render('cases/views/letter', { title: letter.title, letter, child: model.child, reference: row.reference, pdfHref, backLink: `/send/cases/${row.reference}` });
  });

  app.get<LetterParams>('/send/cases/:reference/letters/:eventId/pdf', async (request, reply) => {
    const found = await loadLetter(request, reply);
    if (!found) return;
    return sendLetterPdf(request, reply, found.row, found.model, found.letter);
  });
}
