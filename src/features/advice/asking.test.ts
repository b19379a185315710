import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adviceRows, askForAdvice, askForm, askOk, caseInAssessment, invitationLink } from '../../../test/support/advice.js';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, inputValue, locationOf } from '../../../test/support/accounts.js';
import { actOk, caseById, eventsOfCase, h1, seedCase, staffMember, timelineRows } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { assertFormErrors, checkedValues, moveClockToTenthOfJanuary, textareaValue, todayOf, words } from '../../../test/support/send.js';
import { addDays } from '../../domain/dates.js';
import { formatDate } from '../../platform/time.js';

const ROLES = ['educationalPsychologist', 'education', 'health'] as const;

describeEachDatabase('advice: a caseworker asks for advice', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
  });
  after(() => t.close());

  const requestsOf = (caseId: string) => t.app.db.selectFrom('advice_requests').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();

  test('three professionals asked in a few requests: each is emailed a link, due 6 weeks from today, listed on the case and on its timeline', async () => {
    const { caseRow, staff } = await caseInAssessment(t, { firstName: 'Robin', lastName: 'Hughes' });
    const today = todayOf(t);
    const due = addDays(today, 42);
    const forms = ROLES.map((role) => askForm(role));
    const rows = [];
    for (const form of forms) {
      const row = await askOk(t, staff.client, caseRow.id, form);
      assert.equal(row.role, form.role);
      assert.equal(row.requested_on, today);
      assert.equal(row.due_on, due, 'due 42 days from today');
      assert.equal(row.created_by, staff.person.id);
      assert.equal(row.professional_id, null);
      rows.push(row);
    }
    // The notice after the redirect names the last person asked.
    const page = await staff.client.get(`/staff/cases/${caseRow.id}`);
    assert.ok(page.body.includes(words('en', 'advice:request.sent', { name: forms[2]?.name ?? '' })));

    for (const [i, row] of rows.entries()) {
      const email = (await t.mail.unread(row.email)).at(-1);
      assert.ok(email, `an email to ${row.email}`);
      assert.equal(email.template, 'adviceRequested');
      assert.equal(email.subject, words('en', 'emails:adviceRequested.subject', { child: 'Robin Hughes', reference: caseRow.reference }));
      assert.ok(email.text.includes(formatDate(due, 'en')), 'the email gives the due date');
      assert.ok(email.text.includes(forms[i]?.asked ?? '-'), 'and what is asked');
      const link = await invitationLink(t, row.email);
      assert.match(link, /^\/professional\/accept\?token=[A-Za-z0-9_%-]{20,}$/);
    }

    // (Asked in the same instant of the test clock: the order among them is not fixed.)
    const byWho = (a: { who: string }, b: { who: string }) => a.who.localeCompare(b.who);
    assert.deepEqual(
      adviceRows(page.body).sort(byWho),
      forms.map((f) => ({ role: words('en', `advice:options.role.${f.role}`), who: `${f.name}, ${f.organisation}`, due: formatDate(due, 'en'), status: words('en', 'advice:status.open') })).sort(byWho),
    );
    const events = (await eventsOfCase(t, caseRow.id)).filter((e) => e.type === 'advice_requested');
    const byId = (a: { data: { relatedId: string } }, b: { data: { relatedId: string } }) => a.data.relatedId.localeCompare(b.data.relatedId);
    assert.deepEqual(
      events.map((e) => ({ on: e.on_date, actor: e.actor_id, data: JSON.parse(e.data ?? '{}') })).sort(byId),
      rows.map((r) => ({ on: today, actor: staff.person.id, data: { relatedId: r.id, role: r.role } })).sort(byId),
    );
    assert.equal((await caseById(t, caseRow.id)).advice_due_on, due);
    const advice = timelineRows(page.body).filter((r) => r.name === words('en', 'staff:milestones.advice'));
    assert.deepEqual(
      advice.map((r) => [r.due, r.status]),
      rows.map(() => [formatDate(due, 'en'), words('en', 'staff:states.due')]),
    );
    const audits = await t.app.db.selectFrom('audit_events').select(['action', 'actor_id']).where('subject_id', '=', caseRow.id).where('action', '=', 'advice.requested').execute();
    assert.equal(audits.length, 3);
  });

  test('the form is checked: 400, an error summary and inline messages, and the answers are kept; nothing is sent', async () => {
    const { caseRow, staff } = await caseInAssessment(t);
    const empty = await askForAdvice(staff.client, caseRow.id, {});
    assertFormErrors(empty, 'en', [
      { field: 'role', text: words('en', 'advice:fields.role.required') },
      { field: 'name', text: words('en', 'advice:fields.name.required') },
      { field: 'organisation', text: words('en', 'advice:fields.organisation.required') },
      { field: 'email', text: words('en', 'advice:fields.email.required') },
      { field: 'asked', text: words('en', 'advice:fields.asked.required') },
    ]);

    const form = askForm('health', { email: 'not-an-email', asked: 'Line one\nLine two' });
    const bad = await staff.client.post(`/staff/cases/${caseRow.id}/advice`, form);
    assertFormErrors(bad, 'en', [{ field: 'email', text: words('en', 'advice:fields.email.invalid') }]);
    assert.deepEqual(checkedValues(bad.body, 'role'), ['health']);
    assert.equal(inputValue(bad.body, 'name'), form.name);
    assert.equal(inputValue(bad.body, 'organisation'), form.organisation);
    assert.equal(inputValue(bad.body, 'email'), 'not-an-email');
    assert.equal(textareaValue(bad.body, 'asked'), 'Line one Line two');

    const unknownRole = await staff.client.post(`/staff/cases/${caseRow.id}/advice`, askForm('astrologer'));
    assert.equal(unknownRole.statusCode, 400);

    assert.deepEqual(await requestsOf(caseRow.id), []);
    assert.equal((await caseById(t, caseRow.id)).advice_due_on, null);
    assert.equal((await eventsOfCase(t, caseRow.id)).filter((e) => e.type === 'advice_requested').length, 0);
    assert.equal((await t.app.db.selectFrom('outbox').select('id').where('template', '=', 'adviceRequested').where('to_address', '=', form.email as string).execute()).length, 0);
  });

  test('asking is refused while the case is not being assessed: before the decision, and once a draft plan is issued', async () => {
    const staff = await staffMember(t, 'caseworker');
    const parent = await createCitizen(t, { twoStep: 'email' });
    const received = await seedCase(t, { adults: [parent] });
    const notNow = words('en', 'advice:request.notNow');

    const casePage = await staff.client.get(`/staff/cases/${received.id}`);
    assert.ok(!casePage.body.includes(`/staff/cases/${received.id}/advice/new`), 'no "Ask for advice" button');
    const form = await staff.client.get(`/staff/cases/${received.id}/advice/new`);
    assert.equal(form.statusCode, 200);
    assert.ok(form.body.includes(notNow));
    assert.ok(!form.body.includes(`action="/staff/cases/${received.id}/advice"`), 'no form');

    const ask = askForm('education');
    const refused = await staff.client.post(`/staff/cases/${received.id}/advice`, ask);
    assert.equal(refused.statusCode, 400);
    assert.equal(h1(refused.body), words('en', 'advice:request.title'));
    assert.ok(refused.body.includes(notNow));
    assert.deepEqual(await requestsOf(received.id), []);

    // Into assessment, then on to the draft plan: asking is over.
    await actOk(t, staff.client, received.id, 'decision_to_assess');
    await actOk(t, staff.client, received.id, 'draft_plan_issued', { pdf: true });
    await staff.client.get(`/staff/cases/${received.id}`);
    const late = await staff.client.post(`/staff/cases/${received.id}/advice`, ask);
    assert.equal(late.statusCode, 400);
    assert.ok(late.body.includes(notNow));
    assert.deepEqual(await requestsOf(received.id), []);
    assert.deepEqual(await t.mail.all(ask.email as string), []);
  });

  test('a request cannot be reissued once the case has moved on: the old request stays open and no one new is asked', async () => {
    const { caseRow, staff } = await caseInAssessment(t);
    const old = await askOk(t, staff.client, caseRow.id, askForm('education'));
    // The reissue form is opened while the case is being assessed ...
    const form = await staff.client.get(`/staff/cases/${caseRow.id}/advice/${old.id}/reissue`);
    assert.equal(form.statusCode, 200);
    // ... and sent after a colleague has issued the draft plan.
    const colleague = await staffMember(t, 'caseworker');
    await actOk(t, colleague.client, caseRow.id, 'draft_plan_issued', { pdf: true });
    const replacement = askForm('education');
    const res = await staff.client.post(`/staff/cases/${caseRow.id}/advice/${old.id}/reissue`, replacement);
    assert.equal(res.statusCode, 400);
    assert.ok(res.body.includes(words('en', 'advice:request.notNow')));
    assert.deepEqual(
      (await requestsOf(caseRow.id)).map((r) => [r.id, r.status]),
      [[old.id, 'open']],
    );
    assert.deepEqual(await t.mail.all(replacement.email as string), []);
  });

  test('an unknown case is a 404 for every advice form', async () => {
    const staff = await staffMember(t, 'caseworker');
    const missing = '00000000-0000-4000-8000-000000000000';
    assert.equal((await staff.client.get(`/staff/cases/${missing}/advice/new`)).statusCode, 404);
    await staff.client.get('/staff');
    const res = await staff.client.post(`/staff/cases/${missing}/advice`, askForm('health'));
    assert.equal(res.statusCode, 404);
    assert.equal(locationOf(res), '');
  });
});
