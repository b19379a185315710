import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type AccountsTestApp,
  auditActions,
  createAccountsTestApp,
  createCitizen,
  comparable,
  HOUR,
  inputValue,
  linkIn,
  locationOf,
  PASSWORD,
  passwordInputValues,
  SECOND,
  sha256,
  submitPassword,
  tokenOf,
  uniqueEmail,
} from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';

const CONFIRM_SUBJECT = 'Complete your Citizen Portal registration';

describeEachDatabase('register and confirm the email address', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
  });
  after(() => t.close());

  async function registerForm(client: Client, form: Record<string, string>) {
    await client.get('/register');
    return client.post('/register', form);
  }

  function assertProblem(res: { statusCode: number; body: string }, field: string, message: string) {
    assert.equal(res.statusCode, 400, `${field}: status`);
    const text = textOf(res.body);
    assert.ok(text.includes('There is a problem'), `${field}: error summary`);
    assert.match(res.body, new RegExp(`govuk-error-summary__list"[\\s\\S]*href="#${field}"[^>]*>${escapeRe(message)}<`), `${field}: summary links to the field`);
    assert.match(res.body, new RegExp(`id="${field}-error"[^>]*>\\s*<span class="govuk-visually-hidden">Error:</span> ${escapeRe(message)}`), `${field}: inline message`);
  }

  test('every field is checked: 400, an error summary and an inline message for each', async () => {
    const client = new Client(t.app);
    const empty = await registerForm(client, {});
    assertProblem(empty, 'firstName', 'Enter your first name');
    assertProblem(empty, 'lastName', 'Enter your last name');
    assertProblem(empty, 'email', 'Enter your email address');
    assertProblem(empty, 'password', 'Enter a password');
    assertProblem(empty, 'terms', 'Select that you agree to the terms of use and privacy notice');
    assert.match(empty.body, /<title>Error: Register/);

    const long = 'x'.repeat(101);
    const bad = await registerForm(client, { firstName: long, lastName: long, email: 'not-an-email', password: PASSWORD, passwordConfirm: PASSWORD, terms: 'yes' });
    assertProblem(bad, 'firstName', 'First name must be 100 characters or fewer');
    assertProblem(bad, 'lastName', 'Last name must be 100 characters or fewer');
    assertProblem(bad, 'email', 'Enter an email address in the correct format, like name@example.com');
    assert.equal(inputValue(bad.body, 'email'), 'not-an-email');
    assert.deepEqual(passwordInputValues(bad.body), []);
    assert.equal(await t.app.db.selectFrom('users').select('id').executeTakeFirst(), undefined, 'nobody was registered');
  });

  test('the password rules: 8 to 256 characters, not common, not the email address, confirmed; answers kept, password never sent back', async () => {
    const client = new Client(t.app);
    const email = uniqueEmail('rules');
    const cases: [string, string, string, string][] = [
      ['7 characters', 'Abc-12x', 'Abc-12x', 'Password must be 8 characters or more'],
      ['257 characters', 'k'.repeat(257), 'k'.repeat(257), 'Password must be 256 characters or fewer'],
      ['a common password', 'password123', 'password123', 'This password is too common and easy to guess. Choose a different password'],
      ['another common password', 'qwertyuiop', 'qwertyuiop', 'This password is too common and easy to guess. Choose a different password'],
      ['the email address', email, email, 'Your password must not be your email address'],
      ['the email address in capitals', email.toUpperCase(), email.toUpperCase(), 'Your password must not be your email address'],
    ];
    for (const [what, password, passwordConfirm, message] of cases) {
      const res = await registerForm(client, { firstName: 'Jo', lastName: 'Bloggs', email, password, passwordConfirm, terms: 'yes' });
      assertProblem(res, 'password', message);
      assert.equal(inputValue(res.body, 'firstName'), 'Jo', what);
      assert.equal(inputValue(res.body, 'lastName'), 'Bloggs', what);
      assert.equal(inputValue(res.body, 'email'), email, what);
      assert.deepEqual(passwordInputValues(res.body), [], `${what}: password fields are empty`);
      if (password !== email && password !== email.toUpperCase()) assert.ok(!res.body.includes(password), `${what}: the password is not in the page`);
    }
    const mismatch = await registerForm(client, { firstName: 'Jo', lastName: 'Bloggs', email, password: PASSWORD, passwordConfirm: `${PASSWORD}!`, terms: 'yes' });
    assertProblem(mismatch, 'passwordConfirm', 'The passwords do not match');
    assert.equal(inputValue(mismatch.body, 'email'), email);
    assert.ok(!mismatch.body.includes(PASSWORD));
    assert.deepEqual(await t.mail.all(email), [], 'no email for a refused registration');

    // The limits themselves are accepted: 8 characters, and 256.
    for (const password of ['Tq7#vLm2', 'k7'.repeat(128)]) {
      const res = await registerForm(new Client(t.app), { firstName: 'Jo', lastName: 'Bloggs', email: uniqueEmail('limit'), password, passwordConfirm: password, terms: 'yes' });
      assert.equal(res.statusCode, 302, `a password of ${password.length} characters is accepted`);
      assert.equal(locationOf(res), '/register/check-email');
    }
  });

  test('a new address gets a 256-bit link, stored only as its SHA-256; following it confirms, signs in and leads to two-step verification', async () => {
    const client = new Client(t.app);
    const email = uniqueEmail('new');
    const res = await registerForm(client, { firstName: 'Robin', lastName: 'Carer', email, password: PASSWORD, passwordConfirm: PASSWORD, terms: 'yes' });
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), '/register/check-email');
    const page = await client.get('/register/check-email');
    assert.equal(page.statusCode, 200);
    assert.ok(textOf(page.body).includes('Check your email'));
    assert.ok(textOf(page.body).includes(email));

    const mail = await t.mail.receive(email, CONFIRM_SUBJECT);
    const path = linkIn(mail);
    assert.match(path, /^\/confirm-email\?token=/);
    const token = tokenOf(path);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '43 base64url characters');
    assert.equal(Buffer.from(token, 'base64url').length, 32, '256 bits');

    const user = await t.app.accounts.findByEmail(email);
    assert.ok(user);
    assert.equal(user.email_confirmed_at, null);
    const rows = await t.app.db.selectFrom('user_tokens').selectAll().where('user_id', '=', user.id).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.token_hash, sha256(token));
    assert.ok(!JSON.stringify(rows).includes(token), 'the raw token is not stored');

    // Another registration gets another token.
    await registerForm(new Client(t.app), { firstName: 'Other', lastName: 'Person', email: uniqueEmail('other'), password: PASSWORD, passwordConfirm: PASSWORD, terms: 'yes' });
    const tokens = await t.app.db.selectFrom('user_tokens').select('token_hash').execute();
    assert.equal(new Set(tokens.map((r) => r.token_hash)).size, tokens.length);

    // Not signed in before the link is followed.
    assert.equal((await client.get('/account')).statusCode, 302);
    const confirmed = await client.get(path);
    assert.equal(confirmed.statusCode, 302);
    assert.match(locationOf(confirmed), /^\/account\/two-step-verification/);
    const twoStep = await client.get(locationOf(confirmed));
    assert.equal(twoStep.statusCode, 200);
    assert.ok(textOf(twoStep.body).includes('Your email address is confirmed'));
    assert.equal((await client.get('/account')).statusCode, 200, 'signed in');
    assert.ok((await t.app.accounts.findByEmail(email))?.email_confirmed_at);
    const actions = await auditActions(t, user.id);
    assert.ok(actions.includes('account.registered'));
    assert.ok(actions.includes('account.email_confirmed'));
    assert.ok(actions.includes('login.via_confirmation'));
  });

  test('the link works once: a second click shows "already been used"', async () => {
    const client = new Client(t.app);
    const email = uniqueEmail('twice');
    await registerForm(client, { firstName: 'Robin', lastName: 'Carer', email, password: PASSWORD, passwordConfirm: PASSWORD, terms: 'yes' });
    const path = linkIn(await t.mail.receive(email, CONFIRM_SUBJECT));
    assert.equal((await client.get(path)).statusCode, 302);
    const again = new Client(t.app);
    const second = await again.get(path);
    assert.equal(second.statusCode, 400);
    assert.ok(textOf(second.body).includes('This link has already been used'));
    assert.equal((await again.get('/account')).statusCode, 302, 'the second click does not sign in');
    const garbage = await again.get('/confirm-email?token=not-a-real-token');
    assert.equal(garbage.statusCode, 400);
    assert.ok(textOf(garbage.body).includes('This link does not work'));
  });

  test('the link expires after 24 hours; the expired page offers a new link, which works', async () => {
    const client = new Client(t.app);
    const email = uniqueEmail('late');
    await registerForm(client, { firstName: 'Robin', lastName: 'Carer', email, password: PASSWORD, passwordConfirm: PASSWORD, terms: 'yes' });
    const old = linkIn(await t.mail.receive(email, CONFIRM_SUBJECT));
    t.clock.advance(24 * HOUR + SECOND);
    const expired = await client.get(old);
    assert.equal(expired.statusCode, 400);
    assert.ok(textOf(expired.body).includes('This link has expired'));
    assert.match(expired.body, /<form method="post" action="\/confirm-email\/new-link"/);
    assert.equal(inputValue(expired.body, 'email'), email);
    assert.equal((await client.get('/account')).statusCode, 302, 'an expired link does not sign in');
    assert.equal((await t.app.accounts.findByEmail(email))?.email_confirmed_at, null);

    const asked = await client.post('/confirm-email/new-link', { email });
    assert.equal(asked.statusCode, 302);
    assert.equal(locationOf(asked), '/register/check-email');
    const fresh = linkIn(await t.mail.receive(email, CONFIRM_SUBJECT));
    assert.notEqual(fresh, old);
    const confirmed = await client.get(fresh);
    assert.equal(confirmed.statusCode, 302);
    assert.match(locationOf(confirmed), /^\/account\/two-step-verification/);
  });

  test('a link followed just before 24 hours still works', async () => {
    const client = new Client(t.app);
    const email = uniqueEmail('intime');
    await registerForm(client, { firstName: 'Robin', lastName: 'Carer', email, password: PASSWORD, passwordConfirm: PASSWORD, terms: 'yes' });
    const path = linkIn(await t.mail.receive(email, CONFIRM_SUBJECT));
    t.clock.advance(24 * HOUR - SECOND);
    assert.equal((await client.get(path)).statusCode, 302);
  });

  test('an address that already has an account gets the same "Check your email" answer; its owner is told by email; no second account', async () => {
    const owner = await createCitizen(t, { firstName: 'Owner' });
    await t.mail.readAll(owner.email);
    const newcomer = uniqueEmail('newcomer');

    const a = new Client(t.app);
    const b = new Client(t.app);
    const existing = await registerForm(a, { firstName: 'Mallory', lastName: 'Taker', email: owner.email, password: 'Another-long-passphrase-1', passwordConfirm: 'Another-long-passphrase-1', terms: 'yes' });
    const fresh = await registerForm(b, { firstName: 'Mallory', lastName: 'Taker', email: newcomer, password: 'Another-long-passphrase-1', passwordConfirm: 'Another-long-passphrase-1', terms: 'yes' });
    assert.equal(existing.statusCode, fresh.statusCode);
    assert.equal(locationOf(existing), locationOf(fresh));
    const pageA = await a.get('/register/check-email');
    const pageB = await b.get('/register/check-email');
    assert.equal(pageA.statusCode, 200);
    assert.equal(comparable(pageA.body, owner.email), comparable(pageB.body, newcomer));

    const told = await t.mail.receive(owner.email, 'You already have a Citizen Portal account');
    assert.ok(told.text.includes('Dear Owner'));
    assert.ok(told.text.includes('http://localhost:3000/forgotten-password'));
    assert.deepEqual(await t.mail.unread(owner.email, CONFIRM_SUBJECT), [], 'no confirmation link for an existing account');
    const users = await t.app.db.selectFrom('users').selectAll().where('email', '=', owner.email).execute();
    assert.equal(users.length, 1);
    assert.equal(users[0]?.first_name, 'Owner', 'the account is unchanged');
    assert.equal((await submitPassword(new Client(t.app), owner.email, owner.password)).statusCode, 302, 'the owner\u2019s password still works');
    assert.ok((await auditActions(t, owner.id)).includes('account.register_existing'));
  });

  test('"Send it again" sends a new link and the old one stops working; "Use a different email address" goes to /register', async () => {
    const client = new Client(t.app);
    const email = uniqueEmail('resend');
    await registerForm(client, { firstName: 'Robin', lastName: 'Carer', email, password: PASSWORD, passwordConfirm: PASSWORD, terms: 'yes' });
    const old = linkIn(await t.mail.receive(email, CONFIRM_SUBJECT));
    const page = await client.get('/register/check-email');
    assert.match(page.body, /<a class="govuk-link" href="\/register">Use a different email address<\/a>/);
    assert.match(page.body, /<form method="post" action="\/register\/resend"/);
    assert.ok(textOf(page.body).includes('Send it again'));

    const resent = await client.post('/register/resend');
    assert.equal(resent.statusCode, 302);
    assert.equal(locationOf(resent), '/register/check-email');
    const banner = await client.get('/register/check-email');
    assert.ok(textOf(banner.body).includes('We have sent the email again.'));
    const fresh = linkIn(await t.mail.receive(email, CONFIRM_SUBJECT));
    assert.notEqual(fresh, old);

    const oldClick = await new Client(t.app).get(old);
    assert.equal(oldClick.statusCode, 400, 'the old link no longer works');
    const ok = await client.get(fresh);
    assert.equal(ok.statusCode, 302);
    assert.match(locationOf(ok), /^\/account\/two-step-verification/);

    const different = await new Client(t.app).get('/register');
    assert.equal(different.statusCode, 200);
    assert.match(different.body, /<form method="post" action="\/register"/);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
