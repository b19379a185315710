import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  type AccountsTestApp,
  createAccountsTestApp,
  createCitizen,
  createStaff,
  NEW_PASSWORD,
  signedIn,
  submitPassword,
  uniqueEmail,
} from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';

/** Every POST route of the app, read from Fastify's route tree. */
function postRoutes(app: FastifyInstance): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ method: 'POST', commonPrefix: false }).split('\n')) {
    const m = line.match(/^([│ ├└─]*)(\/\S*) \(POST\)/);
    if (!m || m[1] === undefined || !m[2]) continue;
    const depth = Math.max(0, m[1].length / 4 - 1);
    stack.length = depth;
    stack.push(m[2]);
    routes.push(stack.join(''));
  }
  return routes.sort();
}

describeEachDatabase('CSRF protection of the account and admin forms', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
  });
  after(() => t.close());

  test('every POST route refuses a form without a CSRF token (403), even from a signed-in browser, and changes nothing', async () => {
    const citizen = await createCitizen(t, { twoStep: 'email', firstName: 'Original' });
    const admin = await createStaff(t, 'admin', { twoStep: 'email' });
    const target = await createStaff(t, 'caseworker');
    await t.mail.readAll(citizen.email);
    const citizenClient = await signedIn(t, citizen);
    const adminClient = await signedIn(t, admin);
    await citizenClient.get('/account');
    await adminClient.get('/admin/staff');
    const attacker = uniqueEmail('attacker');
    const newcomer = uniqueEmail('newcomer');

    const bodies: Record<string, Record<string, string>> = {
      '/register': { firstName: 'A', lastName: 'B', email: newcomer, password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD, terms: 'yes' },
      '/register/resend': {},
      '/confirm-email/new-link': { email: citizen.email },
      '/login': { email: citizen.email, password: citizen.password },
      '/login/code': { code: '123456' },
      '/login/code/resend': {},
      '/logout': {},
      '/forgotten-password': { email: citizen.email },
      '/reset-password': { token: 'x', password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD },
      '/set-password': { token: 'x', password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD },
      '/account/name': { firstName: 'Changed', lastName: 'ByAttacker' },
      '/account/email': { email: attacker },
      '/account/password': { currentPassword: citizen.password, password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD },
      '/account/language': { lang: 'cy' },
      '/account/delete': { password: citizen.password },
      '/account/two-step-verification': { method: 'app' },
      '/account/two-step-verification/email': { code: '123456' },
      '/account/two-step-verification/email/resend': {},
      '/account/two-step-verification/app': { code: '123456' },
      '/admin/staff/invite': { firstName: 'Eve', lastName: 'Planted', email: attacker, role: 'admin' },
      '/admin/staff/:id': { action: 'disable' },
      '/send/children/new': { firstName: 'Planted' },
      '/send/children/accept': { token: 'x', relationship: 'father', parentalResponsibility: 'yes' },
      '/send/children/:childId/requests': {},
      '/send/children/:childId/share': { firstName: 'Eve', email: attacker },
      '/send/requests/:id/sections/:key': { detailsCorrect: 'yes' },
      '/send/requests/:id/documents': {},
      '/send/requests/:id/documents/:docId/delete': {},
      '/send/requests/:id/submit': {},
      '/send/requests/:id/delete': {},
      '/staff/cases/:id/actions': { action: 'decision_to_assess' },
      '/staff/cases/:id/notes': { note: 'planted' },
      '/staff/cases/:id/assign': { assignee: '' },
      '/staff/cases/:id/exceptions': { exceptionType: 'school_closure' },
      '/staff/cases/:id/advice': { role: 'health', name: 'Planted', organisation: 'X', email: attacker, asked: 'x' },
      '/staff/cases/:id/advice/:requestId/cancel': {},
      '/staff/cases/:id/advice/:requestId/reissue': { role: 'health', name: 'Planted', organisation: 'X', email: attacker, asked: 'x' },
      '/staff/cases/:id/advice/submissions/:submissionId/reviewed': {},
      '/staff/cases/:id/advice/submissions/:submissionId/shared': {},
      '/professional/accept': { token: 'x', firstName: 'Eve', lastName: 'Planted', password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD },
      '/professional/requests/:id': { needs: 'x', outcomes: 'x', provision: 'x', action: 'submit' },
      '/professional/requests/:id/attachments': {},
      '/send/cases/:reference/advice': { aboutMyChild: 'x', working: 'x', notWorking: 'x', views: 'x', aspirations: 'x' },
      '/send/cases/:reference/reports': {},
      '/staff/cases/:id/plan/compose': {},
      '/staff/cases/:id/plan/sections': { A: 'planted', action: 'issue' },
      '/staff/cases/:id/reviews/meeting': { 'meeting-day': '1', 'meeting-month': '1', 'meeting-year': '2026' },
      '/staff/cases/:id/reviews/decision': { decision: 'cease', reasons: 'planted' },
      '/send/cases/:reference/plan/:version/reply': { meeting: 'yes' },
    };
    const routes = postRoutes(t.app);
    assert.deepEqual(routes, Object.keys(bodies).sort(), 'every POST route of the app is in this test');

    for (const route of routes) {
      const client = route.startsWith('/admin') || route.startsWith('/staff') ? adminClient : citizenClient;
      const url = route.replace(':id', target.id);
      for (const [what, extra] of [
        ['no token', {}],
        ['an empty token', { _csrf: '' }],
      ] as const) {
        const form = { ...bodies[route], ...extra };
        const res = what === 'no token' ? await postWithoutToken(t, client, url, form) : await client.post(url, form);
        assert.equal(res.statusCode, 403, `${route} with ${what}`);
        assert.ok(textOf(res.body).includes('Your form could not be sent'), `${route} explains the refusal`);
      }
      // A browser with no cookies at all (a cross-site form) is refused too.
      const stranger = await new Client(t.app).post(url, { ...bodies[route] });
      assert.equal(stranger.statusCode, 403, `${route} from a stranger`);
    }

    // Nothing happened.
    const after = await t.app.accounts.findById(citizen.id);
    assert.equal(after?.first_name, 'Original');
    assert.equal(after?.lang, 'en');
    assert.equal(after?.two_step_method, 'email');
    assert.equal((await citizenClient.get('/account')).statusCode, 200, 'still signed in: no logout');
    assert.equal((await t.app.accounts.findById(target.id))?.disabled_at, null);
    assert.deepEqual(await t.app.db.selectFrom('children').select('id').execute(), [], 'no child was added');
    assert.deepEqual(await t.app.db.selectFrom('case_notes').select('id').execute(), [], 'no note was added');
    assert.equal(await t.app.accounts.findByEmail(attacker), undefined);
    assert.equal(await t.app.accounts.findByEmail(newcomer), undefined);
    assert.deepEqual(await t.mail.all(attacker), []);
    assert.deepEqual(await t.mail.unread(citizen.email, /Reset|Confirm|Complete/), []);
    assert.equal((await submitPassword(new Client(t.app), citizen.email, citizen.password)).statusCode, 302, 'password unchanged');

    // The same form with the page's token is accepted: the refusals above were about the token.
    await citizenClient.get('/account/name');
    const accepted = await citizenClient.post('/account/name', bodies['/account/name'] ?? {});
    assert.equal(accepted.statusCode, 302);
    assert.equal((await t.app.accounts.findById(citizen.id))?.first_name, 'Changed');
  });
});

/** Posts a form with the browser's cookies but without the `_csrf` field. */
async function postWithoutToken(t: AccountsTestApp, client: Client, url: string, form: Record<string, string>) {
  return t.app.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
}
