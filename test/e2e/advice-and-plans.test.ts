// Advice for an EHC needs assessment and the EHC plan, clicked through in Chromium by the caseworker, a
// professional and the family, in English and again in Welsh (each person switches with the header's
// "Cymraeg" link on their first page), with axe (WCAG 2.2 AA) on every page reached, error states included.
// 1. The caseworker asks for advice (the empty form first) from an educational psychologist, a school and
//    health; the case page lists them.
// 2. The educational psychologist opens the emailed link in a browser of their own, creates an account, sets
//    up two-step verification by email, saves a draft, comes back, attaches a PDF and sends the advice; the
//    request can no longer be opened.
// 3. The family sees what was asked for (received or not yet), sends their own advice (the empty form first)
//    and a report, both listed with their dates.
// 4. The caseworker reads the professional's advice, marks it reviewed and shares it: the family can open it.
// 5. The caseworker composes the draft plan (Section A from the family's advice), tries to issue it with
//    sections missing, completes and issues it; the family reads it (on a phone-sized screen too), downloads
//    the PDF and replies; the caseworker reads the reply beside the draft and issues the final plan with
//    Section I; the family sees version 2, the final plan, and both versions.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { addDays, addWeeks } from '../../src/domain/dates.js';
import type { PlanSection } from '../../src/domain/plan.js';
import { createStaff, PASSWORD, uniqueEmail } from '../support/accounts.js';
import { actOnCase, type AdviceTexts, adviceTexts, asCurrentUser, emailedLink, listAfter, signInAs, switchToWelsh, tableRows, translated } from './support/advice-journeys.js';
import { checkAxe, describeWithBrowser, useBrowser } from './support/browser.js';
import { arrive, arriveWithErrors, fill, type Lang, squash } from './support/journeys.js';
import { expectNotice, familyWithCase, group, newestCode, shown, summaryRows, today, UploadFolder } from './support/send-journeys.js';

const LANGS: Lang[] = ['en', 'cy'];

type Role = 'educationalPsychologist' | 'education' | 'health';
interface Asked {
  role: Role;
  name: string;
  organisation: string;
  email: string;
  asked: string;
}

/** The educational psychologist's advice: the required fields, then the optional ones. */
const PRO_ADVICE = {
  needs: 'Difficulties with phonological processing and working memory',
  outcomes: 'To read and write at the level expected for Year 6 by the end of Key Stage 2',
  provision: 'Daily 20 minutes of structured phonics with a trained teaching assistant',
  healthCare: 'No health needs noted',
  other: 'Seen in school with the class teacher',
};

/** The family's own advice (Section A of a plan). */
const FAMILY_ADVICE = {
  aboutMyChild: 'Funny and kind, loves dinosaurs and drawing',
  working: 'Small-group reading with Ms Patel',
  notWorking: 'Busy playtimes and changes of teacher',
  views: 'Wants to stay with friends in the same class',
  aspirations: 'To go to college and work with animals',
};

/** What the caseworker writes in the plan's sections (A comes from the family's advice). */
const PLAN: Partial<Record<PlanSection, string>> = {
  B: 'Specific learning difficulty affecting reading and spelling',
  E: 'By July, to read a book for their age with 90% accuracy',
  F: 'Daily structured phonics, 20 minutes, with a trained teaching assistant',
  K: 'Advice from the educational psychologist and from the family',
  I: 'Oak Primary School',
};

describeWithBrowser('advice and EHC plans in a browser: the caseworker, a professional and the family', () => {
  const h = useBrowser();
  const files = new UploadFolder();
  after(() => files.remove());

  // The two languages' journeys use people and cases of their own: they run side by side.
  describe('in English and in Welsh', { concurrency: true }, () => {
    for (const lang of LANGS) {
      test(`${lang}: advice from a professional and the family, reviewed and shared; the draft plan, the family's reply and the final plan`, () => journey(lang));
    }
  });

  /** One language's journeys, from asking for advice to the final plan. */
  async function journey(lang: Lang): Promise<void> {
    const t = adviceTexts(lang);
    const en = adviceTexts('en');
    const main = (page: Page) => page.locator('main');
    const sectionTitle = (s: PlanSection) => t.plans.sections[s as keyof AdviceTexts['plans']['sections']];
    const versionLabel = (version: number, kind: 'draft' | 'final') => fill(t.plans.version.label, { version, kind: t.plans.kinds[kind] });
    /** A label as the form engine shows it on the professional's form: optional fields say so. */
    const proLabel = (name: keyof typeof PRO_ADVICE) => (name === 'healthCare' || name === 'other' ? `${t.advice.fields[name].label} ${t.common.optional}` : t.advice.fields[name].label);

    /** Words on the page in the page's language: in Welsh, once translated, the English is not there instead. */
    const inWelsh = async (page: Page, english: string, words: string) => {
      assert.ok(await main(page).getByText(words, { exact: true }).first().isVisible(), `"${words}" on ${page.url()}`);
      if (lang === 'cy' && translated(english, words)) assert.equal(await main(page).getByText(english, { exact: true }).count(), 0, `"${english}" is in Welsh`);
    };

    const day = today();
    const date = shown(day, lang);
    const dueOn = shown(addWeeks(day, 6), lang);
    const names = lang === 'en' ? { firstName: 'Sam', lastName: 'Price' } : { firstName: 'Elin', lastName: 'Rhys' };
    const family = await familyWithCase(h.app, lang, names);
    const { reference } = family;
    const caseworker = await createStaff(h.app, 'caseworker', { twoStep: 'email', firstName: 'Casey', lastName: `Adviser-${lang}` });
    await actOnCase(h.app, asCurrentUser(caseworker, 'caseworker'), family.caseId, 'decision_to_assess');
    const casePath = `/staff/cases/${family.caseId}`;
    const trackPath = `/send/cases/${reference}`;
    const trackTitle = fill(t.track.title, { child: names.firstName });
    const professionals: Asked[] = [
      { role: 'educationalPsychologist', name: 'Dr Nia Evans', organisation: 'Educational Psychology Service', email: uniqueEmail(`ep-${lang}`), asked: 'An assessment of cognition and learning, with recommendations' },
      { role: 'education', name: 'Ms Priya Patel', organisation: 'Oak Primary School', email: uniqueEmail(`school-${lang}`), asked: 'The SENCO’s view of progress and the support in place' },
      { role: 'health', name: 'Dr Rhian Lloyd', organisation: 'NHS Tees Valley', email: uniqueEmail(`health-${lang}`), asked: 'Any health needs related to learning' },
    ];
    const [ep] = professionals as [Asked, ...Asked[]];

    // ---- 1. The caseworker asks three professionals for advice ----------------------------------------
    const staff = await signInAs(h, lang, caseworker, '/staff', (w) => w.staff.queue.title, 'the work queue');
    await staff.goto(casePath);
    await arrive(staff, lang, casePath, family.child.name, 'the case page');
    assert.ok(await main(staff).getByText(t.advice.staff.noRequests, { exact: true }).isVisible(), 'no advice asked for yet');

    const askPath = `${casePath}/advice/new`;
    await main(staff).getByRole('button', { name: t.advice.staff.ask, exact: true }).click();
    await arrive(staff, lang, askPath, t.advice.request.title, 'ask for advice');
    await inWelsh(staff, en.advice.request.intro, t.advice.request.intro);
    await main(staff).getByRole('button', { name: t.advice.request.button, exact: true }).click();
    await arriveWithErrors(
      staff,
      lang,
      t,
      (['role', 'name', 'organisation', 'email', 'asked'] as const).map((f) => t.advice.fields[f].required),
      'ask for advice with nothing filled in',
    );

    for (const [i, p] of professionals.entries()) {
      if (i > 0) {
        await main(staff).getByRole('button', { name: t.advice.staff.ask, exact: true }).click();
        await arrive(staff, lang, askPath, t.advice.request.title, `ask for advice (${p.role})`);
      }
      const form = main(staff);
      await group(form, t.advice.fields.role.label).getByRole('radio', { name: t.advice.options.role[p.role], exact: true }).check();
      await form.getByLabel(t.advice.fields.name.label, { exact: true }).fill(p.name);
      await form.getByLabel(t.advice.fields.organisation.label, { exact: true }).fill(p.organisation);
      await form.getByLabel(t.advice.fields.email.label, { exact: true }).fill(p.email);
      await form.getByLabel(t.advice.fields.asked.label, { exact: true }).fill(p.asked);
      await form.getByRole('button', { name: t.advice.request.button, exact: true }).click();
      await expectNotice(staff, fill(t.advice.request.sent, { name: p.name }));
      await arrive(staff, lang, casePath, family.child.name, `the case page after asking ${p.name}`);
    }
    const requests = main(staff).getByRole('table', { name: t.advice.staff.requestsCaption, exact: true });
    // Whose advice and from whom (two lines), due by, and the status tag.
    const rows = (await requests.locator('tbody tr').all()).map(async (row) => [...(await row.locator('td').allInnerTexts()).slice(0, 2).map(squash), squash(await row.locator('.govuk-tag').textContent())]);
    assert.deepEqual(
      await Promise.all(rows),
      professionals.map((p) => [`${t.advice.options.role[p.role]} ${p.name}, ${p.organisation}`, dueOn, t.advice.status.open]),
      'the case page lists the three requests, due in 6 weeks, waiting',
    );

    // ---- 2. The educational psychologist answers through the emailed link --------------------------------
    const link = await emailedLink(h.app, ep.email, 'adviceRequested');
    assert.ok(link.startsWith(`${h.baseUrl}/professional/accept?token=`), `the link goes to the portal: ${link}`);
    const pro = await h.newPage();
    await pro.goto(link);
    await arrive(pro, 'en', '/professional/accept', en.advice.accept.title, 'the invitation (en)');
    if (lang === 'cy') await switchToWelsh(pro, '/professional/accept', t.advice.accept.title, 'the invitation');
    assert.ok(await main(pro).getByText(fill(t.advice.accept.intro, { email: ep.email }), { exact: true }).isVisible(), 'the address the request was sent to');
    await main(pro).getByLabel(t.advice.fields.firstName.label, { exact: true }).fill('Nia');
    await main(pro).getByLabel(t.advice.fields.lastName.label, { exact: true }).fill('Evans');
    await main(pro).getByLabel(t.common.fields.password, { exact: true }).fill(PASSWORD);
    await main(pro).getByLabel(t.account.fields.passwordConfirm, { exact: true }).fill(PASSWORD);
    await main(pro).getByRole('button', { name: t.advice.accept.button, exact: true }).click();
    await arrive(pro, lang, '/account/two-step-verification', t.account.twoStep.title, 'two step verification (a new professional)');
    assert.ok(await main(pro).getByText(t.account.twoStep.welcome, { exact: true }).isVisible());
    await main(pro).getByRole('radio', { name: t.account.twoStep.methods.email, exact: true }).check();
    await main(pro).getByRole('button', { name: t.common.buttons.continue, exact: true }).click();
    await arrive(pro, lang, '/account/two-step-verification/email', t.account.twoStep.email.title, 'the two step code page');
    await main(pro).getByLabel(t.account.code.label, { exact: true }).fill(await newestCode(h.app.app, ep.email));
    await main(pro).getByRole('button', { name: t.account.twoStep.turnOn, exact: true }).click();
    await pro.waitForURL(/\/professional\/requests\/[0-9a-f-]{36}$/);
    const requestPath = new URL(pro.url()).pathname;
    const requestTitle = fill(t.advice.professional.requestTitle, { child: names.firstName });
    await arrive(pro, lang, requestPath, requestTitle, 'the request for advice');
    const asked = Object.fromEntries(await summaryRows(main(pro).locator('.govuk-summary-list')));
    assert.equal(asked[t.advice.professional.child], family.child.name);
    assert.equal(asked[t.advice.fields.asked.label], ep.asked);
    assert.equal(asked[t.advice.staff.due], dueOn);
    const dob = asked[t.send.fields.dateOfBirth.label] ?? '';
    assert.match(dob, /^\d{1,2} \S+ \d{4}$/, 'the child’s date of birth');

    // A draft, then back later from the list of requests.
    await main(pro).getByLabel(proLabel('needs'), { exact: true }).fill(PRO_ADVICE.needs);
    await main(pro).getByRole('button', { name: t.advice.professional.saveDraft, exact: true }).click();
    await expectNotice(pro, t.advice.professional.draftSaved);
    await arrive(pro, lang, requestPath, requestTitle, 'the request after saving a draft');
    await pro.getByRole('link', { name: t.common.back, exact: true }).click();
    await arrive(pro, lang, '/professional', t.advice.professional.title, 'the professional’s requests');
    const proRow = async () => (await tableRows(main(pro).locator('table')))[0];
    assert.deepEqual(await proRow(), [family.child.name, dob, reference, dueOn, t.advice.status.open]);
    await main(pro).getByRole('link', { name: family.child.name, exact: true }).click();
    await arrive(pro, lang, requestPath, requestTitle, 'the request, come back to');
    assert.equal(await main(pro).getByLabel(proLabel('needs'), { exact: true }).inputValue(), PRO_ADVICE.needs, 'the draft was kept');
    assert.equal(await main(pro).getByLabel(proLabel('outcomes'), { exact: true }).inputValue(), '');

    const report = `ep-report-${lang}.pdf`;
    await main(pro).getByLabel(t.request.upload.label, { exact: true }).setInputFiles(files.pdf(report));
    await main(pro).getByRole('button', { name: t.request.upload.button, exact: true }).click();
    await expectNotice(pro, fill(t.request.upload.added, { name: report }));
    await arrive(pro, lang, requestPath, requestTitle, 'the request after attaching a PDF');
    assert.deepEqual(await listAfter(main(pro), 2, t.advice.submission.attachments), [report]);
    for (const name of ['outcomes', 'provision', 'healthCare', 'other'] as const) await main(pro).getByLabel(proLabel(name), { exact: true }).fill(PRO_ADVICE[name]);
    await main(pro).getByRole('button', { name: t.advice.professional.submit, exact: true }).click();
    await expectNotice(pro, t.advice.professional.submitted);
    await arrive(pro, lang, '/professional', t.advice.professional.title, 'the professional’s requests after sending');
    assert.deepEqual(await proRow(), [family.child.name, dob, reference, dueOn, fill(t.advice.professional.submittedOn, { date })], 'shown as sent');
    assert.equal(await main(pro).getByRole('link', { name: family.child.name }).count(), 0, 'the request is no longer a link');
    const gone = await pro.goto(requestPath);
    assert.equal(gone?.status(), 404, 'an answered request cannot be opened');
    await arrive(pro, lang, requestPath, t.errors.notFound.title, 'the answered request (not found)');
    assert.deepEqual(h.problems(pro), [], 'no console errors on the professional’s pages');

    // ---- 3. The family: what was asked for, and their own advice and report -----------------------------
    const home = await signInAs(h, lang, family.parent, '/send', (w) => w.send.home.title, 'the SEND area');
    await main(home).getByRole('link', { name: `${t.send.home.trackProgress} – ${reference}`, exact: true }).click();
    await arrive(home, lang, trackPath, trackTitle, 'track progress');
    await main(home).getByRole('link', { name: t.advice.family.link, exact: true }).click();
    const advicePath = `${trackPath}/advice`;
    await arrive(home, lang, advicePath, t.advice.family.title, 'advice and reports (family)');
    assert.deepEqual(
      await tableRows(main(home).getByRole('table', { name: t.advice.family.askedTitle, exact: true })),
      [
        [t.advice.options.role.educationalPsychologist, dueOn, date],
        [t.advice.options.role.education, dueOn, t.advice.family.notYet],
        [t.advice.options.role.health, dueOn, t.advice.family.notYet],
      ],
      'received and not yet',
    );
    assert.equal(await main(home).getByRole('heading', { name: t.advice.family.sharedTitle }).count(), 0, 'nothing shared yet');
    await inWelsh(home, en.advice.family.askedTitle, t.advice.family.askedTitle);
    assert.ok(await main(home).getByText(t.advice.family.noneYet, { exact: true }).isVisible());

    const familyForm = main(home).locator(`form[action="${advicePath}"]`);
    await familyForm.getByRole('button', { name: t.advice.family.submit, exact: true }).click();
    await arriveWithErrors(home, lang, t, (Object.keys(FAMILY_ADVICE) as (keyof typeof FAMILY_ADVICE)[]).map((f) => t.advice.fields[f].required), 'the family’s advice with nothing filled in');
    for (const [name, text] of Object.entries(FAMILY_ADVICE) as [keyof typeof FAMILY_ADVICE, string][]) await familyForm.getByLabel(t.advice.fields[name].label, { exact: true }).fill(text);
    await familyForm.getByRole('button', { name: t.advice.family.submit, exact: true }).click();
    await expectNotice(home, t.advice.family.sent);
    await arrive(home, lang, advicePath, t.advice.family.title, 'advice and reports after sending advice');

    const familyReport = `private-assessment-${lang}.pdf`;
    await main(home).getByLabel(t.advice.family.reportLabel, { exact: true }).setInputFiles(files.pdf(familyReport));
    await main(home).getByRole('button', { name: t.request.upload.button, exact: true }).click();
    await expectNotice(home, fill(t.request.upload.added, { name: familyReport }));
    await arrive(home, lang, advicePath, t.advice.family.title, 'advice and reports after sending a report');
    assert.deepEqual(await listAfter(main(home), 2, t.advice.family.yourTitle), [fill(t.advice.family.ownItem, { date }), `${familyReport} – ${date}`], 'both listed with their dates');

    // ---- 4. The caseworker reviews the professional's advice and shares it ---------------------------------
    await staff.reload();
    await arrive(staff, lang, casePath, family.child.name, 'the case page with advice received');
    const received = () => listAfter(main(staff), 3, t.advice.staff.received);
    assert.deepEqual(await received(), [`${ep.name} – ${date}`, `${t.advice.submission.theFamily} – ${date}`]);
    const openAdvice = async (label: string) => {
      await main(staff).getByRole('link', { name: `${ep.name} – ${date}`, exact: true }).click();
      await staff.waitForURL(/\/advice\/submissions\/[0-9a-f-]{36}$/);
      await arrive(staff, lang, new URL(staff.url()).pathname, t.advice.submission.professionalTitle, label);
    };
    await openAdvice('the professional’s advice (back office)');
    const submissionId = new URL(staff.url()).pathname.split('/').at(-1) ?? '';
    assert.ok(await main(staff).getByText(fill(t.advice.submission.fromOn, { from: `${ep.name}, ${ep.organisation}`, date }), { exact: true }).isVisible());
    const staffRows = Object.fromEntries(await summaryRows(main(staff).locator('.govuk-summary-list')));
    for (const name of Object.keys(PRO_ADVICE) as (keyof typeof PRO_ADVICE)[]) assert.equal(staffRows[t.advice.fields[name].label], PRO_ADVICE[name]);
    assert.equal(await main(staff).getByRole('link', { name: report, exact: true }).count(), 1, 'the attachment');
    await main(staff).getByRole('button', { name: t.advice.submission.markReviewed, exact: true }).click();
    await expectNotice(staff, t.advice.submission.reviewedDone);
    await arrive(staff, lang, casePath, family.child.name, 'the case page after marking the advice reviewed');
    assert.equal((await received())[0], `${ep.name} – ${date} ${t.advice.staff.reviewed}`);
    // Reviewed is not shared: the family cannot open it yet, even knowing its address.
    const sharedPath = `${advicePath}/${submissionId}`;
    assert.equal((await home.goto(sharedPath))?.status(), 404, 'advice not shared is not the family’s to read');
    await arrive(home, lang, sharedPath, t.errors.notFound.title, 'advice not shared yet (not found)');
    await openAdvice('the reviewed advice (back office)');
    assert.equal(await main(staff).getByRole('button', { name: t.advice.submission.markReviewed }).count(), 0, 'reviewed once');
    await main(staff).getByRole('button', { name: t.advice.submission.share, exact: true }).click();
    await expectNotice(staff, t.advice.submission.sharedDone);
    await arrive(staff, lang, casePath, family.child.name, 'the case page after sharing the advice');
    assert.equal((await received())[0], `${ep.name} – ${date} ${t.advice.staff.reviewed} ${t.advice.staff.shared}`);

    await home.goto(advicePath);
    await arrive(home, lang, advicePath, t.advice.family.title, 'advice and reports with shared advice');
    const sharedItem = fill(t.advice.family.sharedItem, { date });
    assert.deepEqual(await listAfter(main(home), 2, t.advice.family.sharedTitle), [sharedItem]);
    await main(home).getByRole('link', { name: sharedItem, exact: true }).click();
    await arrive(home, lang, sharedPath, t.advice.submission.professionalTitle, 'the shared advice (family)');
    assert.ok(await main(home).getByText(fill(t.advice.submission.fromOn, { from: t.advice.submission.aProfessional, date }), { exact: true }).isVisible());
    const familyRows = Object.fromEntries(await summaryRows(main(home).locator('.govuk-summary-list')));
    assert.equal(familyRows[t.advice.fields.needs.label], PRO_ADVICE.needs);
    assert.equal(familyRows[t.advice.fields.provision.label], PRO_ADVICE.provision);
    const attachment = main(home).getByRole('link', { name: report, exact: true });
    const download = await home.request.get((await attachment.getAttribute('href')) ?? '');
    assert.equal(download.status(), 200);
    assert.equal((await download.body()).subarray(0, 4).toString('latin1'), '%PDF', 'the family gets the professional’s attachment');

    // ---- 5. The draft plan ---------------------------------------------------------------------------------
    const planPath = `${casePath}/plan`;
    await main(staff).getByRole('link', { name: t.plans.staff.link, exact: true }).click();
    await arrive(staff, lang, planPath, t.plans.staff.title, 'the plan page');
    assert.ok(await main(staff).getByText(t.plans.staff.noVersions, { exact: true }).isVisible());
    assert.ok(await main(staff).getByText(t.plans.staff.start.draft, { exact: true }).isVisible());
    await main(staff).getByRole('button', { name: t.plans.staff.startButton, exact: true }).click();
    await main(staff).locator('#section-A').waitFor();
    await arrive(staff, lang, planPath, t.plans.staff.title, 'composing the draft plan');
    const section = (s: PlanSection) => main(staff).getByLabel(sectionTitle(s), { exact: true });
    assert.equal(await section('A').inputValue(), [FAMILY_ADVICE.aboutMyChild, FAMILY_ADVICE.views, FAMILY_ADVICE.aspirations].join('\n\n'), 'Section A from the family’s advice');
    assert.ok((await section('K').inputValue()).includes(`${ep.name}, ${ep.organisation}`), 'Section K lists the advice received');
    assert.equal(await main(staff).locator('#section-I').count(), 0, 'no placement in a draft');
    await main(staff).getByRole('button', { name: t.plans.staff.issue.draft, exact: true }).click();
    await arriveWithErrors(
      staff,
      lang,
      t,
      (['B', 'E', 'F'] as const).map((s) => fill(t.plans.errors.missing, { section: sectionTitle(s) })),
      'issuing the draft plan with sections missing',
    );
    for (const s of ['B', 'E', 'F', 'K'] as const) await section(s).fill(PLAN[s] ?? '');
    await main(staff).getByRole('button', { name: t.plans.staff.issue.draft, exact: true }).click();
    await expectNotice(staff, t.plans.staff.issued);
    await arrive(staff, lang, planPath, t.plans.staff.title, 'the plan page after issuing the draft');
    assert.deepEqual(await listAfter(main(staff), 2, t.plans.staff.versions), [`${versionLabel(1, 'draft')} – ${date}`]);

    // The family reads the draft, on a phone too, downloads it and replies.
    const familyPlanPath = `${trackPath}/plan`;
    await home.goto(trackPath);
    await arrive(home, lang, trackPath, trackTitle, 'track progress with a draft plan');
    await main(home).getByRole('link', { name: t.plans.family.link, exact: true }).click();
    await arrive(home, lang, familyPlanPath, t.plans.family.title, 'the draft plan (family)');
    assert.ok(await main(home).getByText(fill(t.plans.family.current, { version: 1, kind: t.plans.kinds.draft, date }), { exact: true }).isVisible());
    const replyBy = fill(t.plans.family.replyBy, { date: shown(addDays(day, 15), lang) });
    assert.equal(squash(await main(home).locator('.govuk-warning-text__text').textContent()), `${t.common.warning} ${replyBy}`);
    const planText = async (s: PlanSection) => squash(await main(home).locator(`#section-${s} + p`).textContent());
    assert.equal(await planText('B'), PLAN.B);
    assert.equal(await planText('I'), t.plans.empty, 'no placement in the draft');
    await home.setViewportSize({ width: 375, height: 812 });
    await checkAxe(home, `the draft plan on a 375px-wide screen (${lang})`);
    assert.ok((await home.evaluate(() => document.documentElement.scrollWidth)) <= 375, 'no sideways scrolling on a phone');
    assert.ok(await main(home).getByRole('button', { name: t.plans.family.replyButton, exact: true }).isVisible());
    await home.setViewportSize({ width: 1280, height: 720 });

    const [pdf] = await Promise.all([home.waitForEvent('download'), main(home).getByRole('button', { name: t.plans.version.pdf, exact: true }).click()]);
    assert.equal(pdf.suggestedFilename(), `EHC-plan-${reference}-v1-draft.pdf`);
    assert.match(pdf.suggestedFilename(), /\.pdf$/);
    assert.equal(readFileSync(await pdf.path()).subarray(0, 5).toString('latin1'), '%PDF-', 'a real PDF');

    await main(home).getByRole('button', { name: t.plans.family.replyButton, exact: true }).click();
    const replyPath = `${familyPlanPath}/1/reply`;
    await arrive(home, lang, replyPath, t.plans.reply.title, 'reply to the plan');
    await inWelsh(home, en.plans.reply.meeting, t.plans.reply.meeting);
    const comment = 'Please add speech and language therapy once a week';
    const school = 'Oak Primary School';
    await main(home).getByLabel(fill(t.plans.reply.comment, { section: sectionTitle('B') }), { exact: true }).fill(comment);
    await main(home).getByLabel(t.plans.reply.school, { exact: true }).fill(school);
    await main(home).getByRole('button', { name: t.plans.reply.button, exact: true }).click();
    await arriveWithErrors(home, lang, t, [t.plans.errors.meeting], 'the reply without saying whether a meeting is wanted');
    assert.equal(await main(home).getByLabel(t.plans.reply.school, { exact: true }).inputValue(), school, 'what was typed is kept');
    await group(main(home), t.plans.reply.meeting).getByRole('radio', { name: t.plans.reply.yes, exact: true }).check();
    await main(home).getByRole('button', { name: t.plans.reply.button, exact: true }).click();
    await expectNotice(home, t.plans.reply.sent);
    await arrive(home, lang, familyPlanPath, t.plans.family.title, 'the draft plan after replying');
    assert.ok(await main(home).getByText(fill(t.plans.family.replied, { date }), { exact: true }).isVisible());
    assert.equal(await main(home).getByRole('button', { name: t.plans.family.replyButton }).count(), 0, 'one reply to a version');

    // The caseworker reads the reply beside the draft, then composes and issues the final plan.
    await staff.reload();
    await arrive(staff, lang, planPath, t.plans.staff.title, 'the plan page after the family replied');
    await main(staff).getByRole('link', { name: versionLabel(1, 'draft'), exact: true }).click();
    const draftTitle = fill(t.plans.version.title, { version: 1, kind: t.plans.kinds.draft });
    await arrive(staff, lang, `${planPath}/1`, draftTitle, 'the draft plan with the family’s reply');
    const replyHeading = staff.getByRole('heading', { level: 2, name: t.plans.response.title, exact: true });
    const replyColumn = main(staff).locator('.govuk-grid-column-one-half').filter({ has: replyHeading });
    assert.equal(squash(await replyHeading.locator('xpath=following-sibling::p[1]').textContent()), fill(t.plans.response.sent, { date }));
    assert.equal(squash(await replyColumn.locator('p').filter({ hasText: t.plans.reply.school }).textContent()), `${t.plans.reply.school}: ${school}`);
    assert.equal(squash(await replyColumn.locator('p').filter({ hasText: t.plans.reply.meeting }).textContent()), `${t.plans.reply.meeting}: ${t.plans.reply.yes}`);
    assert.equal(squash(await replyColumn.getByRole('heading', { level: 3, name: sectionTitle('B'), exact: true }).locator('xpath=following-sibling::p[1]').textContent()), comment);
    const draftBox = await main(staff).locator('#section-B').boundingBox();
    const replyBox = await replyHeading.boundingBox();
    assert.ok(draftBox && replyBox && replyBox.x > draftBox.x + draftBox.width / 2 && replyBox.y < draftBox.y + 200, 'the reply is beside the draft');

    await staff.getByRole('link', { name: t.common.back, exact: true }).click();
    await arrive(staff, lang, planPath, t.plans.staff.title, 'the plan page before the final plan');
    assert.ok(await main(staff).getByText(t.plans.staff.start.final, { exact: true }).isVisible());
    await main(staff).getByRole('button', { name: t.plans.staff.startButton, exact: true }).click();
    await main(staff).locator('#section-I').waitFor();
    await arrive(staff, lang, planPath, t.plans.staff.title, 'composing the final plan');
    assert.equal(await section('B').inputValue(), PLAN.B, 'the final plan starts from the draft');
    await section('I').fill(PLAN.I ?? '');
    await main(staff).getByRole('button', { name: t.plans.staff.issue.final, exact: true }).click();
    await expectNotice(staff, t.plans.staff.issued);
    await arrive(staff, lang, planPath, t.plans.staff.title, 'the plan page after issuing the final plan');
    assert.deepEqual(await listAfter(main(staff), 2, t.plans.staff.versions), [`${versionLabel(2, 'final')} – ${date}`, `${versionLabel(1, 'draft')} – ${date}`]);
    assert.deepEqual(h.problems(staff), [], 'no console errors on the caseworker’s pages');

    // The family sees version 2, the final plan, and both versions.
    await home.reload();
    await arrive(home, lang, familyPlanPath, t.plans.family.title, 'the final plan (family)');
    assert.ok(await main(home).getByText(fill(t.plans.family.current, { version: 2, kind: t.plans.kinds.final, date }), { exact: true }).isVisible());
    assert.equal(await planText('I'), PLAN.I, 'the placement is named');
    assert.equal(await main(home).getByRole('button', { name: t.plans.family.replyButton }).count(), 0, 'no reply to a final plan');
    const both = (await main(home).getByRole('heading', { level: 2, name: t.plans.family.versions, exact: true }).locator('xpath=following-sibling::ul[1]/li').allTextContents()).map(squash);
    assert.deepEqual(
      both,
      [versionLabel(2, 'final'), versionLabel(1, 'draft')].map((label) => `${label} – ${date} (PDF ${label})`),
      'every version, newest first, each with its PDF',
    );
    await main(home).getByRole('link', { name: versionLabel(1, 'draft'), exact: true }).click();
    await arrive(home, lang, `${familyPlanPath}/1`, draftTitle, 'version 1 (family)');
    assert.ok(await main(home).getByRole('button', { name: t.plans.version.pdf, exact: true }).isVisible());
    assert.deepEqual(h.problems(home), [], 'no console errors on the family’s pages');
  }
});
