import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { AdviceRequestRow } from '../../src/features/advice/service.js';
import type { CaseRow } from '../../src/features/cases/repo.js';
import { type AccountsTestApp, createCitizen, linkIn, locationOf, PASSWORD, sha256, signIn, type TestPerson, tokenOf, uniqueEmail } from './accounts.js';
import { Client, csrfFrom, type TestApp } from './app.js';
import { actOk, caseById, seedCase, staffMember } from './cases.js';
import { postMultipart, type UploadFile } from './send.js';

// ---- Answers -------------------------------------------------------------------------------------------

/** A professional's advice that passes the form (the three required fields and the two optional ones). */
export const PROFESSIONAL_ADVICE = {
  needs: 'Significant difficulty with phonological processing and working memory',
  outcomes: 'To read and write at the expected level for Year 6 by the end of Key Stage 2',
  provision: 'Daily 20 minutes of structured phonics with a trained teaching assistant',
  healthCare: 'No health needs noted',
  other: 'Reviewed with the class teacher',
};

/** The family's own advice (Section A): all five fields are required. */
export const FAMILY_ADVICE = {
  aboutMyChild: 'Sam is funny, loves dinosaurs and drawing',
  working: 'Small-group reading with Ms Patel',
  notWorking: 'Busy playtimes and changes of teacher',
  views: 'Sam wants to stay with friends',
  aspirations: 'To go to college and work with animals',
};

/** The caseworker's "Ask for advice" form for someone in `role`, with an address no other test uses. */
export function askForm(role: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    role,
    name: `Dr ${role} Person`,
    organisation: `${role} service`,
    email: uniqueEmail(role.toLowerCase()),
    asked: `Please give your ${role} advice about the child's needs`,
    ...overrides,
  };
}

// ---- Cases -------------------------------------------------------------------------------------------

export interface StaffClient {
  person: TestPerson;
  client: Client;
}

export interface AdviceCase {
  caseRow: CaseRow;
  /** The adults linked to the child (the first made the request), each with email two-step. */
  adults: TestPerson[];
  /** The caseworker who moved the case into assessment, signed in. */
  staff: StaffClient;
}

/**
 * A case put into assessment as the back office does it: a seeded submitted case, then "Decision to assess"
 * through the case page's action form. Adults default to one English-speaking parent with email two-step.
 */
export async function caseInAssessment(
  t: AccountsTestApp,
  options: { adults?: TestPerson[]; staff?: StaffClient; firstName?: string; lastName?: string; assignedTo?: string | null } = {},
): Promise<AdviceCase> {
  const adults = options.adults ?? [await createCitizen(t, { twoStep: 'email' })];
  const staff = options.staff ?? (await staffMember(t, 'caseworker'));
  const row = await seedCase(t, { adults, firstName: options.firstName, lastName: options.lastName, assignedTo: options.assignedTo });
  await actOk(t, staff.client, row.id, 'decision_to_assess');
  const caseRow = await caseById(t, row.id);
  assert.equal(caseRow.stage, 'assessment');
  return { caseRow, adults, staff };
}

// ---- Asking ------------------------------------------------------------------------------------------

/** Opens "Ask for advice" and sends the form. */
export async function askForAdvice(client: Client, caseId: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
  await client.get(`/staff/cases/${caseId}/advice/new`);
  return client.post(`/staff/cases/${caseId}/advice`, form);
}

/** askForAdvice() that must succeed; returns the request made. */
export async function askOk(t: TestApp, client: Client, caseId: string, form: Record<string, string>): Promise<AdviceRequestRow> {
  const res = await askForAdvice(client, caseId, form);
  assert.equal(res.statusCode, 302, `ask for advice: ${res.statusCode}`);
  assert.equal(locationOf(res), `/staff/cases/${caseId}#advice`);
  const rows = await t.app.db
    .selectFrom('advice_requests')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('email', '=', form.email?.toLowerCase() ?? '')
    .where('status', '=', 'open')
    .orderBy('created_at', 'desc')
    .execute();
  assert.ok(rows[0], 'the request was stored');
  return rows[0];
}

export function adviceRequest(t: TestApp, id: string) {
  return t.app.db.selectFrom('advice_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export function adviceSubmissions(t: TestApp, caseId: string) {
  return t.app.db.selectFrom('advice_submissions').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
}

/** The accept link (a path) of the newest "Request for advice" email to this address; the inbox is marked read. */
export async function invitationLink(t: AccountsTestApp, to: string): Promise<string> {
  const email = (await t.mail.unread(to)).filter((e) => e.template === 'adviceRequested').at(-1);
  assert.ok(email, `no request for advice sent to ${to}`);
  await t.mail.readAll(to);
  return linkIn(email);
}

// ---- Professionals -------------------------------------------------------------------------------------

export interface Professional {
  person: TestPerson;
  client: Client;
  /** The request the invitation led to. */
  requestId: string;
}

/** The newest emailed security code to this address (marked read). */
export async function latestCode(t: AccountsTestApp, to: string): Promise<string> {
  const email = (await t.mail.unread(to)).filter((e) => e.template === 'twoStepCode').at(-1);
  const code = email?.text.match(/\b(\d{6})\b/)?.[1];
  assert.ok(code, `no security code for ${to}`);
  await t.mail.readAll(to);
  return code;
}

/**
 * Follows an invitation without an account: creates the account on the invitation's page, sets up two-step
 * verification by email as the app insists, and comes back to the invitation, which leads to the request.
 */
export async function acceptAsNewProfessional(t: AccountsTestApp, link: string, names: { firstName?: string; lastName?: string } = {}): Promise<Professional> {
  const client = new Client(t.app);
  const page = await client.get(link);
  assert.equal(page.statusCode, 200, `invitation page: ${page.statusCode}`);
  const email = (await t.app.db.selectFrom('advice_requests').select('email').where('token_hash', '=', hashOf(link)).executeTakeFirstOrThrow()).email;
  const firstName = names.firstName ?? 'Pat';
  const lastName = names.lastName ?? 'Professional';
  const created = await client.post('/professional/accept', { token: tokenOf(link), firstName, lastName, password: PASSWORD, passwordConfirm: PASSWORD });
  assert.equal(created.statusCode, 302, `create account: ${created.statusCode}`);
  assert.equal(locationOf(created), '/account/two-step-verification?welcome=1');
  await setUpEmailTwoStep(t, client, email, link);
  const back = await client.get(link);
  assert.equal(back.statusCode, 302, `back to the invitation: ${back.statusCode}`);
  const requestId = locationOf(back).match(/^\/professional\/requests\/([0-9a-f-]{36})$/)?.[1];
  assert.ok(requestId, `lands on the request, not ${locationOf(back)}`);
  const user = await t.app.accounts.findByEmail(email);
  assert.ok(user);
  return { person: { id: user.id, email, password: PASSWORD, firstName, lastName }, client, requestId };
}

/** Chooses email two-step on the set-up page and enters the code; the app sends the person to `returnTo`. */
export async function setUpEmailTwoStep(t: AccountsTestApp, client: Client, email: string, returnTo: string): Promise<void> {
  await client.get('/account/two-step-verification?welcome=1');
  const chosen = await client.post('/account/two-step-verification', { method: 'email' });
  assert.equal(locationOf(chosen), '/account/two-step-verification/email');
  await client.get('/account/two-step-verification/email');
  const done = await client.post('/account/two-step-verification/email', { code: await latestCode(t, email) });
  assert.equal(done.statusCode, 302, `two-step set-up: ${done.statusCode}`);
  assert.equal(locationOf(done), returnTo, 'brought back to the invitation');
}

/** Follows an invitation with an existing account: asked to log in, then (password and code) back to the request. */
export async function acceptAsExistingProfessional(t: AccountsTestApp, link: string, person: TestPerson): Promise<Professional> {
  const client = new Client(t.app);
  const page = await client.get(link);
  assert.equal(page.statusCode, 200, `invitation page: ${page.statusCode}`);
  const done = await signIn(t, client, person);
  assert.equal(locationOf(done), link, 'back to the invitation after login');
  const back = await client.get(link);
  const requestId = locationOf(back).match(/^\/professional\/requests\/([0-9a-f-]{36})$/)?.[1];
  assert.ok(requestId, `lands on the request, not ${back.statusCode} ${locationOf(back)}`);
  return { person, client, requestId };
}

/** Saves ("draft") or sends ("submit") a professional's advice from the request page. */
export async function sendAdvice(client: Client, requestId: string, values: Record<string, string> = PROFESSIONAL_ADVICE, action: 'submit' | 'draft' = 'submit'): Promise<LightMyRequestResponse> {
  const page = await client.get(`/professional/requests/${requestId}`);
  assert.equal(page.statusCode, 200, `request page: ${page.statusCode}`);
  return client.post(`/professional/requests/${requestId}`, { ...values, action });
}

/** Uploads an attachment from the request page (multipart, `_csrf` first). */
export async function attach(t: TestApp, client: Client, requestId: string, file: UploadFile, options: { csrf?: string | null } = {}): Promise<LightMyRequestResponse> {
  const csrf = options.csrf !== undefined ? options.csrf : csrfFrom((await client.get(`/professional/requests/${requestId}`)).body);
  return postMultipart(t, client, `/professional/requests/${requestId}/attachments`, file, { csrf });
}

/** Asks a professional for advice, accepts as a new account and (unless told not to) sends the advice. */
export async function answeredBy(
  t: AccountsTestApp,
  staff: Client,
  caseId: string,
  role = 'educationalPsychologist',
  options: { submit?: boolean; file?: UploadFile; values?: Record<string, string> } = {},
): Promise<Professional & { request: AdviceRequestRow }> {
  const request = await askOk(t, staff, caseId, askForm(role));
  const professional = await acceptAsNewProfessional(t, await invitationLink(t, request.email));
  assert.equal(professional.requestId, request.id);
  if (options.file) {
    const up = await attach(t, professional.client, request.id, options.file);
    assert.equal(up.statusCode, 302, `attachment: ${up.statusCode}`);
  }
  if (options.submit !== false) {
    const sent = await sendAdvice(professional.client, request.id, options.values);
    assert.equal(sent.statusCode, 302, `send advice: ${sent.statusCode}`);
    assert.equal(locationOf(sent), '/professional');
  }
  return { ...professional, request };
}

// ---- Reading -------------------------------------------------------------------------------------------

/** The hash the app keeps of a link's token (SHA-256, base64url): finds the request a link is for. */
export function hashOf(link: string): string {
  return sha256(tokenOf(link));
}

/** The staff case page's advice table: role, who, due date and status, in order. */
export function adviceRows(html: string): { role: string; who: string; due: string; status: string }[] {
  const section = html.split('id="advice"')[1]?.split('id="exceptions"')[0] ?? '';
  const body = section.match(/<tbody class="govuk-table__body">([\s\S]*?)<\/tbody>/)?.[1] ?? '';
  return body
    .split('<tr class="govuk-table__row">')
    .slice(1)
    .map((tr) => {
      const cells = [...tr.matchAll(/<td class="govuk-table__cell">([\s\S]*?)<\/td>/g)].map((m) => m[1] ?? '');
      const [role = '', who = ''] = (cells[0] ?? '').split('<br>');
      return { role: plain(role), who: plain(who), due: plain(cells[1] ?? ''), status: plain((cells[2] ?? '').match(/<strong[^>]*>([\s\S]*?)<\/strong>/)?.[1] ?? '') };
    });
}

/** The staff case page's "Advice and reports received" list: each link with the tags after it. */
export function receivedAdvice(html: string): { href: string; text: string; tags: string[] }[] {
  const section = html.split('id="advice"')[1]?.split('id="exceptions"')[0] ?? '';
  const list = section.match(/<ul class="govuk-list">([\s\S]*?)<\/ul>/)?.[1] ?? '';
  return list
    .split('<li>')
    .slice(1)
    .map((li) => {
      const a = li.match(/<a class="govuk-link" href="([^"]+)">([\s\S]*?)<\/a>/);
      return { href: a?.[1] ?? '', text: plain(a?.[2] ?? ''), tags: [...li.matchAll(/<strong[^>]*>([\s\S]*?)<\/strong>/g)].map((m) => plain(m[1] ?? '')) };
    });
}

function plain(s: string): string {
  return s
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
