import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import { ageInYears } from '../../domain/dates.js';
import { initialDueDates } from '../../domain/timeline.js';
import { formatCaseReference } from '../../domain/reference.js';
import { audit } from '../../platform/audit.js';
import type { FileStore } from '../../platform/files.js';
import { type FormValues, validateForm } from '../../platform/form-engine.js';
import type { Mailer } from '../../platform/mail/outbox.js';
import { formatDate, londonDate } from '../../platform/time.js';
import type { CurrentUser } from '../../platform/types.js';
import { checkUpload, type UploadProblem } from '../../platform/uploads.js';
import { hashToken, newToken } from '../account/secrets.js';
import { SECTIONS, sectionDef } from './forms.js';
import * as repo from './repo.js';
import type { CaseRow, ChildRow, DocumentRow, RequestRow } from './repo.js';

export const DRAFT_REMINDER_DAYS = 28;
const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const MAX_DOCUMENTS_PER_REQUEST = 30;

export interface SectionState {
  values: FormValues;
  complete: boolean;
}
export type Answers = Record<string, SectionState>;
export type SectionStatus = 'notStarted' | 'inProgress' | 'completed';

export interface SendDeps {
  db: Db;
  mailer: Mailer;
  files: FileStore;
  config: Pick<Config, 'baseUrl'>;
  now: () => Date;
}

export type LinkedChild = ChildRow & { relationship: string; parental_responsibility: number };

/**
 * The SEND area for families: children, requests for assessment, their documents, and submission.
 * Every read of a child, request or document goes through one access helper here, which refuses
 * (and records the refusal) when the person is not linked to that child.
 */
export class SendService {
  constructor(private d: SendDeps) {}

  private get db() {
    return this.d.db;
  }
  private nowIso() {
    return this.d.now().toISOString();
  }
  today(): string {
    return londonDate(this.d.now());
  }

  private async refuse(user: CurrentUser, subjectType: string, subjectId: string, request?: FastifyRequest) {
    await audit(this.db, { action: 'access.refused', actorId: user.id, subjectType, subjectId, at: this.d.now() }, request);
  }

  // ---- Access: one helper per resource -------------------------------------------------------------
  async childFor(user: CurrentUser, childId: string, request?: FastifyRequest): Promise<LinkedChild | undefined> {
    const child = await repo.linkedChild(this.db, user.id, childId);
    if (!child) await this.refuse(user, 'child', childId, request);
    return child;
  }

  async requestFor(user: CurrentUser, requestId: string, request?: FastifyRequest): Promise<{ req: RequestRow; child: LinkedChild } | undefined> {
    const req = await repo.findRequest(this.db, requestId);
    const child = req ? await repo.linkedChild(this.db, user.id, req.child_id) : undefined;
    if (!req || !child) {
      await this.refuse(user, 'request', requestId, request);
      return undefined;
    }
    return { req, child };
  }

  async documentFor(user: CurrentUser, documentId: string, request?: FastifyRequest): Promise<DocumentRow | undefined> {
    const doc = await repo.findDocument(this.db, documentId);
    let childId: string | undefined;
    if (doc?.owner_type === 'request') childId = (await repo.findRequest(this.db, doc.owner_id))?.child_id;
    else if (doc?.owner_type === 'case') childId = (await this.db.selectFrom('cases').select('child_id').where('id', '=', doc.owner_id).executeTakeFirst())?.child_id;
    else if (doc?.owner_type === 'advice') {
      // A professional's attachment reaches the family only once the caseworker has shared that advice.
      const shared = await this.db
        .selectFrom('advice_submissions')
        .innerJoin('cases', 'cases.id', 'advice_submissions.case_id')
        .select('cases.child_id')
        .where('advice_submissions.advice_request_id', '=', doc.owner_id)
        .where('advice_submissions.shared_at', 'is not', null)
        .executeTakeFirst();
      childId = shared?.child_id;
    }
    const child = childId ? await repo.linkedChild(this.db, user.id, childId) : undefined;
    if (!doc || !child) {
      await this.refuse(user, 'document', documentId, request);
      return undefined;
    }
    return doc;
  }

  // ---- Children ------------------------------------------------------------------------------------
  async overview(user: CurrentUser) {
    const children = await repo.childrenOf(this.db, user.id);
    const ids = children.map((c) => c.id);
    const [requests, cases] = await Promise.all([repo.requestsForChildren(this.db, ids), repo.casesForChildren(this.db, ids)]);
    return children.map((child) => ({
      child,
      draft: requests.find((r) => r.child_id === child.id && r.status === 'draft'),
      cases: cases.filter((c) => c.child_id === child.id),
    }));
  }

  /** A young person can request for themselves from 16 until their 26th birthday. */
  isYoungPersonAge(dateOfBirth: string): boolean {
    const age = ageInYears(dateOfBirth, this.today());
    return age >= 16 && age <= 25;
  }

  async addChild(user: CurrentUser, v: FormValues, self: boolean, request?: FastifyRequest): Promise<string> {
    const s = (k: string) => (typeof v[k] === 'string' && v[k] ? (v[k] as string) : null);
    const at = this.nowIso();
    return this.db.transaction().execute(async (trx) => {
      const childId = await repo.insertChild(trx, {
        first_name: s('firstName') as string,
        last_name: s('lastName') as string,
        preferred_name: s('preferredName'),
        date_of_birth: s('dateOfBirth') as string,
        gender: s('gender') as string,
        address_line1: s('address1') as string,
        address_line2: s('address2'),
        town: s('town') as string,
        postcode: s('postcode') as string,
        school: s('school'),
        year_group: s('yearGroup'),
        home_language: s('homeLanguage') as string,
        interpreter: v.interpreterNeeded === 'yes' ? s('interpreterLanguage') : null,
        upn: s('upn'),
        nhs_number: s('nhsNumber'),
        is_self: self ? 1 : 0,
        created_by: user.id,
        created_at: at,
        updated_at: at,
      });
      const relationship = self ? 'self' : v.relationship === 'other' ? `other:${s('relationshipOther')}` : (s('relationship') as string);
      await repo.linkChild(trx, { childId, userId: user.id, relationship, parentalResponsibility: self || v.parentalResponsibility === 'yes', at });
      await audit(trx, { action: 'child.added', actorId: user.id, subjectType: 'child', subjectId: childId, at: this.d.now() }, request);
      return childId;
    });
  }

  adultsOf(childId: string) {
    return repo.adultsOf(this.db, childId);
  }

  /** Invites another adult with parental responsibility to share the child. The link works for 7 days. */
  async inviteAdult(user: CurrentUser, child: LinkedChild, firstName: string, email: string, request?: FastifyRequest): Promise<void> {
    const token = newToken();
    const at = this.d.now();
    await this.db.transaction().execute(async (trx) => {
      await repo.insertInvite(trx, { childId: child.id, invitedBy: user.id, email: email.toLowerCase(), tokenHash: hashToken(token), expiresAt: new Date(at.getTime() + INVITE_TTL_MS).toISOString(), at: at.toISOString() });
      await this.d.mailer.enqueue(trx, {
        to: email.toLowerCase(),
        lang: user.lang,
        template: 'childShareInvite',
        data: { name: firstName, inviter: `${user.firstName} ${user.lastName}`, child: child.first_name, link: `${this.d.config.baseUrl}/send/children/accept?token=${encodeURIComponent(token)}` },
      });
      await audit(trx, { action: 'child.share_invited', actorId: user.id, subjectType: 'child', subjectId: child.id, at }, request);
    });
  }

  async checkInvite(token: string) {
    const invite = token && token.length < 100 ? await repo.findInvite(this.db, hashToken(token)) : undefined;
    if (!invite) return { kind: 'invalid' as const };
    if (invite.accepted_at) return { kind: 'used' as const };
    if (invite.expires_at <= this.nowIso()) return { kind: 'expired' as const };
    const child = await this.db.selectFrom('children').select(['id', 'first_name', 'last_name']).where('id', '=', invite.child_id).executeTakeFirst();
    return child ? { kind: 'ok' as const, invite, child } : { kind: 'invalid' as const };
  }

  async acceptInvite(user: CurrentUser, token: string, v: FormValues, request?: FastifyRequest) {
    const check = await this.checkInvite(token);
    if (check.kind !== 'ok') return check;
    // The invitation is for the person at that address: a forwarded link does not share the child.
    if (check.invite.email !== user.email) return { kind: 'otherEmail' as const, email: check.invite.email };
    return this.db.transaction().execute(async (trx) => {
      if (!(await repo.acceptInvite(trx, check.invite.id, user.id, this.nowIso()))) return { kind: 'used' as const };
      const relationship = v.relationship === 'other' ? `other:${v.relationshipOther}` : String(v.relationship);
      await repo.linkChild(trx, { childId: check.child.id, userId: user.id, relationship, parentalResponsibility: v.parentalResponsibility === 'yes', at: this.nowIso() });
      await audit(trx, { action: 'child.share_accepted', actorId: user.id, subjectType: 'child', subjectId: check.child.id, at: this.d.now() }, request);
      return { kind: 'ok' as const, childId: check.child.id };
    });
  }

  // ---- Requests ------------------------------------------------------------------------------------
  /** The child's draft request, or a new one. There is never more than one draft per child. */
  async startRequest(user: CurrentUser, child: LinkedChild, request?: FastifyRequest): Promise<string> {
    const existing = await repo.draftFor(this.db, child.id);
    if (existing) return existing.id;
    return this.db.transaction().execute(async (trx) => {
      const again = await repo.draftFor(trx, child.id);
      if (again) return again.id;
      const id = await repo.insertRequest(trx, { childId: child.id, userId: user.id, at: this.nowIso() });
      await audit(trx, { action: 'request.started', actorId: user.id, subjectType: 'request', subjectId: id, at: this.d.now() }, request);
      return id;
    });
  }

  answers(req: RequestRow): Answers {
    return JSON.parse(req.answers) as Answers;
  }

  statuses(req: RequestRow): Record<string, SectionStatus> {
    const answers = this.answers(req);
    return Object.fromEntries(SECTIONS.map((s) => [s.key, answers[s.key]?.complete ? 'completed' : answers[s.key] ? 'inProgress' : 'notStarted']));
  }

  /** Saves one section: complete when every rule is met, otherwise in progress. Returns false for a submitted request. */
  async saveSection(req: RequestRow, key: string, values: FormValues, complete: boolean): Promise<boolean> {
    const answers = this.answers(req);
    answers[key] = { values, complete };
    return repo.saveAnswers(this.db, req.id, JSON.stringify(answers), this.nowIso());
  }

  /** Sections not yet complete, re-checked against today's rules in case they changed. */
  incompleteSections(req: RequestRow): string[] {
    const answers = this.answers(req);
    return SECTIONS.filter((s) => {
      const a = answers[s.key];
      if (!a?.complete) return true;
      return Object.keys(validateForm(s.fields, a.values)).length > 0 || !sectionAtLeastOne(s.key, a.values);
    }).map((s) => s.key);
  }

  async deleteDraft(user: CurrentUser, req: RequestRow, request?: FastifyRequest): Promise<boolean> {
    const docs = await repo.documentsOf(this.db, 'request', req.id);
    const deleted = await this.db.transaction().execute(async (trx) => {
      if (!(await repo.deleteDraft(trx, req.id))) return false;
      for (const doc of docs) await repo.deleteDocument(trx, doc.id);
      await audit(trx, { action: 'request.draft_deleted', actorId: user.id, subjectType: 'request', subjectId: req.id, at: this.d.now() }, request);
      return true;
    });
    if (deleted) for (const doc of docs) await this.d.files.delete(doc.storage_key);
    return deleted;
  }

  /**
   * Submits a request: marks it submitted and creates its case with a reference, the received date and the
   * first statutory dates, in one transaction. A second submission of the same request (double click, back
   * button, retry) finds the case the first one made.
   */
  async submit(user: CurrentUser, req: RequestRow, child: LinkedChild, request?: FastifyRequest): Promise<{ kind: 'ok'; caseRow: CaseRow } | { kind: 'incomplete'; sections: string[] }> {
    const existing = await repo.caseForRequest(this.db, req.id);
    if (existing) return { kind: 'ok', caseRow: existing };
    const missing = this.incompleteSections(req);
    if (missing.length) return { kind: 'incomplete', sections: missing };
    const now = this.d.now();
    const receivedOn = londonDate(now);
    const created = await this.db.transaction().execute(async (trx) => {
      if (!(await repo.markSubmitted(trx, req.id, now.toISOString()))) return undefined;
      const year = Number(receivedOn.slice(0, 4));
      const reference = formatCaseReference(year, await repo.nextReferenceNumber(trx, year));
      const due = initialDueDates(receivedOn);
      const caseRow: CaseRow = {
        id: randomUUID(),
        reference,
        child_id: child.id,
        request_id: req.id,
        received_on: receivedOn,
        stage: 'received',
        decision_due_on: due.decisionDue,
        final_plan_due_on: due.finalPlanDue,
        next_due_on: due.decisionDue,
        assigned_to: null,
        child_name: `${child.first_name} ${child.last_name}`.toLowerCase(),
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
        decided_on: null,
        decision_days: null,
        final_plan_on: null,
        final_plan_days: null,
        closed_on: null,
        advice_due_on: null,
        review_reminded_for: null,
      };
      await repo.insertCase(trx, caseRow);
      await repo.insertCaseEvent(trx, { caseId: caseRow.id, type: 'received', onDate: receivedOn, actorId: user.id, at: now.toISOString() });
      await repo.moveDocuments(trx, req.id, caseRow.id);
      const adults = await repo.adultsOf(trx, child.id);
      for (const adult of adults) {
        await this.d.mailer.enqueue(trx, {
          to: adult.email,
          lang: adult.lang,
          template: 'requestSubmitted',
          data: {
            name: adult.first_name,
            child: child.first_name,
            reference,
            decisionBy: formatDate(caseRow.decision_due_on, adult.lang),
            finalBy: formatDate(caseRow.final_plan_due_on, adult.lang),
            link: `${this.d.config.baseUrl}/send`,
          },
        });
      }
      await audit(trx, { action: 'request.submitted', actorId: user.id, subjectType: 'case', subjectId: caseRow.id, detail: { reference }, at: now }, request);
      return caseRow;
    });
    const caseRow = created ?? (await repo.caseForRequest(this.db, req.id));
    if (!caseRow) throw new Error('Submitted request has no case');
    return { kind: 'ok', caseRow };
  }

  caseForRequest(requestId: string) {
    return repo.caseForRequest(this.db, requestId);
  }

  // ---- Documents -----------------------------------------------------------------------------------
  documentsOf(req: RequestRow) {
    return repo.documentsOf(this.db, 'request', req.id);
  }

  async addDocument(user: CurrentUser, req: RequestRow, file: { name: string; data: Buffer; truncated: boolean }, request?: FastifyRequest): Promise<{ ok: true; id: string } | { ok: false; problem: UploadProblem | 'tooMany' | 'submitted' }> {
    if (req.status !== 'draft') return { ok: false, problem: 'submitted' };
    const checked = await checkUpload(file.name, file.data, file.truncated);
    if (!checked.ok) return checked;
    if ((await repo.documentsOf(this.db, 'request', req.id)).length >= MAX_DOCUMENTS_PER_REQUEST) return { ok: false, problem: 'tooMany' };
    const key = await this.d.files.put(file.data);
    try {
      const id = await this.db.transaction().execute(async (trx) => {
        const docId = await repo.insertDocument(trx, { owner_type: 'request', owner_id: req.id, uploaded_by: user.id, filename: checked.name, content_type: checked.mime, size: file.data.length, storage_key: key, kind: 'supporting', created_at: this.nowIso() });
        await audit(trx, { action: 'document.uploaded', actorId: user.id, subjectType: 'document', subjectId: docId, detail: { request: req.id }, at: this.d.now() }, request);
        return docId;
      });
      return { ok: true, id };
    } catch (err) {
      await this.d.files.delete(key);
      throw err;
    }
  }

  async removeDocument(user: CurrentUser, req: RequestRow, doc: DocumentRow, request?: FastifyRequest): Promise<boolean> {
    if (req.status !== 'draft' || doc.owner_type !== 'request' || doc.owner_id !== req.id) return false;
    await this.db.transaction().execute(async (trx) => {
      await repo.deleteDocument(trx, doc.id);
      await audit(trx, { action: 'document.removed', actorId: user.id, subjectType: 'document', subjectId: doc.id, at: this.d.now() }, request);
    });
    await this.d.files.delete(doc.storage_key);
    return true;
  }

  async readDocument(user: CurrentUser, doc: DocumentRow, request?: FastifyRequest): Promise<Buffer> {
    await audit(this.db, { action: 'document.viewed', actorId: user.id, subjectType: 'document', subjectId: doc.id, at: this.d.now() }, request);
    return this.d.files.get(doc.storage_key);
  }

  // ---- Reminders -----------------------------------------------------------------------------------
  /** Emails a reminder about drafts untouched for 28 days, once per quiet spell (saving again re-arms it). */
  async remindStaleDrafts(): Promise<number> {
    const now = this.d.now();
    const before = new Date(now.getTime() - DRAFT_REMINDER_DAYS * 24 * 60 * 60 * 1000).toISOString();
    const drafts = await repo.staleDrafts(this.db, before);
    let sent = 0;
    for (const draft of drafts) {
      await this.db.transaction().execute(async (trx) => {
        // Another run may have reminded it (or the person saved it) since it was selected.
        if (!(await repo.markReminded(trx, draft.id, now.toISOString(), before))) return;
        sent += 1;
        await this.d.mailer.enqueue(trx, {
          to: draft.email,
          lang: draft.lang,
          template: 'draftReminder',
          data: { name: draft.first_name, child: draft.child_first_name, link: `${this.d.config.baseUrl}/send/requests/${draft.id}` },
        });
      });
    }
    return sent;
  }

  hasOpenCase(userId: string) {
    return repo.hasOpenCase(this.db, userId);
  }
}

/** Sections that need at least one of several answers (the four areas of need). */
export function sectionAtLeastOne(key: string, values: FormValues): boolean {
  const def = sectionDef(key);
  if (!def?.atLeastOne) return true;
  return def.atLeastOne.some((f) => Boolean(values[f]));
}
