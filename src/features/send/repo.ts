import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { AssessmentRequestsTable, CasesTable, ChildrenTable, DocumentsTable } from '../../db/schema.js';

export type ChildRow = Selectable<ChildrenTable>;
export type RequestRow = Selectable<AssessmentRequestsTable>;
export type CaseRow = Selectable<CasesTable>;
export type DocumentRow = Selectable<DocumentsTable>;

export function childrenOf(db: Db, userId: string) {
  return db
    .selectFrom('children')
    .innerJoin('child_links', 'child_links.child_id', 'children.id')
    .selectAll('children')
    .select(['child_links.relationship', 'child_links.parental_responsibility'])
    .where('child_links.user_id', '=', userId)
    .orderBy('children.first_name')
    .execute();
}

/** The child, only if this person is linked to it. */
export function linkedChild(db: Db, userId: string, childId: string) {
  return db
    .selectFrom('children')
    .innerJoin('child_links', 'child_links.child_id', 'children.id')
    .selectAll('children')
    .select(['child_links.relationship', 'child_links.parental_responsibility'])
    .where('children.id', '=', childId)
    .where('child_links.user_id', '=', userId)
    .executeTakeFirst();
}

export async function insertChild(db: Db, child: Omit<ChildRow, 'id'>): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('children')
    .values({ id, ...child })
    .execute();
  return id;
}

export async function linkChild(db: Db, link: { childId: string; userId: string; relationship: string; parentalResponsibility: boolean; at: string }) {
  await db
    .insertInto('child_links')
    .values({ child_id: link.childId, user_id: link.userId, relationship: link.relationship, parental_responsibility: link.parentalResponsibility ? 1 : 0, created_at: link.at })
    .onConflict((oc) => oc.columns(['child_id', 'user_id']).doNothing())
    .execute();
}

export function adultsOf(db: Db, childId: string) {
  return db
    .selectFrom('child_links')
    .innerJoin('users', 'users.id', 'child_links.user_id')
    .select(['users.id', 'users.first_name', 'users.last_name', 'users.email', 'users.lang', 'child_links.relationship', 'child_links.parental_responsibility'])
    .where('child_links.child_id', '=', childId)
    .execute();
}

export async function insertInvite(db: Db, invite: { childId: string; invitedBy: string; email: string; tokenHash: string; expiresAt: string; at: string }) {
  await db
    .insertInto('child_invites')
    .values({ id: randomUUID(), child_id: invite.childId, invited_by: invite.invitedBy, email: invite.email, token_hash: invite.tokenHash, expires_at: invite.expiresAt, accepted_at: null, accepted_by: null, created_at: invite.at })
    .execute();
}

export function findInvite(db: Db, tokenHash: string) {
  return db.selectFrom('child_invites').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function acceptInvite(db: Db, id: string, userId: string, at: string): Promise<boolean> {
  const res = await db
    .updateTable('child_invites')
    .set({ accepted_at: at, accepted_by: userId })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export function requestsForChildren(db: Db, childIds: string[]) {
  if (!childIds.length) return Promise.resolve([] as RequestRow[]);
  return db.selectFrom('assessment_requests').selectAll().where('child_id', 'in', childIds).orderBy('created_at', 'desc').execute();
}

export function casesForChildren(db: Db, childIds: string[]) {
  if (!childIds.length) return Promise.resolve([] as CaseRow[]);
  return db.selectFrom('cases').selectAll().where('child_id', 'in', childIds).orderBy('received_on', 'desc').execute();
}

export function draftFor(db: Db, childId: string) {
  return db.selectFrom('assessment_requests').selectAll().where('child_id', '=', childId).where('status', '=', 'draft').executeTakeFirst();
}

export async function insertRequest(db: Db, r: { childId: string; userId: string; at: string }): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('assessment_requests')
    .values({ id, child_id: r.childId, created_by: r.userId, status: 'draft', answers: '{}', reminder_sent_at: null, created_at: r.at, updated_at: r.at, submitted_at: null })
    .execute();
  return id;
}

export function findRequest(db: Db, id: string) {
  return db.selectFrom('assessment_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Saves answers of a draft; a submitted request is never changed (returns false). */
export async function saveAnswers(db: Db, id: string, answers: string, at: string): Promise<boolean> {
  const res = await db
    .updateTable('assessment_requests')
    .set({ answers, updated_at: at, reminder_sent_at: null })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The one step of submission that can only happen once, however many clicks arrive together. */
export async function markSubmitted(db: Db, id: string, at: string): Promise<boolean> {
  const res = await db
    .updateTable('assessment_requests')
    .set({ status: 'submitted', submitted_at: at, updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function deleteDraft(db: Db, id: string): Promise<boolean> {
  const res = await db.deleteFrom('assessment_requests').where('id', '=', id).where('status', '=', 'draft').executeTakeFirst();
  return Number(res.numDeletedRows) === 1;
}

export function staleDrafts(db: Db, updatedBefore: string) {
  return db
    .selectFrom('assessment_requests')
    .innerJoin('users', 'users.id', 'assessment_requests.created_by')
    .innerJoin('children', 'children.id', 'assessment_requests.child_id')
    .select(['assessment_requests.id', 'assessment_requests.updated_at', 'users.email', 'users.lang', 'users.first_name', 'children.first_name as child_first_name'])
    .where('assessment_requests.status', '=', 'draft')
    .where('assessment_requests.updated_at', '<', updatedBefore)
    .where('assessment_requests.reminder_sent_at', 'is', null)
    .limit(500)
    .execute();
}

/**
 * Marks a stale draft as reminded, only if it still is one (not reminded, not saved since): false when another
 * run got there first or the draft changed, so two runs at once (two processes) send one reminder.
 */
export async function markReminded(db: Db, id: string, at: string, updatedBefore: string): Promise<boolean> {
  const res = await db
    .updateTable('assessment_requests')
    .set({ reminder_sent_at: at })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .where('reminder_sent_at', 'is', null)
    .where('updated_at', '<', updatedBefore)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The next `count` numbers of a year's sequence of case references (returns the first), safe under concurrent use. */
export async function reserveReferenceNumbers(db: Db, year: number, count: number): Promise<number> {
  await db
    .insertInto('reference_counters')
    .values({ year, last: 0 })
    .onConflict((oc) => oc.column('year').doNothing())
    .execute();
  const row = await db
    .updateTable('reference_counters')
    .set((eb) => ({ last: eb('last', '+', count) }))
    .where('year', '=', year)
    .returning('last')
    .executeTakeFirstOrThrow();
  return Number(row.last) - count + 1;
}

/** The next number in this year's sequence of case references, safe under concurrent submissions. */
export function nextReferenceNumber(db: Db, year: number): Promise<number> {
  return reserveReferenceNumbers(db, year, 1);
}

export async function insertCase(db: Db, c: CaseRow) {
  await db.insertInto('cases').values(c).execute();
}

export async function insertCaseEvent(db: Db, e: { caseId: string; type: string; onDate: string; actorId: string | null; data?: unknown; at: string }) {
  await db
    .insertInto('case_events')
    .values({ id: randomUUID(), case_id: e.caseId, type: e.type, on_date: e.onDate, actor_id: e.actorId, data: e.data === undefined ? null : JSON.stringify(e.data), created_at: e.at })
    .execute();
}

export function caseForRequest(db: Db, requestId: string) {
  return db.selectFrom('cases').selectAll().where('request_id', '=', requestId).executeTakeFirst();
}

export function documentsOf(db: Db, ownerType: 'request' | 'case', ownerId: string) {
  return db.selectFrom('documents').selectAll().where('owner_type', '=', ownerType).where('owner_id', '=', ownerId).orderBy('created_at').execute();
}

export function findDocument(db: Db, id: string) {
  return db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertDocument(db: Db, d: Omit<DocumentRow, 'id'>): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('documents')
    .values({ id, ...d })
    .execute();
  return id;
}

export async function deleteDocument(db: Db, id: string) {
  await db.deleteFrom('documents').where('id', '=', id).execute();
}

/** Documents of a request become the case's when it is submitted. */
export async function moveDocuments(db: Db, fromRequest: string, toCase: string) {
  await db.updateTable('documents').set({ owner_type: 'case', owner_id: toCase }).where('owner_type', '=', 'request').where('owner_id', '=', fromRequest).execute();
}

export async function hasOpenCase(db: Db, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('cases')
    .innerJoin('child_links', 'child_links.child_id', 'cases.child_id')
    .select('cases.id')
    .where('child_links.user_id', '=', userId)
    .where('cases.stage', 'not in', ['closed_not_assessed', 'closed_no_plan', 'ceased', 'withdrawn'])
    .executeTakeFirst();
  return Boolean(row);
}
