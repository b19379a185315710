import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  type AccountsTestApp,
  auditActions,
  createAccountsTestApp,
  createCitizen,
  createStaff,
  HOUR,
  linkIn,
  locationOf,
  MINUTE,
  PASSWORD,
  signedIn,
  submitPassword,
  tokenOf,
  uniqueEmail,
} from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { openDatabase } from '../../db/database.js';
import { projectRoot } from '../../platform/paths.js';

const INVITE_SUBJECT = /^You have been invited to the .* Citizen Portal$/;

describeEachDatabase('staff accounts', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
  });
  after(() => t.close());

  test('an invitation (as npm run create-user makes) gives a single-use /set-password link; the first login must set up two-step verification', async () => {
    const email = uniqueEmail('caseworker');
    const invited = await t.app.accounts.invite({ email, firstName: 'Casey', lastName: 'Worker', role: 'caseworker', invitedBy: null });
    assert.equal(invited.kind, 'ok');
    const link = invited.kind === 'ok' ? invited.link : '';
    assert.match(link, /^http:\/\/localhost:3000\/set-password\?token=[A-Za-z0-9_-]{43}$/);
    const mail = await t.mail.receive(email, INVITE_SUBJECT);
    assert.equal(`http://localhost:3000${linkIn(mail)}`, link, 'the same link is emailed');
    assert.ok(mail.text.includes('72 hours'));
    const path = linkIn(mail);
    assert.equal(await t.app.db.selectFrom('user_tokens').select('id').where('token_hash', '=', tokenOf(path)).executeTakeFirst(), undefined, 'the raw token is not stored');

    assert.equal((await submitPassword(new Client(t.app), email, PASSWORD)).statusCode, 400, 'no password yet: login fails');
    const client = new Client(t.app);
    const form = await client.get(path);
    assert.equal(form.statusCode, 200);
    assert.ok(textOf(form.body).includes('Create your password'));
    const weak = await client.post('/set-password', { token: tokenOf(path), password: 'password123', passwordConfirm: 'password123' });
    assert.equal(weak.statusCode, 400);
    assert.ok(textOf(weak.body).includes('There is a problem'));
    const done = await client.post('/set-password', { token: tokenOf(path), password: PASSWORD, passwordConfirm: PASSWORD });
    assert.equal(done.statusCode, 200);
    assert.ok(textOf(done.body).includes('Your password has been created'));
    await t.mail.receive(email, 'Your Citizen Portal password has been changed');

    const again = await new Client(t.app).get(path);
    assert.equal(again.statusCode, 400);
    assert.ok(textOf(again.body).includes('This link has already been used'));

    const login = await submitPassword(client, email, PASSWORD);
    assert.equal(login.statusCode, 302);
    assert.equal(locationOf(login), '/account/two-step-verification', 'staff must set up two-step verification');
    const page = await client.get('/account/two-step-verification');
    assert.equal(page.statusCode, 200);
    const user = await t.app.accounts.findByEmail(email);
    assert.ok(user?.email_confirmed_at, 'the invitation link confirmed the address');
    assert.ok((await auditActions(t, user.id)).includes('password.set'));
    assert.ok((await auditActions(t, user.id)).includes('staff.invited'));
  });

  test('an invitation link lasts 72 hours', async () => {
    const email = uniqueEmail('slow');
    const invited = await t.app.accounts.invite({ email, firstName: 'Slow', lastName: 'Starter', role: 'manager', invitedBy: null });
    const path = linkIn(await t.mail.receive(email, INVITE_SUBJECT));
    assert.equal(invited.kind, 'ok');
    t.clock.advance(72 * HOUR - MINUTE);
    assert.equal((await new Client(t.app).get(path)).statusCode, 200, 'works just before 72 hours');
    t.clock.advance(2 * MINUTE);
    const late = await new Client(t.app).get(path);
    assert.equal(late.statusCode, 400);
    assert.ok(textOf(late.body).includes('This link has expired'));
  });

  test('a caseworker cannot open /admin/staff: 403, recorded in the audit trail', async () => {
    const caseworker = await createStaff(t, 'caseworker', { twoStep: 'email' });
    const client = await signedIn(t, caseworker);
    const res = await client.get('/admin/staff');
    assert.equal(res.statusCode, 403);
    const refusals = await t.app.db.selectFrom('audit_events').selectAll().where('action', '=', 'access.refused').where('actor_id', '=', caseworker.id).execute();
    assert.equal(refusals.length, 1);
    assert.equal(refusals[0]?.subject_id, '/admin/staff');
    await client.get('/account');
    const post = await client.post('/admin/staff/invite', { firstName: 'X', lastName: 'Y', email: uniqueEmail('sneaky'), role: 'admin' });
    assert.equal(post.statusCode, 403, 'nor invite anyone');
    assert.equal(await t.app.db.selectFrom('users').select('id').where('first_name', '=', 'X').executeTakeFirst(), undefined);
  });

  test('a citizen gets 403 on /admin/staff; anonymous people are sent to login', async () => {
    const citizen = await createCitizen(t, { twoStep: 'email' });
    const client = await signedIn(t, citizen);
    assert.equal((await client.get('/admin/staff')).statusCode, 403);
    const anonymous = await new Client(t.app).get('/admin/staff');
    assert.equal(anonymous.statusCode, 302);
    assert.equal(locationOf(anonymous), '/login');
  });

  test('an admin must have two-step verification on to manage staff', async () => {
    const admin = await createStaff(t, 'admin');
    const client = await signedIn(t, admin);
    const res = await client.get('/admin/staff');
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), '/account/two-step-verification');
  });

  test('an admin with email two-step invites a caseworker, changes a role and disables an account (whose session ends)', async () => {
    const admin = await createStaff(t, 'admin', { twoStep: 'email', firstName: 'Ada', lastName: 'Admin' });
    const client = await signedIn(t, admin);
    const page = await client.get('/admin/staff');
    assert.equal(page.statusCode, 200);
    assert.ok(textOf(page.body).includes('Staff accounts'));

    const invalid = await client.post('/admin/staff/invite', { firstName: '', lastName: 'New', email: 'bad', role: 'citizen' });
    assert.equal(invalid.statusCode, 400);
    const text = textOf(invalid.body);
    for (const s of ['There is a problem', 'Enter your first name', 'Enter an email address in the correct format', 'Select a role']) assert.ok(text.includes(s), s);

    const email = uniqueEmail('newstaff');
    const invited = await client.post('/admin/staff/invite', { firstName: 'Nia', lastName: 'New', email, role: 'caseworker' });
    assert.equal(invited.statusCode, 302);
    assert.equal(locationOf(invited), '/admin/staff');
    const list = await client.get('/admin/staff');
    assert.ok(textOf(list.body).includes(`We have sent an invitation to ${email}`));
    assert.ok(textOf(list.body).includes('Nia New'));
    const mail = await t.mail.receive(email, INVITE_SUBJECT);
    const path = linkIn(mail);
    assert.match(path, /^\/set-password\?token=/);
    const newcomer = await t.app.accounts.findByEmail(email);
    assert.equal(newcomer?.role, 'caseworker');
    assert.ok((await auditActions(t, admin.id)).includes('staff.invited'));

    const duplicate = await client.post('/admin/staff/invite', { firstName: 'Nia', lastName: 'New', email, role: 'caseworker' });
    assert.equal(duplicate.statusCode, 400);
    assert.ok(textOf(duplicate.body).includes('There is already an account with this email address'));

    // The newcomer creates a password and logs in.
    const staff = new Client(t.app);
    await staff.get(path);
    assert.equal((await staff.post('/set-password', { token: tokenOf(path), password: PASSWORD, passwordConfirm: PASSWORD })).statusCode, 200);
    assert.equal((await submitPassword(staff, email, PASSWORD)).statusCode, 302);
    assert.equal((await staff.get('/account')).statusCode, 200);

    await client.get('/admin/staff');
    const role = await client.post(`/admin/staff/${newcomer.id}`, { action: 'role', role: 'manager' });
    assert.equal(role.statusCode, 302);
    assert.equal((await t.app.accounts.findById(newcomer.id))?.role, 'manager');
    assert.ok((await auditActions(t, newcomer.id)).includes('staff.role_changed'));

    await client.get('/admin/staff');
    const self = await client.post(`/admin/staff/${admin.id}`, { action: 'disable' });
    assert.equal(self.statusCode, 400, 'an admin cannot disable themselves');

    await client.get('/admin/staff');
    const disabled = await client.post(`/admin/staff/${newcomer.id}`, { action: 'disable' });
    assert.equal(disabled.statusCode, 302);
    assert.ok((await t.app.accounts.findById(newcomer.id))?.disabled_at);
    assert.ok(textOf((await client.get('/admin/staff')).body).includes('Disabled'));
    const ended = await staff.get('/account');
    assert.equal(ended.statusCode, 302, 'the disabled person\u2019s session has ended');
    assert.match(locationOf(ended), /^\/(signed-out|login)/);
    const refused = await submitPassword(new Client(t.app), email, PASSWORD);
    assert.equal(refused.statusCode, 400, 'login fails');
    assert.ok(textOf(refused.body).includes('Enter a correct email address and password'));
    const actions = await auditActions(t, newcomer.id);
    assert.ok(actions.includes('staff.disabled'));
    assert.ok(actions.includes('login.refused_disabled'));
  });
});

describe('npm run create-user', () => {
  const run = promisify(execFile);
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'create-user-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  function createUser(args: string[]) {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn' };
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'SESSION_SECRET', 'BASE_URL', 'MAIL_TRANSPORT', 'SMTP_URL']) delete env[name];
    return run(process.execPath, ['--import', 'tsx', 'src/cli/create-user.ts', ...args], { cwd: projectRoot, env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
    );
  }

  test('prints a /set-password link and exits 0; a bad role exits non-zero with the usage line', async () => {
    const [ok, bad] = await Promise.all([
      createUser(['--email', 'x@example.com', '--name', 'Sam Staff', '--role', 'caseworker']),
      createUser(['--email', 'y@example.com', '--name', 'Sam Staff', '--role', 'wizard']),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /http:\/\/localhost:3000\/set-password\?token=[A-Za-z0-9_-]{43}/);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Usage: npm run create-user -- --email EMAIL --name "FIRST LAST" --role caseworker\|manager\|admin/);

    // The account is in the embedded SQLite database in DATA_DIR.
    const db = openDatabase(`sqlite:${path.join(dataDir, 'portal.sqlite')}`);
    try {
      const rows = await db.selectFrom('users').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.email, 'x@example.com');
      assert.equal(rows[0]?.role, 'caseworker');
      assert.equal(rows[0]?.first_name, 'Sam');
      assert.equal(rows[0]?.last_name, 'Staff');
      assert.equal(rows[0]?.password_hash, null);
      const outbox = await db.selectFrom('outbox').select(['to_address', 'subject']).execute();
      assert.equal(outbox.length, 1, 'the link is queued as an email too');
    } finally {
      await db.destroy();
    }

    const again = await createUser(['--email', 'x@example.com', '--name', 'Sam Staff', '--role', 'caseworker']);
    assert.notEqual(again.code, 0, 'an existing account is refused');
    assert.match(again.stderr, /already an account/);
  });
});
