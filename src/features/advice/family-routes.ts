import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerRows, errorMessages, fieldViews, type FormValues, readForm, validateForm } from '../../platform/form-engine.js';
import { readMultipart } from '../../platform/multipart.js';
import { formatDate } from '../../platform/time.js';
import type { CurrentUser } from '../../platform/types.js';
import { MAX_UPLOAD_BYTES } from '../../platform/uploads.js';
import { requireEmailTwoStep } from '../account/auth.js';
import type { CaseRow } from '../cases/repo.js';
import type { CaseService } from '../cases/service.js';
import { FAMILY_FIELDS, PROFESSIONAL_FIELDS } from './forms.js';
import type { AdviceService } from './service.js';

const me = (request: FastifyRequest) => request.user as CurrentUser;
type Params = { Params: { reference: string; submissionId?: string } };

/** "Submit advice or a report": the family's own advice and reports, and the advice asked for on their case. */
export default async function adviceFamilyRoutes(app: FastifyInstance, opts: { advice: AdviceService; cases: CaseService }) {
  const { advice, cases } = opts;
  app.addHook('preHandler', requireEmailTwoStep);

  async function load(request: FastifyRequest<Params>, reply: FastifyReply): Promise<CaseRow | undefined> {
    const row = await cases.caseForFamily(me(request), request.params.reference, request);
    if (!row) reply.errorPage(404, 'notFound');
    return row;
  }

  async function page(request: FastifyRequest<Params>, reply: FastifyReply, row: CaseRow, values: FormValues = {}, errors?: Record<string, string>, status = 200) {
    const view = await advice.familyView(row);
    const f = (d: string | null) => (d ? formatDate(d, request.lang) : '');
    const errorModel = errors ? errorMessages('advice', FAMILY_FIELDS, errors, request.t) : undefined;
    if (errors?.file && errorModel) {
      const text = request.t(`request:upload.errors.${errors.file}`, { max: MAX_UPLOAD_BYTES / 1024 / 1024 });
      errorModel.list.unshift({ text, href: '#file' });
      errorModel.fields.file = { text };
    }
    const reports = await request.server.db.selectFrom('documents').selectAll().where('owner_type', '=', 'case').where('owner_id', '=', row.id).where('kind', '=', 'family_report').orderBy('created_at').execute();
    return reply.code(status).render('advice/views/family', {
      title: request.t('advice:family.title'),
      reference: row.reference,
      open: OPEN.includes(row.stage),
      asked: view.asked.map((a) => ({ role: request.t(`advice:options.role.${a.role}`), dueOn: f(a.dueOn), receivedOn: f(a.receivedOn) })),
      own: view.own.map((s) => ({ id: s.id, submittedOn: f(s.submitted_on) })),
      shared: view.shared.map((s) => ({ id: s.id, submittedOn: f(s.submitted_on) })),
      reports: reports.map((d) => ({ id: d.id, name: d.filename, on: f(d.created_at.slice(0, 10)) })),
      fields: fieldViews('advice', FAMILY_FIELDS, values, request.t),
      errors: errorModel,
      maxMb: MAX_UPLOAD_BYTES / 1024 / 1024,
      notice: request.session?.take<string>('notice'),
      backLink: `/send/cases/${row.reference}`,
    });
  }

  app.get<Params>('/send/cases/:reference/advice', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    return page(request, reply, row);
  });

  // Advice and reports are taken while the case is open or a plan is in place (for its reviews).
  const OPEN = ['received', 'assessment', 'draft_plan', 'plan_maintained'];

  app.post<Params>('/send/cases/:reference/advice', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    if (!OPEN.includes(row.stage)) return reply.redirect(`/send/cases/${row.reference}/advice`);
    const values = readForm(FAMILY_FIELDS, (request.body ?? {}) as Record<string, unknown>);
    const errors = validateForm(FAMILY_FIELDS, values);
    if (Object.keys(errors).length) return page(request, reply, row, values, errors, 400);
    await advice.submitFamilyAdvice(me(request), row, values, request);
    request.ensureSession().set('notice', request.t('advice:family.sent'));
    return reply.redirect(`/send/cases/${row.reference}/advice`);
  });

  app.post<Params>('/send/cases/:reference/reports', { config: { csrf: false } }, async (request, reply) => {
    const form = await readMultipart(request);
    if (!form.csrfOk) return reply.errorPage(403, 'csrf');
    const row = await load(request, reply);
    if (!row) return;
    if (!OPEN.includes(row.stage)) return reply.redirect(`/send/cases/${row.reference}/advice`);
    let problem: string | undefined = form.problem ?? (form.file ? undefined : 'required');
    if (!problem && form.file) {
      const result = await advice.addFamilyReport(me(request), row, form.file, request);
      if (!result.ok) problem = result.problem;
    }
    if (problem) return page(request, reply, row, {}, { file: problem }, 400);
    request.ensureSession().set('notice', request.t('request:upload.added', { name: form.file?.name }));
    return reply.redirect(`/send/cases/${row.reference}/advice`);
  });

  /** The family reads their own advice, or a professional's once the caseworker has shared it. */
  app.get<Params>('/send/cases/:reference/advice/:submissionId', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const view = await advice.familyView(row);
    const sub = [...view.own, ...view.shared].find((s) => s.id === request.params.submissionId);
    if (!sub) return reply.errorPage(404, 'notFound');
    const fields = sub.kind === 'family' ? FAMILY_FIELDS : PROFESSIONAL_FIELDS;
    const values = JSON.parse(sub.content) as FormValues;
    const attachments = sub.kind === 'professional' && sub.advice_request_id ? await advice.attachmentsFor(sub.advice_request_id) : [];
    return reply.render('advice/views/submission', {
      title: request.t(`advice:submission.${sub.kind}Title`),
      from: sub.kind === 'family' ? request.t('advice:submission.theFamily') : request.t('advice:submission.aProfessional'),
      submittedOn: formatDate(sub.submitted_on ?? '', request.lang),
      rows: answerRows('advice', fields, values, request.t, (d) => formatDate(d, request.lang)),
      attachments: attachments.map((d) => ({ name: d.filename, href: `/send/documents/${d.id}` })),
      staff: false,
      backLink: `/send/cases/${row.reference}/advice`,
    });
  });
}
