import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Selectable } from 'kysely';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import type { AdviceRequestsTable, AdviceSubmissionsTable } from '../../db/schema.js';
import { addDays, addWeeks } from '../../domain/dates.js';
import { PERIODS } from '../../domain/timeline.js';
import { audit } from '../../platform/audit.js';
import type { FileStore } from '../../platform/files.js';
import type { FormValues } from '../../platform/form-engine.js';
import type { Mailer } from '../../platform/mail/outbox.js';
import { formatDate } from '../../platform/time.js';
import type { CurrentUser } from '../../platform/types.js';
import { checkUpload, type UploadProblem } from '../../platform/uploads.js';
import { hashToken, newToken } from '../account/secrets.js';
import type { CaseRow } from '../cases/repo.js';
import type { CaseService } from '../cases/service.js';

export type AdviceRequestRow = Selectable<AdviceRequestsTable>;
export type AdviceSubmissionRow = Selectable<AdviceSubmissionsTable>;

export interface AdviceDeps {
  db: Db;
  mailer: Mailer;
  files: FileStore;
  cases: CaseService;
  config: Pick<Config, 'baseUrl' | 'senTeamEmail'>;
  now: () => Date;
}

const MAX_ATTACHMENTS = 10;
const ADVICE_STAGES = ['assessment', 'plan_maintained'];

/**
 * Advice for an EHC needs assessment (reg 6): requests to professionals, their advice through the portal,
 * the family's own advice and reports, and the caseworker's review and sharing. A professional reaches only
 * requests addressed to them while they are open; a family sees the list of advice asked for and only the
 * content the caseworker has shared.
 */
export class AdviceService {
  constructor(private d: AdviceDeps) {}

  private get db() {
    return this.d.db;
  }
  private today() {
    return this.d.cases.today();
  }

  requestsForCase(caseId: string) {
    return this.db.selectFrom('advice_requests').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
  }

  submissionsForCase(caseId: string, status: 'submitted' | 'any' = 'submitted') {
    let q = this.db.selectFrom('advice_submissions').selectAll().where('case_id', '=', caseId);
    if (status === 'submitted') q = q.where('status', '=', 'submitted');
    return q.orderBy('created_at').execute();
  }

  attachmentsFor(ownerId: string) {
    return this.db.selectFrom('documents').selectAll().where('owner_type', '=', 'advice').where('owner_id', '=', ownerId).orderBy('created_at').execute();
  }

  /** Whether the case is at a stage where advice is gathered: the assessment, or an annual review of a plan. */
  canAskForAdvice(caseRow: CaseRow): boolean {
    return ADVICE_STAGES.includes(caseRow.stage);
  }

  // ---- Caseworker ------------------------------------------------------------------------------------
  /** Asks someone for advice: due 6 weeks from today, an email with a link, on the case's timeline. */
  async createRequest(staff: CurrentUser, caseRow: CaseRow, v: FormValues, request?: FastifyRequest): Promise<AdviceRequestRow | undefined> {
    if (!this.canAskForAdvice(caseRow)) return undefined;
    const today = this.today();
    const token = newToken();
    const now = this.d.now();
    const row: AdviceRequestRow = {
      id: randomUUID(),
      case_id: caseRow.id,
      role: String(v.role),
      name: String(v.name),
      organisation: String(v.organisation),
      email: String(v.email).toLowerCase(),
      asked: String(v.asked),
      requested_on: today,
      due_on: addWeeks(today, PERIODS.adviceWeeks),
      status: 'open',
      token_hash: hashToken(token),
      professional_id: null,
      reminded_before_at: null,
      reminded_overdue_at: null,
      submitted_on: null,
      reviewed_at: null,
      shared_at: null,
      created_by: staff.id,
      created_at: now.toISOString(),
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('advice_requests').values(row).execute();
      await this.d.cases.recordEvent(trx, { caseId: caseRow.id, type: 'advice_requested', onDate: today, actorId: staff.id, data: { relatedId: row.id, role: row.role } });
      await this.d.cases.refreshDates(trx, caseRow.id);
      const child = await trx.selectFrom('children').select(['first_name', 'last_name', 'date_of_birth']).where('id', '=', caseRow.child_id).executeTakeFirstOrThrow();
      if (row.role === 'family') {
        for (const adult of await this.adultsOf(trx, caseRow.child_id)) {
          await this.d.mailer.enqueue(trx, {
            to: adult.email,
            lang: adult.lang,
            template: 'adviceRequestedFamily',
            data: { name: adult.first_name, child: child.first_name, dueOn: formatDate(row.due_on, adult.lang), reference: caseRow.reference, link: `${this.d.config.baseUrl}/send/cases/${caseRow.reference}/advice` },
          });
        }
      } else {
        await this.d.mailer.enqueue(trx, {
          to: row.email,
          lang: 'en',
          template: 'adviceRequested',
          data: { name: row.name, child: `${child.first_name} ${child.last_name}`, reference: caseRow.reference, dueOn: formatDate(row.due_on, 'en'), asked: row.asked, link: `${this.d.config.baseUrl}/professional/accept?token=${encodeURIComponent(token)}` },
        });
      }
      await audit(trx, { action: 'advice.requested', actorId: staff.id, subjectType: 'case', subjectId: caseRow.id, detail: { adviceRequest: row.id, role: row.role }, at: now }, request);
    });
    return row;
  }

  async findRequest(caseRow: CaseRow, id: string) {
    return this.db.selectFrom('advice_requests').selectAll().where('id', '=', id).where('case_id', '=', caseRow.id).executeTakeFirst();
  }

  /** Withdraws a request that has not been answered: the professional loses access; the timeline drops it. */
  async cancel(staff: CurrentUser, caseRow: CaseRow, id: string, request?: FastifyRequest): Promise<boolean> {
    const now = this.d.now();
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('advice_requests').set({ status: 'cancelled' }).where('id', '=', id).where('case_id', '=', caseRow.id).where('status', '=', 'open').executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await this.d.cases.cancelEventsFor(trx, caseRow.id, id);
      await this.d.cases.refreshDates(trx, caseRow.id);
      await audit(trx, { action: 'advice.cancelled', actorId: staff.id, subjectType: 'case', subjectId: caseRow.id, detail: { adviceRequest: id }, at: now }, request);
      return true;
    });
  }

  /** Marks a piece of advice reviewed, or shares it with the family (who then see its content). */
  async mark(staff: CurrentUser, caseRow: CaseRow, submissionId: string, what: 'reviewed' | 'shared', request?: FastifyRequest): Promise<boolean> {
    const now = this.d.now();
    const column = what === 'reviewed' ? 'reviewed_at' : 'shared_at';
    const res = await this.db
      .updateTable('advice_submissions')
      .set({ [column]: now.toISOString() })
      .where('id', '=', submissionId)
      .where('case_id', '=', caseRow.id)
      .where('status', '=', 'submitted')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await audit(this.db, { action: `advice.${what}`, actorId: staff.id, subjectType: 'case', subjectId: caseRow.id, detail: { submission: submissionId }, at: now }, request);
    return true;
  }

  async submissionForStaff(caseRow: CaseRow, id: string) {
    return this.db.selectFrom('advice_submissions').selectAll().where('id', '=', id).where('case_id', '=', caseRow.id).where('status', '=', 'submitted').executeTakeFirst();
  }

  // ---- Professionals -----------------------------------------------------------------------------------
  async checkInvite(token: string) {
    const row = token && token.length < 100 ? await this.db.selectFrom('advice_requests').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst() : undefined;
    if (!row) return { kind: 'invalid' as const };
    if (row.status !== 'open') return { kind: 'closed' as const };
    return { kind: 'ok' as const, row };
  }

  /** Links an invitation to the signed-in person, who must use the email address it was sent to. */
  async claim(user: CurrentUser, token: string, request?: FastifyRequest): Promise<{ kind: 'ok'; id: string } | { kind: 'invalid' | 'closed' | 'otherEmail' | 'otherPerson' }> {
    const check = await this.checkInvite(token);
    if (check.kind !== 'ok') return check;
    if (check.row.email !== user.email) return { kind: 'otherEmail' };
    if (check.row.professional_id && check.row.professional_id !== user.id) return { kind: 'otherPerson' };
    if (!check.row.professional_id) {
      await this.db.updateTable('advice_requests').set({ professional_id: user.id }).where('id', '=', check.row.id).where('professional_id', 'is', null).execute();
      await audit(this.db, { action: 'advice.claimed', actorId: user.id, subjectType: 'advice_request', subjectId: check.row.id, at: this.d.now() }, request);
    }
    return { kind: 'ok', id: check.row.id };
  }

  /** A professional's own requests: open ones they can work on, answered ones listed for their records. */
  async requestsOf(user: CurrentUser) {
    return this.db
      .selectFrom('advice_requests')
      .innerJoin('cases', 'cases.id', 'advice_requests.case_id')
      .innerJoin('children', 'children.id', 'cases.child_id')
      .select(['advice_requests.id', 'advice_requests.status', 'advice_requests.due_on', 'advice_requests.submitted_on', 'advice_requests.asked', 'cases.reference', 'cases.stage', 'children.first_name', 'children.last_name', 'children.date_of_birth'])
      .where('advice_requests.professional_id', '=', user.id)
      .where('advice_requests.status', 'in', ['open', 'submitted'])
      .orderBy('advice_requests.due_on')
      .execute();
  }

  /** The request, only for the professional it was given to, and only while it is open. Refusals are audited. */
  async requestForProfessional(user: CurrentUser, id: string, request?: FastifyRequest) {
    const row = await this.db
      .selectFrom('advice_requests')
      .innerJoin('cases', 'cases.id', 'advice_requests.case_id')
      .innerJoin('children', 'children.id', 'cases.child_id')
      .selectAll('advice_requests')
      .select(['cases.reference', 'cases.stage', 'cases.assigned_to', 'children.first_name', 'children.last_name', 'children.date_of_birth'])
      .where('advice_requests.id', '=', id)
      .executeTakeFirst();
    if (!row || row.professional_id !== user.id || row.status !== 'open' || !ADVICE_STAGES.includes(row.stage)) {
      await audit(this.db, { action: 'access.refused', actorId: user.id, subjectType: 'advice_request', subjectId: id, at: this.d.now() }, request);
      return undefined;
    }
    return row;
  }

  async draftOf(adviceRequestId: string) {
    return this.db.selectFrom('advice_submissions').selectAll().where('advice_request_id', '=', adviceRequestId).where('status', '=', 'draft').executeTakeFirst();
  }

  /** Saves the professional's advice as a draft, or submits it: then the caseworker is told and the timeline shows it. */
  async saveProfessional(user: CurrentUser, req: AdviceRequestRow & { reference: string; assigned_to: string | null; first_name: string }, values: FormValues, submit: boolean, request?: FastifyRequest): Promise<boolean> {
    const now = this.d.now();
    const today = this.today();
    return this.db.transaction().execute(async (trx) => {
      // Only an open request can be answered, and only once (a second click finds it answered).
      if (submit) {
        const res = await trx.updateTable('advice_requests').set({ status: 'submitted', submitted_on: today }).where('id', '=', req.id).where('status', '=', 'open').executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
      }
      const draft = await trx.selectFrom('advice_submissions').select('id').where('advice_request_id', '=', req.id).where('status', '=', 'draft').executeTakeFirst();
      const fields = { content: JSON.stringify(values), status: submit ? ('submitted' as const) : ('draft' as const), submitted_on: submit ? today : null, updated_at: now.toISOString() };
      if (draft) await trx.updateTable('advice_submissions').set(fields).where('id', '=', draft.id).execute();
      else await trx.insertInto('advice_submissions').values({ id: randomUUID(), case_id: req.case_id, advice_request_id: req.id, author_id: user.id, kind: 'professional', reviewed_at: null, shared_at: null, created_at: now.toISOString(), ...fields }).execute();
      if (submit) {
        await this.d.cases.recordEvent(trx, { caseId: req.case_id, type: 'advice_received', onDate: today, actorId: user.id, data: { relatedId: req.id, role: req.role } });
        await this.d.cases.refreshDates(trx, req.case_id);
        await this.notifyCaseworker(trx, req.case_id, req.assigned_to ?? req.created_by, { reference: req.reference, from: `${req.name} (${req.organisation})`, child: req.first_name });
        await audit(trx, { action: 'advice.submitted', actorId: user.id, subjectType: 'case', subjectId: req.case_id, detail: { adviceRequest: req.id }, at: now }, request);
      }
      return true;
    });
  }

  private async notifyCaseworker(db: Db, caseId: string, staffId: string, data: Record<string, string>) {
    const staff = await db.selectFrom('users').select(['email', 'first_name', 'lang']).where('id', '=', staffId).executeTakeFirst();
    await this.d.mailer.enqueue(db, {
      to: staff?.email ?? this.d.config.senTeamEmail,
      lang: staff?.lang ?? 'en',
      template: 'adviceReceived',
      data: { name: staff?.first_name ?? 'SEN Team', ...data, link: `${this.d.config.baseUrl}/staff/cases/${caseId}#advice` },
    });
  }

  async addAttachment(user: CurrentUser, ownerId: string, file: { name: string; data: Buffer; truncated: boolean }, request?: FastifyRequest): Promise<{ ok: true } | { ok: false; problem: UploadProblem | 'tooMany' }> {
    const checked = await checkUpload(file.name, file.data, file.truncated);
    if (!checked.ok) return checked;
    if ((await this.attachmentsFor(ownerId)).length >= MAX_ATTACHMENTS) return { ok: false, problem: 'tooMany' };
    const key = await this.d.files.put(file.data);
    try {
      await this.db.transaction().execute(async (trx) => {
        const id = randomUUID();
        await trx
          .insertInto('documents')
          .values({ id, owner_type: 'advice', owner_id: ownerId, uploaded_by: user.id, filename: checked.name, content_type: checked.mime, size: file.data.length, storage_key: key, kind: 'advice', created_at: this.d.now().toISOString() })
          .execute();
        await audit(trx, { action: 'document.uploaded', actorId: user.id, subjectType: 'document', subjectId: id, detail: { advice: ownerId }, at: this.d.now() }, request);
      });
      return { ok: true };
    } catch (err) {
      await this.d.files.delete(key);
      throw err;
    }
  }

  // ---- Families ---------------------------------------------------------------------------------------
  /** The family's own advice (Section A): dated, listed, and answering any advice the caseworker asked of them. */
  async submitFamilyAdvice(user: CurrentUser, caseRow: CaseRow, values: FormValues, request?: FastifyRequest): Promise<string> {
    const now = this.d.now();
    const today = this.today();
    return this.db.transaction().execute(async (trx) => {
      const id = randomUUID();
      await trx
        .insertInto('advice_submissions')
        .values({ id, case_id: caseRow.id, advice_request_id: null, author_id: user.id, kind: 'family', content: JSON.stringify(values), status: 'submitted', submitted_on: today, reviewed_at: null, shared_at: null, created_at: now.toISOString(), updated_at: now.toISOString() })
        .execute();
      const asked = await trx.selectFrom('advice_requests').selectAll().where('case_id', '=', caseRow.id).where('role', '=', 'family').where('status', '=', 'open').execute();
      for (const a of asked) {
        await trx.updateTable('advice_requests').set({ status: 'submitted', submitted_on: today }).where('id', '=', a.id).execute();
        await trx.updateTable('advice_submissions').set({ advice_request_id: a.id }).where('id', '=', id).execute();
        await this.d.cases.recordEvent(trx, { caseId: caseRow.id, type: 'advice_received', onDate: today, actorId: user.id, data: { relatedId: a.id, role: 'family' } });
      }
      await this.d.cases.refreshDates(trx, caseRow.id);
      const child = await trx.selectFrom('children').select('first_name').where('id', '=', caseRow.child_id).executeTakeFirstOrThrow();
      await this.notifyCaseworker(trx, caseRow.id, caseRow.assigned_to ?? asked[0]?.created_by ?? '', { reference: caseRow.reference, from: `${user.firstName} ${user.lastName}`, child: child.first_name });
      await audit(trx, { action: 'advice.family_submitted', actorId: user.id, subjectType: 'case', subjectId: caseRow.id, detail: { submission: id }, at: now }, request);
      return id;
    });
  }

  /** For the family: what was asked (role, due, received), their own submissions, and what was shared with them. */
  async familyView(caseRow: CaseRow) {
    const [requests, submissions] = await Promise.all([this.requestsForCase(caseRow.id), this.submissionsForCase(caseRow.id)]);
    return {
      asked: requests.filter((r) => r.status !== 'cancelled').map((r) => ({ role: r.role, dueOn: r.due_on, receivedOn: r.submitted_on })),
      own: submissions.filter((s) => s.kind === 'family'),
      shared: submissions.filter((s) => s.kind === 'professional' && s.shared_at),
    };
  }

  /** A family report upload (a private assessment, a doctor's letter): a document of the case, dated. */
  async addFamilyReport(user: CurrentUser, caseRow: CaseRow, file: { name: string; data: Buffer; truncated: boolean }, request?: FastifyRequest) {
    const checked = await checkUpload(file.name, file.data, file.truncated);
    if (!checked.ok) return checked;
    const key = await this.d.files.put(file.data);
    await this.db.transaction().execute(async (trx) => {
      const id = randomUUID();
      await trx
        .insertInto('documents')
        .values({ id, owner_type: 'case', owner_id: caseRow.id, uploaded_by: user.id, filename: checked.name, content_type: checked.mime, size: file.data.length, storage_key: key, kind: 'family_report', created_at: this.d.now().toISOString() })
        .execute();
      await audit(trx, { action: 'document.uploaded', actorId: user.id, subjectType: 'document', subjectId: id, detail: { case: caseRow.id, kind: 'family_report' }, at: this.d.now() }, request);
    });
    return { ok: true as const };
  }

  private adultsOf(db: Db, childId: string) {
    return db
      .selectFrom('child_links')
      .innerJoin('users', 'users.id', 'child_links.user_id')
      .select(['users.email', 'users.lang', 'users.first_name'])
      .where('child_links.child_id', '=', childId)
      .execute();
  }

  // ---- Reminders ---------------------------------------------------------------------------------------
  /** A week before the due date, and once overdue, the person asked is reminded (each once). */
  async sendReminders(): Promise<number> {
    const today = this.today();
    const now = this.d.now().toISOString();
    let sent = 0;
    const due = await this.db
      .selectFrom('advice_requests')
      .innerJoin('cases', 'cases.id', 'advice_requests.case_id')
      .innerJoin('children', 'children.id', 'cases.child_id')
      .selectAll('advice_requests')
      .select(['cases.reference', 'children.first_name as child_first', 'children.last_name as child_last', 'cases.child_id'])
      .where('advice_requests.status', '=', 'open')
      .where('cases.stage', 'in', ADVICE_STAGES)
      .where('advice_requests.due_on', '<=', addDays(today, 7))
      .where((eb) => eb.or([eb('advice_requests.reminded_before_at', 'is', null), eb.and([eb('advice_requests.reminded_overdue_at', 'is', null), eb('advice_requests.due_on', '<', today)])]))
      .execute();
    for (const r of due) {
      const overdue = r.due_on < today;
      if (!overdue && r.reminded_before_at) continue;
      await this.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('advice_requests')
          .set(overdue ? { reminded_overdue_at: now, reminded_before_at: r.reminded_before_at ?? now } : { reminded_before_at: now })
          .where('id', '=', r.id)
          .execute();
        const template = overdue ? 'adviceOverdue' : 'adviceReminder';
        if (r.role === 'family') {
          for (const adult of await this.adultsOf(trx, r.child_id)) {
            await this.d.mailer.enqueue(trx, { to: adult.email, lang: adult.lang, template: `${template}Family`, data: { name: adult.first_name, child: r.child_first, dueOn: formatDate(r.due_on, adult.lang), reference: r.reference, link: `${this.d.config.baseUrl}/send/cases/${r.reference}/advice` } });
          }
        } else {
          await this.d.mailer.enqueue(trx, { to: r.email, lang: 'en', template, data: { name: r.name, child: `${r.child_first} ${r.child_last}`, dueOn: formatDate(r.due_on, 'en'), reference: r.reference, link: `${this.d.config.baseUrl}/professional` } });
        }
      });
      sent++;
    }
    return sent;
  }
}
