import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import * as OTPAuth from 'otpauth';
import type { Role } from '../../src/db/schema.js';
import { updateUser } from '../../src/features/account/repo.js';
import type { AppDeps } from '../../src/app.js';
import { Client, createTestApp, type TestApp } from './app.js';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** A clock the test moves by hand: give `clock.now` to the app as deps.now. */
export class TestClock {
  private t: number;
  constructor(start: Date | number = Date.now()) {
    this.t = typeof start === 'number' ? start : start.getTime();
  }
  now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface Email {
  id: string;
  to: string;
  subject: string;
  text: string;
  template: string;
  lang: string;
}

/**
 * The outbox read as the people it is addressed to read their inboxes. Each Mailbox remembers which
 * emails it has read, so `receive` gives the newest email that has arrived since.
 */
export class Mailbox {
  private read = new Set<string>();
  constructor(private t: TestApp) {}

  async all(to: string): Promise<Email[]> {
    const rows = await this.t.app.db
      .selectFrom('outbox')
      .select(['id', 'to_address', 'subject', 'text_body', 'template', 'lang', 'created_at'])
      .where('to_address', '=', to.toLowerCase())
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({ id: r.id, to: r.to_address, subject: r.subject, text: r.text_body, template: r.template, lang: r.lang }));
  }

  /** The emails to this address not read yet whose subject matches (oldest first); does not mark them read. */
  async unread(to: string, subject?: string | RegExp): Promise<Email[]> {
    return (await this.all(to)).filter((e) => !this.read.has(e.id) && matches(e.subject, subject));
  }

  /** Reads the newest unread email to this address whose subject matches; fails when none has arrived. */
  async receive(to: string, subject: string | RegExp): Promise<Email> {
    const found = await this.unread(to, subject);
    const email = found.at(-1);
    assert.ok(email, `no email "${String(subject)}" for ${to}; inbox has: ${(await this.all(to)).map((e) => e.subject).join(' | ') || 'nothing'}`);
    for (const e of found) this.read.add(e.id);
    return email;
  }

  /** Marks everything to this address as read. */
  async readAll(to: string): Promise<void> {
    for (const e of await this.all(to)) this.read.add(e.id);
  }
}

function matches(subject: string, expected?: string | RegExp): boolean {
  if (expected === undefined) return true;
  return typeof expected === 'string' ? subject === expected || subject.startsWith(expected) : expected.test(subject);
}

/** The link in an email, as a path on this site (the http://localhost:3000 origin removed). */
export function linkIn(email: Email): string {
  const m = email.text.match(/http:\/\/localhost:3000(\/[^\s]*)/);
  assert.ok(m?.[1], `no link in email "${email.subject}"`);
  return m[1];
}

export function tokenOf(path: string): string {
  const token = new URL(path, 'http://x').searchParams.get('token');
  assert.ok(token, `no token in ${path}`);
  return token;
}

/** The six-digit security code in a two-step email. */
export function codeIn(email: Email): string {
  const m = email.text.match(/Your security code is (\d{6})/);
  assert.ok(m?.[1], `no security code in email "${email.subject}"`);
  return m[1];
}

export function sha256(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A page without what differs on every response (CSRF token, CSP nonce) and without the given words. */
export function comparable(html: string, ...replace: string[]): string {
  let out = html.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value="TOKEN"').replace(/nonce="[^"]*"/g, 'nonce="NONCE"');
  for (const r of replace) out = out.split(r).join('REPLACED');
  return out;
}

/** The value attributes of the password inputs of a page: a password must never be sent back. */
export function passwordInputValues(html: string): string[] {
  return [...html.matchAll(/<input[^>]*type="password"[^>]*>/g)].map((m) => m[0].match(/\svalue="([^"]*)"/)?.[1]).filter((v): v is string => v !== undefined);
}

/** The input's value attribute on a page. */
export function inputValue(html: string, name: string): string | undefined {
  const tag = html.match(new RegExp(`<input[^>]*name="${name}"[^>]*>`))?.[0];
  return tag?.match(/\svalue="([^"]*)"/)?.[1];
}

export function locationOf(res: LightMyRequestResponse): string {
  return String(res.headers.location ?? '');
}

/** The Set-Cookie header lines of a response. */
export function setCookies(res: LightMyRequestResponse): string[] {
  const h = res.headers['set-cookie'];
  return h === undefined ? [] : Array.isArray(h) ? h : [String(h)];
}

/** Follows redirects with GET, as a browser does, and returns the final response. */
export async function follow(client: Client, res: LightMyRequestResponse, max = 5): Promise<LightMyRequestResponse> {
  let r = res;
  for (let i = 0; i < max && r.statusCode >= 300 && r.statusCode < 400; i++) r = await client.get(locationOf(r));
  return r;
}

let counter = 0;
/** An address no other test uses. */
export function uniqueEmail(prefix = 'person'): string {
  counter += 1;
  return `${prefix}.${counter}.${randomBytes(3).toString('hex')}@example.com`;
}

/** A password that passes the rules. */
export const PASSWORD = 'Violet-kettle-93-harbour';
export const NEW_PASSWORD = 'Seventeen-lanterns-over-Tees';

export interface AccountsTestApp extends TestApp {
  clock: TestClock;
  mail: Mailbox;
}

/** The real app with a clock the test moves and a mailbox reading its outbox. */
export async function createAccountsTestApp(
  kind: 'sqlite' | 'postgres',
  options: { env?: Record<string, string>; deps?: AppDeps } = {},
): Promise<AccountsTestApp> {
  const clock = new TestClock();
  const t = await createTestApp(kind, { ...options, deps: { now: clock.now, ...options.deps } });
  return Object.assign(t, { clock, mail: new Mailbox(t) });
}

export interface TestPerson {
  id: string;
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  /** For the authenticator-app method: the secret the person's app holds. */
  appSecret?: string;
}

/**
 * A citizen made through the service (faster than the forms when the form is not what is tested):
 * registered and, unless told otherwise, confirmed; optionally with two-step verification on.
 */
export async function createCitizen(
  t: TestApp,
  options: { email?: string; password?: string; firstName?: string; lastName?: string; confirmed?: boolean; twoStep?: 'email' | 'app'; lang?: 'en' | 'cy' } = {},
): Promise<TestPerson> {
  const email = options.email ?? uniqueEmail('citizen');
  const password = options.password ?? PASSWORD;
  const firstName = options.firstName ?? 'Alex';
  const lastName = options.lastName ?? 'Parent';
  await t.app.accounts.register({ firstName, lastName, email, password, lang: options.lang ?? 'en' });
  const user = await t.app.accounts.findByEmail(email);
  assert.ok(user);
  const now = t.app.now();
  let appSecret: string | undefined;
  if (options.twoStep === 'app') appSecret = new OTPAuth.Secret({ size: 20 }).base32;
  await updateUser(
    t.app.db,
    user.id,
    {
      email_confirmed_at: options.confirmed === false ? null : now.toISOString(),
      two_step_method: options.twoStep ?? null,
      totp_secret: appSecret ? t.app.accounts.encryptAppSecret(appSecret) : null,
    },
    now,
  );
  return { id: user.id, email, password, firstName, lastName, appSecret };
}

/** A member of staff, invited as `npm run create-user` does, with the password set from the link. */
export async function createStaff(t: TestApp, role: Role, options: { email?: string; twoStep?: 'email'; firstName?: string; lastName?: string } = {}): Promise<TestPerson> {
  const email = options.email ?? uniqueEmail(role);
  const firstName = options.firstName ?? 'Sam';
  const lastName = options.lastName ?? 'Staff';
  const invited = await t.app.accounts.invite({ email, firstName, lastName, role, invitedBy: null });
  assert.equal(invited.kind, 'ok');
  const token = tokenOf(invited.kind === 'ok' ? invited.link : '');
  const set = await t.app.accounts.setPasswordFromLink(token, 'set_password', PASSWORD);
  assert.equal(set.kind, 'ok');
  const user = await t.app.accounts.findByEmail(email);
  assert.ok(user);
  if (options.twoStep) await updateUser(t.app.db, user.id, { two_step_method: options.twoStep }, t.app.now());
  return { id: user.id, email, password: PASSWORD, firstName, lastName };
}

/** Registers through the form and follows the confirmation link: the client ends signed in, before two-step. */
export async function registerAndConfirm(
  t: AccountsTestApp,
  client: Client,
  options: { email?: string; password?: string; firstName?: string; lastName?: string } = {},
): Promise<TestPerson> {
  const email = options.email ?? uniqueEmail('registered');
  const password = options.password ?? PASSWORD;
  const firstName = options.firstName ?? 'Robin';
  const lastName = options.lastName ?? 'Carer';
  await client.get('/register');
  const res = await client.post('/register', { firstName, lastName, email, password, passwordConfirm: password, terms: 'yes' });
  assert.equal(res.statusCode, 302, `register: ${res.statusCode}`);
  assert.equal(locationOf(res), '/register/check-email');
  const mail = await t.mail.receive(email, 'Complete your Citizen Portal registration');
  const confirmed = await client.get(linkIn(mail));
  assert.equal(confirmed.statusCode, 302);
  assert.match(locationOf(confirmed), /^\/account\/two-step-verification/);
  const user = await t.app.accounts.findByEmail(email);
  assert.ok(user);
  return { id: user.id, email, password, firstName, lastName };
}

/** The password step of sign-in through the login form. */
export async function submitPassword(client: Client, email: string, password: string): Promise<LightMyRequestResponse> {
  await client.get('/login');
  return client.post('/login', { email, password });
}

/** The code for an authenticator app holding this secret, at the app's time. */
export function appCode(secret: string, at: Date): string {
  return new OTPAuth.TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: at.getTime() });
}

/**
 * Signs in through the forms: password, then the emailed (or app) code when the account uses two-step
 * verification. Returns the last response (the redirect after sign-in).
 */
export async function signIn(t: AccountsTestApp, client: Client, person: Pick<TestPerson, 'email' | 'password' | 'appSecret'>): Promise<LightMyRequestResponse> {
  const res = await submitPassword(client, person.email, person.password);
  assert.equal(res.statusCode, 302, `login of ${person.email}: ${res.statusCode}`);
  if (locationOf(res) !== '/login/code') return res;
  await client.get('/login/code');
  const code = person.appSecret ? appCode(person.appSecret, t.clock.now()) : codeIn(await t.mail.receive(person.email, 'Your Citizen Portal security code'));
  const done = await client.post('/login/code', { code });
  assert.equal(done.statusCode, 302, `code step of ${person.email}: ${done.statusCode}`);
  return done;
}

/** A new client signed in as this person. */
export async function signedIn(t: AccountsTestApp, person: Pick<TestPerson, 'email' | 'password' | 'appSecret'>): Promise<Client> {
  const client = new Client(t.app);
  await signIn(t, client, person);
  return client;
}

/** The audit actions recorded about or by a person, oldest first. */
export async function auditActions(t: TestApp, userId: string): Promise<string[]> {
  const rows = await t.app.db
    .selectFrom('audit_events')
    .select(['action', 'id'])
    .where((eb) => eb.or([eb('actor_id', '=', userId), eb('subject_id', '=', userId)]))
    .orderBy('id')
    .execute();
  return rows.map((r) => r.action);
}

/** A client that carries only the given session cookie, as someone who copied it would. */
export function clientWithCookie(t: TestApp, name: string, value: string): Client {
  const c = new Client(t.app);
  c.cookies.set(name, value);
  return c;
}
