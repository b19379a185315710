import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, linkIn, locationOf, MINUTE, signIn, tokenOf } from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { assertFormErrors, type Family, familyWithRequest, fieldError, inviteEmail, pageLang, saveSection, signedInAs, words } from '../../../test/support/send.js';

const DAY = 24 * 60 * MINUTE;

describeEachDatabase('SEND: sharing a child with another adult', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
  });
  after(() => t.close());

  const invite = async (family: Family, email: string, firstName = 'Chris') => {
    await family.client.get(`/send/children/${family.childId}/share`);
    const res = await family.client.post(`/send/children/${family.childId}/share`, { firstName, email });
    assert.equal(res.statusCode, 302, `invite: ${res.statusCode}`);
    assert.equal(locationOf(res), `/send/children/${family.childId}`);
    return linkIn(await inviteEmail(t, email));
  };
  /** The adults linked to a child, in the order of their ids. */
  const links = (childId: string) => t.app.db.selectFrom('child_links').select(['user_id', 'relationship', 'parental_responsibility']).where('child_id', '=', childId).orderBy('user_id').execute();
  const byId = <T extends { user_id: string }>(rows: T[]) => [...rows].sort((a, b) => (a.user_id < b.user_id ? -1 : 1));
  const ids = (...people: string[]) => [...people].sort();
  const messageTitle = (html: string) => textOf(html.match(/<h1[^>]*>([\s\S]*?)<\/h1>/)?.[1] ?? '').trim();

  test('the invited adult gets an email with a link, accepts, and then sees the child and its draft', async () => {
    const family = await familyWithRequest(t, { child: { firstName: 'Maya', lastName: 'Evans' }, complete: false });
    await saveSection(family.client, family.requestId, 'child', { diagnoses: 'Dyslexia' }, 'later');
    const partner = await createCitizen(t, { twoStep: 'email', firstName: 'Chris', lastName: 'Evans' });

    await family.client.get(`/send/children/${family.childId}/share`);
    const sent = await family.client.post(`/send/children/${family.childId}/share`, { firstName: 'Chris', email: partner.email.toUpperCase() });
    assert.equal(sent.statusCode, 302);
    assert.ok(textOf((await family.client.get(locationOf(sent))).body).includes(words('en', 'send:share.sent', { email: partner.email.toUpperCase() })));
    const email = await inviteEmail(t, partner.email);
    assert.equal(email.subject, words('en', 'emails:childShareInvite.subject', { inviter: `${family.person.firstName} ${family.person.lastName}` }));
    assert.ok(email.text.includes('Maya'));
    const link = linkIn(email);
    assert.match(link, /^\/send\/children\/accept\?token=[^&\s]+$/);

    // Following the link signed out: login, then straight back to the invitation.
    const client = new Client(t.app);
    const anonymous = await client.get(link);
    assert.equal(locationOf(anonymous), '/login');
    const signedInRes = await signIn(t, client, partner);
    assert.equal(locationOf(signedInRes), link);
    const page = await client.get(link);
    assert.equal(page.statusCode, 200);
    assert.equal(messageTitle(page.body), words('en', 'send:accept.title', { child: 'Maya' }));
    assert.equal((await client.get(`/send/children/${family.childId}`)).statusCode, 404, 'not before accepting');

    assertFormErrors(await client.post('/send/children/accept', { token: tokenOf(link) }), 'en', [
      { field: 'relationship', text: fieldError('en', 'send', 'relationship', 'required') },
      { field: 'parentalResponsibility', text: fieldError('en', 'send', 'parentalResponsibility', 'required') },
    ]);
    assertFormErrors(await client.post('/send/children/accept', { token: tokenOf(link), relationship: 'other', parentalResponsibility: 'yes' }), 'en', [
      { field: 'relationshipOther', text: fieldError('en', 'send', 'relationshipOther', 'required') },
    ]);
    const accepted = await client.post('/send/children/accept', { token: tokenOf(link), relationship: 'father', parentalResponsibility: 'yes' });
    assert.equal(accepted.statusCode, 302);
    assert.equal(locationOf(accepted), `/send/children/${family.childId}`);

    const childPage = textOf((await client.get(`/send/children/${family.childId}`)).body);
    assert.ok(childPage.includes('Maya Evans'));
    assert.ok(childPage.includes('Chris Evans (you) – father, has parental responsibility'));
    const home = await client.get('/send');
    assert.ok(textOf(home.body).includes('Maya Evans'));
    assert.ok(home.body.includes(`href="/send/requests/${family.requestId}"`), 'the draft is on the home page');
    const section = await client.get(`/send/requests/${family.requestId}/sections/child`);
    assert.equal(section.statusCode, 200);
    assert.ok(section.body.includes('Dyslexia'), 'the draft as the first parent left it');

    assert.deepEqual(
      await links(family.childId),
      byId([
        { user_id: family.person.id, relationship: 'mother', parental_responsibility: 1 },
        { user_id: partner.id, relationship: 'father', parental_responsibility: 1 },
      ]),
    );
    const audit = await t.app.db.selectFrom('audit_events').select(['action', 'actor_id']).where('subject_id', '=', family.childId).where('action', 'like', 'child.share%').orderBy('id').execute();
    assert.deepEqual(audit, [
      { action: 'child.share_invited', actor_id: family.person.id },
      { action: 'child.share_accepted', actor_id: partner.id },
    ]);
  });

  test('the link works once', async () => {
    const family = await familyWithRequest(t, { complete: false });
    const partner = await createCitizen(t, { twoStep: 'email' });
    const intruder = await createCitizen(t, { twoStep: 'email' });
    const link = await invite(family, partner.email);
    const partnerClient = await signedInAs(t, partner);
    await partnerClient.get(link);
    assert.equal((await partnerClient.post('/send/children/accept', { token: tokenOf(link), relationship: 'stepParent', parentalResponsibility: 'no' })).statusCode, 302);

    const intruderClient = await signedInAs(t, intruder);
    for (const client of [partnerClient, intruderClient]) {
      const again = await client.get(link);
      assert.equal(again.statusCode, 400);
      assert.equal(messageTitle(again.body), words('en', 'send:accept.used.title'));
    }
    const reuse = await intruderClient.post('/send/children/accept', { token: tokenOf(link), relationship: 'father', parentalResponsibility: 'yes' });
    assert.equal(reuse.statusCode, 400);
    assert.equal(messageTitle(reuse.body), words('en', 'send:accept.used.title'));
    assert.equal((await intruderClient.get(`/send/children/${family.childId}`)).statusCode, 404);
    assert.deepEqual(
      (await links(family.childId)).map((l) => l.user_id),
      ids(family.person.id, partner.id),
    );
    const bad = await intruderClient.get('/send/children/accept?token=not-a-real-token');
    assert.equal(bad.statusCode, 400);
    assert.equal(messageTitle(bad.body), words('en', 'send:accept.invalid.title'));
  });

  test('the link expires after 7 days', async () => {
    const family = await familyWithRequest(t, { complete: false });
    const partner = await createCitizen(t, { twoStep: 'email' });
    const late = await createCitizen(t, { twoStep: 'email' });
    const early = await invite(family, partner.email);
    const expiring = await invite(family, late.email);

    t.clock.advance(7 * DAY - MINUTE);
    const partnerClient = await signedInAs(t, partner);
    assert.equal((await partnerClient.get(early)).statusCode, 200, 'still works a minute before 7 days');
    assert.equal((await partnerClient.post('/send/children/accept', { token: tokenOf(early), relationship: 'father', parentalResponsibility: 'yes' })).statusCode, 302);

    t.clock.advance(2 * MINUTE);
    const lateClient = await signedInAs(t, late);
    const page = await lateClient.get(expiring);
    assert.equal(page.statusCode, 400);
    assert.equal(messageTitle(page.body), words('en', 'send:accept.expired.title'));
    const post = await lateClient.post('/send/children/accept', { token: tokenOf(expiring), relationship: 'father', parentalResponsibility: 'yes' });
    assert.equal(post.statusCode, 400);
    assert.equal((await lateClient.get(`/send/children/${family.childId}`)).statusCode, 404);
    assert.deepEqual(
      (await links(family.childId)).map((l) => l.user_id),
      ids(family.person.id, partner.id),
    );
  });

  test('inviting yourself is refused, and the form is checked', async () => {
    const family = await familyWithRequest(t, { complete: false });
    const invitesBefore = await t.app.db.selectFrom('child_invites').select('id').execute();
    await family.client.get(`/send/children/${family.childId}/share`);
    for (const email of [family.person.email, family.person.email.toUpperCase(), ` ${family.person.email} `]) {
      const res = await family.client.post(`/send/children/${family.childId}/share`, { firstName: 'Me', email });
      assertFormErrors(res, 'en', [{ field: 'email', text: words('en', 'send:fields.email.yourself') }]);
    }
    assertFormErrors(await family.client.post(`/send/children/${family.childId}/share`, {}), 'en', [
      { field: 'firstName', text: fieldError('en', 'send', 'firstName', 'required') },
      { field: 'email', text: fieldError('en', 'send', 'email', 'required') },
    ]);
    const bad = await family.client.post(`/send/children/${family.childId}/share`, { firstName: 'Chris', email: 'not an email' });
    assertFormErrors(bad, 'en', [{ field: 'email', text: words('en', 'send:fields.email.invalid') }]);
    await family.client.get(`/send/children/${family.childId}/share?lng=cy`);
    const welsh = await family.client.post(`/send/children/${family.childId}/share`, { firstName: 'Fi', email: family.person.email });
    assert.equal(pageLang(welsh.body), 'cy');
    assertFormErrors(welsh, 'cy', [{ field: 'email', text: words('cy', 'send:fields.email.yourself') }]);
    assert.deepEqual(await t.app.db.selectFrom('child_invites').select('id').execute(), invitesBefore, 'no invitation made');
    assert.equal((await t.mail.unread(family.person.email)).filter((e) => e.template === 'childShareInvite').length, 0);
  });
});
