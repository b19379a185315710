import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { PlanResponsesTable, PlansTable } from '../../db/schema.js';
import { addDays } from '../../domain/dates.js';
import { missingSections, PLAN_SECTIONS, type PlanKind, type PlanSection, RESPONSE_DAYS, sectionsForIssue } from '../../domain/plan.js';
import { audit } from '../../platform/audit.js';
import type { Mailer } from '../../platform/mail/outbox.js';
import { formatDate } from '../../platform/time.js';
import type { CurrentUser } from '../../platform/types.js';
import type { CaseRow } from '../cases/repo.js';
import type { CaseService } from '../cases/service.js';

export type PlanRow = Selectable<PlansTable>;
export type PlanResponseRow = Selectable<PlanResponsesTable>;
export type Sections = Partial<Record<PlanSection, string>>;

export interface PlanDeps {
  db: Db;
  mailer: Mailer;
  cases: CaseService;
  config: { baseUrl: string };
  now: () => Date;
}

/** Which workflow action issuing each kind of version records on the case. */
const ISSUE_ACTION = { draft: 'draft_plan_issued', final: 'final_plan_issued' } as const;
const REVIEW_EVENT = { amendment: 'amendments_proposed', amended: 'amended_plan_issued' } as const;

/**
 * EHC plans: composed section by section, issued as versions that never change, read and downloaded by the
 * family, who reply to a draft (or proposed amendments) within at least 15 days; and annual reviews.
 */
export class PlanService {
  constructor(private d: PlanDeps) {}

  private get db() {
    return this.d.db;
  }

  versions(caseId: string) {
    return this.db.selectFrom('plans').selectAll().where('case_id', '=', caseId).orderBy('version').execute();
  }

  issuedVersions(caseId: string) {
    return this.db.selectFrom('plans').selectAll().where('case_id', '=', caseId).where('state', '=', 'issued').orderBy('version').execute();
  }

  /** Plans the SEN Team uploaded as PDFs instead of composing them in the portal, with the date each was issued, oldest first. */
  uploadedPlans(caseId: string) {
    // Such a document has the id of the case event that issued it.
    return this.db
      .selectFrom('documents')
      .innerJoin('case_events', 'case_events.id', 'documents.id')
      .select(['documents.id', 'documents.filename', 'documents.kind', 'case_events.on_date'])
      .where('documents.owner_type', '=', 'case')
      .where('documents.owner_id', '=', caseId)
      .where('documents.kind', 'in', ['draft_plan', 'final_plan'])
      .orderBy('documents.created_at')
      .execute();
  }

  version(caseId: string, version: number) {
    return this.db.selectFrom('plans').selectAll().where('case_id', '=', caseId).where('version', '=', version).executeTakeFirst();
  }

  composing(caseId: string) {
    return this.db.selectFrom('plans').selectAll().where('case_id', '=', caseId).where('state', '=', 'composing').executeTakeFirst();
  }

  sections(plan: PlanRow): Sections {
    return JSON.parse(plan.sections) as Sections;
  }

  /** Which kind of version the case's stage calls for next, if any. */
  async nextKind(caseRow: CaseRow): Promise<PlanKind | undefined> {
    if (caseRow.stage === 'assessment') return 'draft';
    if (caseRow.stage === 'draft_plan') return 'final';
    if (caseRow.stage === 'plan_maintained') {
      const review = await this.openAmendReview(caseRow.id);
      if (!review) return undefined;
      const versions = await this.issuedVersions(caseRow.id);
      const last = versions[versions.length - 1];
      return last?.kind === 'amendment' ? 'amended' : 'amendment';
    }
    return undefined;
  }

  /**
   * Starts composing the next version. A first draft is pre-filled from what the assessment gathered:
   * Section A from the family's advice, Section K listing the advice received; later versions start from
   * the latest issued one.
   */
  async startComposing(staff: CurrentUser, caseRow: CaseRow, request: FastifyRequest): Promise<PlanRow | undefined> {
    const existing = await this.composing(caseRow.id);
    if (existing) return existing;
    const kind = await this.nextKind(caseRow);
    if (!kind) return undefined;
    const versions = await this.versions(caseRow.id);
    const latest = [...versions].reverse().find((v) => v.state === 'issued');
    const sections = latest ? this.sections(latest) : await this.prefill(caseRow, request);
    const now = this.d.now().toISOString();
    const row: PlanRow = {
      id: randomUUID(),
      case_id: caseRow.id,
      version: (versions[versions.length - 1]?.version ?? 0) + 1,
      kind,
      state: 'composing',
      sections: JSON.stringify(sections),
      issued_on: null,
      response_due_on: null,
      created_by: staff.id,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('plans').values(row).execute();
    await audit(this.db, { action: 'plan.composing_started', actorId: staff.id, subjectType: 'case', subjectId: caseRow.id, detail: { version: row.version, kind }, at: this.d.now() }, request);
    return row;
  }

  /** Section K is written in the caseworker's language, with dates as people write them. */
  private async prefill(caseRow: CaseRow, request: FastifyRequest): Promise<Sections> {
    const { t, lang } = request;
    const subs = await this.db.selectFrom('advice_submissions').selectAll().where('case_id', '=', caseRow.id).where('status', '=', 'submitted').orderBy('submitted_on').execute();
    const requests = await this.db.selectFrom('advice_requests').selectAll().where('case_id', '=', caseRow.id).execute();
    const family = subs.filter((s) => s.kind === 'family').map((s) => JSON.parse(s.content) as Record<string, string>);
    const A = family
      .map((f) => [f.aboutMyChild, f.views, f.aspirations].filter(Boolean).join('\n\n'))
      .filter(Boolean)
      .join('\n\n');
    const K = subs
      .map((s) => {
        const r = requests.find((q) => q.id === s.advice_request_id);
        const date = formatDate(s.submitted_on as string, lang);
        return r
          ? t('plans:prefill.adviceReceived.professional', { name: r.name, organisation: r.organisation, role: t(`advice:options.role.${r.role}`), date })
          : t('plans:prefill.adviceReceived.family', { date });
      })
      .join('\n');
    return { A, K };
  }

  /** Saves sections of the version being composed. Issued versions are never changed (returns false). */
  async saveSections(plan: PlanRow, changes: Sections): Promise<boolean> {
    const sections = { ...this.sections(plan), ...changes };
    const res = await this.db
      .updateTable('plans')
      .set({ sections: JSON.stringify(sections), updated_at: this.d.now().toISOString() })
      .where('id', '=', plan.id)
      .where('state', '=', 'composing')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * Issues the version being composed: it is frozen, the family is told (a draft or proposed amendments
   * with the date their comments are due), and the case moves on through the workflow.
   */
  async issue(staff: CurrentUser, caseRow: CaseRow, plan: PlanRow, request?: FastifyRequest): Promise<{ ok: true } | { ok: false; problem: 'missing'; sections: PlanSection[] } | { ok: false; problem: 'workflow' | 'issued' }> {
    const kind = plan.kind as PlanKind;
    const sections = sectionsForIssue(kind, this.sections(plan));
    const missing = missingSections(kind, sections);
    if (missing.length) return { ok: false, problem: 'missing', sections: missing };
    // Amendments belong to a plan still maintained: once it has ceased (on the case page), nothing more is sent.
    if ((kind === 'amendment' || kind === 'amended') && caseRow.stage !== 'plan_maintained') return { ok: false, problem: 'workflow' };
    const today = this.d.cases.today();
    const responseDue = kind === 'draft' || kind === 'amendment' ? addDays(today, RESPONSE_DAYS) : null;
    // Read before this version is issued: issuing an amended plan closes the review it answers.
    const review = kind === 'amendment' || kind === 'amended' ? await this.openAmendReview(caseRow.id) : undefined;
    const res = await this.db
      .updateTable('plans')
      .set({ state: 'issued', sections: JSON.stringify(sections), issued_on: today, response_due_on: responseDue, updated_at: this.d.now().toISOString() })
      .where('id', '=', plan.id)
      .where('state', '=', 'composing')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return { ok: false, problem: 'issued' };
    if (kind === 'draft' || kind === 'final') {
      const acted = await this.d.cases.act(staff, caseRow, { action: ISSUE_ACTION[kind], date: today, reasons: '', composed: true }, request);
      if (!acted.ok) {
        await this.db.updateTable('plans').set({ state: 'composing', issued_on: null, response_due_on: null }).where('id', '=', plan.id).execute();
        return { ok: false, problem: 'workflow' };
      }
    } else {
      await this.db.transaction().execute(async (trx) => {
        await this.d.cases.recordEvent(trx, { caseId: caseRow.id, type: REVIEW_EVENT[kind], onDate: today, actorId: staff.id, data: { relatedId: review?.id } });
        await this.d.cases.refreshDates(trx, caseRow.id);
        await this.tellFamily(trx, caseRow, kind === 'amendment' ? 'planAmendmentsProposed' : 'planAmended', responseDue ?? '');
        await audit(trx, { action: `plan.${kind}_issued`, actorId: staff.id, subjectType: 'case', subjectId: caseRow.id, detail: { version: plan.version }, at: this.d.now() }, request);
      });
    }
    await audit(this.db, { action: 'plan.issued', actorId: staff.id, subjectType: 'case', subjectId: caseRow.id, detail: { version: plan.version, kind }, at: this.d.now() }, request);
    return { ok: true };
  }

  private async tellFamily(db: Db, caseRow: CaseRow, template: string, respondBy: string) {
    const child = await db.selectFrom('children').select('first_name').where('id', '=', caseRow.child_id).executeTakeFirstOrThrow();
    const adults = await db
      .selectFrom('child_links')
      .innerJoin('users', 'users.id', 'child_links.user_id')
      .select(['users.email', 'users.lang', 'users.first_name'])
      .where('child_links.child_id', '=', caseRow.child_id)
      .execute();
    for (const a of adults) {
      await this.d.mailer.enqueue(db, {
        to: a.email,
        lang: a.lang,
        template,
        data: { name: a.first_name, child: child.first_name, reference: caseRow.reference, respondBy: respondBy ? formatDate(respondBy, a.lang) : '', link: `${this.d.config.baseUrl}/send/cases/${caseRow.reference}/plan` },
      });
    }
  }

  // ---- The family's reply to a draft or to proposed amendments -------------------------------------------
  response(planId: string) {
    return this.db.selectFrom('plan_responses').selectAll().where('plan_id', '=', planId).executeTakeFirst();
  }

  canReply(plan: PlanRow): boolean {
    return plan.state === 'issued' && (plan.kind === 'draft' || plan.kind === 'amendment');
  }

  /** canReply(), and the version is still the latest issued: a draft superseded by the final plan takes no reply. */
  async replyOpen(plan: PlanRow): Promise<boolean> {
    if (!this.canReply(plan)) return false;
    const latest = await this.db.selectFrom('plans').select('id').where('case_id', '=', plan.case_id).where('state', '=', 'issued').orderBy('version', 'desc').executeTakeFirst();
    return latest?.id === plan.id;
  }

  /** The family's reply: comments per section, a school to name, a meeting. A late reply is kept and flagged. */
  async reply(user: CurrentUser, caseRow: CaseRow, plan: PlanRow, input: { comments: Sections; school: string; meeting: 'yes' | 'no' }, request?: FastifyRequest): Promise<'ok' | 'closed' | 'already'> {
    if (!(await this.replyOpen(plan))) return 'closed';
    const today = this.d.cases.today();
    const late = plan.response_due_on !== null && today > plan.response_due_on;
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('plan_responses')
          .values({ id: randomUUID(), plan_id: plan.id, author_id: user.id, comments: JSON.stringify(input.comments), school: input.school || null, meeting: input.meeting, submitted_on: today, late: late ? 1 : 0, created_at: this.d.now().toISOString() })
          .execute();
        await audit(trx, { action: 'plan.reply', actorId: user.id, subjectType: 'case', subjectId: caseRow.id, detail: { version: plan.version, late }, at: this.d.now() }, request);
        const staff = caseRow.assigned_to ? await trx.selectFrom('users').select(['email', 'lang', 'first_name']).where('id', '=', caseRow.assigned_to).executeTakeFirst() : undefined;
        if (staff) {
          await this.d.mailer.enqueue(trx, { to: staff.email, lang: staff.lang, template: 'planReplyReceived', data: { name: staff.first_name, reference: caseRow.reference, link: `${this.d.config.baseUrl}/staff/cases/${caseRow.id}/plan/${plan.version}` } });
        }
      });
      return 'ok';
    } catch (err) {
      // The unique plan_id: a second reply (double click, second parent) is refused, not duplicated.
      if (await this.response(plan.id)) return 'already';
      throw err;
    }
  }

  async recordView(user: CurrentUser, caseRow: CaseRow, plan: PlanRow, what: 'viewed' | 'downloaded', request?: FastifyRequest) {
    await audit(this.db, { action: `plan.${what}`, actorId: user.id, subjectType: 'case', subjectId: caseRow.id, detail: { version: plan.version }, at: this.d.now() }, request);
  }

  // ---- Annual reviews ----------------------------------------------------------------------------------
  reviews(caseId: string) {
    return this.db.selectFrom('reviews').selectAll().where('case_id', '=', caseId).orderBy('meeting_on').execute();
  }

  /** The review whose decision was to amend, while its amendment is not yet final. */
  async openAmendReview(caseId: string, db: Db = this.db) {
    const reviews = await db.selectFrom('reviews').selectAll().where('case_id', '=', caseId).where('decision', '=', 'amend').orderBy('meeting_on', 'desc').execute();
    const latest = reviews[0];
    if (!latest) return undefined;
    const finals = await db.selectFrom('plans').select('issued_on').where('case_id', '=', caseId).where('kind', '=', 'amended').where('state', '=', 'issued').where('issued_on', '>=', latest.decided_on ?? '').execute();
    return finals.length ? undefined : latest;
  }

  /** Records the review meeting: the 4-week clock for the decision starts. */
  async recordReviewMeeting(staff: CurrentUser, caseRow: CaseRow, meetingOn: string, request?: FastifyRequest): Promise<boolean> {
    if (caseRow.stage !== 'plan_maintained' || meetingOn > this.d.cases.today()) return false;
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('reviews').values({ id, case_id: caseRow.id, meeting_on: meetingOn, decision: null, decided_on: null, reasons: null, created_by: staff.id, created_at: this.d.now().toISOString() }).execute();
      await this.d.cases.recordEvent(trx, { caseId: caseRow.id, type: 'review_meeting', onDate: meetingOn, actorId: staff.id, data: { relatedId: id } });
      await this.d.cases.refreshDates(trx, caseRow.id);
      await audit(trx, { action: 'review.meeting_recorded', actorId: staff.id, subjectType: 'case', subjectId: caseRow.id, detail: { meetingOn }, at: this.d.now() }, request);
    });
    return true;
  }

  /** The decision after a review: keep, amend (amendments follow as new versions) or cease (the workflow's cease). */
  async decideReview(staff: CurrentUser, caseRow: CaseRow, decision: 'keep' | 'amend' | 'cease', reasons: string, request?: FastifyRequest): Promise<'ok' | 'noMeeting' | 'reasonRequired' | 'workflow'> {
    if (caseRow.stage !== 'plan_maintained') return 'workflow';
    const open = await this.db.selectFrom('reviews').selectAll().where('case_id', '=', caseRow.id).where('decision', 'is', null).orderBy('meeting_on', 'desc').executeTakeFirst();
    if (!open) return 'noMeeting';
    if ((decision === 'cease' || decision === 'amend') && !reasons.trim()) return 'reasonRequired';
    const today = this.d.cases.today();
    if (decision === 'cease') {
      const acted = await this.d.cases.act(staff, caseRow, { action: 'cease', date: today, reasons }, request);
      if (!acted.ok) return 'workflow';
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('reviews').set({ decision, decided_on: today, reasons: reasons.trim() || null }).where('id', '=', open.id).execute();
      await this.d.cases.recordEvent(trx, { caseId: caseRow.id, type: 'review_decision', onDate: today, actorId: staff.id, data: { relatedId: open.id, decision } });
      await this.d.cases.refreshDates(trx, caseRow.id);
      if (decision !== 'cease') await this.tellFamily(trx, caseRow, decision === 'keep' ? 'reviewKeep' : 'reviewAmend', '');
      await audit(trx, { action: `review.${decision}`, actorId: staff.id, subjectType: 'case', subjectId: caseRow.id, at: this.d.now() }, request);
    });
    return 'ok';
  }

  /** Reminds the caseworker (or the SEN team) 8 weeks before a review is due, once per due date. */
  async remindReviews(): Promise<number> {
    const today = this.d.cases.today();
    const cases = await this.db.selectFrom('cases').selectAll().where('stage', '=', 'plan_maintained').where('next_due_on', '<=', addDays(today, 56)).execute();
    let sent = 0;
    for (const c of cases) {
      const timeline = await this.d.cases.timeline(c);
      const review = timeline.milestones.find((m) => m.key === 'annual_review' && (m.state === 'due' || m.state === 'overdue'));
      if (!review || c.review_reminded_for === review.dueOn || review.dueOn > addDays(today, 56)) continue;
      const staff = c.assigned_to ? await this.db.selectFrom('users').select(['email', 'lang', 'first_name']).where('id', '=', c.assigned_to).executeTakeFirst() : undefined;
      if (!staff) continue;
      await this.db.transaction().execute(async (trx) => {
        await trx.updateTable('cases').set({ review_reminded_for: review.dueOn }).where('id', '=', c.id).execute();
        await this.d.mailer.enqueue(trx, { to: staff.email, lang: staff.lang, template: 'reviewReminder', data: { name: staff.first_name, reference: c.reference, dueOn: formatDate(review.dueOn, staff.lang), link: `${this.d.config.baseUrl}/staff/cases/${c.id}` } });
      });
      sent++;
    }
    return sent;
  }

  static sectionKeys() {
    return PLAN_SECTIONS;
  }
}
