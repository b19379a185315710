import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, createStaff, locationOf, signedIn, submitPassword, uniqueEmail } from '../../../test/support/accounts.js';
import { Client, csrfFrom } from '../../../test/support/app.js';
import { act, caseById, eventsOfCase, h1, linksTo, seedCase, staffMember } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { moveClockToTenthOfJanuary, words } from '../../../test/support/send.js';
import type { CaseRow } from './repo.js';

describeEachDatabase('cases: who may use the back office', (kind) => {
  let t: AccountsTestApp;
  let row: CaseRow;
  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    const parent = await createCitizen(t, { twoStep: 'email' });
    row = await caseById(t, (await seedCase(t, { adults: [parent] })).id);
  });
  after(() => t.close());

  const pages = () => ['/staff', `/staff/cases/${row.id}`, `/staff/cases/${row.id}/audit`, `/staff/cases/${row.id}/letters/${row.id}`, '/staff/dashboard', `/staff/documents/${row.id}`];
  const refusalsOf = async (actorId: string) =>
    (await t.app.db.selectFrom('audit_events').select(['subject_type', 'subject_id']).where('action', '=', 'access.refused').where('actor_id', '=', actorId).orderBy('id').execute()).map((r) => r.subject_id);
  const unchanged = async () => {
    assert.deepEqual(await caseById(t, row.id), row, 'the case did not change');
    assert.deepEqual(
      (await eventsOfCase(t, row.id)).map((e) => e.type),
      ['received'],
    );
    assert.equal((await t.app.db.selectFrom('case_notes').select('id').execute()).length, 0, 'no note');
  };

  test('anonymous people are sent to sign in from every back-office page, and the action form changes nothing', async () => {
    for (const url of pages()) {
      const res = await new Client(t.app).get(url);
      assert.equal(res.statusCode, 302, url);
      assert.equal(locationOf(res), '/login', url);
    }
    // A browser that has opened a page of the site holds the CSRF cookie and a token, but no session.
    const anonymous = new Client(t.app);
    await anonymous.get('/login');
    const res = await act(t, anonymous, row.id, 'decision_to_assess', { csrf: csrfFrom(anonymous.lastHtml) });
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), '/login');
    await unchanged();
  });

  test('a citizen (even with email two-step) and a professional get 403 on every back-office page and form, each refusal audited', async () => {
    const citizen = await createCitizen(t, { twoStep: 'email' });
    const professional = await createStaff(t, 'professional', { twoStep: 'email' });
    for (const person of [citizen, professional]) {
      const client = await signedIn(t, person);
      for (const url of pages()) {
        const res = await client.get(url);
        assert.equal(res.statusCode, 403, `${url} as ${person.email}`);
        assert.equal(h1(res.body), words('en', 'errors:forbidden.title'));
      }
      // A valid CSRF token (from a page they may open), so that the refusal is the role's, not the token's.
      assert.equal((await client.get('/account')).statusCode, 200);
      assert.ok(client.lastHtml.includes('name="_csrf"'));
      for (const [path, form] of [
        ['notes', { note: 'Sneaky note' }],
        ['assign', { assignee: person.id }],
        ['exceptions', { exceptionType: 'exceptional_personal_circumstances', reason: 'x', 'from-day': '10', 'from-month': '1', 'from-year': '2030' }],
      ] as const) {
        const res = await client.post(`/staff/cases/${row.id}/${path}`, form);
        assert.equal(res.statusCode, 403, `${path} as ${person.email}`);
        assert.equal(h1(res.body), words('en', 'errors:forbidden.title'));
      }
      await client.get('/account');
      const token = client.lastHtml.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? null;
      const res = await act(t, client, row.id, 'decision_to_assess', { csrf: token });
      assert.equal(res.statusCode, 403, `actions as ${person.email}`);
      assert.deepEqual(await refusalsOf(person.id), [
        '/staff',
        '/staff/cases/:id',
        '/staff/cases/:id/audit',
        '/staff/cases/:id/letters/:eventId',
        '/staff/dashboard',
        '/staff/documents/:docId',
        '/staff/cases/:id/notes',
        '/staff/cases/:id/assign',
        '/staff/cases/:id/exceptions',
        '/staff/cases/:id/actions',
      ]);
    }
    await unchanged();
  });

  test('a caseworker works the queue but gets 403 on the dashboard and on staff accounts (audited), and cannot invite staff', async () => {
    const { person, client } = await staffMember(t, 'caseworker');
    const queue = await client.get('/staff');
    assert.equal(queue.statusCode, 200);
    assert.deepEqual(
      linksTo(queue.body, '/staff/dashboard'),
      [],
      'no link to the dashboard for a caseworker',
    );
    assert.equal((await client.get(`/staff/cases/${row.id}`)).statusCode, 200);
    for (const url of ['/staff/dashboard', '/admin/staff']) {
      const res = await client.get(url);
      assert.equal(res.statusCode, 403, url);
      assert.equal(h1(res.body), words('en', 'errors:forbidden.title'));
    }
    await client.get('/staff');
    const email = uniqueEmail('invited-by-caseworker');
    const invite = await client.post('/admin/staff/invite', { firstName: 'Ima', lastName: 'Sneak', email, role: 'admin' });
    assert.equal(invite.statusCode, 403);
    assert.equal(await t.app.accounts.findByEmail(email), undefined, 'nobody was invited');
    assert.deepEqual(await refusalsOf(person.id), ['/staff/dashboard', '/admin/staff', '/admin/staff/invite']);
  });

  test('a manager sees the dashboard but not staff accounts; an administrator sees both', async () => {
    const manager = await staffMember(t, 'manager');
    const queue = await manager.client.get('/staff');
    assert.equal(linksTo(queue.body, '/staff/dashboard').length, 1);
    assert.equal((await manager.client.get('/staff/dashboard')).statusCode, 200);
    assert.equal((await manager.client.get('/admin/staff')).statusCode, 403);
    const admin = await staffMember(t, 'admin');
    assert.equal((await admin.client.get('/staff/dashboard')).statusCode, 200);
    assert.equal((await admin.client.get('/admin/staff')).statusCode, 200);
    assert.equal((await admin.client.get(`/staff/cases/${row.id}`)).statusCode, 200);
  });

  test('staff without two-step verification are sent to set it up, from every page and from the action form', async () => {
    for (const role of ['caseworker', 'manager'] as const) {
      const person = await createStaff(t, role);
      const client = new Client(t.app);
      const login = await submitPassword(client, person.email, person.password);
      assert.equal(locationOf(login), '/account/two-step-verification');
      for (const url of ['/staff', `/staff/cases/${row.id}`, '/staff/dashboard']) {
        const res = await client.get(url);
        assert.equal(res.statusCode, 302, url);
        assert.equal(locationOf(res), '/account/two-step-verification', url);
      }
      await client.get('/account/two-step-verification');
      const token = client.lastHtml.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? null;
      const res = await act(t, client, row.id, 'decision_to_assess', { csrf: token });
      assert.equal(res.statusCode, 302);
      assert.equal(locationOf(res), '/account/two-step-verification');
    }
    await unchanged();
  });
});
