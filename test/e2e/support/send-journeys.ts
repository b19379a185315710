// Helpers for the SEND and back-office journeys in a browser (send-request.test.ts, casework.test.ts): the
// words of those pages from the locale files, signing in through the real pages with the emailed code read
// from the outbox table, the form engine's fields filled by their visible labels, and small real PDF files.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Locator, Page } from 'playwright-core';
import type { FieldDef } from '../../../src/platform/form-engine.js';
import { projectRoot } from '../../../src/platform/paths.js';
import { formatDate, londonDate } from '../../../src/platform/time.js';
import { type AccountsTestApp, createCitizen, locationOf, Mailbox, submitPassword, TestClock, type TestPerson, uniqueEmail } from '../../support/accounts.js';
import { Client } from '../../support/app.js';
import { addChild, casesOf, fillRequest, PDF, startRequest, submitRequest } from '../../support/send.js';
import type { RunningApp } from './browser.js';
import { arrive, headerNav, type Lang, squash, type Texts, texts } from './journeys.js';

export type { Lang };

type Json = { [key: string]: Json } | Json[] | string | number | boolean | null;

/** The words of the SEND area and the back office, besides those of the accounts pages. */
export interface PortalTexts extends Texts {
  request: typeof import('../../../locales/en/request.json');
  staff: typeof import('../../../locales/en/staff.json');
  track: typeof import('../../../locales/en/track.json');
  admin: typeof import('../../../locales/en/admin.json');
}

function readLocale(lang: Lang, ns: string): Json {
  return JSON.parse(readFileSync(path.join(projectRoot, 'locales', lang, `${ns}.json`), 'utf8')) as Json;
}

/** `over` with what it lacks taken from `under`, key by key, as i18next falls back from Welsh to English. */
function withFallback(over: Json, under: Json): Json {
  if (typeof over !== 'object' || over === null || Array.isArray(over) || typeof under !== 'object' || under === null || Array.isArray(under)) return over ?? under;
  const out: Record<string, Json> = { ...under };
  for (const [key, value] of Object.entries(over)) out[key] = key in under ? withFallback(value, under[key] as Json) : value;
  return out;
}

/** A locale file as i18next sees it: Welsh with what it lacks taken from English. */
export function loadLocale<T>(lang: Lang, ns: string): T {
  const file = readLocale(lang, ns);
  return (lang === 'en' ? file : withFallback(file, readLocale('en', ns))) as T;
}

export function portalTexts(lang: Lang): PortalTexts {
  return {
    ...texts(lang),
    request: loadLocale(lang, 'request'),
    staff: loadLocale(lang, 'staff'),
    track: loadLocale(lang, 'track'),
    admin: loadLocale(lang, 'admin'),
  };
}

/** A text of a locale namespace by its dotted key, e.g. word(t.request, 'sections.needs.title'). */
export function word(ns: unknown, dotted: string, vars: Record<string, string | number> = {}): string {
  let node: unknown = ns;
  for (const part of dotted.split('.')) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  assert.equal(typeof node, 'string', `no text at ${dotted}`);
  return (node as string).replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    assert.ok(name in vars, `no value for {{${name}}} in ${dotted}`);
    return String(vars[name]);
  });
}

// ---- Dates -----------------------------------------------------------------------------------------

/** Today in London (the app's calendar), as YYYY-MM-DD. */
export function today(): string {
  return londonDate(new Date());
}

/** A date as the pages write it ("12 January 2027", "12 Ionawr 2027"). */
export function shown(iso: string, lang: Lang): string {
  return formatDate(iso, lang);
}

// ---- Files -----------------------------------------------------------------------------------------

/** A temporary folder for files to upload, removed with `remove()`. */
export class UploadFolder {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'portal-e2e-'));

  /** Writes a small but real PDF (its bytes start %PDF-1.4) called `name`, and returns its path. */
  pdf(name: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, PDF);
    assert.equal(readFileSync(file).subarray(0, 8).toString('latin1'), '%PDF-1.4');
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---- Signing in ------------------------------------------------------------------------------------

export interface Person {
  email: string;
  password: string;
}

/** The six-digit code of the newest two-step verification email to this address, from the outbox table. */
export async function newestCode(app: FastifyInstance, email: string): Promise<string> {
  const row = await app.db
    .selectFrom('outbox')
    .select(['subject', 'created_at'])
    .where('to_address', '=', email.toLowerCase())
    .where('template', '=', 'twoStepCode')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  const code = row?.subject.match(/(\d{6})$/)?.[1];
  assert.ok(code, `a twoStepCode email to ${email} in the outbox`);
  return code;
}

/**
 * Login through the real pages from wherever the page is: Login in the header, email and password, then the
 * code of the newest email typed into /login/code. Ends on the person's home page (`home`), not checked by axe
 * (the caller arrives there). With `axe`, the login and code pages are checked too.
 */
export async function login(page: Page, lang: Lang, t: Texts, running: RunningApp, person: Person, home: string, options: { axe?: boolean } = {}): Promise<void> {
  const axe = options.axe ?? false;
  const main = page.locator('main');
  await headerNav(page).getByRole('link', { name: t.common.nav.login, exact: true }).click();
  await arrive(page, lang, '/login', t.account.login.title, 'the login page', { axe });
  // Let no earlier code be taken for this one: the newest email must be the one this login sends.
  const before = await newestCode(running.app, person.email).catch(() => undefined);
  await page.getByLabel(t.common.fields.email, { exact: true }).fill(person.email);
  await page.getByLabel(t.common.fields.password, { exact: true }).fill(person.password);
  await main.getByRole('button', { name: t.common.buttons.login, exact: true }).click();
  await arrive(page, lang, '/login/code', t.account.code.email.title, 'the security code page', { axe });
  const code = await newestCode(running.app, person.email);
  assert.notEqual(code, before, 'a new code was sent');
  await page.getByLabel(t.account.code.label, { exact: true }).fill(code);
  await main.getByRole('button', { name: t.common.buttons.continue, exact: true }).click();
  await page.waitForURL((url) => url.pathname === home);
}

/** Goes to the home page in `lang`: with ?lng= when `via` is 'query', or from English with the header's language link. */
export async function openHome(page: Page, lang: Lang, t: Texts, via: 'query' | 'link' = 'query', options: { axe?: boolean } = {}): Promise<void> {
  if (via === 'query' || lang === 'en') {
    await page.goto(`/?lng=${lang}`);
  } else {
    await page.goto('/?lng=en');
    await arrive(page, 'en', '/', texts('en').pages.home.heading, 'the home page', options);
    await page.locator('.portal-header__language').getByRole('link', { name: /Cymraeg$/ }).click();
    await page.waitForURL(/[?&]lng=cy/);
  }
  await arrive(page, lang, '/', t.pages.home.heading, 'the home page', options);
}

// ---- Forms of the form engine ------------------------------------------------------------------------

/** A GOV.UK fieldset (radios, checkboxes, date) by its legend. */
export function group(scope: Page | Locator, legend: string): Locator {
  return scope.getByRole('group', { name: legend, exact: true });
}

/**
 * The fields of a form described with the form engine, filled and read by their visible labels as a person
 * would: `ns` is the locale namespace of their words ('send' or 'request').
 */
export class EngineForm {
  constructor(
    private scope: Page | Locator,
    private t: PortalTexts,
    private ns: 'send' | 'request',
    private fields: readonly FieldDef[],
  ) {}

  private def(name: string): FieldDef {
    const f = this.fields.find((x) => x.name === name);
    assert.ok(f, `no field ${name}`);
    return f;
  }

  /** The label (or legend) as shown: optional fields say so. */
  label(name: string): string {
    const f = this.def(name);
    const text = word(this.t[this.ns], `fields.${name}.label`);
    return f.required || f.requiredIf ? text : `${text} ${this.t.common.optional}`;
  }

  option(name: string, value: string): string {
    return word(this.t[this.ns], `options.${name}.${value}`);
  }

  /** The message shown when the field is left empty. */
  required(name: string): string {
    return word(this.t[this.ns], `fields.${name}.required`);
  }

  /**
   * Answers the fields in the order given: text by typing, radios and checkboxes by their option's words,
   * a select by the option's words, a date (YYYY-MM-DD) into its Day, Month and Year boxes.
   */
  async fill(answers: Record<string, string | string[]>): Promise<void> {
    for (const [name, value] of Object.entries(answers)) {
      const f = this.def(name);
      if (f.type === 'radios') {
        await group(this.scope, this.label(name))
          .getByRole('radio', { name: this.option(name, value as string), exact: true })
          .check();
      } else if (f.type === 'checkboxes') {
        const boxes = group(this.scope, this.label(name));
        for (const v of value as string[]) await boxes.getByRole('checkbox', { name: this.option(name, v), exact: true }).check();
      } else if (f.type === 'select') {
        await this.scope.getByLabel(this.label(name), { exact: true }).selectOption({ label: this.option(name, value as string) });
      } else if (f.type === 'date') {
        const [y, m, d] = (value as string).split('-') as [string, string, string];
        const boxes = group(this.scope, this.label(name));
        await boxes.getByLabel(this.t.common.date.day, { exact: true }).fill(String(Number(d)));
        await boxes.getByLabel(this.t.common.date.month, { exact: true }).fill(String(Number(m)));
        await boxes.getByLabel(this.t.common.date.year, { exact: true }).fill(y);
      } else {
        await this.scope.getByLabel(this.label(name), { exact: true }).fill(value as string);
      }
    }
  }

  /** Fails unless the fields show these answers (after saving and coming back). */
  async expect(answers: Record<string, string | string[]>): Promise<void> {
    for (const [name, value] of Object.entries(answers)) {
      const f = this.def(name);
      if (f.type === 'radios' || f.type === 'checkboxes') {
        const role = f.type === 'radios' ? 'radio' : 'checkbox';
        const fieldset = group(this.scope, this.label(name));
        const checked: string[] = [];
        for (const o of f.options ?? []) if (await fieldset.getByRole(role, { name: this.option(name, o), exact: true }).isChecked()) checked.push(o);
        assert.deepEqual(checked, Array.isArray(value) ? value : value ? [value] : [], `the answer to "${this.label(name)}"`);
      } else {
        const input = this.scope.getByLabel(this.label(name), { exact: true });
        assert.equal(await input.inputValue(), value, `the answer to "${this.label(name)}"`);
      }
    }
  }
}

// ---- Reading pages ---------------------------------------------------------------------------------

/** The rows of a GOV.UK summary list as [key, value] pairs of squashed text. */
export async function summaryRows(list: Locator): Promise<[string, string][]> {
  const rows = await list.locator('.govuk-summary-list__row').all();
  return Promise.all(rows.map(async (row) => [squash(await row.locator('.govuk-summary-list__key').textContent()), squash(await row.locator('.govuk-summary-list__value').textContent())] as [string, string]));
}

/** The value of the summary-list row whose key is `key`, within `list`. */
export async function summaryValue(list: Locator, key: string): Promise<string | undefined> {
  return (await summaryRows(list)).find(([k]) => k === key)?.[1];
}

/** The success banner (GOV.UK notification banner) once it says `text`. */
export async function expectNotice(page: Page, text: string): Promise<void> {
  const banner = page.locator('.govuk-notification-banner--success');
  await banner.getByText(text, { exact: true }).waitFor();
  assert.equal(await banner.getAttribute('role'), 'alert');
}

// ---- A case to work on ----------------------------------------------------------------------------

export interface FamilyWithCase {
  parent: TestPerson;
  child: { firstName: string; lastName: string; name: string };
  reference: string;
  caseId: string;
}

/**
 * A parent (two-step by email, emails in `lang`) who has sent a complete request for their child, made over
 * HTTP with the test client (sign-in with the code from the outbox, the child form, every section, "Accept
 * and send"): quicker than the browser when the family's forms are not what is tested.
 */
export async function familyWithCase(running: RunningApp, lang: Lang, child: { firstName: string; lastName: string }): Promise<FamilyWithCase> {
  const parent = await createCitizen(running, { lang, twoStep: 'email', firstName: 'Alex', lastName: child.lastName, email: uniqueEmail(`family-${lang}`) });
  const client = new Client(running.app);
  const password = await submitPassword(client, parent.email, parent.password);
  assert.equal(locationOf(password), '/login/code');
  await client.get('/login/code');
  const code = await client.post('/login/code', { code: await newestCode(running.app, parent.email) });
  assert.equal(locationOf(code), '/send');
  const t: AccountsTestApp = Object.assign(Object.create(null), running, { clock: new TestClock(), mail: new Mailbox(running) });
  const childId = await addChild(t, client, child);
  const requestId = await startRequest(client, childId);
  await fillRequest(client, requestId);
  const sent = await submitRequest(client, requestId);
  assert.equal(locationOf(sent), `/send/requests/${requestId}/confirmation`);
  const [row] = await casesOf(t, requestId);
  assert.ok(row, 'the request made a case');
  return { parent, child: { ...child, name: `${child.firstName} ${child.lastName}` }, reference: row.reference, caseId: row.id };
}
