import { randomUUID } from 'node:crypto';
import { type Selectable, sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { CaseEventsTable, CasesTable } from '../../db/schema.js';
import { CASE_STAGES } from '../../domain/workflow.js';

export type CaseRow = Selectable<CasesTable>;
export type CaseEventRow = Selectable<CaseEventsTable>;

export const PAGE_SIZE = 25;

export interface QueueFilter {
  stage?: string;
  assignedTo?: string;
  /** 'overdue': past its next date; 'week': due within the next 7 days (inclusive). */
  due?: 'overdue' | 'week';
  search?: string;
  /** Reporting views: the cases behind a dashboard figure. */
  report?: { metric: 'decided' | 'decidedOnTime' | 'decidedLate' | 'finalPlans' | 'finalOnTime' | 'finalLate'; from: string; to: string };
  openOnly?: boolean;
  today: string;
  weekAhead: string;
}

const CLOSED = ['closed_not_assessed', 'closed_no_plan', 'ceased', 'withdrawn'];
/** The same split the other way round. Counting `stage in OPEN` reads only the open part of the (stage, next_due_on)
 * index (100,000 cases: SQLite 8.5 → 1.7 ms, PostgreSQL 8.8 → 3.2 ms); listing keeps `not in CLOSED`, with which
 * both planners walk the queue's order index instead of sorting every open case. */
const OPEN = CASE_STAGES.filter((s) => !CLOSED.includes(s));

function applyFilter(db: Db, f: QueueFilter, purpose: 'list' | 'count' = 'list') {
  let q = db.selectFrom('cases');
  if (f.stage) q = q.where('stage', '=', f.stage);
  else if (f.openOnly) q = purpose === 'count' ? q.where('stage', 'in', OPEN) : q.where('stage', 'not in', CLOSED);
  if (f.assignedTo) q = q.where('assigned_to', '=', f.assignedTo);
  if (f.due === 'overdue') q = q.where('next_due_on', '<', f.today);
  if (f.due === 'week') q = q.where('next_due_on', '>=', f.today).where('next_due_on', '<=', f.weekAhead);
  if (f.search) {
    const term = f.search.trim().toLowerCase();
    if (/^ehc-/i.test(term)) q = q.where('reference', '=', term.toUpperCase());
    else {
      // What was typed is matched as text: % and _ are not wildcards here.
      const typed = term.replace(/[\\%_]/g, (c) => `\\${c}`);
      q = q.where((eb) => eb.or([sql<boolean>`child_name like ${`${typed}%`} escape '\\'`, sql<boolean>`child_name like ${`% ${typed}%`} escape '\\'`]));
    }
  }
  if (f.report) {
    const { metric, from, to } = f.report;
    if (metric.startsWith('decided')) {
      q = q.where('decided_on', '>=', from).where('decided_on', '<=', to);
      if (metric === 'decidedOnTime') q = q.whereRef('decided_on', '<=', 'decision_due_on');
      if (metric === 'decidedLate') q = q.whereRef('decided_on', '>', 'decision_due_on');
    } else {
      q = q.where('final_plan_on', '>=', from).where('final_plan_on', '<=', to);
      if (metric === 'finalOnTime') q = q.whereRef('final_plan_on', '<=', 'final_plan_due_on');
      if (metric === 'finalLate') q = q.whereRef('final_plan_on', '>', 'final_plan_due_on');
    }
  }
  return q;
}

/** One page of the work queue, most urgent first: the nearest statutory date, then the oldest request. */
export async function queuePage(db: Db, f: QueueFilter, page: number) {
  const [rows, count] = await Promise.all([
    applyFilter(db, f)
      .leftJoin('users', 'users.id', 'cases.assigned_to')
      .select(['cases.id', 'cases.reference', 'cases.child_name', 'cases.stage', 'cases.received_on', 'cases.next_due_on', 'cases.advice_due_on', 'cases.assigned_to', 'users.first_name as assignee_first', 'users.last_name as assignee_last'])
      // Closed cases have no next date; open ones always do. This order is the cases_queue_order index's, so a page is read off it.
      // Dateless (closed) cases come last on both databases (SQLite would put NULLs first).
      .orderBy('cases.next_due_on', (ob) => ob.asc().nullsLast())
      .orderBy('cases.received_on')
      .orderBy('cases.id')
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE)
      .execute(),
    applyFilter(db, f, 'count')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export function findCase(db: Db, id: string) {
  return db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findCaseByReference(db: Db, reference: string) {
  return db.selectFrom('cases').selectAll().where('reference', '=', reference).executeTakeFirst();
}

export function eventsOf(db: Db, caseId: string) {
  return db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('on_date').orderBy('created_at').execute();
}

export async function insertEvent(db: Db, e: { caseId: string; type: string; onDate: string; actorId: string | null; data?: unknown; at: string }): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('case_events')
    .values({ id, case_id: e.caseId, type: e.type, on_date: e.onDate, actor_id: e.actorId, data: e.data === undefined ? null : JSON.stringify(e.data), created_at: e.at })
    .execute();
  return id;
}

export async function updateCase(db: Db, id: string, changes: Partial<Omit<CaseRow, 'id' | 'reference' | 'created_at'>>) {
  await db.updateTable('cases').set(changes).where('id', '=', id).execute();
}

/** Moves a case on only from the stage it was read at: two caseworkers acting at once cannot both win. */
export async function moveStage(db: Db, id: string, from: string, changes: Partial<Omit<CaseRow, 'id' | 'reference' | 'created_at'>>): Promise<boolean> {
  const res = await db.updateTable('cases').set(changes).where('id', '=', id).where('stage', '=', from).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Marks the events of a withdrawn advice request as cancelled, so the timeline no longer counts them. */
export async function cancelEventsFor(db: Db, caseId: string, relatedId: string) {
  const rows = await db.selectFrom('case_events').select(['id', 'data']).where('case_id', '=', caseId).where('type', 'in', ['advice_requested', 'advice_received']).execute();
  for (const r of rows) {
    const data = r.data ? (JSON.parse(r.data) as Record<string, unknown>) : {};
    if (data.relatedId === relatedId) await db.updateTable('case_events').set({ data: JSON.stringify({ ...data, cancelled: true }) }).where('id', '=', r.id).execute();
  }
}

export function notesOf(db: Db, caseId: string) {
  return db
    .selectFrom('case_notes')
    .leftJoin('users', 'users.id', 'case_notes.author_id')
    .select(['case_notes.id', 'case_notes.body', 'case_notes.created_at', 'users.first_name', 'users.last_name'])
    .where('case_notes.case_id', '=', caseId)
    .orderBy('case_notes.created_at', 'desc')
    .execute();
}

export async function insertNote(db: Db, n: { caseId: string; authorId: string; body: string; at: string }) {
  await db.insertInto('case_notes').values({ id: randomUUID(), case_id: n.caseId, author_id: n.authorId, body: n.body, created_at: n.at }).execute();
}

export function staffList(db: Db) {
  return db
    .selectFrom('users')
    .select(['id', 'first_name', 'last_name'])
    .where('role', 'in', ['caseworker', 'manager', 'admin'])
    .where('disabled_at', 'is', null)
    .orderBy('last_name')
    .execute();
}

export function caseAudit(db: Db, caseId: string, related: string[]) {
  return db
    .selectFrom('audit_events')
    .leftJoin('users', 'users.id', 'audit_events.actor_id')
    .select(['audit_events.id', 'audit_events.at', 'audit_events.action', 'audit_events.subject_type', 'audit_events.detail', 'users.first_name', 'users.last_name', 'users.role'])
    .where((eb) => eb.or([eb('audit_events.subject_id', '=', caseId), ...(related.length ? [eb('audit_events.subject_id', 'in', related)] : [])]))
    .orderBy('audit_events.id', 'desc')
    .limit(500)
    .execute();
}

/** The dashboard's figures over a period, each computed by the database over indexed columns. */
export async function dashboardFigures(db: Db, from: string, to: string, today: string) {
  const decided = await db
    .selectFrom('cases')
    .select((eb) => [
      eb.fn.countAll<string | number>().as('total'),
      eb.fn.sum<string | number | null>(eb.case().when('decided_on', '<=', eb.ref('decision_due_on')).then(1).else(0).end()).as('onTime'),
      eb.fn.avg<string | number | null>('decision_days').as('avgDays'),
    ])
    .where('decided_on', '>=', from)
    .where('decided_on', '<=', to)
    .executeTakeFirstOrThrow();
  const finals = await db
    .selectFrom('cases')
    .select((eb) => [
      eb.fn.countAll<string | number>().as('total'),
      eb.fn.sum<string | number | null>(eb.case().when('final_plan_on', '<=', eb.ref('final_plan_due_on')).then(1).else(0).end()).as('onTime'),
      eb.fn.avg<string | number | null>('final_plan_days').as('avgDays'),
    ])
    .where('final_plan_on', '>=', from)
    .where('final_plan_on', '<=', to)
    .executeTakeFirstOrThrow();
  const overdue = await db
    .selectFrom('cases')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('stage', 'in', OPEN)
    .where('next_due_on', '<', today)
    .executeTakeFirstOrThrow();
  const open = await db
    .selectFrom('cases')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('stage', 'in', OPEN)
    .executeTakeFirstOrThrow();
  const n = (v: string | number | null | undefined) => Number(v ?? 0);
  return {
    decisions: { total: n(decided.total), onTime: n(decided.onTime), avgDays: decided.avgDays === null ? null : n(decided.avgDays) },
    finalPlans: { total: n(finals.total), onTime: n(finals.onTime), avgDays: finals.avgDays === null ? null : n(finals.avgDays) },
    overdueNow: n(overdue.n),
    openNow: n(open.n),
  };
}
