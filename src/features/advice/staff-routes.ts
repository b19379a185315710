import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorMessages, fieldViews, type FormValues, readForm, validateForm } from '../../platform/form-engine.js';
import { formatDate } from '../../platform/time.js';
import type { CurrentUser } from '../../platform/types.js';
import { requireRole } from '../account/auth.js';
import type { CaseRow } from '../cases/repo.js';
import type { CaseService } from '../cases/service.js';
import { FAMILY_FIELDS, PROFESSIONAL_FIELDS, REQUEST_FIELDS } from './forms.js';
import type { AdviceService } from './service.js';

const me = (request: FastifyRequest) => request.user as CurrentUser;
type CaseParams = { Params: { id: string; requestId?: string; submissionId?: string } };

/** The caseworker's side of advice: asking, withdrawing, reissuing, reading, reviewing and sharing. */
export default async function adviceStaffRoutes(app: FastifyInstance, opts: { advice: AdviceService; cases: CaseService }) {
  const { advice, cases } = opts;
  app.addHook('preHandler', requireRole('caseworker', 'manager', 'admin'));

  async function load(request: FastifyRequest<CaseParams>, reply: FastifyReply): Promise<CaseRow | undefined> {
    const row = await cases.findById(request.params.id);
    if (!row) reply.errorPage(404, 'notFound');
    return row;
  }

  function requestForm(request: FastifyRequest, reply: FastifyReply, row: CaseRow, values: FormValues, errors?: Record<string, string>, status = 200, replacing?: string) {
    return reply.code(status).render('advice/views/request-form', {
      title: request.t(replacing ? 'advice:request.reissueTitle' : 'advice:request.title'),
      caseRow: row,
      action: replacing ? `/staff/cases/${row.id}/advice/${replacing}/reissue` : `/staff/cases/${row.id}/advice`,
      fields: fieldViews('advice', REQUEST_FIELDS, values, request.t),
      errors: errors ? errorMessages('advice', REQUEST_FIELDS, errors, request.t) : undefined,
      canAsk: advice.canAskForAdvice(row),
      backLink: `/staff/cases/${row.id}#advice`,
    });
  }

  app.get<CaseParams>('/staff/cases/:id/advice/new', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    return requestForm(request, reply, row, {});
  });

  app.post<CaseParams>('/staff/cases/:id/advice', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const values = readForm(REQUEST_FIELDS, (request.body ?? {}) as Record<string, unknown>);
    const errors = validateForm(REQUEST_FIELDS, values);
    if (Object.keys(errors).length || !advice.canAskForAdvice(row)) return requestForm(request, reply, row, values, errors, 400);
    await advice.createRequest(me(request), row, values, request);
    request.ensureSession().set('notice', request.t('advice:request.sent', { name: values.name }));
    return reply.redirect(`/staff/cases/${row.id}#advice`);
  });

  app.post<CaseParams>('/staff/cases/:id/advice/:requestId/cancel', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    if (!(await advice.cancel(me(request), row, request.params.requestId as string, request))) return reply.errorPage(404, 'notFound');
    request.ensureSession().set('notice', request.t('advice:request.cancelled'));
    return reply.redirect(`/staff/cases/${row.id}#advice`);
  });

  app.get<CaseParams>('/staff/cases/:id/advice/:requestId/reissue', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const old = await advice.findRequest(row, request.params.requestId as string);
    if (old?.status !== 'open') return reply.errorPage(404, 'notFound');
    return requestForm(request, reply, row, { role: old.role, asked: old.asked }, undefined, 200, old.id);
  });

  /** Reissuing withdraws the unanswered request and asks someone else the same question. */
  app.post<CaseParams>('/staff/cases/:id/advice/:requestId/reissue', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const old = await advice.findRequest(row, request.params.requestId as string);
    if (old?.status !== 'open') return reply.errorPage(404, 'notFound');
    const values = readForm(REQUEST_FIELDS, (request.body ?? {}) as Record<string, unknown>);
    const errors = validateForm(REQUEST_FIELDS, values);
    // As for a new request: only while the case is being assessed (else the old one would be withdrawn and no one asked).
    if (Object.keys(errors).length || !advice.canAskForAdvice(row)) return requestForm(request, reply, row, values, errors, 400, old.id);
    await advice.cancel(me(request), row, old.id, request);
    await advice.createRequest(me(request), row, values, request);
    request.ensureSession().set('notice', request.t('advice:request.sent', { name: values.name }));
    return reply.redirect(`/staff/cases/${row.id}#advice`);
  });

  app.get<CaseParams>('/staff/cases/:id/advice/submissions/:submissionId', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const sub = await advice.submissionForStaff(row, request.params.submissionId as string);
    if (!sub) return reply.errorPage(404, 'notFound');
    const fields = sub.kind === 'family' ? FAMILY_FIELDS : PROFESSIONAL_FIELDS;
    const values = JSON.parse(sub.content) as FormValues;
    const req = sub.advice_request_id ? await advice.findRequest(row, sub.advice_request_id) : undefined;
    const attachments = sub.advice_request_id && sub.kind === 'professional' ? await advice.attachmentsFor(sub.advice_request_id) : [];
    await app.cases.recordView(me(request), row, request);
    return reply.render('advice/views/submission', {
      title: request.t(`advice:submission.${sub.kind}Title`),
      caseRow: row,
      sub,
      from: req ? `${req.name}, ${req.organisation}` : request.t('advice:submission.theFamily'),
      submittedOn: formatDate(sub.submitted_on ?? '', request.lang),
      rows: fields.map((f) => ({ key: request.t(`advice:fields.${f.name}.label`), value: String(values[f.name] ?? '') || request.t('common:notProvided') })),
      attachments: attachments.map((d) => ({ name: d.filename, href: `/staff/documents/${d.id}` })),
      staff: true,
      backLink: `/staff/cases/${row.id}#advice`,
    });
  });

  for (const what of ['reviewed', 'shared'] as const) {
    app.post<CaseParams>(`/staff/cases/:id/advice/submissions/:submissionId/${what}`, async (request, reply) => {
      const row = await load(request, reply);
      if (!row) return;
      if (!(await advice.mark(me(request), row, request.params.submissionId as string, what, request))) return reply.errorPage(404, 'notFound');
      request.ensureSession().set('notice', request.t(`advice:submission.${what}Done`));
      return reply.redirect(`/staff/cases/${row.id}#advice`);
    });
  }
}

/** What the case page shows of advice: each request with its state, and everything submitted. */
export async function adviceForCasePage(request: FastifyRequest, advice: AdviceService, row: CaseRow) {
  const today = request.server.cases.today();
  const [requests, submissions] = await Promise.all([advice.requestsForCase(row.id), advice.submissionsForCase(row.id)]);
  return {
    canAsk: advice.canAskForAdvice(row),
    requests: requests.map((r) => ({
      id: r.id,
      role: request.t(`advice:options.role.${r.role}`),
      who: `${r.name}, ${r.organisation}`,
      requestedOn: formatDate(r.requested_on, request.lang),
      dueOn: formatDate(r.due_on, request.lang),
      status: r.status === 'open' && r.due_on < today ? 'overdue' : r.status,
      open: r.status === 'open',
      submission: submissions.find((s) => s.advice_request_id === r.id),
    })),
    submissions: submissions.map((s) => ({
      id: s.id,
      kind: s.kind,
      from: s.kind === 'family' ? request.t('advice:submission.theFamily') : (requests.find((r) => r.id === s.advice_request_id)?.name ?? ''),
      submittedOn: formatDate(s.submitted_on ?? '', request.lang),
      reviewed: Boolean(s.reviewed_at),
      shared: Boolean(s.shared_at),
    })),
  };
}
