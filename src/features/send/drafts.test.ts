import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, linkIn, locationOf, MINUTE } from '../../../test/support/accounts.js';
import { textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { casesOf, documentRows, familyWithRequest, fillRequest, PDF, PNG, requestRow, saveSection, signedInAs, storedFiles, submitRequest, uploadTo, words } from '../../../test/support/send.js';

const DAY = 24 * 60 * MINUTE;

describeEachDatabase('SEND: draft requests', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
  });
  after(() => t.close());

  test('a draft left for 28 days gets one reminder, and one more after each further quiet spell', async () => {
    // An app of its own: reminders go out for every draft in the database.
    const r = await createAccountsTestApp(kind);
    try {
      const welsh = await createCitizen(r, { twoStep: 'email', lang: 'cy' });
      const family = await familyWithRequest(r, { complete: false, child: { firstName: 'Nia' } });
      const other = await familyWithRequest(r, { person: welsh, complete: false });
      await saveSection(family.client, family.requestId, 'child', { diagnoses: 'Started' }, 'later');
      const reminders = async (to: string) => (await r.mail.all(to)).filter((e) => e.template === 'draftReminder');

      r.clock.advance(27 * DAY);
      assert.equal(await r.app.send.remindStaleDrafts(), 0, '27 days: none');
      r.clock.advance(DAY + MINUTE);
      assert.equal(await r.app.send.remindStaleDrafts(), 2, '28 days and a minute: one each');
      const [reminder] = await reminders(family.person.email);
      assert.equal(reminder?.subject, words('en', 'emails:draftReminder.subject'));
      assert.equal(linkIn(reminder!), `/send/requests/${family.requestId}`);
      assert.ok(reminder?.text.includes('Nia'));
      const [welshReminder] = await reminders(welsh.email);
      assert.equal(welshReminder?.subject, words('cy', 'emails:draftReminder.subject'));
      assert.equal(welshReminder?.lang, 'cy');

      assert.equal(await r.app.send.remindStaleDrafts(), 0, 'running again: none');
      r.clock.advance(30 * DAY);
      assert.equal(await r.app.send.remindStaleDrafts(), 0, 'still none while nothing changes');
      assert.equal((await reminders(family.person.email)).length, 1);

      // Saving again starts a new quiet spell.
      const again = await signedInAs(r, family.person);
      await saveSection(again, family.requestId, 'you', { phone: '01632 960 001' }, 'later');
      r.clock.advance(28 * DAY - MINUTE);
      assert.equal(await r.app.send.remindStaleDrafts(), 0);
      r.clock.advance(2 * MINUTE);
      assert.equal(await r.app.send.remindStaleDrafts(), 1);
      assert.equal((await reminders(family.person.email)).length, 2);
      assert.equal((await reminders(welsh.email)).length, 1);

      // Two runs at once (two web processes each with a worker) still send one reminder.
      const second = await signedInAs(r, family.person);
      await saveSection(second, family.requestId, 'views', { parentViews: 'Safe and happy' }, 'later');
      r.clock.advance(28 * DAY + MINUTE);
      await Promise.all([r.app.send.remindStaleDrafts(), r.app.send.remindStaleDrafts(), r.app.send.remindStaleDrafts()]);
      assert.equal((await reminders(family.person.email)).length, 3, 'one reminder for the third quiet spell');

      // A sent request is never reminded about.
      const sender = await signedInAs(r, welsh);
      await fillRequest(sender, other.requestId);
      await submitRequest(sender, other.requestId);
      r.clock.advance(60 * DAY);
      await r.app.send.remindStaleDrafts();
      assert.equal((await reminders(welsh.email)).length, 1);
    } finally {
      await r.close();
    }
  });

  test('deleting a draft removes it, its documents and their files', async () => {
    const family = await familyWithRequest(t, { complete: false });
    await saveSection(family.client, family.requestId, 'child', { diagnoses: 'x' }, 'later');
    await uploadTo(t, family.client, family.requestId, { name: 'one.pdf', type: 'application/pdf', data: PDF });
    await uploadTo(t, family.client, family.requestId, { name: 'two.png', type: 'image/png', data: PNG });
    const mine = (await documentRows(t)).filter((d) => d.owner_id === family.requestId);
    assert.equal(mine.length, 2);
    const otherDocs = (await documentRows(t)).filter((d) => d.owner_id !== family.requestId);

    const confirm = await family.client.get(`/send/requests/${family.requestId}/delete`);
    assert.equal(confirm.statusCode, 200);
    assert.ok(textOf(confirm.body).includes(words('en', 'request:delete.title')));
    const res = await family.client.post(`/send/requests/${family.requestId}/delete`);
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), '/send');
    const home = textOf((await family.client.get('/send')).body);
    assert.ok(home.includes(words('en', 'request:delete.done')));
    assert.ok(home.includes(words('en', 'send:home.requestAssessment')), 'a new request can be started');

    assert.equal(await requestRow(t, family.requestId), undefined);
    assert.deepEqual(
      (await documentRows(t)).filter((d) => d.owner_id === family.requestId),
      [],
    );
    const files = storedFiles(t);
    for (const d of mine) assert.ok(!files.includes(d.storage_key), 'file removed');
    for (const d of otherDocs) assert.ok(files.includes(d.storage_key), 'other files kept');
    assert.equal((await family.client.get(`/send/requests/${family.requestId}`)).statusCode, 404);
    assert.equal((await family.client.get(`/send/documents/${mine[0]!.id}`)).statusCode, 404);
    const audit = await t.app.db.selectFrom('audit_events').select('actor_id').where('action', '=', 'request.draft_deleted').where('subject_id', '=', family.requestId).execute();
    assert.deepEqual(audit, [{ actor_id: family.person.id }]);
  });

  test('only drafts can be deleted', async () => {
    const family = await familyWithRequest(t);
    await uploadTo(t, family.client, family.requestId, { name: 'kept.pdf', type: 'application/pdf', data: PDF });
    await submitRequest(family.client, family.requestId);
    const [caseRow] = await casesOf(t, family.requestId);
    assert.ok(caseRow);
    const filesBefore = storedFiles(t);
    const docsBefore = await documentRows(t);

    const confirmation = `/send/requests/${family.requestId}/confirmation`;
    assert.equal(locationOf(await family.client.get(`/send/requests/${family.requestId}/delete`)), confirmation);
    await family.client.get('/send');
    const res = await family.client.post(`/send/requests/${family.requestId}/delete`);
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), confirmation);
    const home = textOf((await family.client.get('/send')).body);
    assert.ok(!home.includes(words('en', 'request:delete.done')), 'not told it was deleted');
    assert.ok(home.includes(caseRow.reference));

    assert.equal((await requestRow(t, family.requestId))?.status, 'submitted');
    assert.equal((await casesOf(t, family.requestId)).length, 1);
    assert.deepEqual(await documentRows(t), docsBefore);
    assert.deepEqual(storedFiles(t), filesBefore);
    const audit = await t.app.db.selectFrom('audit_events').select('id').where('action', '=', 'request.draft_deleted').where('subject_id', '=', family.requestId).execute();
    assert.equal(audit.length, 0);
  });
});
