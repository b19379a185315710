import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PLAN_SECTIONS } from '../../domain/plan.js';
import { dateFromParts } from '../../platform/form-engine.js';
import { formFields } from '../../platform/forms.js';
import { formatDate } from '../../platform/time.js';
import type { CurrentUser } from '../../platform/types.js';
import { requireEmailTwoStep, requireRole } from '../account/auth.js';
import type { CaseRow } from '../cases/repo.js';
import type { CaseService } from '../cases/service.js';
import { renderPlanPdf } from './pdf.js';
import type { PlanRow, PlanService, Sections } from './service.js';

const me = (request: FastifyRequest) => request.user as CurrentUser;
const MAX_SECTION = 20_000;

/** The view model of one version, for the staff and family pages and the PDF. */
function versionModel(request: FastifyRequest, plans: PlanService, plan: PlanRow) {
  const sections = plans.sections(plan);
  return {
    version: plan.version,
    kind: plan.kind,
    kindText: request.t(`plans:kinds.${plan.kind}`),
    state: plan.state,
    issuedOn: plan.issued_on ? formatDate(plan.issued_on, request.lang) : undefined,
    responseDueOn: plan.response_due_on ? formatDate(plan.response_due_on, request.lang) : undefined,
    sections: PLAN_SECTIONS.map((s) => ({ key: s, title: request.t(`plans:sections.${s}`), text: sections[s] ?? '' })),
  };
}

async function sendPdf(request: FastifyRequest, reply: FastifyReply, plans: PlanService, caseRow: CaseRow, plan: PlanRow, childName: string) {
  const t = request.t;
  const pdf = await renderPlanPdf({
    council: request.server.config.councilName,
    title: t('plans:pdf.title', { child: childName }),
    lines: [t('plans:pdf.reference', { reference: caseRow.reference }), t('plans:pdf.version', { version: plan.version, kind: t(`plans:kinds.${plan.kind}`), date: formatDate(plan.issued_on ?? '', request.lang) })],
    sectionTitle: (s) => t(`plans:sections.${s}`),
    sections: plans.sections(plan),
    emptyText: t('plans:empty'),
    lang: request.lang === 'cy' ? 'cy-GB' : 'en-GB',
  });
  await plans.recordView(me(request), caseRow, plan, 'downloaded', request);
  const name = `EHC-plan-${caseRow.reference}-v${plan.version}-${plan.kind}.pdf`;
  return reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(pdf);
}

async function childName(request: FastifyRequest, caseRow: CaseRow) {
  const c = await request.server.db.selectFrom('children').select(['first_name', 'last_name']).where('id', '=', caseRow.child_id).executeTakeFirstOrThrow();
  return `${c.first_name} ${c.last_name}`;
}

/** Caseworkers: compose, issue, read replies; annual reviews. */
export async function planStaffRoutes(app: FastifyInstance, opts: { plans: PlanService; cases: CaseService }) {
  const { plans, cases } = opts;
  app.addHook('preHandler', requireRole('caseworker', 'manager', 'admin'));
  type P = { Params: { id: string; version?: string } };

  async function load(request: FastifyRequest<P>, reply: FastifyReply) {
    const row = await cases.findById(request.params.id);
    if (!row) reply.errorPage(404, 'notFound');
    return row;
  }

  async function planPage(request: FastifyRequest<P>, reply: FastifyReply, row: CaseRow, extra: Record<string, unknown> = {}, status = 200) {
    const versions = await plans.versions(row.id);
    const composing = versions.find((v) => v.state === 'composing');
    const reviews = await plans.reviews(row.id);
    return reply.code(status).render('plans/views/staff-plan', {
      title: request.t('plans:staff.title'),
      caseRow: row,
      child: await childName(request, row),
      versions: versions.filter((v) => v.state === 'issued').map((v) => versionModel(request, plans, v)),
      composing: composing ? versionModel(request, plans, composing) : undefined,
      nextKind: await plans.nextKind(row),
      reviews: reviews.map((r) => ({ meetingOn: formatDate(r.meeting_on, request.lang), decision: r.decision, decidedOn: r.decided_on ? formatDate(r.decided_on, request.lang) : undefined })),
      openReview: reviews.some((r) => !r.decision),
      canReview: row.stage === 'plan_maintained',
      notice: request.session?.take<string>('notice'),
      backLink: `/staff/cases/${row.id}`,
      ...extra,
    });
  }

  app.get<P>('/staff/cases/:id/plan', async (request, reply) => {
    const row = await load(request, reply);
    if (row) return planPage(request, reply, row);
  });

  app.post<P>('/staff/cases/:id/plan/compose', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    if (!(await plans.startComposing(me(request), row, request))) return reply.errorPage(400, 'badRequest');
    return reply.redirect(`/staff/cases/${row.id}/plan#compose`);
  });

  app.post<P>('/staff/cases/:id/plan/sections', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const plan = await plans.composing(row.id);
    if (!plan) return reply.redirect(`/staff/cases/${row.id}/plan`);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const tooLong = PLAN_SECTIONS.filter((s) => typeof body[s] === 'string' && (body[s] as string).length > MAX_SECTION);
    if (tooLong.length) {
      const list = tooLong.map((s) => ({ text: request.t('plans:errors.tooLong', { section: request.t(`plans:sections.${s}`), max: MAX_SECTION }), href: `#section-${s}` }));
      return planPage(request, reply, row, { errors: withFields(list) }, 400);
    }
    await plans.saveSections(plan, collect(body));
    if (body.action === 'issue') {
      const fresh = await plans.composing(row.id);
      const result = fresh ? await plans.issue(me(request), row, fresh, request) : ({ ok: false, problem: 'issued' } as const);
      if (!result.ok) {
        const list = result.problem === 'missing' ? result.sections.map((s) => ({ text: request.t('plans:errors.missing', { section: request.t(`plans:sections.${s}`) }), href: `#section-${s}` })) : [{ text: request.t(`plans:errors.${result.problem}`), href: '#compose' }];
        return planPage(request, reply, row, { errors: withFields(list) }, 400);
      }
      request.ensureSession().set('notice', request.t('plans:staff.issued'));
      return reply.redirect(`/staff/cases/${row.id}/plan`);
    }
    request.ensureSession().set('notice', request.t('plans:staff.saved'));
    return reply.redirect(`/staff/cases/${row.id}/plan#compose`);
  });

  app.get<P>('/staff/cases/:id/plan/:version', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const plan = await plans.version(row.id, Number(request.params.version));
    if (plan?.state !== 'issued') return reply.errorPage(404, 'notFound');
    const response = await plans.response(plan.id);
    await plans.recordView(me(request), row, plan, 'viewed', request);
    return reply.render('plans/views/version', {
      title: request.t('plans:version.title', { version: plan.version, kind: request.t(`plans:kinds.${plan.kind}`) }),
      child: await childName(request, row),
      reference: row.reference,
      plan: versionModel(request, plans, plan),
      response: response ? responseModel(request, response) : undefined,
      pdfHref: `/staff/cases/${row.id}/plan/${plan.version}/pdf`,
      staff: true,
      backLink: `/staff/cases/${row.id}/plan`,
    });
  });

  app.get<P>('/staff/cases/:id/plan/:version/pdf', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const plan = await plans.version(row.id, Number(request.params.version));
    if (plan?.state !== 'issued') return reply.errorPage(404, 'notFound');
    return sendPdf(request, reply, plans, row, plan, await childName(request, row));
  });

  app.post<P>('/staff/cases/:id/reviews/meeting', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const f = formFields(request, ['meeting-day', 'meeting-month', 'meeting-year']);
    const date = dateFromParts(f['meeting-day'], f['meeting-month'], f['meeting-year']);
    if (!date || !(await plans.recordReviewMeeting(me(request), row, date, request))) {
      // The summary links to the day box (GOV.UK date input pattern); the message sits on the whole date.
      const text = request.t('plans:errors.meetingDate');
      return planPage(request, reply, row, { errors: { list: [{ text, href: '#meeting-day' }], fields: { meeting: { text } } } }, 400);
    }
    request.ensureSession().set('notice', request.t('plans:staff.meetingRecorded'));
    return reply.redirect(`/staff/cases/${row.id}/plan`);
  });

  app.post<P>('/staff/cases/:id/reviews/decision', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const { decision, reasons } = formFields(request, ['decision', 'reasons']);
    if (decision !== 'keep' && decision !== 'amend' && decision !== 'cease') {
      return planPage(request, reply, row, { errors: withFields([{ text: request.t('plans:errors.decision'), href: '#decision' }]) }, 400);
    }
    const result = await plans.decideReview(me(request), row, decision, reasons, request);
    if (result !== 'ok') {
      const field = result === 'reasonRequired' ? '#reasons' : '#decision';
      return planPage(request, reply, row, { errors: withFields([{ text: request.t(`plans:errors.${result}`), href: field }]) }, 400);
    }
    request.ensureSession().set('notice', request.t(`plans:staff.decision.${decision}`));
    return reply.redirect(`/staff/cases/${row.id}/plan`);
  });
}

/** An error summary's list with each message also shown by its field (keyed by the id the summary links to). */
function withFields(list: { text: string; href: string }[]) {
  return { list, fields: Object.fromEntries(list.map((l) => [l.href.slice(1), { text: l.text }])) };
}

function collect(body: Record<string, unknown>): Sections {
  return Object.fromEntries(PLAN_SECTIONS.filter((s) => typeof body[s] === 'string').map((s) => [s, String(body[s]).replace(/\r\n/g, '\n')])) as Sections;
}

function responseModel(request: FastifyRequest, r: { comments: string; school: string | null; meeting: string; submitted_on: string; late: number }) {
  const comments = JSON.parse(r.comments) as Sections;
  return {
    submittedOn: formatDate(r.submitted_on, request.lang),
    late: r.late === 1,
    school: r.school,
    meeting: r.meeting === 'yes',
    comments: PLAN_SECTIONS.filter((s) => comments[s]?.trim()).map((s) => ({ key: s, title: request.t(`plans:sections.${s}`), text: comments[s] })),
  };
}

/** Families: read the current plan and every version, download PDFs, reply to a draft. */
export async function planFamilyRoutes(app: FastifyInstance, opts: { plans: PlanService; cases: CaseService }) {
  const { plans, cases } = opts;
  app.addHook('preHandler', requireEmailTwoStep);
  type P = { Params: { reference: string; version?: string } };

  async function load(request: FastifyRequest<P>, reply: FastifyReply) {
    const row = await cases.caseForFamily(me(request), request.params.reference, request);
    if (!row) reply.errorPage(404, 'notFound');
    return row;
  }
  async function loadVersion(request: FastifyRequest<P>, reply: FastifyReply, row: CaseRow) {
    const plan = await plans.version(row.id, Number(request.params.version));
    // Versions being composed are the council's working copies: families see issued versions only.
    if (plan?.state !== 'issued') {
      reply.errorPage(404, 'notFound');
      return undefined;
    }
    return plan;
  }

  app.get<P>('/send/cases/:reference/plan', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const versions = await plans.issuedVersions(row.id);
    const current = versions[versions.length - 1];
    if (current) await plans.recordView(me(request), row, current, 'viewed', request);
    const response = current ? await plans.response(current.id) : undefined;
    // A plan uploaded as a PDF (not composed here) is not a version, but it is the family's plan all the same.
    const uploaded = (await plans.uploadedPlans(row.id)).reverse().map((d) => ({
      text: request.t('plans:family.uploadedItem', { kind: request.t(d.kind === 'draft_plan' ? 'plans:kinds.draft' : 'plans:kinds.final'), date: formatDate(d.on_date, request.lang) }),
      name: d.filename,
      href: `/send/documents/${d.id}`,
    }));
    return reply.render('plans/views/family-plan', {
      uploaded,
      title: request.t('plans:family.title'),
      reference: row.reference,
      child: await childName(request, row),
      current: current ? versionModel(request, plans, current) : undefined,
      canReply: current ? plans.canReply(current) && !response : false,
      replied: response ? responseModel(request, response) : undefined,
      versions: [...versions].reverse().map((v) => versionModel(request, plans, v)),
      notice: request.session?.take<string>('notice'),
      backLink: `/send/cases/${row.reference}`,
    });
  });

  app.get<P>('/send/cases/:reference/plan/:version', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const plan = await loadVersion(request, reply, row);
    if (!plan) return;
    await plans.recordView(me(request), row, plan, 'viewed', request);
    return reply.render('plans/views/version', {
      title: request.t('plans:version.title', { version: plan.version, kind: request.t(`plans:kinds.${plan.kind}`) }),
      child: await childName(request, row),
      reference: row.reference,
      plan: versionModel(request, plans, plan),
      pdfHref: `/send/cases/${row.reference}/plan/${plan.version}/pdf`,
      staff: false,
      backLink: `/send/cases/${row.reference}/plan`,
    });
  });

  app.get<P>('/send/cases/:reference/plan/:version/pdf', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const plan = await loadVersion(request, reply, row);
    if (!plan) return;
    return sendPdf(request, reply, plans, row, plan, await childName(request, row));
  });

  async function replyPage(request: FastifyRequest<P>, reply: FastifyReply, row: CaseRow, plan: PlanRow, values: Record<string, string> = {}, errors?: { list: { text: string; href: string }[]; fields: Record<string, { text: string }> }, status = 200) {
    return reply.code(status).render('plans/views/reply', {
      title: request.t('plans:reply.title'),
      reference: row.reference,
      plan: versionModel(request, plans, plan),
      values,
      errors,
      backLink: `/send/cases/${row.reference}/plan`,
    });
  }

  app.get<P>('/send/cases/:reference/plan/:version/reply', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const plan = await loadVersion(request, reply, row);
    if (!plan) return;
    if (!(await plans.replyOpen(plan)) || (await plans.response(plan.id))) return reply.redirect(`/send/cases/${row.reference}/plan`);
    return replyPage(request, reply, row, plan);
  });

  app.post<P>('/send/cases/:reference/plan/:version/reply', async (request, reply) => {
    const row = await load(request, reply);
    if (!row) return;
    const plan = await loadVersion(request, reply, row);
    if (!plan) return;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    const comments = Object.fromEntries(PLAN_SECTIONS.map((s) => [s, String(values[`comment-${s}`] ?? '').trim()]).filter(([, v]) => v)) as Sections;
    const list: { text: string; href: string }[] = [];
    if (values.meeting !== 'yes' && values.meeting !== 'no') list.push({ text: request.t('plans:errors.meeting'), href: '#meeting' });
    if ((values.school ?? '').length > 300) list.push({ text: request.t('plans:errors.schoolTooLong'), href: '#school' });
    for (const [s, text] of Object.entries(comments)) if ((text as string).length > 5000) list.push({ text: request.t('plans:errors.commentTooLong', { section: request.t(`plans:sections.${s}`) }), href: `#comment-${s}` });
    if (list.length) return replyPage(request, reply, row, plan, values, { list, fields: Object.fromEntries(list.map((l) => [l.href.slice(1), { text: l.text }])) }, 400);
    const result = await plans.reply(me(request), row, plan, { comments, school: (values.school ?? '').trim(), meeting: values.meeting as 'yes' | 'no' }, request);
    request.ensureSession().set('notice', request.t(result === 'ok' ? 'plans:reply.sent' : 'plans:reply.already'));
    return reply.redirect(`/send/cases/${row.reference}/plan`);
  });
}
