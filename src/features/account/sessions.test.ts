import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type AccountsTestApp,
  auditActions,
  clientWithCookie,
  createAccountsTestApp,
  createCitizen,
  locationOf,
  MINUTE,
  SECOND,
  setCookies,
  signedIn,
  signIn,
  submitPassword,
} from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';

describeEachDatabase('sessions', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
  });
  after(() => t.close());

  test('30 minutes without activity ends the session: the next /account goes to /signed-out, which says so', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const client = await signedIn(t, person);
    t.clock.advance(29 * MINUTE);
    assert.equal((await client.get('/account')).statusCode, 200, 'still signed in after 29 minutes');
    t.clock.advance(30 * MINUTE + SECOND);
    const res = await client.get('/account');
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), '/signed-out');
    const page = await client.get('/signed-out');
    assert.equal(page.statusCode, 200);
    assert.ok(textOf(page.body).includes('You have been signed out'));
    assert.equal((await client.get('/account')).statusCode, 302, 'and stays signed out');
  });

  test('12 hours is the most a session lasts, even with activity every 20 minutes', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const client = await signedIn(t, person);
    for (let i = 1; i <= 35; i++) {
      t.clock.advance(20 * MINUTE);
      const res = await client.get('/account');
      assert.equal(res.statusCode, 200, `still signed in after ${i * 20} minutes`);
    }
    t.clock.advance(20 * MINUTE + SECOND); // 12 hours and a second after sign-in
    const res = await client.get('/account');
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), '/signed-out');
  });

  test('logout ends the session: the old cookie no longer works', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const client = await signedIn(t, person);
    const page = await client.get('/account');
    assert.match(page.body, /<form method="post" action="\/logout"/);
    const cookie = client.cookies.get('portal_session');
    assert.ok(cookie);
    const out = await client.post('/logout');
    assert.equal(out.statusCode, 302);
    assert.equal(locationOf(out), '/signed-out?reason=logout');
    assert.ok(setCookies(out).some((c) => /^portal_session=;/.test(c)), 'the cookie is cleared');
    const said = await client.get('/signed-out?reason=logout');
    assert.ok(textOf(said.body).includes('You have logged out'));
    assert.equal((await client.get('/account')).statusCode, 302);

    const replay = await clientWithCookie(t, 'portal_session', cookie).get('/account');
    assert.equal(replay.statusCode, 302, 'the old cookie does not sign in');
    assert.match(locationOf(replay), /^\/(signed-out|login)/);
    assert.ok((await auditActions(t, person.id)).includes('logout'));
  });

  test('the logout page asks before logging out', async () => {
    const person = await createCitizen(t);
    const client = await signedIn(t, person);
    const page = await client.get('/logout');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /action="\/logout"/);
    assert.equal((await client.get('/account')).statusCode, 200, 'a GET does not log out');
  });

  test('session and CSRF cookies are HttpOnly and SameSite=Lax; not Secure outside production', async () => {
    const person = await createCitizen(t);
    const client = new Client(t.app);
    const page = await client.get('/login');
    const csrf = setCookies(page).find((c) => c.startsWith('portal_csrf='));
    assert.ok(csrf);
    const res = await client.post('/login', { email: person.email, password: person.password });
    const session = setCookies(res).find((c) => c.startsWith('portal_session='));
    assert.ok(session);
    for (const line of [csrf, session]) {
      assert.match(line, /; HttpOnly/i);
      assert.match(line, /; SameSite=Lax/i);
      assert.match(line, /; Path=\//i);
      assert.doesNotMatch(line, /; Secure/i);
    }
  });

  describe('in production', () => {
    let prod: AccountsTestApp;
    before(async () => {
      prod = await createAccountsTestApp(kind, {
        env: { NODE_ENV: 'production', SESSION_SECRET: 'production-secret-production-secret-0123456789', BASE_URL: 'https://portal.example.gov.uk' },
      });
    });
    after(() => prod.close());

    test('cookies are Secure, HttpOnly, SameSite=Lax and carry the __Host- prefix (no Domain, Path=/)', async () => {
      const person = await createCitizen(prod, { twoStep: 'email' });
      const client = new Client(prod.app);
      const page = await client.get('/login');
      const csrf = setCookies(page).find((c) => c.startsWith('__Host-portal_csrf='));
      assert.ok(csrf, `CSRF cookie: ${setCookies(page).join(' | ')}`);
      const res = await client.post('/login', { email: person.email, password: person.password });
      assert.equal(res.statusCode, 302);
      const session = setCookies(res).find((c) => c.startsWith('__Host-portal_session='));
      assert.ok(session, `session cookie: ${setCookies(res).join(' | ')}`);
      for (const line of [csrf, session]) {
        assert.match(line, /; Secure/i, line);
        assert.match(line, /; HttpOnly/i, line);
        assert.match(line, /; SameSite=Lax/i, line);
        assert.match(line, /; Path=\/(;|$)/i, line);
        assert.doesNotMatch(line, /; Domain=/i, line);
      }
      assert.ok(!setCookies(res).some((c) => /^portal_(session|csrf)=/.test(c)), 'no unprefixed cookies');
      // The whole sign-in works with the prefixed cookies.
      const done = await signIn(prod, new Client(prod.app), person);
      assert.equal(done.statusCode, 302);
    });

    test('a wrong password is refused the same way in production', async () => {
      const person = await createCitizen(prod);
      const res = await submitPassword(new Client(prod.app), person.email, 'Not-the-password-9');
      assert.equal(res.statusCode, 400);
    });
  });
});
