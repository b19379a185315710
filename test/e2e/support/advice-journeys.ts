// Helpers for the advice and EHC plan journeys in a browser (advice-and-plans.test.ts): the words of the
// advice and plans pages (Welsh falling back to English key by key, as i18next does, while the translation
// is in progress), signing a person in through the real pages and switching to Welsh with the header's
// link, a case moved into assessment through the case service, and the links the app emails, from the outbox.
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import type { CaseAction } from '../../../src/domain/workflow.js';
import type { CurrentUser } from '../../../src/platform/types.js';
import type { TestPerson } from '../../support/accounts.js';
import type { BrowserHarness, RunningApp } from './browser.js';
import { arrive, type Lang, squash } from './journeys.js';
import { loadLocale, login, openHome, type PortalTexts, portalTexts } from './send-journeys.js';

/** The words of the advice and plan pages, besides those of the SEND area, back office and accounts. */
export interface AdviceTexts extends PortalTexts {
  advice: typeof import('../../../locales/en/advice.json');
  plans: typeof import('../../../locales/en/plans.json');
  errors: typeof import('../../../locales/en/errors.json');
}

export function adviceTexts(lang: Lang): AdviceTexts {
  return { ...portalTexts(lang), advice: loadLocale(lang, 'advice'), plans: loadLocale(lang, 'plans'), errors: loadLocale(lang, 'errors') };
}

/**
 * Whether a text reads differently in Welsh: a Welsh page is checked against the Welsh words either way,
 * but only asserted to differ from the English one where the translation has been made.
 */
export function translated(en: string, cy: string): boolean {
  return en !== cy;
}

// ---- People ------------------------------------------------------------------------------------------

/**
 * A person's browser: the home page in English, login through the real pages (the emailed code from the
 * outbox), and in the Welsh run the header's "Cymraeg" link on their first page. Axe on every page.
 */
export async function signInAs(h: BrowserHarness, lang: Lang, person: TestPerson, home: string, heading: (words: AdviceTexts) => string, label: string): Promise<Page> {
  const en = adviceTexts('en');
  const page = await h.newPage();
  await openHome(page, 'en', en, 'query');
  await login(page, 'en', en, h.app, person, home, { axe: true });
  await arrive(page, 'en', home, heading(en), `${label} (en)`);
  if (lang === 'cy') await switchToWelsh(page, home, heading(adviceTexts('cy')), label);
  return page;
}

/** Follows the header's "Cymraeg" link from an English page at `pathname`, and checks the Welsh page. */
export async function switchToWelsh(page: Page, pathname: string, heading: string, label: string): Promise<void> {
  await page.locator('.portal-header__language').getByRole('link', { name: /Cymraeg$/ }).click();
  await page.waitForURL((url) => url.pathname === pathname && url.searchParams.get('lng') === 'cy');
  await arrive(page, 'cy', pathname, heading, `${label} after the Cymraeg link`);
}

/** A member of staff as the services see them once signed in. */
export function asCurrentUser(person: TestPerson, role: CurrentUser['role']): CurrentUser {
  return { id: person.id, email: person.email, firstName: person.firstName, lastName: person.lastName, role, lang: 'en', twoStepMethod: 'email', twoStepDone: true };
}

/** Records a workflow action on a case through the case service, dated today (no PDF: not for plan issues). */
export async function actOnCase(running: RunningApp, staff: CurrentUser, caseId: string, action: CaseAction): Promise<void> {
  const cases = running.app.cases;
  const row = await cases.findById(caseId);
  assert.ok(row, `case ${caseId}`);
  const result = await cases.act(staff, row, { action, date: cases.today(), reasons: '' });
  assert.ok(result.ok, `${action}: ${JSON.stringify(result)}`);
}

// ---- The outbox ------------------------------------------------------------------------------------------

/** The first link in the newest email of this template to this address, from the outbox table. */
export async function emailedLink(running: RunningApp, to: string, template: string): Promise<string> {
  const row = await running.app.db
    .selectFrom('outbox')
    .select(['text_body', 'subject'])
    .where('to_address', '=', to.toLowerCase())
    .where('template', '=', template)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  assert.ok(row, `a ${template} email to ${to} in the outbox`);
  const link = row.text_body.match(/https?:\/\/\S+/)?.[0];
  assert.ok(link, `a link in "${row.subject}"`);
  return link;
}

// ---- Reading pages -----------------------------------------------------------------------------------

/** The body rows of a table as arrays of squashed cell texts (header cells of a row included). */
export async function tableRows(table: Locator): Promise<string[][]> {
  const rows = await table.locator('tbody tr').all();
  return Promise.all(rows.map(async (row) => (await row.locator('th, td').allInnerTexts()).map(squash)));
}

/** The squashed texts of the items of the list straight after the heading `name` (a sibling). */
export async function listAfter(scope: Locator, level: 2 | 3, name: string): Promise<string[]> {
  const list = scope.getByRole('heading', { level, name, exact: true }).locator('xpath=following-sibling::ul[1]');
  return (await list.locator('li').allInnerTexts()).map(squash);
}
