import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { LightMyRequestResponse } from 'fastify';
import { addDays, isIsoDate } from '../../src/domain/dates.js';
import { projectRoot } from '../../src/platform/paths.js';
import { londonDate } from '../../src/platform/time.js';
import { type AccountsTestApp, createCitizen, type Email, linkIn, locationOf, submitPassword, type TestPerson, tokenOf } from './accounts.js';
import { Client, csrfFrom, type TestApp } from './app.js';

// ---- Locale files --------------------------------------------------------------------------------

export type Lang = 'en' | 'cy';
type Json = { [key: string]: Json } | Json[] | string;
const locales = new Map<string, Json>();

function localeFile(lang: Lang, ns: string): Json {
  const key = `${lang}/${ns}`;
  let file = locales.get(key);
  if (!file) {
    file = JSON.parse(readFileSync(path.join(projectRoot, 'locales', lang, `${ns}.json`), 'utf8')) as Json;
    locales.set(key, file);
  }
  return file;
}

/**
 * A text from a locale file, read from the file itself (not through the app's i18n), with `{{name}}`
 * placeholders filled in: `words('cy', 'send:fields.firstName.required')`. Throws when the key is missing.
 */
export function words(lang: Lang, key: string, vars: Record<string, string | number> = {}): string {
  const [ns, dotted] = key.split(':') as [string, string];
  let node: Json | undefined = localeFile(lang, ns);
  for (const part of dotted.split('.')) node = typeof node === 'object' && !Array.isArray(node) ? node[part] : undefined;
  assert.equal(typeof node, 'string', `no text ${lang}:${key}`);
  return (node as string).replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    assert.ok(name in vars, `no value for {{${name}}} in ${key}`);
    return String(vars[name]);
  });
}

/** A text from a locale file when the key exists, otherwise undefined. */
export function maybeWords(lang: Lang, key: string, vars: Record<string, string | number> = {}): string | undefined {
  try {
    return words(lang, key, vars);
  } catch {
    return undefined;
  }
}

/**
 * The message the form engine should show for a field's error: the field's own message when the locale
 * has one, otherwise the namespace's generic one with the label filled in.
 */
export function fieldError(lang: Lang, ns: 'send' | 'request', field: string, key: string, max?: number): string {
  return maybeWords(lang, `${ns}:fields.${field}.${key}`) ?? words(lang, `${ns}:errors.${key}`, { label: words(lang, `${ns}:fields.${field}.label`), max: max ?? '' });
}

// ---- Dates ---------------------------------------------------------------------------------------

export function todayOf(t: AccountsTestApp): string {
  return londonDate(t.clock.now());
}

/** The date `years` years before `today`, plus `days` days (29 February becomes 1 March in a common year). */
export function yearsBefore(today: string, years: number, days = 0): string {
  const [y, m, d] = today.split('-') as [string, string, string];
  let date = `${String(Number(y) - years).padStart(4, '0')}-${m}-${d}`;
  if (!isIsoDate(date)) date = `${String(Number(y) - years).padStart(4, '0')}-03-01`;
  return addDays(date, days);
}

/** A YYYY-MM-DD date as the three boxes of the GOV.UK date input. */
export function dateFields(iso: string, name = 'dateOfBirth'): Record<string, string> {
  const [y, m, d] = iso.split('-') as [string, string, string];
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y };
}

/** Moves the clock forward to the next 10 January, 09:00 UTC, of a common year. Returns that year. */
export function moveClockToTenthOfJanuary(t: AccountsTestApp): number {
  const now = t.clock.now();
  let year = now.getUTCFullYear() + 1;
  while ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0) year += 1;
  const target = Date.UTC(year, 0, 10, 9, 0, 0);
  t.clock.advance(target - now.getTime());
  return year;
}

// ---- Valid answers -------------------------------------------------------------------------------

/** A valid "Add a child" form for a child born about 9 years before the app's today. */
export function childForm(t: AccountsTestApp, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    firstName: 'Sam',
    lastName: 'Taylor',
    preferredName: '',
    ...dateFields(yearsBefore(todayOf(t), 9, -40)),
    gender: 'male',
    address1: '1 High Street',
    address2: '',
    town: 'Stockton-on-Tees',
    postcode: 'TS18 1AU',
    school: 'Oak Primary School',
    yearGroup: 'year4',
    homeLanguage: 'English',
    interpreterNeeded: 'no',
    interpreterLanguage: '',
    upn: '',
    nhsNumber: '',
    relationship: 'mother',
    relationshipOther: '',
    parentalResponsibility: 'yes',
    ...overrides,
  };
}

/** A valid form for a young person adding themselves, aged `age`. */
export function selfForm(t: AccountsTestApp, age: number, overrides: Record<string, string> = {}): Record<string, string> {
  const { relationship: _r, relationshipOther: _o, parentalResponsibility: _p, ...rest } = childForm(t, { firstName: 'Jordan', ...dateFields(yearsBefore(todayOf(t), age, -10)), ...overrides });
  return rest;
}

export type FormBody = Record<string, string | string[]>;

/** Answers that complete each section of the request, in task-list order. */
export const SECTION_ANSWERS: Record<string, FormBody> = {
  child: { detailsCorrect: 'yes', detailsChanges: '', diagnoses: 'Autism, being assessed for ADHD', communication: 'Speaks in short sentences', lookedAfter: 'no' },
  you: { phone: '01632 960 001', contactMethod: 'email', otherParents: '', meetingInterpreter: 'no', meetingInterpreterLanguage: '' },
  education: { settingType: 'mainstream', settingName: 'Oak Primary School', sencoName: 'Ms Patel', supportSoFar: 'SEN support plan since Year 2, small group reading', exclusions: 'no', exclusionDetails: '' },
  needs: { communicationInteraction: 'Finds it hard to follow spoken instructions', cognitionLearning: '', socialEmotionalMentalHealth: 'Anxious at transitions', sensoryPhysical: '' },
  health: { healthNeeds: '', healthProfessionals: 'Community paediatrician', socialCare: 'no', socialCareDetails: '' },
  professionals: { anyProfessionals: 'yes', professionalsList: 'Speech and language therapist, NHS' },
  views: { parentViews: 'That Sam feels safe at school', strengths: 'Drawing and dinosaurs', childViews: 'I like my teacher', aspirations: 'To go to college' },
  documents: { documentsDone: ['done'] },
  consent: { shareWith: ['school', 'health'], doNotShare: '' },
  declaration: { declaration: ['agree'], signature: 'Alex Parent' },
};
export const SECTION_KEYS = Object.keys(SECTION_ANSWERS);

// ---- Flows ---------------------------------------------------------------------------------------

export function idFrom(location: string, pattern: RegExp): string {
  const m = location.match(pattern);
  assert.ok(m?.[1], `no id in "${location}"`);
  return m[1];
}

/** Adds a child through the form; returns its id. */
export async function addChild(t: AccountsTestApp, client: Client, overrides: Record<string, string> = {}, options: { self?: number } = {}): Promise<string> {
  const url = options.self === undefined ? '/send/children/new' : '/send/children/new?self=1';
  await client.get(url);
  const form = options.self === undefined ? childForm(t, overrides) : selfForm(t, options.self, overrides);
  const res = await client.post(url, form);
  assert.equal(res.statusCode, 302, `add child: ${res.statusCode}`);
  return idFrom(locationOf(res), /^\/send\/children\/([0-9a-f-]{36})$/);
}

/** Starts (or continues) the request for this child from the SEND home page; returns the request id. */
export async function startRequest(client: Client, childId: string): Promise<string> {
  await client.get('/send');
  const res = await client.post(`/send/children/${childId}/requests`);
  assert.equal(res.statusCode, 302, `start request: ${res.statusCode}`);
  return idFrom(locationOf(res), /^\/send\/requests\/([0-9a-f-]{36})$/);
}

/** Saves one section with "Save and continue" (or "Save and come back later"). */
export async function saveSection(client: Client, requestId: string, key: string, answers: FormBody, action: 'continue' | 'later' = 'continue'): Promise<LightMyRequestResponse> {
  await client.get(`/send/requests/${requestId}/sections/${key}`);
  return client.post(`/send/requests/${requestId}/sections/${key}`, { ...answers, action });
}

/** Completes every section (but those in `except`) with the valid answers. */
export async function fillRequest(client: Client, requestId: string, options: { except?: string[]; answers?: Record<string, FormBody> } = {}): Promise<void> {
  // One page load for the CSRF token (the same for every form of the session), then the sections' forms.
  await client.get(`/send/requests/${requestId}`);
  for (const key of SECTION_KEYS) {
    if (options.except?.includes(key)) continue;
    const res = await client.post(`/send/requests/${requestId}/sections/${key}`, { ...SECTION_ANSWERS[key], ...options.answers?.[key], action: 'continue' });
    assert.equal(res.statusCode, 302, `section ${key}: ${res.statusCode}`);
    assert.equal(locationOf(res), `/send/requests/${requestId}`);
  }
}

/** Presses "Accept and send" from the check-your-answers page. */
export async function submitRequest(client: Client, requestId: string): Promise<LightMyRequestResponse> {
  await client.get(`/send/requests/${requestId}/check`);
  return client.post(`/send/requests/${requestId}/submit`);
}

export interface Family {
  person: TestPerson;
  client: Client;
  childId: string;
  requestId: string;
}

/** A parent with email two-step, signed in, with a child and a draft request (complete unless told otherwise). */
export async function familyWithRequest(t: AccountsTestApp, options: { person?: TestPerson; lang?: Lang; complete?: boolean; child?: Record<string, string> } = {}): Promise<Family> {
  const person = options.person ?? (await createCitizen(t, { twoStep: 'email', lang: options.lang }));
  const client = await signedInAs(t, person);
  const childId = await addChild(t, client, options.child);
  const requestId = await startRequest(client, childId);
  if (options.complete !== false) await fillRequest(client, requestId);
  return { person, client, childId, requestId };
}

/**
 * A new client signed in with the password and the emailed code, whatever the person's language (the
 * accounts helper reads the English subject): the code is taken from the newest two-step email.
 */
export async function signedInAs(t: AccountsTestApp, person: Pick<TestPerson, 'email' | 'password'>): Promise<Client> {
  const client = new Client(t.app);
  const res = await submitPassword(client, person.email, person.password);
  assert.equal(res.statusCode, 302, `login of ${person.email}: ${res.statusCode}`);
  if (locationOf(res) !== '/login/code') return client;
  await client.get('/login/code');
  const email = (await t.mail.unread(person.email)).filter((e) => e.template === 'twoStepCode').at(-1);
  const code = email?.text.match(/\b(\d{6})\b/)?.[1];
  assert.ok(code, `no security code for ${person.email}`);
  await t.mail.readAll(person.email);
  const done = await client.post('/login/code', { code });
  assert.equal(done.statusCode, 302, `code step of ${person.email}: ${done.statusCode}`);
  return client;
}

/** Invites `invitee` to share the child and accepts as them; returns the invitee's signed-in client. */
export async function shareChild(t: AccountsTestApp, owner: Client, childId: string, invitee: TestPerson, answers: FormBody = { relationship: 'father', parentalResponsibility: 'yes' }): Promise<Client> {
  await owner.get(`/send/children/${childId}/share`);
  const sent = await owner.post(`/send/children/${childId}/share`, { firstName: invitee.firstName, email: invitee.email });
  assert.equal(sent.statusCode, 302, `share: ${sent.statusCode}`);
  const link = linkIn(await inviteEmail(t, invitee.email));
  const client = await signedInAs(t, invitee);
  assert.equal((await client.get(link)).statusCode, 200);
  const accepted = await client.post('/send/children/accept', { token: tokenOf(link), ...answers });
  assert.equal(accepted.statusCode, 302, `accept: ${accepted.statusCode}`);
  assert.equal(locationOf(accepted), `/send/children/${childId}`);
  return client;
}

/** The newest unread invitation to share a child sent to this address (marked read). */
export async function inviteEmail(t: AccountsTestApp, to: string): Promise<Email> {
  const invites = (await t.mail.unread(to)).filter((e) => e.template === 'childShareInvite');
  const email = invites.at(-1);
  assert.ok(email, `no invitation for ${to}`);
  await t.mail.readAll(to);
  return email;
}

// ---- Multipart uploads ---------------------------------------------------------------------------

export interface UploadFile {
  name: string;
  type: string;
  data: Buffer;
}

/** A multipart/form-data body built by hand: the fields in order, then the file part. */
export function multipartBody(fields: [string, string][], file?: UploadFile): { body: Buffer; contentType: string } {
  const boundary = `----portal-test-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of fields) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name.replace(/"/g, '%22')}"\r\nContent-Type: ${file.type}\r\n\r\n`));
    chunks.push(file.data);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Uploads a file as the upload form does: the `_csrf` field first (from the last page the client loaded,
 * unless `csrf` gives one, or null for none), then the file. Keeps cookies as the Client does.
 */
export async function postMultipart(t: TestApp, client: Client, url: string, file: UploadFile | undefined, options: { csrf?: string | null } = {}): Promise<LightMyRequestResponse> {
  const token = options.csrf === undefined ? csrfFrom(client.lastHtml) : options.csrf;
  const { body, contentType } = multipartBody(token === null ? [] : [['_csrf', token]], file);
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

/** Uploads to a request from its documents section. */
export async function uploadTo(t: TestApp, client: Client, requestId: string, file: UploadFile, options: { csrf?: string | null } = {}): Promise<LightMyRequestResponse> {
  await client.get(`/send/requests/${requestId}/sections/documents`);
  return postMultipart(t, client, `/send/requests/${requestId}/documents`, file, options);
}

/** A small but real PDF. */
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

/** A real 2×2 JPEG (made with ImageMagick). */
export const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAACAAIDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAb/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAABv/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AJMA5CX/2Q==',
  'base64',
);

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A real 1×1 PNG (one opaque pixel). */
export const PNG = (() => {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.from([0, 0x1d, 0x70, 0xb8]))), pngChunk('IEND', Buffer.alloc(0))]);
})();

/** Every file in the app's file store (paths relative to DATA_DIR/files). */
export function storedFiles(t: TestApp): string[] {
  const root = path.join(t.config.dataDir, 'files');
  if (!existsSync(root)) return [];
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.relative(root, path.join(dir, e.name))]));
  return walk(root).sort();
}

// ---- Reading pages -------------------------------------------------------------------------------

function decode(s: string): string {
  return s
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The GOV.UK error summary of a page: its title and each message with the link it goes to. */
export function errorSummary(html: string): { title: string; items: { text: string; href: string }[] } | undefined {
  const box = html.match(/<div class="govuk-error-summary"[\s\S]*?<\/ul>/)?.[0];
  if (!box) return undefined;
  const title = decode(box.match(/<h2 class="govuk-error-summary__title">([\s\S]*?)<\/h2>/)?.[1] ?? '');
  const items = [...box.matchAll(/<a href="([^"]*)">([\s\S]*?)<\/a>/g)].map((m) => ({ href: decode(m[1] ?? ''), text: decode(m[2] ?? '') }));
  return { title, items };
}

/** The inline error message of a field (GOV.UK `<p id="<id>-error">`), without the hidden "Error:" prefix. */
export function inlineError(html: string, id: string): string | undefined {
  const m = html.match(new RegExp(`<p id="${id}-error" class="govuk-error-message">([\\s\\S]*?)</p>`));
  if (!m?.[1]) return undefined;
  return decode(m[1].replace(/<span class="govuk-visually-hidden">[\s\S]*?<\/span>/, ''));
}

/** The values of the checked radios or checkboxes called `name`. */
export function checkedValues(html: string, name: string): string[] {
  return [...html.matchAll(/<input[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => tag.includes(`name="${name}"`) && /\schecked\b/.test(tag))
    .map((tag) => decode(tag.match(/\svalue="([^"]*)"/)?.[1] ?? ''));
}

/** The text in the textarea called `name`. */
export function textareaValue(html: string, name: string): string | undefined {
  const m = html.match(new RegExp(`<textarea[^>]*name="${name}"[^>]*>([\\s\\S]*?)</textarea>`));
  return m ? decode(m[1] ?? '') : undefined;
}

/** The selected option of the select called `name`. */
export function selectedOption(html: string, name: string): string | undefined {
  const select = html.match(new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`))?.[1] ?? '';
  return select.match(/<option value="([^"]*)"[^>]*selected/)?.[1];
}

/** Each task of the task list with its status, by the title shown. */
export function taskStatuses(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of html.split('<li class="govuk-task-list__item').slice(1)) {
    const title = decode(item.match(/<a[^>]*govuk-task-list__link[^>]*>([\s\S]*?)<\/a>/)?.[1] ?? item.match(/govuk-task-list__name-and-hint">([\s\S]*?)<\/div>/)?.[1] ?? '');
    const status = decode(item.match(/<div class="govuk-task-list__status"[^>]*>([\s\S]*?)<\/div>/)?.[1] ?? '');
    out[title] = status;
  }
  return out;
}

/** The `lang` of the page's `<html>` element. */
export function pageLang(html: string): string | undefined {
  return html.match(/<html[^>]*\slang="([^"]+)"/)?.[1];
}

// ---- Database --------------------------------------------------------------------------------------

/** The 'access.refused' audit rows a person caused, oldest first. */
export async function refusals(t: TestApp, actorId: string): Promise<{ subject_type: string | null; subject_id: string | null }[]> {
  return t.app.db.selectFrom('audit_events').select(['subject_type', 'subject_id']).where('action', '=', 'access.refused').where('actor_id', '=', actorId).orderBy('id').execute();
}

export function casesOf(t: TestApp, requestId: string) {
  return t.app.db.selectFrom('cases').selectAll().where('request_id', '=', requestId).execute();
}

export function requestRow(t: TestApp, requestId: string) {
  return t.app.db.selectFrom('assessment_requests').selectAll().where('id', '=', requestId).executeTakeFirst();
}

export function documentRows(t: TestApp) {
  return t.app.db.selectFrom('documents').selectAll().orderBy('created_at').execute();
}

// ---- Assertions ------------------------------------------------------------------------------------

export interface ExpectedError {
  /** The field: the summary links to `#<field>` (or `href`), the inline message is `<id>-error`. */
  field: string;
  text: string;
  href?: string;
  /** false when the message is only in the summary (e.g. "at least one of"). */
  inline?: boolean;
}

/**
 * A form refused as GOV.UK pages refuse: 400, the page in `lang`, an error summary titled from the common
 * locale listing exactly these messages in order, each linking to its field, and the same inline messages.
 */
export function assertFormErrors(res: LightMyRequestResponse, lang: Lang, expected: ExpectedError[]): void {
  assert.equal(res.statusCode, 400, `status ${res.statusCode}`);
  assert.equal(pageLang(res.body), lang, 'page language');
  const summary = errorSummary(res.body);
  assert.ok(summary, 'no error summary');
  assert.equal(summary.title, words(lang, 'common:errorSummaryTitle'));
  assert.deepEqual(
    summary.items,
    expected.map((e) => ({ text: e.text, href: e.href ?? `#${e.field}` })),
  );
  for (const e of expected) {
    if (e.inline === false) continue;
    assert.equal(inlineError(res.body, e.field), e.text, `inline error of ${e.field}`);
  }
  assert.ok(res.body.includes(`<title>${words(lang, 'common:errorPrefix')} `), 'the page title says there is an error');
}
