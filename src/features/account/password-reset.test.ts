import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type AccountsTestApp,
  auditActions,
  comparable,
  createAccountsTestApp,
  createCitizen,
  HOUR,
  linkIn,
  locationOf,
  NEW_PASSWORD,
  passwordInputValues,
  SECOND,
  sha256,
  signedIn,
  submitPassword,
  tokenOf,
  uniqueEmail,
} from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';

const RESET_SUBJECT = 'Reset your Citizen Portal password';

describeEachDatabase('forgotten password', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
  });
  after(() => t.close());

  async function ask(email: string, client = new Client(t.app)) {
    await client.get('/forgotten-password');
    return client.post('/forgotten-password', { email });
  }

  test('a registered and an unknown address get the identical answer; only the registered one gets an email', async () => {
    const person = await createCitizen(t);
    await t.mail.readAll(person.email);
    const unknown = uniqueEmail('unknown');
    const known = await ask(person.email);
    const nobody = await ask(unknown);
    assert.equal(known.statusCode, 200);
    assert.equal(nobody.statusCode, known.statusCode);
    assert.ok(textOf(known.body).includes('Check your email'));
    assert.equal(comparable(known.body, person.email), comparable(nobody.body, unknown));
    await t.mail.receive(person.email, RESET_SUBJECT);
    assert.deepEqual(await t.mail.all(unknown), []);
    assert.ok((await auditActions(t, person.id)).includes('password.reset_requested'));
  });

  test('the address is checked: empty or malformed gets 400 and a summary', async () => {
    for (const [email, message] of [
      ['', 'Enter your email address'],
      ['nope', 'Enter an email address in the correct format, like name@example.com'],
    ] as const) {
      const res = await ask(email);
      assert.equal(res.statusCode, 400);
      assert.ok(textOf(res.body).includes('There is a problem'));
      assert.ok(textOf(res.body).includes(message));
    }
  });

  test('the reset link (hashed, 256-bit) leads to the form; the password rules apply; afterwards every session has ended, an email says so, and only the new password works', async () => {
    const person = await createCitizen(t, { firstName: 'Reset' });
    await t.mail.readAll(person.email);
    const elsewhere = await signedIn(t, person);
    assert.equal((await elsewhere.get('/account')).statusCode, 200);

    const client = new Client(t.app);
    await ask(person.email, client);
    const mail = await t.mail.receive(person.email, RESET_SUBJECT);
    const path = linkIn(mail);
    assert.match(path, /^\/reset-password\?token=/);
    const token = tokenOf(path);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const rows = await t.app.db.selectFrom('user_tokens').selectAll().where('user_id', '=', person.id).where('purpose', '=', 'reset_password').execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.token_hash, sha256(token));
    assert.ok(!JSON.stringify(rows).includes(token));
    assert.ok(mail.text.includes('60 minutes'));

    const form = await client.get(path);
    assert.equal(form.statusCode, 200);
    assert.ok(textOf(form.body).includes('Reset your password'));

    for (const [password, confirm, message] of [
      ['short', 'short', 'Password must be 8 characters or more'],
      ['password123', 'password123', 'This password is too common'],
      [person.email, person.email, 'Your password must not be your email address'],
      [NEW_PASSWORD, `${NEW_PASSWORD}x`, 'The passwords do not match'],
    ] as const) {
      const res = await client.post('/reset-password', { token, password, passwordConfirm: confirm });
      assert.equal(res.statusCode, 400, message);
      assert.ok(textOf(res.body).includes('There is a problem'));
      assert.ok(textOf(res.body).includes(message), message);
      assert.deepEqual(passwordInputValues(res.body), []);
    }
    assert.equal((await submitPassword(new Client(t.app), person.email, person.password)).statusCode, 302, 'nothing changed yet');

    const done = await client.post('/reset-password', { token, password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    assert.equal(done.statusCode, 200);
    assert.ok(textOf(done.body).includes('Your password has been reset'));

    const next = await elsewhere.get('/account');
    assert.equal(next.statusCode, 302);
    assert.match(locationOf(next), /^\/(signed-out|login)/, 'the other session has ended');
    const changed = await t.mail.receive(person.email, 'Your Citizen Portal password has been changed');
    assert.ok(changed.text.includes('Dear Reset'));

    const old = await submitPassword(new Client(t.app), person.email, person.password);
    assert.equal(old.statusCode, 400, 'the old password is refused');
    const fresh = await submitPassword(new Client(t.app), person.email, NEW_PASSWORD);
    assert.equal(fresh.statusCode, 302, 'the new password works');
    assert.ok((await auditActions(t, person.id)).includes('password.reset'));
  });

  test('a used link and an expired link get clear pages', async () => {
    const person = await createCitizen(t);
    await t.mail.readAll(person.email);
    const client = new Client(t.app);
    await ask(person.email, client);
    const path = linkIn(await t.mail.receive(person.email, RESET_SUBJECT));
    const token = tokenOf(path);
    await client.get(path);
    assert.equal((await client.post('/reset-password', { token, password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD })).statusCode, 200);

    const used = await client.get(path);
    assert.equal(used.statusCode, 400);
    assert.ok(textOf(used.body).includes('This link has already been used'));
    assert.match(used.body, /href="\/forgotten-password"/);
    await client.get('/forgotten-password');
    const usedPost = await client.post('/reset-password', { token, password: 'Yet-another-passphrase-2', passwordConfirm: 'Yet-another-passphrase-2' });
    assert.equal(usedPost.statusCode, 400, 'a used link cannot set a password');
    assert.equal((await submitPassword(new Client(t.app), person.email, 'Yet-another-passphrase-2')).statusCode, 400);

    await ask(person.email, client);
    const late = linkIn(await t.mail.receive(person.email, RESET_SUBJECT));
    t.clock.advance(HOUR - SECOND);
    assert.equal((await client.get(late)).statusCode, 200, 'works just before 1 hour');
    t.clock.advance(2 * SECOND);
    const expired = await client.get(late);
    assert.equal(expired.statusCode, 400);
    assert.ok(textOf(expired.body).includes('This link has expired'));
    assert.ok(textOf(expired.body).includes('Get a new link'));

    const invalid = await client.get('/reset-password?token=made-up');
    assert.equal(invalid.statusCode, 400);
    assert.ok(textOf(invalid.body).includes('This link does not work'));
  });

  test('asking again replaces the earlier link', async () => {
    const person = await createCitizen(t);
    await t.mail.readAll(person.email);
    await ask(person.email);
    const first = linkIn(await t.mail.receive(person.email, RESET_SUBJECT));
    await ask(person.email);
    const second = linkIn(await t.mail.receive(person.email, RESET_SUBJECT));
    assert.equal((await new Client(t.app).get(first)).statusCode, 400);
    assert.equal((await new Client(t.app).get(second)).statusCode, 200);
  });
});
