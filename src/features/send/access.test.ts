import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { type AccountsTestApp, comparable, createAccountsTestApp, createCitizen } from '../../../test/support/accounts.js';
import { type Client, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { type Family, familyWithRequest, PDF, postMultipart, refusals, SECTION_ANSWERS, SECTION_KEYS, storedFiles, uploadTo } from '../../../test/support/send.js';

describeEachDatabase('SEND: one family cannot reach another family’s child, request or documents', (kind) => {
  let t: AccountsTestApp;
  let first: Family;
  let second: Family;
  let firstDoc: string;
  let secondDoc: string;
  before(async () => {
    t = await createAccountsTestApp(kind);
    first = await familyWithRequest(t, { child: { firstName: 'Freya', lastName: 'First' } });
    await uploadTo(t, first.client, first.requestId, { name: 'freya.pdf', type: 'application/pdf', data: PDF });
    second = await familyWithRequest(t, { child: { firstName: 'Oscar', lastName: 'Other' }, complete: false });
    await uploadTo(t, second.client, second.requestId, { name: 'oscar.pdf', type: 'application/pdf', data: PDF });
    const docs = await t.app.db.selectFrom('documents').select(['id', 'filename']).execute();
    firstDoc = docs.find((d) => d.filename === 'freya.pdf')!.id;
    secondDoc = docs.find((d) => d.filename === 'oscar.pdf')!.id;
  });
  after(() => t.close());

  /** Everything stored about the first family: none of it may change. */
  async function firstFamilyState() {
    const db = t.app.db;
    return {
      child: await db.selectFrom('children').selectAll().where('id', '=', first.childId).execute(),
      links: await db.selectFrom('child_links').selectAll().where('child_id', '=', first.childId).execute(),
      invites: await db.selectFrom('child_invites').selectAll().where('child_id', '=', first.childId).execute(),
      requests: await db.selectFrom('assessment_requests').selectAll().where('child_id', '=', first.childId).execute(),
      cases: await db.selectFrom('cases').selectAll().where('child_id', '=', first.childId).execute(),
      documents: await db.selectFrom('documents').selectAll().where('owner_id', '=', first.requestId).execute(),
      files: storedFiles(t),
      outbox: (await db.selectFrom('outbox').select('id').execute()).length,
    };
  }

  test('the other parent gets "not found" on every route, and each refusal is audited', async () => {
    const before = await firstFamilyState();
    const { childId, requestId } = first;
    const other = second.client;
    const routes: [string, (c: Client) => Promise<LightMyRequestResponse>, 'child' | 'request' | 'document', string][] = [
      ['GET child', (c) => c.get(`/send/children/${childId}`), 'child', childId],
      ['GET share', (c) => c.get(`/send/children/${childId}/share`), 'child', childId],
      ['POST share', (c) => c.post(`/send/children/${childId}/share`, { firstName: 'Eve', email: 'eve@example.com' }), 'child', childId],
      ['POST start request', (c) => c.post(`/send/children/${childId}/requests`), 'child', childId],
      ['GET task list', (c) => c.get(`/send/requests/${requestId}`), 'request', requestId],
      ...SECTION_KEYS.flatMap((key): [string, (c: Client) => Promise<LightMyRequestResponse>, 'request', string][] => [
        [`GET section ${key}`, (c) => c.get(`/send/requests/${requestId}/sections/${key}`), 'request', requestId],
        [`POST section ${key}`, (c) => c.post(`/send/requests/${requestId}/sections/${key}`, { ...SECTION_ANSWERS[key], action: 'continue' }), 'request', requestId],
        [`POST section ${key} later`, (c) => c.post(`/send/requests/${requestId}/sections/${key}`, { diagnoses: 'changed', action: 'later' }), 'request', requestId],
      ]),
      ['GET check', (c) => c.get(`/send/requests/${requestId}/check`), 'request', requestId],
      ['POST submit', (c) => c.post(`/send/requests/${requestId}/submit`), 'request', requestId],
      ['GET confirmation', (c) => c.get(`/send/requests/${requestId}/confirmation`), 'request', requestId],
      ['GET delete', (c) => c.get(`/send/requests/${requestId}/delete`), 'request', requestId],
      ['POST delete', (c) => c.post(`/send/requests/${requestId}/delete`), 'request', requestId],
      ['POST upload', (c) => postMultipart(t, c, `/send/requests/${requestId}/documents`, { name: 'mine.pdf', type: 'application/pdf', data: PDF }), 'request', requestId],
      ['POST remove document', (c) => c.post(`/send/requests/${requestId}/documents/${firstDoc}/delete`), 'request', requestId],
      // Through their own request, the document is refused for itself.
      ['POST remove document via own request', (c) => c.post(`/send/requests/${second.requestId}/documents/${firstDoc}/delete`), 'document', firstDoc],
      ['GET document', (c) => c.get(`/send/documents/${firstDoc}`), 'document', firstDoc],
    ];
    // The page for a refusal is the page for something that does not exist (its language link aside).
    const page = (html: string) => comparable(html).replace(/href="[^"]*[?&]lng=cy"/g, 'href="LANGUAGE"');
    const notFound = page((await other.get('/send/children/00000000-0000-0000-0000-000000000000')).body);
    for (const [name, call, subjectType, subjectId] of routes) {
      await other.get('/send'); // a fresh page, so the form posts carry this person's valid CSRF token
      const count = (await refusals(t, second.person.id)).length;
      const res = await call(other);
      assert.equal(res.statusCode, 404, name);
      assert.equal(page(res.body), notFound, `${name}: the same page as for something that does not exist`);
      const after = await refusals(t, second.person.id);
      assert.equal(after.length, count + 1, `${name}: one refusal recorded`);
      assert.deepEqual(after.at(-1), { subject_type: subjectType, subject_id: subjectId }, name);
    }
    assert.deepEqual(await firstFamilyState(), before, 'nothing of the first family changed');
    const refused = await t.app.db.selectFrom('audit_events').select(['actor_id', 'ip']).where('action', '=', 'access.refused').where('subject_id', '=', childId).execute();
    assert.ok(refused.every((r) => r.actor_id === second.person.id && r.ip));
  });

  test('the first family can still use everything; the other family’s things stay theirs', async () => {
    assert.equal((await first.client.get(`/send/documents/${firstDoc}`)).statusCode, 200);
    assert.equal((await first.client.get(`/send/documents/${secondDoc}`)).statusCode, 404);
    assert.equal((await first.client.get(`/send/requests/${second.requestId}`)).statusCode, 404);
    assert.equal((await first.client.get(`/send/requests/${first.requestId}/check`)).statusCode, 200);
  });

  test('each parent sees only their own children on the home page', async () => {
    const firstHome = textOf((await first.client.get('/send')).body);
    assert.ok(firstHome.includes('Freya First'));
    assert.ok(!firstHome.includes('Oscar'));
    assert.ok(!first.client.lastHtml.includes(second.childId));
    const secondHome = textOf((await second.client.get('/send')).body);
    assert.ok(secondHome.includes('Oscar Other'));
    assert.ok(!secondHome.includes('Freya'));
    assert.ok(!second.client.lastHtml.includes(first.childId));
    // A third parent sees only theirs.
    const third = await familyWithRequest(t, { person: await createCitizen(t, { twoStep: 'email' }), child: { firstName: 'Tia' }, complete: false });
    const thirdHome = textOf((await third.client.get('/send')).body);
    assert.ok(thirdHome.includes('Tia') && !thirdHome.includes('Freya') && !thirdHome.includes('Oscar'));
  });
});
