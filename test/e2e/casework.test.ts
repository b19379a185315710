// The back office working a case, and the family following it, in Chromium: in English, and in Welsh (each
// person logs in and switches with the header's "Cymraeg" link), with axe (WCAG 2.2 AA) on every page reached.
// A caseworker finds the new case by its reference, decides to assess, issues the draft plan and then the
// final plan (PDFs through the file inputs); the family, in another browser, sees each change on "Track
// progress" (stage, dates, decision letters, the plans) and opens a letter; a manager opens the dashboard and
// the case's audit log; an administrator opens the staff accounts page.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { CaseAction } from '../../src/domain/workflow.js';
import { createStaff } from '../support/accounts.js';
import { describeWithBrowser, useBrowser } from './support/browser.js';
import { arrive, fill, headerNav, squash } from './support/journeys.js';
import {
  expectNotice,
  familyWithCase,
  group,
  type Lang,
  login,
  openHome,
  type Person,
  type PortalTexts,
  portalTexts,
  shown,
  summaryRows,
  summaryValue,
  today,
  UploadFolder,
  word,
} from './support/send-journeys.js';

const LANGS: Lang[] = ['en', 'cy'];

describeWithBrowser('casework in a browser: the back office and the family’s view', () => {
  const h = useBrowser();
  const files = new UploadFolder();
  after(() => files.remove());

  for (const lang of LANGS) {
    const t = portalTexts(lang);
    const main = (page: Page) => page.locator('main');
    const stageName = (stage: string) => word(t.send, `stages.${stage}`);
    const letterTitle = (type: string) => word(t.staff, `letters.${type}.title`);
    const milestone = (key: string) => word(t.staff, `milestones.${key}`);

    /**
     * A person's browser: the home page in English, login through the real pages, and in the Welsh run the
     * header's "Cymraeg" link on their first page. Axe on every page, in each language.
     */
    async function signIn(person: Person, home: string, heading: (words: PortalTexts) => string, label: string): Promise<Page> {
      const en = portalTexts('en');
      const page = await h.newPage();
      await openHome(page, 'en', en);
      await login(page, 'en', en, h.app, person, home, { axe: true });
      await arrive(page, 'en', home, heading(en), `${label} (en)`);
      if (lang === 'cy') {
        await page.locator('.portal-header__language').getByRole('link', { name: /Cymraeg$/ }).click();
        await page.waitForURL((url) => url.pathname === home && url.searchParams.get('lng') === 'cy');
        await arrive(page, 'cy', home, heading(t), `${label} after the Cymraeg link`);
      }
      return page;
    }
    const queueTitle = (words: PortalTexts) => words.staff.queue.title;

    /** The statutory timeline table: each milestone's [due by, happened on, status], by the milestone's name. */
    async function timeline(page: Page): Promise<Record<string, [string, string, string]>> {
      const rows = await page.getByTestId('timeline').locator('tbody tr').all();
      const out: Record<string, [string, string, string]> = {};
      for (const row of rows) {
        const name = squash(await row.locator('th').textContent());
        const cells = (await row.locator('td').allTextContents()).map(squash);
        out[name] = cells as [string, string, string];
      }
      return out;
    }

    test(`${lang}: a caseworker decides to assess and issues the draft and final plans; the family follows; the manager's dashboard and audit log; the admin's staff page`, async () => {
      const day = today();
      const family = await familyWithCase(h.app, lang, lang === 'en' ? { firstName: 'Robin', lastName: 'Hughes' } : { firstName: 'Elis', lastName: 'Morgan' });
      const { reference } = family;
      const caseworker = await createStaff(h.app, 'caseworker', { twoStep: 'email', firstName: 'Casey', lastName: `Worker-${lang}` });
      const manager = await createStaff(h.app, 'manager', { twoStep: 'email', firstName: 'Morgan', lastName: `Manager-${lang}` });
      const admin = await createStaff(h.app, 'admin', { twoStep: 'email', firstName: 'Ada', lastName: `Admin-${lang}` });

      // ---- The caseworker finds the case by its reference ------------------------------------------
      const staff = await signIn(caseworker, '/staff', queueTitle, 'the work queue');
      await staff.getByLabel(t.staff.queue.search, { exact: true }).fill(reference);
      await main(staff).getByRole('button', { name: t.staff.queue.apply, exact: true }).click();
      await staff.waitForURL((url) => url.searchParams.get('q') === reference);
      await arrive(staff, lang, '/staff', t.staff.queue.title, 'the work queue searched by reference');
      assert.equal(squash(await staff.getByTestId('total').textContent()), fill(t.staff.queue.count, { count: 1 }));
      const found = main(staff).locator('tbody tr');
      assert.equal(await found.count(), 1);
      assert.deepEqual((await found.locator('td').allInnerTexts()).slice(0, 3).map(squash), [reference, family.child.name, stageName('received')]);
      await found.getByRole('link', { name: reference, exact: true }).click();
      await staff.waitForURL(/\/staff\/cases\/[0-9a-f-]{36}$/);
      const casePath = new URL(staff.url()).pathname;
      assert.equal(casePath, `/staff/cases/${family.caseId}`);
      await arrive(staff, lang, casePath, family.child.name, 'the case page');
      const caseSummary = main(staff).locator('.govuk-summary-list').first();
      assert.equal(await summaryValue(caseSummary, t.staff.case.stage), stageName('received'));
      assert.equal(await summaryValue(caseSummary, t.staff.case.received), shown(day, lang));

      /** Opens an action under "What happens next", dates it today (and attaches a PDF), and records it. */
      async function act(action: CaseAction, pdf?: string): Promise<void> {
        const name = word(t.staff, `actions.names.${action}`);
        const form = staff.locator(`#action-${action}`);
        await main(staff).locator('details').filter({ has: form }).locator('summary').click();
        const date = group(form, t.staff.actions.date);
        const [y, m, d] = day.split('-') as [string, string, string];
        await date.getByLabel(t.common.date.day, { exact: true }).fill(String(Number(d)));
        await date.getByLabel(t.common.date.month, { exact: true }).fill(String(Number(m)));
        await date.getByLabel(t.common.date.year, { exact: true }).fill(y);
        if (pdf) await form.getByLabel(t.staff.actions.document, { exact: true }).setInputFiles(pdf);
        await form.getByRole('button', { name, exact: true }).click();
        await expectNotice(staff, fill(t.staff.actions.done, { action: name }));
        await arrive(staff, lang, casePath, family.child.name, `the case page after "${name}"`);
      }

      await act('decision_to_assess');
      assert.equal(await summaryValue(caseSummary, t.staff.case.stage), stageName('assessment'));
      const staffLetters = main(staff).getByRole('heading', { level: 2, name: t.staff.case.letters, exact: true }).locator('xpath=following-sibling::ul[1]');
      assert.deepEqual((await staffLetters.locator('li').allTextContents()).map(squash), [`${letterTitle('decision_to_assess')} – ${shown(day, lang)}`]);

      // ---- The family, in another browser, follows the case ------------------------------------------
      const home = await signIn(family.parent, '/send', (words) => words.send.home.title, 'the SEND area');
      assert.equal(await summaryValue(main(home).locator('.govuk-summary-list'), t.send.home.stage), stageName('assessment'));
      await main(home).getByRole('link', { name: `${t.send.home.trackProgress} – ${reference}`, exact: true }).click();
      const trackPath = `/send/cases/${reference}`;
      const trackTitle = fill(t.track.title, { child: family.child.firstName });
      await arrive(home, lang, trackPath, trackTitle, 'track progress');
      const track = home;

      /** What the family reads on "Track progress": the stage, the letters, the plans, the timeline, what is next. */
      async function familySees(stage: string, letters: string[], documents: string[], done: string[]): Promise<void> {
        const rows = Object.fromEntries(await summaryRows(main(track).locator('.govuk-summary-list').first()));
        assert.equal(rows[t.staff.case.stage], stageName(stage), 'the stage');
        assert.equal(rows[t.staff.case.received], shown(day, lang));
        const letterList = main(track).getByRole('heading', { level: 2, name: t.track.decisions, exact: true }).locator('xpath=following-sibling::ul[1]');
        assert.deepEqual((await letterList.locator('li').allTextContents()).map(squash), letters.map((l) => `${letterTitle(l)} – ${shown(day, lang)}`), 'the decision letters, dated');
        const documentLinks = main(track).getByRole('heading', { level: 2, name: t.staff.case.documents, exact: true }).locator('xpath=following-sibling::ul[1]').getByRole('link');
        assert.deepEqual((await documentLinks.allTextContents()).map(squash), documents, 'the plans');
        const milestones = await timeline(track);
        for (const key of done) assert.equal(milestones[milestone(key)]?.[1], shown(day, lang), `"${milestone(key)}" happened today`);
        // What is next, with its date as the timeline gives it.
        const next = squash(await main(track).locator('.govuk-inset-text').textContent());
        const explained = Object.entries(t.track.next).some(([key, text]) => next === fill(text, { date: milestones[milestone(key)]?.[0] ?? '?', child: family.child.firstName }));
        assert.ok(explained, `the next step is dated from the timeline: "${next}"`);
      }

      await familySees('assessment', ['decision_to_assess'], [], ['decision_to_assess']);
      assert.equal(await main(track).getByRole('heading', { name: t.track.appealTitle }).count(), 0, 'nothing to appeal against yet');

      // ---- The draft plan, then the final plan -------------------------------------------------------
      await act('draft_plan_issued', files.pdf(`draft-plan-${lang}.pdf`));
      assert.equal(await summaryValue(caseSummary, t.staff.case.stage), stageName('draft_plan'));
      await track.reload();
      await arrive(track, lang, trackPath, trackTitle, 'track progress after the draft plan');
      await familySees('draft_plan', ['decision_to_assess', 'draft_plan_issued'], [`draft-plan-${lang}.pdf`], ['decision_to_assess', 'draft_plan']);

      await act('final_plan_issued', files.pdf(`final-plan-${lang}.pdf`));
      assert.equal(await summaryValue(caseSummary, t.staff.case.stage), stageName('plan_maintained'));
      assert.deepEqual(
        (await main(staff).locator('details:has(form[id^="action-"]) summary').allInnerTexts()).map(squash),
        [word(t.staff, 'actions.names.cease')],
        'once the plan is final, only ceasing it is left',
      );
      await track.reload();
      await arrive(track, lang, trackPath, trackTitle, 'track progress after the final plan');
      await familySees('plan_maintained', ['decision_to_assess', 'draft_plan_issued', 'final_plan_issued'], [`draft-plan-${lang}.pdf`, `final-plan-${lang}.pdf`], ['decision_to_assess', 'draft_plan', 'final_plan']);
      assert.ok(await main(track).getByRole('heading', { level: 2, name: t.track.appealTitle, exact: true }).isVisible(), 'the right to appeal the final plan');

      // The family opens the final plan's letter, and the plan itself.
      await main(track).getByRole('link', { name: letterTitle('final_plan_issued'), exact: true }).click();
      await track.waitForURL((url) => url.pathname.startsWith(`${trackPath}/letters/`));
      await arrive(track, lang, new URL(track.url()).pathname, letterTitle('final_plan_issued'), 'the final plan letter');
      assert.ok(await main(track).getByText(fill(t.staff.letters.reference, { reference }), { exact: true }).isVisible());
      assert.ok(await main(track).getByRole('heading', { level: 2, name: t.staff.letters.rightsTitle, exact: true }).isVisible(), 'the letter gives the right to mediation and appeal');
      const plan = main(track).getByRole('link', { name: `final-plan-${lang}.pdf`, exact: true });
      const href = (await plan.getAttribute('href')) ?? '';
      assert.match(href, /^\/send\/documents\/[0-9a-f-]{36}$/);
      const download = await track.request.get(href);
      assert.equal(download.status(), 200);
      assert.equal(download.headers()['content-type'], 'application/pdf');
      assert.equal((await download.body()).subarray(0, 8).toString('latin1'), '%PDF-1.4', 'the family gets the PDF the caseworker uploaded');
      assert.deepEqual(h.problems(track), [], 'no console errors or uncaught exceptions on the family’s pages');

      // The caseworker opens the decision to assess letter too.
      await main(staff).getByRole('link', { name: letterTitle('decision_to_assess'), exact: true }).click();
      await staff.waitForURL((url) => url.pathname.startsWith(`${casePath}/letters/`));
      await arrive(staff, lang, new URL(staff.url()).pathname, letterTitle('decision_to_assess'), 'the decision to assess letter (back office)');
      assert.ok(await main(staff).getByText(fill(t.staff.letters.about, { child: family.child.name, dob: await dateOfBirthAsWritten(family.caseId, lang) }), { exact: true }).isVisible());
      assert.deepEqual(h.problems(staff), [], 'no console errors or uncaught exceptions on the caseworker’s pages');

      // ---- A manager: the dashboard and the case's audit log -------------------------------------------
      const boss = await signIn(manager, '/staff', queueTitle, 'the work queue (manager)');
      await main(boss).getByRole('navigation', { name: t.staff.nav.label }).getByRole('link', { name: t.staff.nav.dashboard, exact: true }).click();
      await arrive(boss, lang, '/staff/dashboard', t.staff.dashboard.title, 'the dashboard');
      assert.notEqual(squash(await boss.getByTestId('decisions-pct').textContent()), '–', 'a decision counts');
      assert.notEqual(squash(await boss.getByTestId('final-pct').textContent()), '–', 'a final plan counts');
      await boss.goto(casePath);
      await arrive(boss, lang, casePath, family.child.name, 'the case page (manager)');
      await main(boss).getByRole('link', { name: t.staff.audit.link, exact: true }).click();
      await arrive(boss, lang, `${casePath}/audit`, fill(t.staff.audit.title, { reference }), 'the audit log');
      const entries = (await main(boss).locator('tbody tr').all()).map(async (row) => (await row.locator('td').allTextContents()).map(squash));
      const log = await Promise.all(entries);
      for (const action of ['decision_to_assess', 'draft_plan_issued', 'final_plan_issued']) {
        assert.ok(
          log.some(([, who, what]) => who === `Casey Worker-${lang} (caseworker)` && what === `case.${action}`),
          `the log says who recorded ${action}`,
        );
      }
      assert.deepEqual(h.problems(boss), []);

      // ---- An administrator: staff accounts --------------------------------------------------------------
      const office = await signIn(admin, '/staff', queueTitle, 'the work queue (admin)');
      await main(office).getByRole('navigation', { name: t.staff.nav.label }).getByRole('link', { name: t.staff.nav.staff, exact: true }).click();
      await arrive(office, lang, '/admin/staff', t.admin.staff.title, 'staff accounts');
      const caseworkerRow = main(office).locator('tbody tr').filter({ has: office.getByRole('cell', { name: caseworker.email, exact: true }) });
      assert.deepEqual((await caseworkerRow.locator('td').allTextContents()).slice(0, 4).map(squash), [`Casey Worker-${lang}`, caseworker.email, t.admin.roles.caseworker, t.admin.status.active]);
      assert.equal(await headerNav(office).getByText(`Ada Admin-${lang}`).count(), 1, 'signed in as the administrator');
      assert.deepEqual(h.problems(office), []);

    });
  }

  /** The child's date of birth as the letters write it. */
  async function dateOfBirthAsWritten(caseId: string, lang: Lang): Promise<string> {
    const row = await h.app.app.db.selectFrom('cases').innerJoin('children', 'children.id', 'cases.child_id').select('children.date_of_birth').where('cases.id', '=', caseId).executeTakeFirstOrThrow();
    return shown(row.date_of_birth, lang);
  }
});
