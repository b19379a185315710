import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SendService } from '../send/service.js';
import { caseViewModel } from './case-view.js';
import { sendLetterPdf } from './letter-pdf.js';
import type { CaseRow } from './repo.js';
import type { CaseService } from './service.js';

/**
 * A case's decision letters, as a page and as a PDF, at `<case address>/letters/:eventId[/pdf]` for one
 * audience. `findCase` applies that audience's access rule and answers the refusal itself.
 */
export function letterRoutes<P extends { eventId: string }>(
  app: FastifyInstance,
  opts: {
    casePath: string;
    audience: 'family' | 'staff';
    cases: CaseService;
    send: SendService;
    findCase: (request: FastifyRequest<{ Params: P }>, reply: FastifyReply) => Promise<CaseRow | undefined>;
    caseHref: (row: CaseRow) => string;
  },
) {
  const { cases, send, audience, caseHref } = opts;

  async function loadLetter(request: FastifyRequest<{ Params: P }>, reply: FastifyReply) {
    const row = await opts.findCase(request, reply);
    if (!row) return undefined;
    const model = await caseViewModel(request, row, cases, send, audience);
    const letter = model.letters.find((l) => l.eventId === (request.params as P).eventId);
    if (!letter) {
      reply.errorPage(404, 'notFound');
      return undefined;
    }
    return { row, model, letter };
  }

  app.get<{ Params: P }>(`${opts.casePath}/letters/:eventId`, async (request, reply) => {
    const found = await loadLetter(request, reply);
    if (!found) return;
    const { row, model, letter } = found;
    const pdfHref = `${caseHref(row)}/letters/${letter.eventId}/pdf`;
    return reply.render('cases/views/letter', { title: letter.title, letter, child: model.child, reference: row.reference, pdfHref, backLink: caseHref(row) });
  });

  app.get<{ Params: P }>(`${opts.casePath}/letters/:eventId/pdf`, async (request, reply) => {
    const found = await loadLetter(request, reply);
    if (!found) return;
    return sendLetterPdf(request, reply, found.row, found.model, found.letter);
  });
}
