import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type AccountsTestApp,
  auditActions,
  clientWithCookie,
  codeIn,
  comparable,
  createAccountsTestApp,
  createCitizen,
  locationOf,
  MINUTE,
  SECOND,
  setCookies,
  submitPassword,
  uniqueEmail,
} from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';

const GENERIC = 'Enter a correct email address and password. After 5 wrong attempts an account is locked for 15 minutes';
const CODE_SUBJECT = 'Your Citizen Portal security code';

describeEachDatabase('login', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
  });
  after(() => t.close());

  test('the form is checked: empty answers get 400 and an error summary', async () => {
    const client = new Client(t.app);
    await client.get('/login');
    const res = await client.post('/login', { email: '', password: '' });
    assert.equal(res.statusCode, 400);
    const text = textOf(res.body);
    assert.ok(text.includes('There is a problem'));
    assert.ok(text.includes('Enter your email address'));
    assert.ok(text.includes('Enter your password'));
  });

  test('a wrong password and an unknown email get the identical generic answer', async () => {
    const person = await createCitizen(t);
    const unknown = person.email.replace('citizen', 'nobodyy');
    assert.equal(unknown.length, person.email.length);
    const wrong = await submitPassword(new Client(t.app), person.email, 'Not-the-right-password-1');
    const nobody = await submitPassword(new Client(t.app), unknown, 'Not-the-right-password-1');
    assert.equal(wrong.statusCode, 400);
    assert.equal(nobody.statusCode, wrong.statusCode);
    assert.ok(textOf(wrong.body).includes(GENERIC));
    assert.equal(comparable(wrong.body, person.email), comparable(nobody.body, unknown));
    assert.deepEqual(setCookies(wrong).map((c) => c.split('=')[0]), setCookies(nobody).map((c) => c.split('=')[0]), 'the same cookies are set');
    assert.ok((await auditActions(t, person.id)).includes('login.failed'));
  });

  test('an unconfirmed account is told to confirm its address and offered a new link', async () => {
    const person = await createCitizen(t, { confirmed: false });
    await t.mail.readAll(person.email);
    const client = new Client(t.app);
    const wrong = await submitPassword(client, person.email, 'Not-the-right-password-1');
    assert.equal(wrong.statusCode, 400, 'a wrong password learns nothing about the account');
    assert.ok(textOf(wrong.body).includes(GENERIC));

    const res = await submitPassword(client, person.email, person.password);
    assert.equal(res.statusCode, 200);
    const text = textOf(res.body);
    assert.ok(text.includes('Confirm your email address first'));
    assert.ok(text.includes(person.email));
    assert.match(res.body, /<form method="post" action="\/register\/resend"/);
    assert.equal((await client.get('/account')).statusCode, 302, 'not signed in');

    const resent = await client.post('/register/resend');
    assert.equal(resent.statusCode, 302);
    assert.equal(locationOf(resent), '/register/check-email');
    const mail = await t.mail.receive(person.email, 'Complete your Citizen Portal registration');
    const confirmed = await client.get(mail.text.match(/http:\/\/localhost:3000(\/\S+)/)?.[1] ?? '');
    assert.equal(confirmed.statusCode, 302);
  });

  test('5 wrong passwords lock the account for 15 minutes and tell its owner; the right password is refused meanwhile and works after', async () => {
    const person = await createCitizen(t, { firstName: 'Lock' });
    await t.mail.readAll(person.email);
    const client = new Client(t.app);
    for (let i = 1; i <= 4; i++) {
      const res = await submitPassword(client, person.email, `Wrong-password-${i}`);
      assert.equal(res.statusCode, 400);
    }
    assert.deepEqual(await t.mail.unread(person.email), [], 'not locked after 4');
    assert.equal((await t.app.accounts.findByEmail(person.email))?.locked_until, null);
    const fifth = await submitPassword(client, person.email, 'Wrong-password-5');
    assert.equal(fifth.statusCode, 400);
    const mail = await t.mail.receive(person.email, 'Your Citizen Portal account has been locked');
    assert.ok(mail.text.includes('15 minutes'));

    const during = await submitPassword(client, person.email, person.password);
    assert.equal(during.statusCode, 400, 'the right password is refused while locked');
    assert.equal(comparable(during.body), comparable(fifth.body), 'with the same generic answer');
    t.clock.advance(14 * MINUTE);
    assert.equal((await submitPassword(client, person.email, person.password)).statusCode, 400, 'still locked at 14 minutes');
    t.clock.advance(MINUTE + SECOND);
    const afterLock = await submitPassword(client, person.email, person.password);
    assert.equal(afterLock.statusCode, 302, 'the right password works after 15 minutes');

    const actions = await auditActions(t, person.id);
    assert.equal(actions.filter((a) => a === 'login.failed').length, 4);
    assert.ok(actions.includes('login.locked'));
    assert.ok(actions.includes('login.refused_locked'));
    assert.ok(actions.includes('login.success'));
  });

  test('a successful password clears the count of failures', async () => {
    const person = await createCitizen(t);
    const client = new Client(t.app);
    for (let i = 1; i <= 4; i++) await submitPassword(client, person.email, `Wrong-password-${i}`);
    assert.equal((await submitPassword(new Client(t.app), person.email, person.password)).statusCode, 302);
    await submitPassword(client, person.email, 'Wrong-password-5');
    assert.equal((await t.app.accounts.findByEmail(person.email))?.locked_until, null);
  });

  test('sign-in with a code: the session cookie changes at the password step and again after the code; the CSRF cookie is rotated; old cookies are worthless', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const client = new Client(t.app);
    await client.get('/send'); // an anonymous session, as an attacker could plant
    const before = client.cookies.get('portal_session');
    assert.ok(before);
    await client.get('/login');
    const csrf1 = client.cookies.get('portal_csrf');
    assert.ok(csrf1);

    const password = await client.post('/login', { email: person.email, password: person.password });
    assert.equal(password.statusCode, 302);
    assert.equal(locationOf(password), '/login/code');
    const pending = client.cookies.get('portal_session');
    const csrf2 = client.cookies.get('portal_csrf');
    assert.ok(pending && csrf2);
    assert.notEqual(pending, before, 'new session id at the password step');
    assert.notEqual(csrf2, csrf1, 'new CSRF cookie at the password step');
    for (const line of setCookies(password).filter((c) => /^portal_(session|csrf)=/.test(c))) {
      assert.match(line, /; HttpOnly/i, line);
      assert.match(line, /; SameSite=Lax/i, line);
      assert.match(line, /; Path=\//i, line);
    }

    await client.get('/login/code');
    const code = codeIn(await t.mail.receive(person.email, CODE_SUBJECT));
    const done = await client.post('/login/code', { code });
    assert.equal(done.statusCode, 302);
    assert.equal(locationOf(done), '/send', 'back where the person was going');
    const signedInCookie = client.cookies.get('portal_session');
    assert.ok(signedInCookie);
    assert.notEqual(signedInCookie, pending, 'new session id after the code');
    assert.notEqual(client.cookies.get('portal_csrf'), csrf2, 'new CSRF cookie after the code');

    assert.equal((await client.get('/account')).statusCode, 200);
    for (const old of [before, pending]) {
      const res = await clientWithCookie(t, 'portal_session', old).get('/account');
      assert.equal(res.statusCode, 302, 'an old session cookie does not sign in');
    }
    const actions = await auditActions(t, person.id);
    assert.ok(actions.includes('login.password_ok'));
    assert.ok(actions.includes('login.success'));
  });

  test('a password-only sign-in (no two-step yet) also gets a new session and CSRF cookie', async () => {
    const person = await createCitizen(t);
    const client = new Client(t.app);
    await client.get('/send');
    await client.get('/login');
    const before = client.cookies.get('portal_session');
    const csrf = client.cookies.get('portal_csrf');
    const res = await client.post('/login', { email: person.email, password: person.password });
    assert.equal(res.statusCode, 302);
    assert.notEqual(client.cookies.get('portal_session'), before);
    assert.notEqual(client.cookies.get('portal_csrf'), csrf);
    assert.equal((await client.get('/account')).statusCode, 200);
  });

  test('a signed-in person who logs in as someone else at the password step does not stay signed in as themselves', async () => {
    const first = await createCitizen(t, { firstName: 'First' });
    const second = await createCitizen(t, { firstName: 'Second', twoStep: 'email' });
    const client = new Client(t.app);
    assert.equal((await submitPassword(client, first.email, first.password)).statusCode, 302);
    assert.equal((await client.get('/account')).statusCode, 200);
    await client.get('/');
    const res = await client.post('/login', { email: second.email, password: second.password });
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), '/login/code');
    const account = await client.get('/account');
    assert.equal(account.statusCode, 302, 'part-way through signing in as someone else is not signed in');
  });

  test('an email address is matched whatever its case and surrounding spaces', async () => {
    const person = await createCitizen(t, { email: uniqueEmail('Mixed') });
    const res = await submitPassword(new Client(t.app), `  ${person.email.toUpperCase()} `, person.password);
    assert.equal(res.statusCode, 302);
  });
});
