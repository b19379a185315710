import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import { addDays, daysBetween } from '../../domain/dates.js';
import { type CaseEvent, type CaseEventType, computeTimeline, type ExceptionData, type Timeline, validateException } from '../../domain/timeline.js';
import { applyAction, type CaseAction, type CaseStage, carriesAppealRights, eventTypeFor, isClosedStage, lastStepDate, requiresReason } from '../../domain/workflow.js';
import { audit } from '../../platform/audit.js';
import type { FileStore } from '../../platform/files.js';
import type { Mailer } from '../../platform/mail/outbox.js';
import { formatDate, londonDate } from '../../platform/time.js';
import type { CurrentUser } from '../../platform/types.js';
import { checkUpload } from '../../platform/uploads.js';
import * as repo from './repo.js';
import type { CaseEventRow, CaseRow, QueueFilter } from './repo.js';

/** Actions whose letter or notice goes with a plan document the caseworker uploads. */
export const ACTIONS_WITH_DOCUMENT: readonly CaseAction[] = ['draft_plan_issued', 'final_plan_issued'];

export interface CaseDeps {
  db: Db;
  mailer: Mailer;
  files: FileStore;
  config: Pick<Config, 'baseUrl'>;
  now: () => Date;
}

export type ActionResult =
  | { ok: true; eventId: string }
  | { ok: false; problem: 'notAllowed' | 'reasonRequired' | 'dateInvalid' | 'documentRequired' | 'documentType' | 'changedMeanwhile' }
  | { ok: false; problem: 'dateBeforeLastStep'; notBefore: string };

/** Events as the timeline module reads them. */
export function toTimelineEvents(rows: CaseEventRow[]): CaseEvent[] {
  return rows
    .filter((r) => !(r.data && (JSON.parse(r.data) as { cancelled?: boolean }).cancelled))
    .map((r) => {
    const data = r.data ? (JSON.parse(r.data) as Record<string, unknown>) : undefined;
    if (r.type === 'exception') return { type: 'exception', date: r.on_date, id: r.id, data: data as unknown as ExceptionData };
    return { type: r.type as Exclude<CaseEventType, 'exception'>, date: r.on_date, id: (data?.relatedId as string | undefined) ?? r.id, data };
    });
}

/** The earliest due date of advice still awaited (what the queue's "Advice overdue" flag reads), or null. */
function earliestOpenAdvice(timeline: Timeline): string | null {
  return timeline.milestones.filter((m) => m.key === 'advice' && (m.state === 'due' || m.state === 'overdue')).map((m) => m.dueOn).sort()[0] ?? null;
}

/**
 * Case work: the statutory process a request goes through after it is submitted. Staff may see every
 * case (they are the council's SEN team); a family sees only cases of children they are linked to.
 */
export class CaseService {
  constructor(private d: CaseDeps) {}

  private get db() {
    return this.d.db;
  }
  today(): string {
    return londonDate(this.d.now());
  }

  queue(filter: Omit<QueueFilter, 'today' | 'weekAhead'>, page: number) {
    const today = this.today();
    return repo.queuePage(this.db, { ...filter, today, weekAhead: addDays(today, 7) }, page);
  }

  findById(id: string) {
    return repo.findCase(this.db, id);
  }

  /** The case, only if this family member is linked to its child; refusals are audited. */
  async caseForFamily(user: CurrentUser, reference: string, request?: FastifyRequest): Promise<CaseRow | undefined> {
    const row = await repo.findCaseByReference(this.db, reference.toUpperCase());
    const linked = row
      ? await this.db.selectFrom('child_links').select('user_id').where('child_id', '=', row.child_id).where('user_id', '=', user.id).executeTakeFirst()
      : undefined;
    if (!row || !linked) {
      await audit(this.db, { action: 'access.refused', actorId: user.id, subjectType: 'case', subjectId: reference, at: this.d.now() }, request);
      return undefined;
    }
    return row;
  }

  events(caseRow: CaseRow) {
    return repo.eventsOf(this.db, caseRow.id);
  }

  async timeline(caseRow: CaseRow, events?: CaseEventRow[]): Promise<Timeline> {
    const rows = events ?? (await repo.eventsOf(this.db, caseRow.id));
    const child = await this.db.selectFrom('children').select('date_of_birth').where('id', '=', caseRow.child_id).executeTakeFirst();
    return computeTimeline({ receivedOn: caseRow.received_on, events: toTimelineEvents(rows), today: this.today(), childDateOfBirth: child?.date_of_birth });
  }

  /** The nearest council deadline still open: what the queue sorts on. Closed cases have none. */
  private nextDue(stage: CaseStage, timeline: Timeline): string | null {
    if (isClosedStage(stage)) return null;
    const open = timeline.milestones.filter((m) => m.owner === 'council' && (m.state === 'due' || m.state === 'overdue')).map((m) => m.dueOn);
    return open.sort()[0] ?? null;
  }

  /**
   * A move in the statutory process: checked against the workflow, recorded as an event (who, when, on what
   * date), audited, and told to the family by email in their language. Draft and final plans carry a PDF.
   */
  async act(
    staff: CurrentUser,
    caseRow: CaseRow,
    input: { action: CaseAction; date: string; reasons: string; document?: { name: string; data: Buffer; truncated: boolean }; composed?: boolean },
    request?: FastifyRequest,
  ): Promise<ActionResult> {
    const stage = caseRow.stage as CaseStage;
    const move = applyAction(stage, input.action);
    if (!move.ok) return { ok: false, problem: 'notAllowed' };
    const today = this.today();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date) || input.date > today || input.date < caseRow.received_on) return { ok: false, problem: 'dateInvalid' };
    const lastStep = lastStepDate((await repo.eventsOf(this.db, caseRow.id)).map((e) => ({ type: e.type, date: e.on_date })));
    if (lastStep && input.date < lastStep) return { ok: false, problem: 'dateBeforeLastStep', notBefore: lastStep };
    if (requiresReason(input.action) && !input.reasons.trim()) return { ok: false, problem: 'reasonRequired' };
    let storedKey: string | undefined;
    let documentMeta: { name: string; size: number } | undefined;
    // A plan composed in the portal is its own document; otherwise the caseworker uploads the plan as a PDF.
    if (ACTIONS_WITH_DOCUMENT.includes(input.action) && !input.composed) {
      if (!input.document) return { ok: false, problem: 'documentRequired' };
      const checked = await checkUpload(input.document.name, input.document.data, input.document.truncated);
      if (!checked.ok || checked.ext !== 'pdf') return { ok: false, problem: 'documentType' };
      storedKey = await this.d.files.put(input.document.data);
      documentMeta = { name: checked.name, size: input.document.data.length };
    }
    const now = this.d.now();
    try {
      const result = await this.db.transaction().execute(async (trx) => {
        const eventType = eventTypeFor(input.action);
        const eventId = await repo.insertEvent(trx, { caseId: caseRow.id, type: eventType, onDate: input.date, actorId: staff.id, data: { reasons: input.reasons.trim() || undefined }, at: now.toISOString() });
        const events = await repo.eventsOf(trx, caseRow.id);
        const child = await trx.selectFrom('children').selectAll().where('id', '=', caseRow.child_id).executeTakeFirstOrThrow();
        const timeline = computeTimeline({ receivedOn: caseRow.received_on, events: toTimelineEvents(events), today, childDateOfBirth: child.date_of_birth });
        const changes: Partial<CaseRow> = { stage: move.next, next_due_on: this.nextDue(move.next, timeline), advice_due_on: earliestOpenAdvice(timeline), updated_at: now.toISOString() };
        if (input.action === 'decision_to_assess' || input.action === 'decision_not_to_assess') {
          changes.decided_on = input.date;
          changes.decision_days = daysBetween(caseRow.received_on, input.date);
        }
        if (input.action === 'final_plan_issued') {
          changes.final_plan_on = input.date;
          changes.final_plan_days = daysBetween(caseRow.received_on, input.date);
        }
        if (isClosedStage(move.next)) changes.closed_on = input.date;
        if (!(await repo.moveStage(trx, caseRow.id, stage, changes))) throw new ChangedMeanwhile();
        if (storedKey && documentMeta) {
          await trx
            .insertInto('documents')
            .values({ id: eventId, owner_type: 'case', owner_id: caseRow.id, uploaded_by: staff.id, filename: documentMeta.name, content_type: 'application/pdf', size: documentMeta.size, storage_key: storedKey, kind: input.action === 'draft_plan_issued' ? 'draft_plan' : 'final_plan', created_at: now.toISOString() })
            .execute();
        }
        const adults = await trx
          .selectFrom('child_links')
          .innerJoin('users', 'users.id', 'child_links.user_id')
          .select(['users.email', 'users.lang', 'users.first_name'])
          .where('child_links.child_id', '=', caseRow.child_id)
          .execute();
        for (const adult of adults) {
          const f = (d: string | undefined) => (d ? formatDate(d, adult.lang) : '');
          await this.d.mailer.enqueue(trx, {
            to: adult.email,
            lang: adult.lang,
            template: `case_${input.action}`,
            data: {
              name: adult.first_name,
              child: child.first_name,
              reference: caseRow.reference,
              date: f(input.date),
              finalBy: f(caseRow.final_plan_due_on),
              commentsBy: f(timeline.milestones.find((m) => m.key === 'draft_comments')?.dueOn),
              mediationBy: carriesAppealRights(input.action) ? f(timeline.appeal?.mediationBy) : '',
              tribunalBy: carriesAppealRights(input.action) ? f(timeline.appeal?.tribunalBy) : '',
              link: `${this.d.config.baseUrl}/send/cases/${caseRow.reference}`,
            },
          });
        }
        await audit(trx, { action: `case.${input.action}`, actorId: staff.id, subjectType: 'case', subjectId: caseRow.id, detail: { date: input.date, from: stage, to: move.next }, at: now }, request);
        return { ok: true as const, eventId };
      });
      return result;
    } catch (err) {
      if (storedKey) await this.d.files.delete(storedKey);
      if (err instanceof ChangedMeanwhile) return { ok: false, problem: 'changedMeanwhile' };
      throw err;
    }
  }

  /**
   * Recomputes the dates the queue sorts and flags on (next statutory date, earliest open advice) after
   * something changed the case's events. Pass the transaction of the change.
   */
  async refreshDates(db: Db, caseId: string): Promise<void> {
    const row = await repo.findCase(db, caseId);
    if (!row) return;
    const events = await repo.eventsOf(db, caseId);
    const child = await db.selectFrom('children').select('date_of_birth').where('id', '=', row.child_id).executeTakeFirst();
    const timeline = computeTimeline({ receivedOn: row.received_on, events: toTimelineEvents(events), today: this.today(), childDateOfBirth: child?.date_of_birth });
    await repo.updateCase(db, caseId, { next_due_on: this.nextDue(row.stage as CaseStage, timeline), advice_due_on: earliestOpenAdvice(timeline), updated_at: this.d.now().toISOString() });
  }

  cancelEventsFor(db: Db, caseId: string, relatedId: string) {
    return repo.cancelEventsFor(db, caseId, relatedId);
  }

  recordEvent(db: Db, e: { caseId: string; type: string; onDate: string; actorId: string | null; data?: unknown }) {
    return repo.insertEvent(db, { ...e, at: this.d.now().toISOString() });
  }

  /** Records a reg 10(4)-type exception. It moves no date; the family sees it and why. */
  async recordException(staff: CurrentUser, caseRow: CaseRow, data: ExceptionData, request?: FastifyRequest): Promise<{ ok: true } | { ok: false; problems: string[] }> {
    const problems = validateException(data);
    if (problems.length) return { ok: false, problems };
    const now = this.d.now();
    await this.db.transaction().execute(async (trx) => {
      await repo.insertEvent(trx, { caseId: caseRow.id, type: 'exception', onDate: data.from, actorId: staff.id, data, at: now.toISOString() });
      await repo.updateCase(trx, caseRow.id, { updated_at: now.toISOString() });
      await audit(trx, { action: 'case.exception_recorded', actorId: staff.id, subjectType: 'case', subjectId: caseRow.id, detail: { type: data.exceptionType }, at: now }, request);
    });
    return { ok: true };
  }

  async addNote(staff: CurrentUser, caseRow: CaseRow, body: string, request?: FastifyRequest) {
    const now = this.d.now();
    await this.db.transaction().execute(async (trx) => {
      await repo.insertNote(trx, { caseId: caseRow.id, authorId: staff.id, body, at: now.toISOString() });
      await audit(trx, { action: 'case.note_added', actorId: staff.id, subjectType: 'case', subjectId: caseRow.id, at: now }, request);
    });
  }

  notes(caseRow: CaseRow) {
    return repo.notesOf(this.db, caseRow.id);
  }

  staff() {
    return repo.staffList(this.db);
  }

  async assign(staff: CurrentUser, caseRow: CaseRow, assigneeId: string | null, request?: FastifyRequest): Promise<boolean> {
    if (assigneeId && !(await repo.staffList(this.db)).some((s) => s.id === assigneeId)) return false;
    const now = this.d.now();
    await this.db.transaction().execute(async (trx) => {
      await repo.updateCase(trx, caseRow.id, { assigned_to: assigneeId, updated_at: now.toISOString() });
      await audit(trx, { action: 'case.assigned', actorId: staff.id, subjectType: 'case', subjectId: caseRow.id, detail: { to: assigneeId }, at: now }, request);
    });
    return true;
  }

  async recordView(user: CurrentUser, caseRow: CaseRow, request?: FastifyRequest) {
    await audit(this.db, { action: 'case.viewed', actorId: user.id, subjectType: 'case', subjectId: caseRow.id, at: this.d.now() }, request);
  }

  auditLog(caseRow: CaseRow) {
    return repo.caseAudit(this.db, caseRow.id, [caseRow.request_id]);
  }

  dashboard(from: string, to: string) {
    return repo.dashboardFigures(this.db, from, to, this.today());
  }
}

class ChangedMeanwhile extends Error {}
