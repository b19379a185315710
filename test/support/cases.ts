import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { Role } from '../../src/db/schema.js';
import { addDays } from '../../src/domain/dates.js';
import { formatCaseReference } from '../../src/domain/reference.js';
import { initialDueDates } from '../../src/domain/timeline.js';
import type { CaseRow } from '../../src/features/cases/repo.js';
import { csrfCookieName } from '../../src/platform/csrf.js';
import * as sendRepo from '../../src/features/send/repo.js';
import { type AccountsTestApp, createStaff, signedIn, type TestPerson } from './accounts.js';
import { type Client, csrfFrom, type TestApp } from './app.js';
import { multipartBody, PDF, todayOf, type UploadFile } from './send.js';

// ---- Clock -----------------------------------------------------------------------------------------

export const DAY = 24 * 60 * 60 * 1000;

/** Moves the app's clock forward by whole days (sessions expire on the way: sign in again afterwards). */
export function advanceDays(t: AccountsTestApp, days: number): string {
  t.clock.advance(days * DAY);
  return todayOf(t);
}

const FORMATS = {
  en: new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
  cy: new Intl.DateTimeFormat('cy-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
};

/** A YYYY-MM-DD date as GOV.UK pages write it: "29 January 2027", or in Welsh "29 Ionawr 2027". */
export function longDate(iso: string, lang: 'en' | 'cy' = 'en'): string {
  return FORMATS[lang].format(new Date(`${iso}T00:00:00Z`));
}

// ---- Seeding ---------------------------------------------------------------------------------------

export interface SeedOptions {
  /** Adults linked to the child (the first one made the request). */
  adults: { id: string; relationship?: string }[];
  firstName?: string;
  lastName?: string;
  /** Default: the app's today. */
  receivedOn?: string;
  dateOfBirth?: string;
  assignedTo?: string | null;
}

/**
 * A submitted case made straight through the repositories, as SendService.submit makes it (child, links,
 * submitted request, case with its first dates, the 'received' event), but dated `receivedOn`: many cases
 * quickly, without the forms.
 */
export async function seedCase(t: AccountsTestApp, options: SeedOptions): Promise<CaseRow> {
  const db = t.app.db;
  const creator = options.adults[0]?.id;
  assert.ok(creator, 'a case needs at least one adult');
  const receivedOn = options.receivedOn ?? todayOf(t);
  const firstName = options.firstName ?? 'Sam';
  const lastName = options.lastName ?? 'Taylor';
  const at = t.clock.now().toISOString();
  return db.transaction().execute(async (trx) => {
    const childId = await sendRepo.insertChild(trx, {
      first_name: firstName,
      last_name: lastName,
      preferred_name: null,
      date_of_birth: options.dateOfBirth ?? addDays(receivedOn, -9 * 365),
      gender: 'female',
      address_line1: '1 High Street',
      address_line2: null,
      town: 'Stockton-on-Tees',
      postcode: 'TS18 1AU',
      school: 'Oak Primary School',
      year_group: 'year4',
      home_language: 'English',
      interpreter: null,
      upn: null,
      nhs_number: null,
      is_self: 0,
      created_by: creator,
      created_at: at,
      updated_at: at,
    });
    for (const adult of options.adults) await sendRepo.linkChild(trx, { childId, userId: adult.id, relationship: adult.relationship ?? 'mother', parentalResponsibility: true, at });
    const requestId = await sendRepo.insertRequest(trx, { childId, userId: creator, at });
    assert.ok(await sendRepo.markSubmitted(trx, requestId, at));
    const year = Number(receivedOn.slice(0, 4));
    const due = initialDueDates(receivedOn);
    const row: CaseRow = {
      id: randomUUID(),
      reference: formatCaseReference(year, await sendRepo.nextReferenceNumber(trx, year)),
      child_id: childId,
      request_id: requestId,
      received_on: receivedOn,
      stage: 'received',
      decision_due_on: due.decisionDue,
      final_plan_due_on: due.finalPlanDue,
      next_due_on: due.decisionDue,
      assigned_to: options.assignedTo ?? null,
      child_name: `${firstName} ${lastName}`.toLowerCase(),
      created_at: at,
      updated_at: at,
      decided_on: null,
      decision_days: null,
      final_plan_on: null,
      final_plan_days: null,
      closed_on: null,
      advice_due_on: null,
      review_reminded_for: null,
    };
    await sendRepo.insertCase(trx, row);
    await sendRepo.insertCaseEvent(trx, { caseId: row.id, type: 'received', onDate: receivedOn, actorId: creator, at });
    return row;
  });
}

/** A member of staff with two-step verification by email, signed in. */
export async function staffMember(t: AccountsTestApp, role: Role, names: { firstName?: string; lastName?: string } = {}): Promise<{ person: TestPerson; client: Client }> {
  const person = await createStaff(t, role, { twoStep: 'email', ...names });
  return { person, client: await signedIn(t, person) };
}

// ---- Posting -----------------------------------------------------------------------------------------

/** Posts a multipart form (fields in order, then an optional file) keeping the client's cookies. */
export async function postMultipartForm(t: TestApp, client: Client, url: string, fields: [string, string][], file?: UploadFile): Promise<LightMyRequestResponse> {
  const { body, contentType } = multipartBody(fields, file);
  const res = await t.app.inject({
    method: 'POST',
    url,
    payload: body,
    headers: { 'content-type': contentType, cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  for (const c of res.cookies as { name: string; value: string; maxAge?: number }[]) {
    if (c.value === '' || c.maxAge === 0) client.cookies.delete(c.name);
    else client.cookies.set(c.name, c.value);
  }
  if (String(res.headers['content-type'] ?? '').startsWith('text/html')) client.lastHtml = res.body;
  return res;
}

export const PLAN_PDF: UploadFile = { name: 'EHC plan.pdf', type: 'application/pdf', data: PDF };

export interface ActOptions {
  /** YYYY-MM-DD (default: the app's today), or the three boxes as typed. */
  date?: string | { day: string; month: string; year: string };
  reasons?: string;
  /** true: the small real PDF; or any file. */
  pdf?: boolean;
  file?: UploadFile;
  /** The token to send (null: none). Default: the one on the case page, which is loaded first. */
  csrf?: string | null;
}

const tokens = new Map<string, string>();

/**
 * The CSRF token the case page gives this client. It is a signature of the CSRF cookie, so while the cookie is
 * the same the token is too: the page is loaded only the first time.
 */
async function tokenFor(client: Client, caseId: string): Promise<string> {
  const cookie = client.cookies.get(csrfCookieName(false));
  const known = cookie ? tokens.get(cookie) : undefined;
  if (known) return known;
  const page = await client.get(`/staff/cases/${caseId}`);
  assert.equal(page.statusCode, 200, `case page: ${page.statusCode}`);
  const token = csrfFrom(page.body);
  const fresh = client.cookies.get(csrfCookieName(false));
  if (fresh) tokens.set(fresh, token);
  return token;
}

/**
 * Records a case action as the case page's form does (multipart: `_csrf` first, then action, the date's
 * three boxes, reasons, and the plan file). Returns the response to the POST.
 */
export async function act(t: AccountsTestApp, client: Client, caseId: string, action: string, options: ActOptions = {}): Promise<LightMyRequestResponse> {
  const token = options.csrf === undefined ? await tokenFor(client, caseId) : options.csrf;
  const date = options.date ?? todayOf(t);
  const parts = typeof date === 'string' ? { year: date.slice(0, 4), month: String(Number(date.slice(5, 7))), day: String(Number(date.slice(8, 10))) } : date;
  const fields: [string, string][] = [
    ...(token === null ? [] : ([['_csrf', token]] as [string, string][])),
    ['action', action],
    ['date-day', parts.day],
    ['date-month', parts.month],
    ['date-year', parts.year],
    ['reasons', options.reasons ?? ''],
  ];
  return postMultipartForm(t, client, `/staff/cases/${caseId}/actions`, fields, options.file ?? (options.pdf ? PLAN_PDF : undefined));
}

/** act() that must succeed: a redirect back to the case page. */
export async function actOk(t: AccountsTestApp, client: Client, caseId: string, action: string, options: ActOptions = {}): Promise<void> {
  const res = await act(t, client, caseId, action, options);
  assert.equal(res.statusCode, 302, `${action}: ${res.statusCode} ${res.statusCode === 400 ? errorTexts(res.body).join(' | ') : ''}`);
  assert.equal(String(res.headers.location), `/staff/cases/${caseId}`);
}

/** Posts a urlencoded form of the case page (with the page's CSRF token, loading the page when needed). */
export async function staffPost(client: Client, caseId: string, path: 'notes' | 'assign' | 'exceptions', form: Record<string, string>): Promise<LightMyRequestResponse> {
  return client.post(`/staff/cases/${caseId}/${path}`, { _csrf: await tokenFor(client, caseId), ...form });
}

// ---- Database ------------------------------------------------------------------------------------------

export function caseById(t: TestApp, id: string) {
  return t.app.db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export function eventsOfCase(t: TestApp, caseId: string) {
  return t.app.db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('on_date').orderBy('created_at').execute();
}

export function caseAuditRows(t: TestApp, caseId: string) {
  return t.app.db.selectFrom('audit_events').selectAll().where('subject_id', '=', caseId).orderBy('id').execute();
}

export function caseDocuments(t: TestApp, caseId: string) {
  return t.app.db.selectFrom('documents').selectAll().where('owner_type', '=', 'case').where('owner_id', '=', caseId).orderBy('created_at').execute();
}

/** Every email in the outbox, oldest first. */
export function outbox(t: TestApp) {
  return t.app.db.selectFrom('outbox').select(['id', 'to_address', 'lang', 'template', 'subject', 'text_body']).orderBy('created_at').execute();
}

// ---- Reading pages -------------------------------------------------------------------------------------

export function decodeHtml(s: string): string {
  return s
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The messages of the page's error summary. */
export function errorTexts(html: string): string[] {
  const box = html.match(/<div class="govuk-error-summary"[\s\S]*?<\/ul>/)?.[0] ?? '';
  return [...box.matchAll(/<a href="[^"]*">([\s\S]*?)<\/a>/g)].map((m) => decodeHtml(m[1] ?? ''));
}

/** The `<h1>` of a page, as read. */
export function h1(html: string): string {
  return decodeHtml(html.match(/<h1[^>]*>([\s\S]*?)<\/h1>/)?.[1] ?? '');
}

export interface QueueRow {
  id: string;
  reference: string;
  child: string;
  stage: string;
  /** The tag's colour class: red, yellow (amber) or green. */
  tag?: string;
  tagText?: string;
  next: string;
  assignee: string;
}

/** The rows of the work queue's table, in order. */
export function queueRows(html: string): QueueRow[] {
  const body = html.match(/<tbody class="govuk-table__body">([\s\S]*?)<\/tbody>/)?.[1] ?? '';
  return body
    .split('<tr class="govuk-table__row">')
    .slice(1)
    .map((tr) => {
      const cells = [...tr.matchAll(/<td class="govuk-table__cell[^"]*">([\s\S]*?)<\/td>/g)].map((m) => m[1] ?? '');
      const link = cells[0]?.match(/href="\/staff\/cases\/([^"]+)">([^<]+)</);
      assert.ok(link?.[1] && link[2], 'a queue row links to its case');
      const tag = cells[3]?.match(/<strong class="govuk-tag govuk-tag--(\w+)"\s*>([\s\S]*?)<\/strong>/);
      return {
        id: link[1],
        reference: link[2].trim(),
        child: decodeHtml(cells[1] ?? ''),
        stage: decodeHtml(cells[2] ?? ''),
        tag: tag?.[1],
        tagText: tag ? decodeHtml(tag[2] ?? '') : undefined,
        next: decodeHtml((cells[3] ?? '').replace(/<strong[\s\S]*?<\/strong>/, '')),
        assignee: decodeHtml(cells[4] ?? ''),
      };
    });
}

/** The Previous / Next links of the GOV.UK pagination, decoded. */
export function paginationLinks(html: string): { prev?: string; next?: string } {
  const href = (rel: string) => {
    const m = html.match(new RegExp(`<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="${rel}"`));
    return m?.[1]?.replace(/&amp;/g, '&');
  };
  return { prev: href('prev'), next: href('next') };
}

/** A GOV.UK summary list as key → value (the first list that has the key wins). */
export function summaryRows(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<dt class="govuk-summary-list__key">([\s\S]*?)<\/dt>\s*<dd class="govuk-summary-list__value[^"]*">([\s\S]*?)<\/dd>/g)) {
    const key = decodeHtml(m[1] ?? '');
    if (!(key in out)) out[key] = decodeHtml(m[2] ?? '');
  }
  return out;
}

export interface TimelineRow {
  name: string;
  due: string;
  happened: string;
  status: string;
}

/** The statutory timeline table of a case page (staff or family). */
export function timelineRows(html: string): TimelineRow[] {
  const table = html.match(/<table class="govuk-table" data-testid="timeline">([\s\S]*?)<\/table>/)?.[1] ?? '';
  const body = table.match(/<tbody class="govuk-table__body">([\s\S]*?)<\/tbody>/)?.[1] ?? '';
  return body
    .split('<tr class="govuk-table__row">')
    .slice(1)
    .map((tr) => {
      const name = decodeHtml(tr.match(/<th scope="row" class="govuk-table__header">([\s\S]*?)<\/th>/)?.[1] ?? '');
      const cells = [...tr.matchAll(/<td class="govuk-table__cell">([\s\S]*?)<\/td>/g)].map((m) => decodeHtml(m[1] ?? ''));
      return { name, due: cells[0] ?? '', happened: cells[1] ?? '', status: cells[2] ?? '' };
    });
}

/** The links on a page whose href starts with `prefix`, as [href, text]. */
export function linksTo(html: string, prefix: string): [string, string][] {
  return [...html.matchAll(/<a class="govuk-link[^"]*" href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/g)]
    .map((m) => [(m[1] ?? '').replace(/&amp;/g, '&'), decodeHtml(m[2] ?? '')] as [string, string])
    .filter(([href]) => href.startsWith(prefix));
}
