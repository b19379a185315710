import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, locationOf } from '../../../test/support/accounts.js';
import { textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import {
  addChild,
  casesOf,
  documentRows,
  familyWithRequest,
  fillRequest,
  moveClockToTenthOfJanuary,
  PDF,
  postMultipart,
  requestRow,
  SECTION_ANSWERS,
  saveSection,
  shareChild,
  signedInAs,
  startRequest,
  storedFiles,
  submitRequest,
  todayOf,
  uploadTo,
  words,
} from '../../../test/support/send.js';
import { addDays } from '../../domain/dates.js';

const REFERENCE = /^EHC-\d{4}-\d{5}$/;

describeEachDatabase('SEND: sending a request', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
  });
  after(() => t.close());

  const submittedEmails = async (to: string) => (await t.mail.all(to)).filter((e) => e.template === 'requestSubmitted');

  test('sending creates one case with a reference and the statutory dates, a confirmation page, and an email to each adult in their language', async () => {
    const year = moveClockToTenthOfJanuary(t);
    const parent = await createCitizen(t, { twoStep: 'email', firstName: 'Alex' });
    const family = await familyWithRequest(t, { person: parent, child: { firstName: 'Sam' } });
    const welshParent = await createCitizen(t, { twoStep: 'email', firstName: 'Carys', lang: 'cy' });
    await shareChild(t, family.client, family.childId, welshParent);

    const res = await submitRequest(family.client, family.requestId);
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), `/send/requests/${family.requestId}/confirmation`);

    const cases = await casesOf(t, family.requestId);
    assert.equal(cases.length, 1);
    const row = cases[0]!;
    assert.match(row.reference, REFERENCE);
    assert.ok(row.reference.startsWith(`EHC-${year}-`));
    assert.equal(row.received_on, `${year}-01-10`);
    assert.equal(row.received_on, todayOf(t));
    assert.equal(row.decision_due_on, addDays(row.received_on, 42));
    assert.equal(row.final_plan_due_on, addDays(row.received_on, 140));
    assert.equal(row.decision_due_on, `${year}-02-21`);
    assert.equal(row.final_plan_due_on, `${year}-05-30`);
    assert.equal(row.child_id, family.childId);
    assert.equal(row.stage, 'received');
    const request = await requestRow(t, family.requestId);
    assert.equal(request?.status, 'submitted');
    assert.equal(request?.submitted_at, t.clock.now().toISOString());

    const page = await family.client.get(locationOf(res));
    assert.equal(page.statusCode, 200);
    const text = textOf(page.body);
    assert.ok(page.body.includes(`<strong data-testid="reference">${row.reference}</strong>`));
    for (const s of [`10 January ${year}`, `21 February ${year}`, `30 May ${year}`, words('en', 'request:confirmation.title')]) assert.ok(text.includes(s), s);

    const english = await submittedEmails(parent.email);
    assert.equal(english.length, 1);
    assert.equal(english[0]?.lang, 'en');
    assert.equal(english[0]?.subject, words('en', 'emails:requestSubmitted.subject', { reference: row.reference }));
    assert.ok(english[0]?.text.includes(`21 February ${year}`));
    assert.ok(english[0]?.text.includes(`30 May ${year}`));
    const welsh = await submittedEmails(welshParent.email);
    assert.equal(welsh.length, 1);
    assert.equal(welsh[0]?.lang, 'cy');
    assert.equal(welsh[0]?.subject, words('cy', 'emails:requestSubmitted.subject', { reference: row.reference }));
    const cyDate = new Intl.DateTimeFormat('cy-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
    assert.ok(welsh[0]?.text.includes(cyDate.format(Date.UTC(year, 1, 21))), 'the dates in Welsh');
    assert.ok(welsh[0]?.text.includes(row.reference));

    // The case is on the home page of both adults.
    for (const client of [family.client, await signedInAs(t, welshParent)]) assert.ok(textOf((await client.get('/send')).body).includes(row.reference));
    const audit = await t.app.db.selectFrom('audit_events').select(['subject_id', 'detail']).where('action', '=', 'request.submitted').where('actor_id', '=', parent.id).execute();
    assert.deepEqual(audit, [{ subject_id: row.id, detail: JSON.stringify({ reference: row.reference }) }]);
  });

  test('the date received is the date in the UK: 23:30 UTC on 30 June is 1 July', async () => {
    const now = t.clock.now();
    const year = now.getUTCFullYear() + 1;
    t.clock.advance(Date.UTC(year, 5, 30, 23, 30) - now.getTime());
    const family = await familyWithRequest(t);
    await submitRequest(family.client, family.requestId);
    const [row] = await casesOf(t, family.requestId);
    assert.equal(row?.received_on, `${year}-07-01`);
    assert.equal(row?.decision_due_on, `${year}-08-12`);
  });

  test('sending again (a second click, the back button, five at once) makes one case and one set of emails', async () => {
    const family = await familyWithRequest(t);
    const first = await submitRequest(family.client, family.requestId);
    const again = await family.client.post(`/send/requests/${family.requestId}/submit`);
    assert.equal(again.statusCode, 302);
    assert.equal(locationOf(again), locationOf(first));
    // Back to the check page (it now goes to the confirmation), then the form is sent again from the browser's copy.
    assert.equal(locationOf(await family.client.get(`/send/requests/${family.requestId}/check`)), `/send/requests/${family.requestId}/confirmation`);
    const back = await family.client.post(`/send/requests/${family.requestId}/submit`);
    assert.equal(locationOf(back), locationOf(first));
    assert.equal((await casesOf(t, family.requestId)).length, 1);
    assert.equal((await submittedEmails(family.person.email)).length, 1);

    const racing = await familyWithRequest(t);
    await racing.client.get(`/send/requests/${racing.requestId}/check`);
    const all = await Promise.all(Array.from({ length: 5 }, () => racing.client.post(`/send/requests/${racing.requestId}/submit`)));
    for (const r of all) {
      assert.equal(r.statusCode, 302);
      assert.equal(locationOf(r), `/send/requests/${racing.requestId}/confirmation`);
    }
    const cases = await casesOf(t, racing.requestId);
    assert.equal(cases.length, 1);
    assert.equal((await submittedEmails(racing.person.email)).length, 1);
    const events = await t.app.db.selectFrom('case_events').select('id').where('case_id', '=', cases[0]!.id).execute();
    assert.equal(events.length, 1);
    const audits = await t.app.db.selectFrom('audit_events').select('id').where('action', '=', 'request.submitted').where('subject_id', '=', cases[0]!.id).execute();
    assert.equal(audits.length, 1);
  });

  test('ten requests sent at the same moment get ten different, consecutive references', async () => {
    const parent = await createCitizen(t, { twoStep: 'email' });
    const client = await signedInAs(t, parent);
    const requests: string[] = [];
    for (let i = 0; i < 10; i++) {
      const childId = await addChild(t, client, { firstName: `Child${String.fromCharCode(65 + i)}` });
      const requestId = await startRequest(client, childId);
      await fillRequest(client, requestId);
      requests.push(requestId);
    }
    await client.get('/send');
    const results = await Promise.all(requests.map((id) => client.post(`/send/requests/${id}/submit`)));
    for (const [i, r] of results.entries()) assert.equal(locationOf(r), `/send/requests/${requests[i]}/confirmation`);
    const rows = await t.app.db.selectFrom('cases').select(['reference', 'request_id']).where('request_id', 'in', requests).execute();
    assert.equal(rows.length, 10);
    const numbers = rows.map((r) => Number(r.reference.slice(-5))).sort((a, b) => a - b);
    assert.equal(new Set(rows.map((r) => r.reference)).size, 10, 'distinct');
    assert.ok(rows.every((r) => REFERENCE.test(r.reference)));
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => numbers[0]! + i),
      'consecutive',
    );
    assert.equal((await submittedEmails(parent.email)).length, 10);
  });

  test('once sent, the request cannot be changed', async () => {
    const family = await familyWithRequest(t);
    await uploadTo(t, family.client, family.requestId, { name: 'report.pdf', type: 'application/pdf', data: PDF });
    const documentsPage = family.client.lastHtml;
    await submitRequest(family.client, family.requestId);
    const confirmation = `/send/requests/${family.requestId}/confirmation`;
    const answers = (await requestRow(t, family.requestId))?.answers;
    const files = storedFiles(t);
    const docs = await documentRows(t);

    for (const key of ['child', 'needs', 'declaration']) {
      const res = await family.client.post(`/send/requests/${family.requestId}/sections/${key}`, { ...SECTION_ANSWERS[key], diagnoses: 'Changed', signature: 'Someone Else', action: 'continue' });
      assert.equal(res.statusCode, 302, key);
      assert.equal(locationOf(res), confirmation);
      const later = await family.client.post(`/send/requests/${family.requestId}/sections/${key}`, { diagnoses: 'Changed', action: 'later' });
      assert.equal(locationOf(later), confirmation);
      assert.equal(locationOf(await family.client.get(`/send/requests/${family.requestId}/sections/${key}`)), confirmation);
    }
    for (const path of ['', '/check', '/delete']) assert.equal(locationOf(await family.client.get(`/send/requests/${family.requestId}${path}`)), confirmation, path || 'task list');
    assert.equal(locationOf(await family.client.post(`/send/requests/${family.requestId}/delete`)), confirmation);
    family.client.lastHtml = documentsPage;
    const upload = await postMultipart(t, family.client, `/send/requests/${family.requestId}/documents`, { name: 'late.pdf', type: 'application/pdf', data: PDF });
    assert.equal(locationOf(upload), confirmation);
    // Starting a request for the child again gives a new draft, not the sent one.
    const next = await startRequest(family.client, family.childId);
    assert.notEqual(next, family.requestId);

    const row = await requestRow(t, family.requestId);
    assert.equal(row?.answers, answers, 'answers unchanged');
    assert.equal(row?.status, 'submitted');
    assert.deepEqual(storedFiles(t), files, 'no file stored');
    assert.deepEqual(await documentRows(t), docs, 'no document added');
    assert.equal((await casesOf(t, family.requestId)).length, 1);
  });

  test('an account cannot be deleted while its child has an open case', async () => {
    const family = await familyWithRequest(t);
    const other = await createCitizen(t, { twoStep: 'email' });
    const otherClient = await shareChild(t, family.client, family.childId, other);
    await submitRequest(family.client, family.requestId);
    for (const [person, client] of [
      [family.person, family.client],
      [other, otherClient],
    ] as const) {
      const page = await client.get('/account/delete');
      assert.ok(textOf(page.body).includes(words('en', 'account:delete.openCase', { phone: t.config.senTeamPhone })));
      const res = await client.post('/account/delete', { password: person.password });
      assert.equal(res.statusCode, 400);
      assert.ok(textOf(res.body).includes(words('en', 'account:delete.openCase', { phone: t.config.senTeamPhone })));
      assert.ok(await t.app.accounts.findById(person.id), 'the account is still there');
      assert.equal((await client.get('/send')).statusCode, 200, 'still signed in');
    }
    // With only a draft, the account can go.
    const drafting = await familyWithRequest(t, { complete: false });
    await saveSection(drafting.client, drafting.requestId, 'child', { diagnoses: 'x' }, 'later');
    await drafting.client.get('/account/delete');
    const deleted = await drafting.client.post('/account/delete', { password: drafting.person.password });
    assert.equal(deleted.statusCode, 200);
    assert.equal(await t.app.accounts.findById(drafting.person.id), undefined);
  });
});
