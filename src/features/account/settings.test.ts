import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  type AccountsTestApp,
  auditActions,
  comparable,
  createAccountsTestApp,
  createCitizen,
  linkIn,
  locationOf,
  NEW_PASSWORD,
  passwordInputValues,
  signedIn,
  submitPassword,
  uniqueEmail,
} from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { projectRoot } from '../../platform/paths.js';

const cyEmails = JSON.parse(readFileSync(path.join(projectRoot, 'locales/cy/emails.json'), 'utf8')) as Record<string, { subject?: string }> & { footer: string };

describeEachDatabase('your account', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
  });
  after(() => t.close());

  test('the account page shows the details; anonymous people are sent to login', async () => {
    const anonymous = await new Client(t.app).get('/account');
    assert.equal(anonymous.statusCode, 302);
    assert.equal(locationOf(anonymous), '/login');
    const person = await createCitizen(t, { firstName: 'Dana', lastName: 'Jones' });
    const client = await signedIn(t, person);
    const page = await client.get('/account');
    assert.equal(page.statusCode, 200);
    const text = textOf(page.body);
    for (const s of ['Your account', 'Dana Jones', person.email, 'English', 'Not turned on']) assert.ok(text.includes(s), s);
  });

  test('change name: checked, saved and audited', async () => {
    const person = await createCitizen(t);
    const client = await signedIn(t, person);
    await client.get('/account/name');
    const empty = await client.post('/account/name', { firstName: ' ', lastName: 'Jones' });
    assert.equal(empty.statusCode, 400);
    assert.ok(textOf(empty.body).includes('There is a problem'));
    assert.ok(textOf(empty.body).includes('Enter your first name'));
    const long = await client.post('/account/name', { firstName: 'Ok', lastName: 'x'.repeat(101) });
    assert.equal(long.statusCode, 400);
    assert.ok(textOf(long.body).includes('Last name must be 100 characters or fewer'));
    assert.equal((await t.app.accounts.findById(person.id))?.first_name, person.firstName, 'unchanged');

    const ok = await client.post('/account/name', { firstName: 'Morgan', lastName: 'Price-Davies' });
    assert.equal(ok.statusCode, 302);
    assert.equal(locationOf(ok), '/account');
    const page = await client.get('/account');
    assert.ok(textOf(page.body).includes('Your name has been changed.'));
    assert.ok(textOf(page.body).includes('Morgan Price-Davies'));
    assert.ok((await auditActions(t, person.id)).includes('account.name_changed'));
  });

  test('change email: a link goes to the new address; the address changes when it is followed, and the old address is told', async () => {
    const person = await createCitizen(t, { firstName: 'Mover' });
    await t.mail.readAll(person.email);
    const client = await signedIn(t, person);
    await client.get('/account/email');
    const same = await client.post('/account/email', { email: person.email.toUpperCase() });
    assert.equal(same.statusCode, 400);
    assert.ok(textOf(same.body).includes('Enter a different email address from the one you use now'));
    const bad = await client.post('/account/email', { email: 'not an email' });
    assert.equal(bad.statusCode, 400);
    assert.ok(textOf(bad.body).includes('There is a problem'));

    const next = uniqueEmail('moved');
    const asked = await client.post('/account/email', { email: next });
    assert.equal(asked.statusCode, 302);
    assert.equal(locationOf(asked), '/account');
    assert.ok(textOf((await client.get('/account')).body).includes('We have sent a link to your new email address'));
    assert.equal((await t.app.accounts.findById(person.id))?.email, person.email, 'not changed before the link is followed');
    const link = linkIn(await t.mail.receive(next, 'Confirm your new email address'));
    assert.match(link, /^\/account\/confirm-email-change\?token=[A-Za-z0-9_-]{43}$/);

    const confirmed = await client.get(link);
    assert.equal(confirmed.statusCode, 302);
    assert.equal(locationOf(confirmed), '/account');
    const page = await client.get('/account');
    assert.ok(textOf(page.body).includes('Your email address has been changed.'));
    assert.equal((await t.app.accounts.findById(person.id))?.email, next);
    const told = await t.mail.receive(person.email, 'Your Citizen Portal email address has been changed');
    assert.ok(told.text.includes(next));
    assert.equal((await client.get(link)).statusCode, 400, 'the link works once');
    assert.ok((await auditActions(t, person.id)).includes('account.email_changed'));

    assert.equal((await submitPassword(new Client(t.app), next, person.password)).statusCode, 302, 'login with the new address');
    assert.equal((await submitPassword(new Client(t.app), person.email, person.password)).statusCode, 400, 'not with the old one');
  });

  test('change email to an address that already has an account: the same answer, nothing revealed; that address\u2019s owner is told', async () => {
    const owner = await createCitizen(t, { firstName: 'Taken' });
    const person = await createCitizen(t);
    await t.mail.readAll(owner.email);
    const client = await signedIn(t, person);
    const free = uniqueEmail('free');

    await client.get('/account/email');
    const toTaken = await client.post('/account/email', { email: owner.email });
    const takenPage = await client.get('/account');
    await client.get('/account/email');
    const toFree = await client.post('/account/email', { email: free });
    const freePage = await client.get('/account');
    assert.equal(toTaken.statusCode, toFree.statusCode);
    assert.equal(locationOf(toTaken), locationOf(toFree));
    assert.equal(comparable(takenPage.body), comparable(freePage.body));

    assert.deepEqual(await t.mail.unread(owner.email, 'Confirm your new email address'), [], 'no link to the taken address');
    const told = await t.mail.receive(owner.email, 'Someone tried to use your email address');
    assert.ok(told.text.includes('Dear Taken'));
    assert.equal((await t.app.accounts.findById(person.id))?.email, person.email);
  });

  test('change password: the current password is needed; other sessions end; this one stays', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    await t.mail.readAll(person.email);
    const other = await signedIn(t, person);
    const client = await signedIn(t, person);
    await client.get('/account/password');

    const missing = await client.post('/account/password', { currentPassword: '', password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    assert.equal(missing.statusCode, 400);
    assert.ok(textOf(missing.body).includes('Enter your current password'));
    const wrong = await client.post('/account/password', { currentPassword: 'Not-my-password-1', password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    assert.equal(wrong.statusCode, 400);
    assert.ok(textOf(wrong.body).includes('There is a problem'));
    assert.ok(textOf(wrong.body).includes('Your current password is not correct'));
    assert.deepEqual(passwordInputValues(wrong.body), []);
    const weak = await client.post('/account/password', { currentPassword: person.password, password: 'qwertyuiop', passwordConfirm: 'qwertyuiop' });
    assert.equal(weak.statusCode, 400);
    assert.ok(textOf(weak.body).includes('This password is too common'));
    assert.equal((await other.get('/account')).statusCode, 200, 'refused changes end nothing');
    assert.ok((await auditActions(t, person.id)).includes('password.change_refused'));

    const before = client.cookies.get('portal_session');
    const ok = await client.post('/account/password', { currentPassword: person.password, password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    assert.equal(ok.statusCode, 302);
    assert.equal(locationOf(ok), '/account');
    assert.notEqual(client.cookies.get('portal_session'), before, 'a new session id');
    const page = await client.get('/account');
    assert.equal(page.statusCode, 200, 'this session is kept');
    assert.ok(textOf(page.body).includes('Your password has been changed.'));
    assert.equal((await client.get('/send')).statusCode, 200, 'still with two-step done');

    const ended = await other.get('/account');
    assert.equal(ended.statusCode, 302, 'the other session has ended');
    assert.equal(locationOf(ended), '/signed-out');
    await t.mail.receive(person.email, 'Your Citizen Portal password has been changed');
    assert.ok((await auditActions(t, person.id)).includes('password.changed'));
    assert.equal((await submitPassword(new Client(t.app), person.email, person.password)).statusCode, 400);
    assert.equal((await submitPassword(new Client(t.app), person.email, NEW_PASSWORD)).statusCode, 302);
  });

  test('language: the choice is used for later emails (rendered from the cy locale)', async () => {
    const person = await createCitizen(t);
    await t.mail.readAll(person.email);
    const client = await signedIn(t, person);
    await client.get('/account/language');
    const none = await client.post('/account/language', { lang: 'fr' });
    assert.equal(none.statusCode, 400);
    assert.ok(textOf(none.body).includes('Select a language'));

    const chosen = await client.post('/account/language', { lang: 'cy' });
    assert.equal(chosen.statusCode, 302);
    assert.equal(locationOf(chosen), '/account?lng=cy');
    const page = await client.get(locationOf(chosen));
    assert.match(page.body, /<html lang="cy"/);
    assert.equal((await t.app.accounts.findById(person.id))?.lang, 'cy');
    assert.ok((await auditActions(t, person.id)).includes('account.language_changed'));

    // The next email: a password reset asked for from an English page.
    const other = new Client(t.app);
    await other.get('/forgotten-password?lng=en');
    await other.post('/forgotten-password', { email: person.email });
    const [mail] = await t.mail.unread(person.email);
    assert.ok(mail);
    assert.equal(mail.lang, 'cy');
    assert.equal(mail.subject, cyEmails.passwordReset?.subject);
    const footer = cyEmails.footer.replace('{{council}}', t.config.councilName).replace('{{phone}}', t.config.senTeamPhone);
    assert.ok(mail.text.includes(footer), 'the Welsh footer');
  });

  test('delete account: the password is needed; afterwards login fails and an email confirms it', async () => {
    const person = await createCitizen(t, { firstName: 'Leaving' });
    await t.mail.readAll(person.email);
    const client = await signedIn(t, person);
    const page = await client.get('/account/delete');
    assert.equal(page.statusCode, 200);
    assert.ok(textOf(page.body).includes('Deleting your account cannot be undone'));
    const empty = await client.post('/account/delete', { password: '' });
    assert.equal(empty.statusCode, 400);
    assert.ok(textOf(empty.body).includes('Enter your current password'));
    const wrong = await client.post('/account/delete', { password: 'Not-my-password-1' });
    assert.equal(wrong.statusCode, 400);
    assert.ok(textOf(wrong.body).includes('Your current password is not correct'));
    assert.ok(await t.app.accounts.findById(person.id), 'still there');

    const done = await client.post('/account/delete', { password: person.password });
    assert.equal(done.statusCode, 200);
    assert.ok(textOf(done.body).includes('Your account has been deleted'));
    assert.equal(await t.app.accounts.findById(person.id), undefined);
    const mail = await t.mail.receive(person.email, 'Your Citizen Portal account has been deleted');
    assert.ok(mail.text.includes('Dear Leaving'));
    assert.equal((await client.get('/account')).statusCode, 302, 'signed out');
    assert.equal((await submitPassword(new Client(t.app), person.email, person.password)).statusCode, 400, 'login fails');
    assert.ok((await auditActions(t, person.id)).includes('account.deleted'));
  });
});
