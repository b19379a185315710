// A parent's request for an EHC needs assessment, clicked through in Chromium as a person would, in English
// and again in Welsh (from ?lng=cy), with axe (WCAG 2.2 AA) on the pages reached: the SEND area, adding a
// child (first with nothing filled in), the child and share pages, the task list and every section, the
// request saved part-way and continued in a second sitting (a new browser context, logged in again), a real
// PDF uploaded, check your answers, "Accept and send", the confirmation with its reference and dated next
// steps, and the "Delete this draft request" page for a second child's draft.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { addDays } from '../../src/domain/dates.js';
import { childFields, SECTIONS, sectionDef } from '../../src/features/send/forms.js';
import { createCitizen, uniqueEmail } from '../support/accounts.js';
import { yearsBefore } from '../support/send.js';
import { checkAxe, describeWithBrowser, useBrowser } from './support/browser.js';
import { arrive, arriveWithErrors, fill, squash } from './support/journeys.js';
import { EngineForm, expectNotice, type Lang, login, openHome, portalTexts, shown, summaryRows, today, UploadFolder, word } from './support/send-journeys.js';

const LANGS: Lang[] = ['en', 'cy'];

/** What the parent answers in each section, in task-list order (option values; the browser picks their words). */
const ANSWERS: Record<string, Record<string, string | string[]>> = {
  child: { detailsCorrect: 'yes', diagnoses: 'Autism, diagnosed in 2023. Being assessed for ADHD', communication: 'Speaks in short sentences and uses some Makaton signs', lookedAfter: 'no' },
  you: { phone: '01632 960 001', contactMethod: 'email', otherParents: 'Chris Taylor, father, 07700 900 982', meetingInterpreter: 'no' },
  // Saved part-way in the first sitting ("Save and come back later"), finished in the second.
  education: { settingType: 'mainstream', settingName: 'Oak Primary School', sencoName: 'Ms Patel', supportSoFar: 'SEN support plan since Year 2.\nSmall group reading three times a week.' },
  educationLater: { exclusions: 'yes', exclusionDetails: 'Two fixed-term exclusions in the spring term, and a reduced timetable for 3 weeks' },
  needs: { communicationInteraction: 'Finds it hard to follow spoken instructions in a busy classroom', socialEmotionalMentalHealth: 'Very anxious at transitions; hides under the table' },
  health: { healthNeeds: 'Eczema: emollient cream at lunchtime', healthProfessionals: 'Community paediatrician, Dr Rees', socialCare: 'yes', socialCareDetails: 'Jo Evans, Early Help team' },
  professionals: { anyProfessionals: 'yes', professionalsList: 'Speech and language therapist, NHS Tees Valley' },
  views: {
    parentViews: 'That Sam feels safe and understood at school',
    strengths: 'Drawing, dinosaurs and building with Lego',
    childViews: '"I like my teacher but the hall is too loud"',
    aspirations: 'To have friends and go to college',
  },
  documents: { documentsDone: ['done'] },
  consent: { shareWith: ['school', 'health', 'educationalPsychology'] },
  declaration: { declaration: ['agree'] },
};

describeWithBrowser('a request for an EHC needs assessment in a browser', () => {
  const h = useBrowser();
  const files = new UploadFolder();
  after(() => files.remove());

  for (const lang of LANGS) {
    const t = portalTexts(lang);
    const main = (page: Page) => page.locator('main');
    const sectionTitle = (key: string) => word(t.request, `sections.${key}.title`);
    /** A child's card on the SEND area page, by the child's name in its heading. */
    const card = (page: Page, name: string) => main(page).locator('.portal-card').filter({ has: page.getByRole('heading', { level: 2, name, exact: true }) });

    async function taskStatus(page: Page, key: string): Promise<string> {
      const item = main(page).locator('.govuk-task-list__item').filter({ has: page.getByRole('link', { name: sectionTitle(key), exact: true }) });
      return squash(await item.locator('.govuk-task-list__status').textContent());
    }

    test(`${lang}: a parent adds a child and requests an assessment over two sittings, with a PDF; the confirmation; deleting a second draft`, async () => {
      const day = today();
      const names = lang === 'en' ? { first: 'Sam', second: 'Jamie', last: 'Taylor' } : { first: 'Cerys', second: 'Gethin', last: 'Jones' };
      const childName = `${names.first} ${names.last}`;
      const parent = await createCitizen(h.app, { lang, twoStep: 'email', firstName: 'Alex', lastName: names.last, email: uniqueEmail(`send-request-${lang}`) });
      const childForm = (page: Page) => new EngineForm(main(page), t, 'send', childFields(false));
      const child = {
        firstName: names.first,
        lastName: names.last,
        dateOfBirth: yearsBefore(day, 9, -40),
        gender: 'female',
        address1: '1 High Street',
        town: 'Stockton-on-Tees',
        postcode: 'ts18 1au',
        school: 'Oak Primary School',
        yearGroup: 'year4',
        interpreterNeeded: 'no',
        relationship: 'mother',
        parentalResponsibility: 'yes',
      };

      // ---- First sitting -------------------------------------------------------------------------
      const firstSitting = await h.newContext();
      let page = h.watch(await firstSitting.newPage());
      await openHome(page, lang, t);
      await login(page, lang, t, h.app, parent, '/send');
      await arrive(page, lang, '/send', t.send.home.title, 'the SEND area with no children');
      assert.ok(await main(page).getByText(t.send.home.empty[0] as string, { exact: true }).isVisible(), 'the SEND area says how to start');

      // Add a child: first with nothing filled in.
      await main(page).getByRole('button', { name: t.send.home.addChild, exact: true }).click();
      await arrive(page, lang, '/send/children/new', t.send.child.title, 'the add a child page');
      const form = childForm(page);
      assert.equal(await main(page).getByLabel(form.label('homeLanguage'), { exact: true }).inputValue(), lang === 'en' ? 'English' : 'Cymraeg', 'the home language starts as the language of the page');
      const saveChild = main(page).getByRole('button', { name: t.send.child.button, exact: true });
      await saveChild.click();
      await arriveWithErrors(
        page,
        lang,
        t,
        ['firstName', 'lastName', 'dateOfBirth', 'gender', 'address1', 'town', 'postcode', 'interpreterNeeded', 'relationship', 'parentalResponsibility'].map((f) => form.required(f)),
        'the add a child page submitted empty',
      );
      await form.fill(child);
      await saveChild.click();
      await page.waitForURL(/\/send\/children\/[0-9a-f-]{36}$/);
      const childPath = new URL(page.url()).pathname;
      await arrive(page, lang, childPath, childName, 'the child page');
      await expectNotice(page, fill(t.send.child.added, { name: names.first }));
      const details = Object.fromEntries(await summaryRows(main(page).locator('.govuk-summary-list')));
      assert.equal(details[t.send.fields.dateOfBirth.label], shown(child.dateOfBirth, lang));
      assert.equal(details[t.send.child.address], '1 High Street, Stockton-on-Tees, TS18 1AU', 'the postcode in capitals');
      assert.equal(details[t.send.fields.yearGroup.label], t.send.options.yearGroup.year4);
      assert.equal(
        squash(await main(page).locator('.govuk-list--bullet li').textContent()),
        `Alex ${names.last} (${t.send.child.you}) – ${t.send.child.relationship.mother}, ${t.send.child.hasPr}`,
      );

      // The share page, and back.
      await main(page).getByRole('button', { name: t.send.share.button, exact: true }).click();
      await arrive(page, lang, `${childPath}/share`, fill(t.send.share.title, { child: names.first }), 'the share page');
      await page.locator('.govuk-back-link').click();
      await arrive(page, lang, childPath, childName, 'the child page again', { axe: false });
      await main(page).getByRole('link', { name: t.send.child.back, exact: true }).click();
      await arrive(page, lang, '/send', t.send.home.title, 'the SEND area with a child');

      // Request an assessment: the task list.
      await card(page, childName)
        .getByRole('button', { name: `${t.send.home.requestAssessment} – ${childName}`, exact: true })
        .click();
      await page.waitForURL(/\/send\/requests\/[0-9a-f-]{36}$/);
      const taskList = new URL(page.url()).pathname;
      await arrive(page, lang, taskList, t.request.taskList.title, 'the task list');
      assert.equal(squash(await main(page).locator('.govuk-caption-l').textContent()), childName);
      assert.ok(await main(page).getByText(fill(t.request.taskList.progress, { done: 0, total: SECTIONS.length }), { exact: true }).isVisible());
      for (const s of SECTIONS) assert.equal(await taskStatus(page, s.key), t.request.status.notStarted, `${s.key} not started`);

      /** Opens a section from the task list (axe on it) and returns its fields. */
      async function openSection(key: string): Promise<EngineForm> {
        await main(page).getByRole('link', { name: sectionTitle(key), exact: true }).click();
        await arrive(page, lang, `${taskList}/sections/${key}`, sectionTitle(key), `the section "${sectionTitle(key)}"`);
        return new EngineForm(main(page), t, 'request', sectionDef(key)?.fields ?? []);
      }
      async function saveAndContinue(key: string): Promise<void> {
        await main(page).getByRole('button', { name: t.common.buttons.save, exact: true }).click();
        await arrive(page, lang, taskList, t.request.taskList.title, 'the task list', { axe: false });
        assert.equal(await taskStatus(page, key), t.request.status.completed, `"${sectionTitle(key)}" completed`);
      }

      for (const key of ['child', 'you']) {
        const section = await openSection(key);
        await section.fill(ANSWERS[key] ?? {});
        await saveAndContinue(key);
      }
      // Part of a section, then "Save and come back later": back to the SEND area.
      let education = await openSection('education');
      await education.fill(ANSWERS.education ?? {});
      await main(page).getByRole('button', { name: t.request.saveLater, exact: true }).click();
      await arrive(page, lang, '/send', t.send.home.title, 'the SEND area after "Save and come back later"');
      await expectNotice(page, t.request.taskList.savedForLater);
      const draftLine = card(page, childName).locator('li').filter({ has: page.getByRole('link', { name: t.send.home.continueRequest, exact: true }) });
      assert.equal(squash(await draftLine.textContent()), `${t.send.home.continueRequest} – ${fill(t.send.home.draftProgress, { done: 2, total: SECTIONS.length })}`);
      assert.deepEqual(h.problems(page), [], 'no console errors or uncaught exceptions in the first sitting');
      await firstSitting.close();

      // ---- Second sitting: a new browser, logged in again --------------------------------------------
      page = await h.newPage();
      await openHome(page, lang, t);
      await login(page, lang, t, h.app, parent, '/send');
      await arrive(page, lang, '/send', t.send.home.title, 'the SEND area in the second sitting', { axe: false });
      await card(page, childName).getByRole('link', { name: t.send.home.continueRequest, exact: true }).click();
      await arrive(page, lang, taskList, t.request.taskList.title, 'the task list in the second sitting');
      assert.equal(await taskStatus(page, 'education'), t.request.status.inProgress);
      assert.ok(await main(page).getByText(fill(t.request.taskList.progress, { done: 2, total: SECTIONS.length }), { exact: true }).isVisible());
      education = await openSection('education');
      await education.expect({ ...ANSWERS.education, exclusions: '' });
      await education.fill(ANSWERS.educationLater ?? {});
      await saveAndContinue('education');

      for (const key of ['needs', 'health', 'professionals', 'views']) {
        const section = await openSection(key);
        await section.fill(ANSWERS[key] ?? {});
        await saveAndContinue(key);
      }

      // Supporting documents: a real PDF through the file input.
      const documents = await openSection('documents');
      assert.ok(await main(page).getByText(t.request.upload.none, { exact: true }).isVisible());
      await main(page).getByLabel(t.request.upload.label, { exact: true }).setInputFiles(files.pdf('school-report.pdf'));
      await main(page).getByRole('button', { name: t.request.upload.button, exact: true }).click();
      await main(page).getByRole('link', { name: 'school-report.pdf', exact: true }).waitFor();
      await arrive(page, lang, `${taskList}/sections/documents`, sectionTitle('documents'), 'the documents section with a file uploaded');
      await expectNotice(page, fill(t.request.upload.added, { name: 'school-report.pdf' }));
      assert.ok(await main(page).getByRole('button', { name: `${t.request.upload.remove} school-report.pdf`, exact: true }).isVisible());
      await documents.fill(ANSWERS.documents ?? {});
      await saveAndContinue('documents');

      let section = await openSection('consent');
      await section.fill(ANSWERS.consent ?? {});
      await saveAndContinue('consent');
      section = await openSection('declaration');
      await section.fill({ ...ANSWERS.declaration, signature: `Alex ${names.last}` });
      await saveAndContinue('declaration');

      // Every section done: check your answers.
      assert.ok(await main(page).getByText(fill(t.request.taskList.progress, { done: SECTIONS.length, total: SECTIONS.length }), { exact: true }).isVisible());
      await checkAxe(page, `the task list with every section completed (${lang})`);
      await main(page).getByRole('button', { name: t.request.taskList.checkAnswers, exact: true }).click();
      await arrive(page, lang, `${taskList}/check`, t.request.check.title, 'check your answers');
      const answersOf = async (key: string) =>
        Object.fromEntries(await summaryRows(main(page).getByRole('heading', { level: 2, name: sectionTitle(key), exact: true }).locator('xpath=following-sibling::dl[1]')));
      const educationRows = await answersOf('education');
      assert.equal(educationRows[t.request.fields.settingType.label], t.request.options.settingType.mainstream);
      assert.equal(educationRows[t.request.fields.exclusionDetails.label], ANSWERS.educationLater?.exclusionDetails);
      assert.equal((await answersOf('health'))[t.request.fields.socialCareDetails.label], ANSWERS.health?.socialCareDetails);
      assert.equal((await answersOf('documents'))[t.request.upload.heading], 'school-report.pdf');
      assert.equal(
        (await answersOf('consent'))[t.request.fields.shareWith.label],
        ['school', 'health', 'educationalPsychology'].map((o) => word(t.request, `options.shareWith.${o}`)).join(', '),
      );

      // Accept and send: the confirmation, with the reference and the statutory dates.
      await main(page).getByRole('button', { name: t.request.check.submit, exact: true }).click();
      await arrive(page, lang, `${taskList}/confirmation`, t.request.confirmation.title, 'the confirmation page');
      const reference = squash(await page.getByTestId('reference').textContent());
      assert.match(reference, new RegExp(`^EHC-${day.slice(0, 4)}-\\d{5}$`));
      const panel = squash(await page.locator('.govuk-panel__body').textContent());
      assert.ok(panel.startsWith(t.request.confirmation.reference) && panel.endsWith(reference), `the panel gives the reference: "${panel}"`);
      const decisionBy = addDays(day, 6 * 7);
      const finalBy = addDays(day, 20 * 7);
      assert.deepEqual((await main(page).locator('ol.govuk-list--number li').allTextContents()).map(squash), [
        fill(t.request.confirmation.received, { date: shown(day, lang) }),
        fill(t.request.confirmation.decision, { date: shown(decisionBy, lang), child: names.first }),
        t.request.confirmation.assessment,
        fill(t.request.confirmation.final, { date: shown(finalBy, lang) }),
      ]);
      const row = await h.app.app.db.selectFrom('cases').select(['received_on', 'decision_due_on', 'final_plan_due_on']).where('reference', '=', reference).executeTakeFirstOrThrow();
      assert.deepEqual(row, { received_on: day, decision_due_on: decisionBy, final_plan_due_on: finalBy }, 'the dates shown are the case’s');

      // The SEND area shows the case.
      await main(page).getByRole('link', { name: t.request.confirmation.back, exact: true }).click();
      await arrive(page, lang, '/send', t.send.home.title, 'the SEND area with a case');
      const sent = card(page, childName);
      assert.deepEqual(await summaryRows(sent.locator('.govuk-summary-list')), [
        [t.send.home.reference, reference],
        [t.send.home.stage, t.send.stages.received],
        [t.send.home.received, shown(day, lang)],
        [t.send.home.nextDate, shown(decisionBy, lang)],
      ]);
      assert.equal(await sent.getByRole('link', { name: `${t.send.home.trackProgress} – ${reference}`, exact: true }).getAttribute('href'), `/send/cases/${reference}`);
      assert.equal(await sent.getByRole('link', { name: t.send.home.continueRequest }).count(), 0, 'no draft left');

      // A second child's draft, deleted from its confirmation page.
      const secondName = `${names.second} ${names.last}`;
      await main(page).getByRole('button', { name: t.send.home.addChild, exact: true }).click();
      await arrive(page, lang, '/send/children/new', t.send.child.title, 'the add a child page', { axe: false });
      await childForm(page).fill({ ...child, firstName: names.second, dateOfBirth: yearsBefore(day, 6, 12), gender: 'male', yearGroup: 'year1' });
      await main(page).getByRole('button', { name: t.send.child.button, exact: true }).click();
      await page.waitForURL((url) => /^\/send\/children\/[0-9a-f-]{36}$/.test(url.pathname) && url.pathname !== childPath);
      await arrive(page, lang, new URL(page.url()).pathname, secondName, 'the second child page', { axe: false });
      await main(page).getByRole('link', { name: t.send.child.back, exact: true }).click();
      await arrive(page, lang, '/send', t.send.home.title, 'the SEND area with two children', { axe: false });
      await card(page, secondName)
        .getByRole('button', { name: `${t.send.home.requestAssessment} – ${secondName}`, exact: true })
        .click();
      await page.waitForURL((url) => /^\/send\/requests\/[0-9a-f-]{36}$/.test(url.pathname) && url.pathname !== taskList);
      const secondTaskList = new URL(page.url()).pathname;
      await arrive(page, lang, secondTaskList, t.request.taskList.title, 'the second task list', { axe: false });
      await main(page).getByRole('link', { name: t.request.delete.link, exact: true }).click();
      await arrive(page, lang, `${secondTaskList}/delete`, t.request.delete.title, 'the delete draft page');
      assert.ok(squash(await main(page).locator('.govuk-warning-text').textContent()).endsWith(fill(t.request.delete.warning, { child: names.second })));
      await main(page).getByRole('button', { name: t.request.delete.button, exact: true }).click();
      await arrive(page, lang, '/send', t.send.home.title, 'the SEND area after deleting the draft');
      await expectNotice(page, t.request.delete.done);
      assert.equal(await card(page, secondName).getByRole('link', { name: t.send.home.continueRequest }).count(), 0, 'the draft is gone');
      assert.ok(await card(page, secondName).getByRole('button', { name: `${t.send.home.requestAssessment} – ${secondName}`, exact: true }).isVisible());
      assert.equal(await card(page, childName).getByText(reference, { exact: true }).count(), 1, 'the first child’s case is untouched');
      assert.deepEqual(h.problems(page), [], 'no console errors or uncaught exceptions in the second sitting');
    });
  }
});
