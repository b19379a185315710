import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type AccountsTestApp,
  appCode,
  auditActions,
  codeIn,
  createAccountsTestApp,
  createCitizen,
  locationOf,
  MINUTE,
  SECOND,
  signIn,
  signedIn,
  submitPassword,
  type TestPerson,
} from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { decryptSecret } from './secrets.js';

const CODE_SUBJECT = 'Your Citizen Portal security code';

describeEachDatabase('two-step verification', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
  });
  after(() => t.close());

  /** The password step; returns the client on the code page and the code emailed to the person. */
  async function passwordStep(person: TestPerson, client = new Client(t.app)) {
    const res = await submitPassword(client, person.email, person.password);
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), '/login/code');
    const page = await client.get('/login/code');
    assert.equal(page.statusCode, 200);
    return { client, page, code: codeIn(await t.mail.receive(person.email, CODE_SUBJECT)) };
  }

  function wrongCode(...avoid: string[]): string {
    for (let i = 0; ; i++) {
      const c = String((123456 + i * 111111) % 1_000_000).padStart(6, '0');
      if (!avoid.includes(c)) return c;
    }
  }

  test('the emailed code is 6 digits and is accepted with a space in it', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const { client, page, code } = await passwordStep(person);
    assert.ok(textOf(page.body).includes('Check your email for a security code'));
    assert.match(code, /^\d{6}$/);
    const stored = await t.app.db.selectFrom('two_step_codes').select('code_hash').where('user_id', '=', person.id).execute();
    assert.ok(stored.every((r) => !r.code_hash.includes(code)), 'the code is not stored as it is');
    const res = await client.post('/login/code', { code: `${code.slice(0, 3)} ${code.slice(3)}` });
    assert.equal(res.statusCode, 302);
    assert.equal((await client.get('/account')).statusCode, 200);
  });

  test('a wrong or empty code is refused with an error summary', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const { client, code } = await passwordStep(person);
    const empty = await client.post('/login/code', { code: '' });
    assert.equal(empty.statusCode, 400);
    assert.ok(textOf(empty.body).includes('There is a problem'));
    assert.ok(textOf(empty.body).includes('Enter the security code'));
    const wrong = await client.post('/login/code', { code: wrongCode(code) });
    assert.equal(wrong.statusCode, 400);
    assert.ok(textOf(wrong.body).includes('The security code is not correct'));
    assert.equal((await client.get('/account')).statusCode, 302, 'not signed in');
    assert.ok((await auditActions(t, person.id)).includes('two_step.failed'));
  });

  test('a code works once: used again after logout and login it is refused', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const first = await passwordStep(person);
    assert.equal((await first.client.post('/login/code', { code: first.code })).statusCode, 302);
    await first.client.get('/account');
    assert.equal((await first.client.post('/logout')).statusCode, 302);

    const second = await passwordStep(person, first.client);
    assert.notEqual(second.code, first.code);
    const reused = await second.client.post('/login/code', { code: first.code });
    assert.equal(reused.statusCode, 400);
    assert.ok(textOf(reused.body).includes('The security code is not correct'));
    assert.equal((await second.client.post('/login/code', { code: second.code })).statusCode, 302);
  });

  test('a used code stays used even when no newer code has replaced it', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const { client } = await passwordStep(person);
    let last = '';
    for (let n = 2; n <= 5; n++) {
      await client.post('/login/code/resend');
      await client.get('/login/code');
      last = codeIn(await t.mail.receive(person.email, CODE_SUBJECT));
    }
    assert.equal((await client.post('/login/code', { code: last })).statusCode, 302);
    await client.get('/account');
    await client.post('/logout');
    // The limit of 5 codes in 15 minutes is reached, so this login sends no new code.
    const res = await submitPassword(client, person.email, person.password);
    assert.equal(locationOf(res), '/login/code');
    await client.get('/login/code');
    assert.deepEqual(await t.mail.unread(person.email, CODE_SUBJECT), []);
    const reused = await client.post('/login/code', { code: last });
    assert.equal(reused.statusCode, 400, 'the used code is refused');
    assert.equal((await client.get('/account')).statusCode, 302);
  });

  test('a code expires after 15 minutes', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const inTime = await passwordStep(person);
    t.clock.advance(15 * MINUTE - SECOND);
    assert.equal((await inTime.client.post('/login/code', { code: inTime.code })).statusCode, 302, 'works just before 15 minutes');

    const late = await passwordStep(person);
    t.clock.advance(15 * MINUTE + SECOND);
    const res = await late.client.post('/login/code', { code: late.code });
    assert.equal(res.statusCode, 400);
    assert.ok(textOf(res.body).includes('The security code has expired'));
    assert.equal((await late.client.get('/account')).statusCode, 302);
  });

  test('5 wrong codes lock two-step verification for 15 minutes', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const { client, code } = await passwordStep(person);
    for (let i = 1; i <= 4; i++) {
      const res = await client.post('/login/code', { code: wrongCode(code) });
      assert.equal(res.statusCode, 400);
      assert.ok(textOf(res.body).includes('The security code is not correct'), `wrong code ${i}`);
    }
    const fifth = await client.post('/login/code', { code: wrongCode(code) });
    assert.equal(fifth.statusCode, 400);
    assert.ok(textOf(fifth.body).includes('Too many wrong codes'));
    assert.ok(textOf(fifth.body).includes('you cannot login for 15 minutes'));
    const gone = await client.get('/login/code');
    assert.equal(gone.statusCode, 302, 'the half-finished sign-in has ended');
    assert.equal(locationOf(gone), '/login');

    // Signing in again during the lock: even the right code is refused.
    const again = await passwordStep(person);
    const refused = await again.client.post('/login/code', { code: again.code });
    assert.equal(refused.statusCode, 400);
    assert.ok(textOf(refused.body).includes('Too many wrong codes'));
    assert.equal((await again.client.get('/account')).statusCode, 302);

    t.clock.advance(15 * MINUTE + SECOND);
    const later = await passwordStep(person);
    assert.equal((await later.client.post('/login/code', { code: later.code })).statusCode, 302, 'works after 15 minutes');
    const actions = await auditActions(t, person.id);
    assert.ok(actions.includes('two_step.locked'));
    assert.ok(actions.filter((a) => a === 'two_step.failed').length >= 4);
  });

  test('"Send a new code" is limited to 5 codes in 15 minutes, with a clear message; only the newest code works', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const { client, code: first } = await passwordStep(person);
    const resent = await client.post('/login/code/resend');
    assert.equal(resent.statusCode, 302);
    assert.equal(locationOf(resent), '/login/code');
    const page = await client.get('/login/code');
    assert.ok(textOf(page.body).includes('We have sent you a new code. Only the newest code works.'));
    const second = codeIn(await t.mail.receive(person.email, CODE_SUBJECT));
    const old = await client.post('/login/code', { code: first === second ? wrongCode(second) : first });
    assert.equal(old.statusCode, 400, 'the older code no longer works');

    let newest = second;
    for (let n = 3; n <= 5; n++) {
      assert.equal((await client.post('/login/code/resend')).statusCode, 302, `code ${n} is sent`);
      await client.get('/login/code');
      newest = codeIn(await t.mail.receive(person.email, CODE_SUBJECT));
    }
    const sixth = await client.post('/login/code/resend');
    assert.equal(sixth.statusCode, 429);
    assert.ok(textOf(sixth.body).includes('We have sent too many codes. Wait 15 minutes, then ask for a new code'));
    assert.deepEqual(await t.mail.unread(person.email, CODE_SUBJECT), [], 'no sixth code');
    assert.equal((await client.post('/login/code', { code: newest })).statusCode, 302, 'the newest code works');
  });

  test('authenticator app: set up from the key on the page; a wrong code is refused; login then asks for the app code; the secret is stored encrypted', async () => {
    const person = await createCitizen(t);
    const client = await signedIn(t, person);
    const choose = await client.get('/account/two-step-verification');
    assert.equal(choose.statusCode, 200);
    assert.ok(textOf(choose.body).includes('Authenticator app'));
    const chosen = await client.post('/account/two-step-verification', { method: 'app' });
    assert.equal(chosen.statusCode, 302);
    assert.equal(locationOf(chosen), '/account/two-step-verification/app');
    const setup = await client.get('/account/two-step-verification/app');
    assert.equal(setup.statusCode, 200);
    assert.match(setup.body, /<svg/, 'a QR code');
    const shown = setup.body.match(/data-testid="totp-secret">([^<]+)</)?.[1];
    assert.ok(shown);
    const secret = shown.replace(/\s+/g, '');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal((await t.app.accounts.findByEmail(person.email))?.two_step_method, null, 'not on before a code is proven');

    const now = t.clock.now();
    const valid = [-30, 0, 30].map((s) => appCode(secret, new Date(now.getTime() + s * SECOND)));
    const wrong = await client.post('/account/two-step-verification/app', { code: wrongCode(...valid) });
    assert.equal(wrong.statusCode, 400);
    assert.ok(textOf(wrong.body).includes('The security code is not correct'));
    assert.equal((await t.app.accounts.findByEmail(person.email))?.two_step_method, null);

    const ok = await client.post('/account/two-step-verification/app', { code: appCode(secret, t.clock.now()) });
    assert.equal(ok.statusCode, 302);
    const user = await t.app.accounts.findByEmail(person.email);
    assert.equal(user?.two_step_method, 'app');
    assert.ok(user?.totp_secret);
    assert.notEqual(user.totp_secret, secret);
    assert.ok(!user.totp_secret.includes(secret), 'the secret is not stored in plain');
    assert.equal(decryptSecret(t.config.sessionSecret, user.totp_secret), secret, 'it is encrypted, not lost');
    await t.mail.receive(person.email, 'Two step verification changed on your Citizen Portal account');
    assert.ok((await auditActions(t, person.id)).includes('two_step.method_set'));

    // The next login asks for the app's code, and emails none.
    await t.mail.readAll(person.email);
    t.clock.advance(MINUTE);
    const fresh = new Client(t.app);
    const res = await submitPassword(fresh, person.email, person.password);
    assert.equal(locationOf(res), '/login/code');
    const codePage = await fresh.get('/login/code');
    assert.ok(textOf(codePage.body).includes('Enter the code from your authenticator app'));
    assert.deepEqual(await t.mail.unread(person.email, CODE_SUBJECT), [], 'no code by email');
    const bad = await fresh.post('/login/code', { code: wrongCode(...[-30, 0, 30].map((s) => appCode(secret, new Date(t.clock.now().getTime() + s * SECOND)))) });
    assert.equal(bad.statusCode, 400);
    const used = appCode(secret, t.clock.now());
    const good = await fresh.post('/login/code', { code: used });
    assert.equal(good.statusCode, 302);
    assert.equal((await fresh.get('/account')).statusCode, 200);

    // A code that has signed in once is refused when it is entered again, even within its 30 seconds.
    t.clock.advance(10 * SECOND);
    const other = new Client(t.app);
    await submitPassword(other, person.email, person.password);
    await other.get('/login/code');
    const replayed = await other.post('/login/code', { code: used });
    assert.equal(replayed.statusCode, 400);
    assert.ok(textOf(replayed.body).includes('The security code is not correct'));
    t.clock.advance(30 * SECOND);
    const next = await other.post('/login/code', { code: appCode(secret, t.clock.now()) });
    assert.equal(next.statusCode, 302, 'the next code works');
  });

  test('the two-step choice is checked: no choice gets 400 and a summary', async () => {
    const person = await createCitizen(t);
    const client = await signedIn(t, person);
    await client.get('/account/two-step-verification');
    const res = await client.post('/account/two-step-verification', {});
    assert.equal(res.statusCode, 400);
    assert.ok(textOf(res.body).includes('There is a problem'));
    assert.ok(textOf(res.body).includes('Select how you want to get security codes'));
  });

  // ---- The SEND area ----------------------------------------------------------------------------

  test('SEND area: without email two-step a signed-in person is asked to turn it on, and is brought back to /send after', async () => {
    const person = await createCitizen(t);
    const client = await signedIn(t, person);
    const send = await client.get('/send');
    assert.equal(send.statusCode, 403);
    assert.ok(textOf(send.body).includes('This area requires two step verification'));
    assert.match(send.body, /<a href="\/account\/two-step-verification"[^>]*class="govuk-button"|class="govuk-button"[^>]*href="\/account\/two-step-verification"/);

    await client.get('/account/two-step-verification');
    const chosen = await client.post('/account/two-step-verification', { method: 'email' });
    assert.equal(locationOf(chosen), '/account/two-step-verification/email');
    await client.get('/account/two-step-verification/email');
    const code = codeIn(await t.mail.receive(person.email, CODE_SUBJECT));
    const on = await client.post('/account/two-step-verification/email', { code });
    assert.equal(on.statusCode, 302);
    assert.equal(locationOf(on), '/send', 'back to the SEND area');
    assert.equal((await client.get('/send')).statusCode, 200);
    assert.equal((await t.app.accounts.findByEmail(person.email))?.two_step_method, 'email');
    assert.ok((await auditActions(t, person.id)).includes('two_step.method_set'));
  });

  test('SEND area: a person using the authenticator app is told the area needs Email', async () => {
    const person = await createCitizen(t, { twoStep: 'app' });
    const client = await signedIn(t, person);
    assert.equal((await client.get('/account')).statusCode, 200, 'signed in with the app');
    const send = await client.get('/send');
    assert.equal(send.statusCode, 403);
    const text = textOf(send.body);
    assert.ok(text.includes('This area requires two step verification'));
    assert.ok(text.includes('two step verification by Email'));
  });

  test('SEND area: anonymous people are sent to login and, after the password and the code, land back on /send', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const client = new Client(t.app);
    const send = await client.get('/send');
    assert.equal(send.statusCode, 302);
    assert.equal(locationOf(send), '/login');
    const done = await signIn(t, client, person);
    assert.equal(locationOf(done), '/send');
    const page = await client.get('/send');
    assert.equal(page.statusCode, 200);
  });

  test('SEND area: an email two-step person signed in with the code gets in', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const client = await signedIn(t, person);
    assert.equal((await client.get('/send')).statusCode, 200);
  });
});
