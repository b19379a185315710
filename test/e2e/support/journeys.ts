import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { projectRoot } from '../../../src/platform/paths.js';
import { checkAxe } from './browser.js';

export type Lang = 'en' | 'cy';

/** The words of the portal, from locales/<lang>/*.json: tests assert what a person reads in each language. */
export interface Texts {
  account: typeof import('../../../locales/en/account.json');
  common: typeof import('../../../locales/en/common.json');
  send: typeof import('../../../locales/en/send.json');
  devMailbox: typeof import('../../../locales/en/devMailbox.json');
  emails: typeof import('../../../locales/en/emails.json');
  pages: typeof import('../../../locales/en/pages.json');
}

function load<K extends keyof Texts>(lang: Lang, ns: K): Texts[K] {
  return JSON.parse(readFileSync(path.join(projectRoot, 'locales', lang, `${ns}.json`), 'utf8')) as Texts[K];
}

export function texts(lang: Lang): Texts {
  return { account: load(lang, 'account'), common: load(lang, 'common'), send: load(lang, 'send'), devMailbox: load(lang, 'devMailbox'), emails: load(lang, 'emails'), pages: load(lang, 'pages') };
}

/** A locale string with its {{placeholders}} filled in. */
export function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => String(vars[name] ?? `{{${name}}}`));
}

/** A locale string as a pattern: each {{placeholder}} becomes a capture group (six digits for {{code}}). */
export function pattern(template: string): RegExp {
  const parts = template.split(/(\{\{\w+\}\})/g).map((part) => {
    const name = part.match(/^\{\{(\w+)\}\}$/)?.[1];
    if (!name) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return name === 'code' ? '(\\d{6})' : '(.+?)';
  });
  return new RegExp(parts.join(''));
}

/** The visible text of a locale string that holds HTML (a label with a link in it). */
export function plain(html: string): string {
  return html.replace(/<[^>]+>/g, '');
}

/** Text with its runs of white space made single spaces, trimmed. */
export function squash(text: string | null): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

/** The page's one h1, as read. */
export async function heading(page: Page): Promise<string> {
  const h1 = page.locator('h1');
  assert.equal(await h1.count(), 1, `one h1 on ${page.url()}`);
  return squash(await h1.textContent());
}

/**
 * A person has arrived on a page: the address is `path` (a pathname), the page is in their language with
 * the expected h1, and axe finds nothing (WCAG 2.2 AA).
 */
export async function arrive(page: Page, lang: Lang, path: string, expectedHeading: string, label: string, options: { axe?: boolean } = {}): Promise<void> {
  await page.waitForURL((url) => url.pathname === path);
  // After a form posted to the same address, the old page may still be showing for a moment.
  await page
    .getByRole('heading', { level: 1, name: expectedHeading, exact: true })
    .waitFor({ timeout: 10_000 })
    .catch(() => undefined);
  assert.equal(await page.locator('html').getAttribute('lang'), lang, `<html lang> on ${label}`);
  assert.equal(await heading(page), expectedHeading, `the heading of ${label}`);
  if (options.axe !== false) await checkAxe(page, `${label} (${lang})`);
}

/**
 * The page re-shown with an error summary (same address, so wait for the summary): its title starts with
 * "Error:", the summary lists exactly these messages and links to the fields, and axe finds nothing.
 */
export async function arriveWithErrors(page: Page, lang: Lang, t: Texts, messages: string[], label: string): Promise<void> {
  const summary = page.locator('.govuk-error-summary');
  await summary.waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), lang);
  assert.ok((await page.title()).startsWith(`${t.common.errorPrefix} `), `the title of ${label} starts with "${t.common.errorPrefix}"`);
  assert.equal(squash(await summary.locator('.govuk-error-summary__title').textContent()), t.common.errorSummaryTitle);
  const links = summary.locator('.govuk-error-summary__list a');
  assert.deepEqual((await links.allTextContents()).map(squash), messages, `the error summary of ${label}`);
  // Each message links to its field, and the field shows the message too.
  for (const link of await links.all()) {
    const target = (await link.getAttribute('href')) ?? '';
    assert.match(target, /^#\w+/);
    assert.equal(await page.locator(target).count(), 1, `${target} is on the page`);
  }
  assert.equal(await page.locator('.govuk-error-message').count(), messages.length, `an error message by each field on ${label}`);
  await checkAxe(page, `${label} (${lang})`);
}

/** The service navigation in the header (Home, Login, Register / name, Account, Logout). */
export function headerNav(page: Page) {
  return page.locator('.govuk-service-navigation');
}

export interface MailboxEmail {
  subject: string;
  /** The email's text as the dev mailbox shows it. */
  body: string;
}

/**
 * Opens the dev mailbox in this page and the newest email to `address`, checking both pages with axe. The
 * subject must match `subject` (a locale string, its placeholders free).
 */
export async function openNewestEmail(page: Page, lang: Lang, t: Texts, address: string, subject: string): Promise<MailboxEmail> {
  await page.goto('/dev/mailbox');
  await arrive(page, lang, '/dev/mailbox', t.devMailbox.title, 'the dev mailbox');
  // Newest first: the first row to this address is the email that arrived last.
  const row = page.locator('tbody tr').filter({ has: page.getByRole('cell', { name: address, exact: true }) }).first();
  assert.equal(await row.count(), 1, `an email to ${address} in the dev mailbox`);
  const link = row.getByRole('link');
  const listed = squash(await link.textContent());
  assert.match(listed, new RegExp(`^${pattern(subject).source}$`), `the newest email to ${address}`);
  await link.click();
  await page.waitForURL(/\/dev\/mailbox\/[^/?]+/);
  await arrive(page, lang, new URL(page.url()).pathname, listed, `the email "${listed}" in the dev mailbox`);
  const body = page.getByTestId('email-body');
  return { subject: listed, body: squash(await body.textContent()) };
}

/** The six-digit code in the newest email to `address`, read from the dev mailbox (open in `page`). */
export async function codeFromMailbox(page: Page, lang: Lang, t: Texts, address: string): Promise<string> {
  const email = await openNewestEmail(page, lang, t, address, t.emails.twoStepCode.subject);
  const code = email.body.match(pattern(t.emails.twoStepCode.lines[1] as string))?.[1];
  assert.ok(code, `a security code in "${email.subject}": ${email.body}`);
  assert.ok(email.subject.endsWith(code), 'the subject carries the same code');
  return code;
}

/** A wrong code, certainly: the right one with its last digit changed. */
export function wrongCode(code: string): string {
  return code.slice(0, 5) + String((Number(code[5]) + 1) % 10);
}

/** A code typed as people copy it from an email: with a space in the middle. */
export function spaced(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}
