import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, signedIn, type TestPerson } from '../../../test/support/accounts.js';
import type { Client } from '../../../test/support/app.js';
import {
  act,
  actOk,
  caseAuditRows,
  caseById,
  caseDocuments,
  errorTexts,
  eventsOfCase,
  h1,
  linksTo,
  longDate,
  outbox,
  PLAN_PDF,
  seedCase,
  staffMember,
} from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { moveClockToTenthOfJanuary, PDF, PNG, storedFiles, todayOf, words } from '../../../test/support/send.js';
import { addDays, addMonths } from '../../domain/dates.js';
import type { CaseAction, CaseStage } from '../../domain/workflow.js';
import { formatDate } from '../../platform/time.js';
import type { CaseRow } from './repo.js';

const EVENT: Record<CaseAction, string> = {
  decision_to_assess: 'decision_to_assess',
  decision_not_to_assess: 'decision_not_to_assess',
  decision_not_to_issue: 'decision_not_to_issue',
  draft_plan_issued: 'draft_plan_issued',
  final_plan_issued: 'final_plan_issued',
  cease: 'ceased',
  withdraw: 'withdrawn',
};
const CLOSED: CaseStage[] = ['closed_not_assessed', 'closed_no_plan', 'ceased', 'withdrawn'];

describeEachDatabase('cases: the statutory workflow through the case page', (kind) => {
  let t: AccountsTestApp;
  let today: string;
  let staff: { person: TestPerson; client: Client };
  let mother: TestPerson;
  let father: TestPerson;
  let motherClient: Client;

  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    today = todayOf(t);
    staff = await staffMember(t, 'caseworker');
    mother = await createCitizen(t, { twoStep: 'email', firstName: 'Alex', lastName: 'Parent' });
    father = await createCitizen(t, { lang: 'cy', firstName: 'Dafydd', lastName: 'Parent' });
    motherClient = await signedIn(t, mother);
  });
  after(() => t.close());

  /** A case for a child linked to both parents (the father reads Welsh), received `daysAgo` days ago. */
  const newCase = (daysAgo: number, firstName = 'Mia') =>
    seedCase(t, {
      adults: [mother, { id: father.id, relationship: 'father' }],
      firstName,
      lastName: 'Jones',
      receivedOn: addDays(today, -daysAgo),
    });

  /** What a refused action must leave as it was. */
  const snapshot = async (row: CaseRow) => ({
    row: await caseById(t, row.id),
    events: await eventsOfCase(t, row.id),
    documents: await caseDocuments(t, row.id),
    files: storedFiles(t),
    emails: (await outbox(t)).length,
    audit: (await caseAuditRows(t, row.id)).filter((a) => a.action !== 'case.viewed').length,
  });

  /**
   * Records `action` through the form and checks everything it must do: the event (type, date, who), the
   * stage, the next date, the audit row, the email to each parent in their language, and the plan PDF.
   */
  async function move(row: CaseRow, action: CaseAction, options: { date: string; reasons?: string; pdf?: boolean }, expected: { stage: CaseStage; next: string | null }) {
    const before = await snapshot(row);
    await actOk(t, staff.client, row.id, action, options);

    const page = await staff.client.get(`/staff/cases/${row.id}`);
    assert.ok(page.body.includes(words('en', 'staff:actions.done', { action: words('en', `staff:actions.names.${action}`) })), 'the page says it was recorded');

    const events = await eventsOfCase(t, row.id);
    assert.equal(events.length, before.events.length + 1, 'one event');
    const event = events.find((e) => !before.events.some((b) => b.id === e.id));
    assert.ok(event);
    assert.equal(event.type, EVENT[action]);
    assert.equal(event.on_date, options.date);
    assert.equal(event.actor_id, staff.person.id);
    assert.equal(event.data ? (JSON.parse(event.data) as { reasons?: string }).reasons : undefined, options.reasons);

    const after = await caseById(t, row.id);
    assert.equal(after.stage, expected.stage);
    assert.equal(after.next_due_on, expected.next);
    assert.equal(after.closed_on, CLOSED.includes(expected.stage) ? options.date : null);
    if (action === 'decision_to_assess' || action === 'decision_not_to_assess') {
      assert.equal(after.decided_on, options.date);
      assert.equal(after.decision_days, Math.round((Date.parse(options.date) - Date.parse(row.received_on)) / 86_400_000));
    }
    if (action === 'final_plan_issued') {
      assert.equal(after.final_plan_on, options.date);
      assert.equal(after.final_plan_days, Math.round((Date.parse(options.date) - Date.parse(row.received_on)) / 86_400_000));
    }

    const audits = (await caseAuditRows(t, row.id)).filter((a) => a.action === `case.${action}`);
    assert.equal(audits.length, 1, `one audit row case.${action}`);
    assert.equal(audits[0]?.actor_id, staff.person.id);
    assert.deepEqual(JSON.parse(audits[0]?.detail ?? '{}'), { date: options.date, from: before.row.stage, to: expected.stage });

    const emails = (await outbox(t)).slice(before.emails);
    assert.deepEqual(
      emails.map((e) => [e.to_address, e.lang, e.template, e.subject]).sort(),
      [
        [mother.email, 'en', `case_${action}`, words('en', `emails:case_${action}.subject`, { child: 'Mia' })],
        [father.email, 'cy', `case_${action}`, words('cy', `emails:case_${action}.subject`, { child: 'Mia' })],
      ].sort(),
      'each parent is emailed, in their language',
    );
    for (const e of emails) {
      const lang = e.lang as 'en' | 'cy';
      assert.ok(e.text_body.includes(longDate(options.date, lang)), `the ${lang} email gives the date as ${longDate(options.date, lang)}`);
      assert.ok(e.text_body.includes(`/send/cases/${row.reference}`), 'and links to the case');
    }

    const documents = await caseDocuments(t, row.id);
    if (options.pdf) {
      const doc = documents.find((d) => d.id === event.id);
      assert.ok(doc, 'the plan is stored with the event');
      assert.equal(doc.kind, action === 'draft_plan_issued' ? 'draft_plan' : 'final_plan');
      assert.equal(doc.content_type, 'application/pdf');
      assert.equal(doc.size, PDF.length);
      assert.equal(doc.filename, PLAN_PDF.name);
      assert.equal(storedFiles(t).length, before.files.length + 1);
    } else {
      assert.equal(documents.length, before.documents.length);
      assert.equal(storedFiles(t).length, before.files.length);
    }
    return { event, page: page.body };
  }

  const actionForms = (html: string) => [...html.matchAll(/<form [^>]*id="action-(\w+)"/g)].map((m) => m[1]);

  test('the plan route: received → decision to assess → draft plan (PDF) → final plan (PDF) → cease', async () => {
    const received = addDays(today, -200);
    const row = await newCase(200);
    assert.deepEqual(actionForms((await staff.client.get(`/staff/cases/${row.id}`)).body), ['decision_to_assess', 'decision_not_to_assess', 'withdraw']);

    // After each step the next date is the nearest council deadline still open.
    const decided = addDays(received, 35);
    let page = (await move(row, 'decision_to_assess', { date: decided }, { stage: 'assessment', next: addDays(received, 112) })).page;
    assert.deepEqual(actionForms(page), ['decision_not_to_issue', 'draft_plan_issued', 'withdraw']);

    page = (await move(row, 'draft_plan_issued', { date: addDays(received, 105), pdf: true }, { stage: 'draft_plan', next: addDays(received, 140) })).page;
    assert.deepEqual(actionForms(page), ['final_plan_issued', 'withdraw']);

    const finalOn = addDays(received, 133);
    const final = await move(row, 'final_plan_issued', { date: finalOn, pdf: true }, { stage: 'plan_maintained', next: addMonths(finalOn, 12) });
    assert.deepEqual(actionForms(final.page), ['cease']);

    // Ceasing a plan needs reasons (s45).
    const before = await snapshot(row);
    for (const reasons of ['', '  \n  ']) {
      const res = await act(t, staff.client, row.id, 'cease', { reasons });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(errorTexts(res.body), [words('en', 'staff:actions.errors.reasonRequired')]);
    }
    assert.deepEqual(await snapshot(row), before);

    page = (await move(row, 'cease', { date: today, reasons: 'Needs now met without a plan.' }, { stage: 'ceased', next: null })).page;
    assert.deepEqual(actionForms(page), []);
    assert.ok(page.includes(words('en', 'staff:actions.none')));
    assert.deepEqual(
      (await eventsOfCase(t, row.id)).map((e) => e.type),
      ['received', 'decision_to_assess', 'draft_plan_issued', 'final_plan_issued', 'ceased'],
    );

    // The final plan's letter links the plan: staff download it from the back office, the family from their area.
    const staffLetter = await staff.client.get(`/staff/cases/${row.id}/letters/${final.event.id}`);
    assert.equal(staffLetter.statusCode, 200);
    assert.equal(h1(staffLetter.body), words('en', 'staff:letters.final_plan_issued.title'));
    assert.deepEqual(linksTo(staffLetter.body, '/staff/documents/'), [[`/staff/documents/${final.event.id}`, PLAN_PDF.name]]);
    const download = await staff.client.get(`/staff/documents/${final.event.id}`);
    assert.equal(download.statusCode, 200);
    assert.equal(download.headers['content-type'], 'application/pdf');
    assert.ok(download.rawPayload.equals(PDF));
    // The letter as sent gave the family 2 months from its date; a later decision does not rewrite it.
    assert.ok(staffLetter.body.includes(longDate(addMonths(finalOn, 2))), 'the final plan letter keeps its appeal dates');

    const familyLetter = await motherClient.get(`/send/cases/${row.reference}/letters/${final.event.id}`);
    assert.equal(familyLetter.statusCode, 200);
    assert.deepEqual(linksTo(familyLetter.body, '/send/documents/'), [[`/send/documents/${final.event.id}`, PLAN_PDF.name]]);
    const familyDownload = await motherClient.get(`/send/documents/${final.event.id}`);
    assert.equal(familyDownload.statusCode, 200);
    assert.equal(familyDownload.headers['content-type'], 'application/pdf');
    assert.match(String(familyDownload.headers['content-disposition']), /^attachment;/);
    assert.ok(familyDownload.rawPayload.equals(PDF));
    const viewed = await t.app.db.selectFrom('audit_events').select('actor_id').where('action', '=', 'document.viewed').where('subject_id', '=', final.event.id).execute();
    assert.deepEqual(viewed.map((v) => v.actor_id).sort(), [staff.person.id, mother.id].sort(), 'each download is audited');

    // Another family can neither download the plan nor read the letter.
    const stranger = await createCitizen(t, { twoStep: 'email' });
    const strangerClient = await signedIn(t, stranger);
    const refusedDoc = await strangerClient.get(`/send/documents/${final.event.id}`);
    assert.equal(refusedDoc.statusCode, 404);
    assert.ok(!refusedDoc.rawPayload.equals(PDF));
    assert.equal((await strangerClient.get(`/send/cases/${row.reference}/letters/${final.event.id}`)).statusCode, 404);
    const refused = await t.app.db.selectFrom('audit_events').select(['subject_type', 'subject_id']).where('action', '=', 'access.refused').where('actor_id', '=', stranger.id).orderBy('id').execute();
    assert.deepEqual(refused, [
      { subject_type: 'document', subject_id: final.event.id },
      { subject_type: 'case', subject_id: row.reference },
    ]);
  });

  test('received → decision not to assess: the letters (staff and family) give the reasons and the mediation and tribunal dates', async () => {
    // Received 51 days ago, decided 42 days ago: the family has until 2 months after the letter.
    const row = await newCase(51);
    const letterOn = addDays(today, -42);
    const reasons = 'Mia is making good progress with SEN support.\nThe school can meet her needs.';
    const { event } = await move(row, 'decision_not_to_assess', { date: letterOn, reasons }, { stage: 'closed_not_assessed', next: null });
    const by = addMonths(letterOn, 2);
    assert.equal(by.slice(5), '01-29', 'a letter of 29 November gives until 29 January');
    const year = by.slice(0, 4);
    assert.equal(longDate(by), `29 January ${year}`);
    const emails = await t.app.db.selectFrom('outbox').select(['lang', 'text_body']).where('template', '=', 'case_decision_not_to_assess').execute();
    assert.ok(emails.find((e) => e.lang === 'en')?.text_body.includes(`by 29 January ${year}`));
    assert.ok(emails.find((e) => e.lang === 'cy')?.text_body.includes(`29 Ionawr ${year}`));

    const staffPage = await staff.client.get(`/staff/cases/${row.id}`);
    const staffLinks = linksTo(staffPage.body, `/staff/cases/${row.id}/letters/`);
    assert.deepEqual(staffLinks, [[`/staff/cases/${row.id}/letters/${event.id}`, words('en', 'staff:letters.decision_not_to_assess.title')]]);
    const familyPage = await motherClient.get(`/send/cases/${row.reference}`);
    const familyLinks = linksTo(familyPage.body, `/send/cases/${row.reference}/letters/`);
    assert.deepEqual(familyLinks, [[`/send/cases/${row.reference}/letters/${event.id}`, words('en', 'staff:letters.decision_not_to_assess.title')]]);

    for (const [client, href] of [
      [staff.client, staffLinks[0]?.[0]],
      [motherClient, familyLinks[0]?.[0]],
    ] as const) {
      const letter = await client.get(href ?? '');
      assert.equal(letter.statusCode, 200, href);
      assert.equal(h1(letter.body), words('en', 'staff:letters.decision_not_to_assess.title'));
      assert.ok(letter.body.includes('Mia is making good progress with SEN support.\nThe school can meet her needs.'), 'the reasons, as written');
      assert.ok(letter.body.includes(words('en', 'staff:letters.rightsTitle')));
      assert.ok(letter.body.includes(`contact a mediation adviser by 29 January ${year}`), 'the mediation date');
      assert.ok(letter.body.includes(`You must appeal by 29 January ${year}`), 'the tribunal date');
      assert.ok(letter.body.includes(longDate(letterOn)), 'the letter is dated');
    }
  });

  test('assessment → decision not to issue a plan', async () => {
    const row = await newCase(120);
    await move(row, 'decision_to_assess', { date: addDays(today, -100) }, { stage: 'assessment', next: addDays(today, -120 + 112) });
    const before = await snapshot(row);
    const noReasons = await act(t, staff.client, row.id, 'decision_not_to_issue', { date: addDays(today, -20) });
    assert.equal(noReasons.statusCode, 400);
    assert.deepEqual(errorTexts(noReasons.body), [words('en', 'staff:actions.errors.reasonRequired')]);
    assert.deepEqual(await snapshot(row), before);
    await move(row, 'decision_not_to_issue', { date: addDays(today, -20), reasons: 'The assessment showed SEN support is enough.' }, { stage: 'closed_no_plan', next: null });
  });

  test('withdrawal from received, from assessment and from a draft plan', async () => {
    const atReceived = await newCase(10);
    await move(atReceived, 'withdraw', { date: today, reasons: 'The family withdrew the request by phone.' }, { stage: 'withdrawn', next: null });

    const atAssessment = await newCase(60);
    await move(atAssessment, 'decision_to_assess', { date: addDays(today, -30) }, { stage: 'assessment', next: addDays(today, -60 + 112) });
    await move(atAssessment, 'withdraw', { date: today, reasons: 'Moved to another council.' }, { stage: 'withdrawn', next: null });

    const atDraft = await newCase(130);
    await move(atDraft, 'decision_to_assess', { date: addDays(today, -100) }, { stage: 'assessment', next: addDays(today, -130 + 112) });
    await move(atDraft, 'draft_plan_issued', { date: addDays(today, -20), pdf: true }, { stage: 'draft_plan', next: addDays(today, -130 + 140) });
    await move(atDraft, 'withdraw', { date: today, reasons: 'The young person asked to stop.' }, { stage: 'withdrawn', next: null });
  });

  test('refused: an action the stage does not allow, missing reasons, a bad date, a wrong token — nothing changes', async () => {
    const row = await newCase(30);
    const before = await snapshot(row);
    const refused = async (action: string, options: Parameters<typeof act>[4], problem: string) => {
      const res = await act(t, staff.client, row.id, action, options);
      assert.equal(res.statusCode, 400, `${action}: ${res.statusCode}`);
      assert.deepEqual(errorTexts(res.body), [words('en', `staff:actions.errors.${problem}`)], action);
      const target = res.body.match(/<div class="govuk-error-summary"[\s\S]*?<a href="#([^"]+)"/)?.[1];
      assert.ok(target && res.body.includes(`id="${target}"`), `the error summary links to something on the page (#${target})`);
      return res;
    };
    await refused('final_plan_issued', { pdf: true }, 'notAllowed');
    await refused('cease', { reasons: 'x' }, 'notAllowed');
    await refused('decision_not_to_issue', { reasons: 'x' }, 'notAllowed');
    await refused('decision_not_to_assess', {}, 'reasonRequired');
    await refused('decision_not_to_assess', { reasons: ' \n ' }, 'reasonRequired');
    await refused('withdraw', {}, 'reasonRequired');
    const future = await refused('decision_to_assess', { date: addDays(today, 1) }, 'dateInvalid');
    assert.match(future.body, /<input[^>]*id="date-decision_to_assess-day"[^>]*value="\d+"/, 'the date typed is shown again');
    await refused('decision_to_assess', { date: addDays(today, -31) }, 'dateInvalid');
    await refused('decision_to_assess', { date: { day: '31', month: '2', year: today.slice(0, 4) } }, 'dateInvalid');
    await refused('decision_to_assess', { date: { day: '', month: '', year: '' } }, 'dateInvalid');
    await refused('decision_not_to_assess', { date: addDays(today, 1), reasons: 'Too early' }, 'dateInvalid');

    const unknown = await act(t, staff.client, row.id, 'approve_everything');
    assert.equal(unknown.statusCode, 400);
    assert.equal(h1(unknown.body), words('en', 'errors:badRequest.title'));
    for (const csrf of [null, 'A'.repeat(43)]) {
      const res = await act(t, staff.client, row.id, 'decision_to_assess', { csrf });
      assert.equal(res.statusCode, 403, `token ${csrf}`);
      assert.equal(h1(res.body), words('en', 'errors:csrf.title'));
    }
    assert.equal((await act(t, staff.client, '00000000-0000-4000-8000-000000000000', 'decision_to_assess', { csrf: (await staff.client.get('/staff')).body.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? null })).statusCode, 404);
    assert.deepEqual(await snapshot(row), before);
  });

  test('refused: a step dated before the step it follows (a draft plan before the decision to assess); nothing changes', async () => {
    const row = await newCase(60);
    const decidedOn = addDays(today, -20);
    await actOk(t, staff.client, row.id, 'decision_to_assess', { date: decidedOn });
    const before = await snapshot(row);
    const res = await act(t, staff.client, row.id, 'draft_plan_issued', { date: addDays(decidedOn, -1), pdf: true });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(errorTexts(res.body), [words('en', 'staff:actions.errors.dateBeforeLastStep', { date: formatDate(decidedOn, 'en') })]);
    assert.deepEqual(await snapshot(row), before);
    await actOk(t, staff.client, row.id, 'draft_plan_issued', { date: decidedOn, pdf: true });
  });

  test('refused: a draft or final plan without a PDF, or with a file that is not a PDF; nothing is stored', async () => {
    const row = await newCase(60);
    await actOk(t, staff.client, row.id, 'decision_to_assess', { date: addDays(today, -30) });
    const refused = async (action: string, file: Parameters<typeof act>[4], problem: string) => {
      const before = await snapshot(row);
      const res = await act(t, staff.client, row.id, action, file);
      assert.equal(res.statusCode, 400, `${action} ${problem}`);
      assert.deepEqual(errorTexts(res.body), [words('en', `staff:actions.errors.${problem}`)]);
      assert.deepEqual(await snapshot(row), before, 'nothing changed, no file stored');
    };
    const png = { name: 'plan.png', type: 'image/png', data: PNG };
    for (const action of ['draft_plan_issued', 'final_plan_issued'] as const) {
      if (action === 'final_plan_issued') await actOk(t, staff.client, row.id, 'draft_plan_issued', { pdf: true });
      await refused(action, {}, 'documentRequired');
      await refused(action, { file: png }, 'documentType');
      await refused(action, { file: { ...png, name: 'plan.pdf', type: 'application/pdf' } }, 'documentType');
      await refused(action, { file: { name: 'plan.pdf', type: 'application/pdf', data: Buffer.alloc(0) } }, 'documentType');
    }
    assert.equal((await caseById(t, row.id)).stage, 'draft_plan');
    assert.equal((await caseDocuments(t, row.id)).length, 1, 'only the draft plan');
  });

  test('two caseworkers acting at once: exactly one action is recorded', async () => {
    const page = await staff.client.get('/staff');
    const csrf = page.body.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? null;
    const race = async (row: CaseRow, a: [string, Parameters<typeof act>[4]], b: [string, Parameters<typeof act>[4]]) => {
      const emails = (await outbox(t)).length;
      const files = storedFiles(t).length;
      const results = await Promise.all([act(t, staff.client, row.id, a[0], { ...a[1], csrf }), act(t, staff.client, row.id, b[0], { ...b[1], csrf })]);
      assert.deepEqual(results.map((r) => r.statusCode).sort(), [302, 400]);
      const loser = results.find((r) => r.statusCode === 400);
      const message = errorTexts(loser?.body ?? '')[0];
      assert.ok(message === words('en', 'staff:actions.errors.changedMeanwhile') || message === words('en', 'staff:actions.errors.notAllowed'), message);
      const events = await eventsOfCase(t, row.id);
      return { events, emails: (await outbox(t)).length - emails, files: storedFiles(t).length - files };
    };

    const same = await race(await newCase(5), ['decision_to_assess', {}], ['decision_to_assess', {}]);
    assert.deepEqual(
      same.events.map((e) => e.type),
      ['received', 'decision_to_assess'],
    );
    assert.equal(same.emails, 2, 'the parents are emailed once');

    const different = await race(await newCase(5), ['decision_to_assess', {}], ['decision_not_to_assess', { reasons: 'No.' }]);
    assert.equal(different.events.length, 2);

    const inAssessment = await newCase(20);
    await actOk(t, staff.client, inAssessment.id, 'decision_to_assess');
    const drafts = await race(inAssessment, ['draft_plan_issued', { pdf: true }], ['draft_plan_issued', { pdf: true }]);
    assert.deepEqual(
      drafts.events.map((e) => e.type),
      ['received', 'decision_to_assess', 'draft_plan_issued'],
    );
    assert.equal((await caseDocuments(t, inAssessment.id)).length, 1);
    assert.equal(drafts.files, 1, "the loser's file is not left behind");
    assert.equal((await caseAuditRows(t, inAssessment.id)).filter((a) => a.action === 'case.draft_plan_issued').length, 1);
  });
});
