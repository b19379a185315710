import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CurrentUser } from '../../platform/types.js';
import { requireEmailTwoStep } from '../account/auth.js';
import type { SendService } from '../send/service.js';
import { caseViewModel } from './case-view.js';
import { letterRoutes } from './letter-routes.js';
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

  letterRoutes<{ reference: string; eventId: string }>(app, {
    casePath: '/send/cases/:reference',
    audience: 'family',
    cases,
    send,
    // The family's own case only; anything else is a 404 (refusals audited by caseForFamily).
    findCase: async (request, reply) => {
      const row = await cases.caseForFamily(me(request), request.params.reference, request);
      if (!row) reply.errorPage(404, 'notFound');
      return row;
    },
    caseHref: (row) => `/send/cases/${row.reference}`,
  });
}
