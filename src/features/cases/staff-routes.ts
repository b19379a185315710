import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addDays } from '../../domain/dates.js';
import { EXCEPTION_TYPES, type ExceptionType, ragFor } from '../../domain/timeline.js';
import { allowedActions, CASE_STAGES, type CaseAction, type CaseStage, isCaseAction, requiresReason } from '../../domain/workflow.js';
import { dateFromParts } from '../../platform/form-engine.js';
import { formFields } from '../../platform/forms.js';
import { readMultipart } from '../../platform/multipart.js';
import { formatDate } from '../../platform/time.js';
import type { CurrentUser } from '../../platform/types.js';
import { attachmentHeader } from '../../platform/uploads.js';
import { requireRole } from '../account/auth.js';
import { adviceForCasePage } from '../advice/staff-routes.js';
import type { AdviceService } from '../advice/service.js';
import type { SendService } from '../send/service.js';
import { caseViewModel } from './case-view.js';
import { letterRoutes } from './letter-routes.js';
import { PAGE_SIZE, type QueueFilter } from './repo.js';
import { ACTIONS_WITH_DOCUMENT, type CaseService } from './service.js';

const me = (request: FastifyRequest) => request.user as CurrentUser;
const REPORT_METRICS = ['decided', 'decidedOnTime', 'decidedLate', 'finalPlans', 'finalOnTime', 'finalLate'] as const;

/** The SEN team's back office: work queue, case pages and the actions the workflow allows. */
export default async function staffRoutes(app: FastifyInstance, opts: { cases: CaseService; send: SendService; advice: AdviceService }) {
  const { cases, send, advice } = opts;
  app.addHook('preHandler', requireRole('caseworker', 'manager', 'admin'));

  app.get<{ Querystring: Record<string, string | undefined> }>('/staff', async (request, reply) => {
    const q = request.query;
    const page = Math.max(1, Math.min(100_000, Number.parseInt(q.page ?? '1', 10) || 1));
    const stage = CASE_STAGES.includes(q.stage as CaseStage) ? q.stage : undefined;
    const due = q.due === 'overdue' || q.due === 'week' ? q.due : undefined;
    const search = (q.q ?? '').trim().slice(0, 100) || undefined;
    const metric = REPORT_METRICS.find((m) => m === q.metric);
    const validDate = (d?: string) => (d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : undefined);
    const report = metric && validDate(q.from) && validDate(q.to) ? { metric, from: q.from as string, to: q.to as string } : undefined;
    const filter: Omit<QueueFilter, 'today' | 'weekAhead'> = {
      stage,
      due,
      search,
      report,
      assignedTo: q.mine === '1' ? me(request).id : undefined,
      openOnly: !stage && !report,
    };
    const { rows, total } = await cases.queue(filter, page);
    const today = cases.today();
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const params = new URLSearchParams(Object.entries({ stage, due, q: search, mine: q.mine === '1' ? '1' : undefined, metric, from: report?.from, to: report?.to }).filter((e): e is [string, string] => Boolean(e[1])));
    const pageHref = (n: number) => `/staff?${new URLSearchParams([...params, ['page', String(n)]]).toString()}`;
    return reply.render('cases/views/queue', {
      title: request.t('staff:queue.title'),
      filter: { stage, due, q: search, mine: q.mine === '1', report },
      stages: CASE_STAGES,
      rows: rows.map((r) => ({
        ...r,
        rag: r.next_due_on ? ragFor(r.next_due_on, today) : undefined,
        adviceOverdue: Boolean(r.advice_due_on && r.advice_due_on < today),
        assignee: r.assignee_first ? `${r.assignee_first} ${r.assignee_last}` : undefined,
      })),
      total,
      page,
      pages,
      pagination: {
        previous: page > 1 ? { href: pageHref(page - 1), text: request.t('staff:queue.previous') } : undefined,
        next: page < pages ? { href: pageHref(page + 1), text: request.t('staff:queue.next') } : undefined,
        items: paginationItems(page, pages).map((n) => (n === 0 ? { ellipsis: true } : { number: n, href: pageHref(n), current: n === page })),
      },
    });
  });

  /** Loads a case by id for staff; an unknown id is a 404. */
  async function load(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const row = await cases.findById(request.params.id);
    if (!row) reply.errorPage(404, 'notFound');
    return row;
  }

  async function casePage(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const row = await load(request, reply);
    if (!row) return;
    await cases.recordView(me(request), row, request);
    const model = await caseViewModel(request, row, cases, send, 'staff');
    return reply.code(status).render('cases/views/case', {
      title: `${row.reference} – ${model.child.name}`,
      ...model,
      actions: allowedActions(row.stage as CaseStage).map((a) => ({ action: a, needsReason: requiresReason(a), needsDocument: ACTIONS_WITH_DOCUMENT.includes(a) })),
      exceptionTypes: EXCEPTION_TYPES,
      staff: await cases.staff(),
      notes: await cases.notes(row),
      advice: await adviceForCasePage(request, advice, row),
      notice: request.session?.take<string>('notice'),
      backLink: '/staff',
      ...extra,
    });
  }

  app.get<{ Params: { id: string } }>('/staff/cases/:id', async (request, reply) => casePage(request, reply));

  app.post<{ Params: { id: string } }>('/staff/cases/:id/actions', { config: { csrf: false } }, async (request, reply) => {
    const form = await readMultipart(request);
    if (!form.csrfOk) return reply.errorPage(403, 'csrf');
    const row = await load(request, reply);
    if (!row) return;
    const f = form.fields;
    const action = f.action;
    if (!isCaseAction(action)) return reply.errorPage(400, 'badRequest');
    const date = dateFromParts(f['date-day'] ?? '', f['date-month'] ?? '', f['date-year'] ?? '') ?? '';
    const result = form.problem ? ({ ok: false, problem: 'documentType' } as const) : await cases.act(me(request), row, { action: action as CaseAction, date, reasons: f.reasons ?? '', document: form.file }, request);
    if (!result.ok) {
      const text = request.t(`staff:actions.errors.${result.problem}`, 'notBefore' in result ? { date: formatDate(result.notBefore, request.lang) } : undefined);
      // The summary links to the action's form, which is only on the page when the stage allows the action.
      const href = result.problem === 'notAllowed' || result.problem === 'changedMeanwhile' ? '#actions' : `#action-${action}`;
      return casePage(request, reply, { errors: { list: [{ text, href }] }, failedAction: action, actionError: text, values: f }, 400);
    }
    request.ensureSession().set('notice', request.t('staff:actions.done', { action: request.t(`staff:actions.names.${action}`) }));
    return reply.redirect(`/staff/cases/${row.id}`);
  });

  app.post<{ Params: { id: string } }>('/staff/cases/:id/notes', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const { note } = formFields(request, ['note']);
    const body = note.trim();
    if (!body || body.length > 5000) {
      const text = request.t(body ? 'staff:notes.tooLong' : 'staff:notes.required');
      return casePage(request, reply, { errors: { list: [{ text, href: '#note' }] }, noteError: text, noteValue: note }, 400);
    }
    await cases.addNote(me(request), row, body, request);
    request.ensureSession().set('notice', request.t('staff:notes.added'));
    return reply.redirect(`/staff/cases/${row.id}#notes`);
  });

  app.post<{ Params: { id: string } }>('/staff/cases/:id/assign', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const { assignee } = formFields(request, ['assignee']);
    if (!(await cases.assign(me(request), row, assignee || null, request))) return reply.errorPage(400, 'badRequest');
    request.ensureSession().set('notice', request.t('staff:assign.done'));
    return reply.redirect(`/staff/cases/${row.id}`);
  });

  app.post<{ Params: { id: string } }>('/staff/cases/:id/exceptions', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const f = formFields(request, ['exceptionType', 'reason', 'from-day', 'from-month', 'from-year', 'to-day', 'to-month', 'to-year']);
    const from = dateFromParts(f['from-day'], f['from-month'], f['from-year']);
    const hasTo = Boolean(f['to-day'] || f['to-month'] || f['to-year']);
    const to = hasTo ? dateFromParts(f['to-day'], f['to-month'], f['to-year']) : undefined;
    let problems: string[] = [];
    if (!EXCEPTION_TYPES.includes(f.exceptionType as ExceptionType)) problems.push('unknown_type');
    if (!from) problems.push('from_invalid');
    if (hasTo && !to) problems.push('to_invalid');
    if (!problems.length) {
      const result = await cases.recordException(me(request), row, { exceptionType: f.exceptionType as ExceptionType, reason: f.reason.trim(), from: from as string, ...(to ? { to } : {}) }, request);
      if (result.ok) {
        request.ensureSession().set('notice', request.t('staff:exceptions.recorded'));
        return reply.redirect(`/staff/cases/${row.id}#exceptions`);
      }
      problems = result.problems;
    }
    const list = problems.map((p) => ({ text: request.t(`staff:exceptions.errors.${p}`), href: '#exceptionType' }));
    return casePage(request, reply, { errors: { list }, exceptionErrors: list.map((l) => l.text), exceptionValues: f }, 400);
  });

  letterRoutes<{ id: string; eventId: string }>(app, {
    casePath: '/staff/cases/:id',
    audience: 'staff',
    cases,
    send,
    findCase: load,
    caseHref: (row) => `/staff/cases/${row.id}`,
  });

  app.get<{ Params: { id: string } }>('/staff/cases/:id/audit', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const entries = await cases.auditLog(row);
    return reply.render('cases/views/audit', {
      title: request.t('staff:audit.title', { reference: row.reference }),
      entries: entries.map((e) => ({ at: e.at.replace('T', ' ').slice(0, 16), who: e.first_name ? `${e.first_name} ${e.last_name}` : '—', role: e.role, action: e.action })),
      backLink: `/staff/cases/${row.id}`,
    });
  });

  app.get<{ Params: { docId: string } }>('/staff/documents/:docId', async (request, reply) => {
    const doc = await app.db.selectFrom('documents').selectAll().where('id', '=', request.params.docId).executeTakeFirst();
    if (!doc) return reply.errorPage(404, 'notFound');
    const data = await send.readDocument(me(request), doc, request);
    return reply.header('content-type', doc.content_type).header('content-disposition', attachmentHeader(doc.filename)).header('cache-control', 'no-store').send(data);
  });

  app.get<{ Querystring: { from?: string; to?: string } }>('/staff/dashboard', { preHandler: requireRole('manager', 'admin') }, async (request, reply) => {
    const today = cases.today();
    const valid = (d?: string) => (d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : undefined);
    const from = valid(request.query.from) ?? addDays(today, -365);
    const to = valid(request.query.to) ?? today;
    const figures = await cases.dashboard(from, to);
    const link = (metric: string) => `/staff?metric=${metric}&from=${from}&to=${to}`;
    const pct = (n: number, d: number) => (d ? Math.round((n / d) * 1000) / 10 : null);
    return reply.render('cases/views/dashboard', {
      title: request.t('staff:dashboard.title'),
      from,
      to,
      fromText: formatDate(from, request.lang),
      toText: formatDate(to, request.lang),
      figures,
      decisionsPct: pct(figures.decisions.onTime, figures.decisions.total),
      finalPct: pct(figures.finalPlans.onTime, figures.finalPlans.total),
      decisionWeeks: figures.decisions.avgDays === null ? null : (figures.decisions.avgDays / 7).toFixed(1),
      finalWeeks: figures.finalPlans.avgDays === null ? null : (figures.finalPlans.avgDays / 7).toFixed(1),
      links: { decided: link('decided'), decidedOnTime: link('decidedOnTime'), decidedLate: link('decidedLate'), finalPlans: link('finalPlans'), finalOnTime: link('finalOnTime'), finalLate: link('finalLate'), overdue: '/staff?due=overdue' },
    });
  });
}

/** Page numbers around the current one, with 0 for "…" (the GOV.UK pagination pattern). */
export function paginationItems(page: number, pages: number): number[] {
  const wanted = new Set([1, pages, page - 1, page, page + 1].filter((n) => n >= 1 && n <= pages));
  const sorted = [...wanted].sort((a, b) => a - b);
  const out: number[] = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && n - last > 1) out.push(0);
    out.push(n);
  }
  return out;
}
