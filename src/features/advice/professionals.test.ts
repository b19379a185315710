import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  acceptAsExistingProfessional,
  acceptAsNewProfessional,
  adviceRequest,
  adviceRows,
  adviceSubmissions,
  askForm,
  askOk,
  attach,
  caseInAssessment,
  hashOf,
  invitationLink,
  PROFESSIONAL_ADVICE,
  type Professional,
  sendAdvice,
  setUpEmailTwoStep,
} from '../../../test/support/advice.js';
import { type AccountsTestApp, auditActions, createAccountsTestApp, createCitizen, createStaff, inputValue, locationOf, PASSWORD, signedIn, tokenOf } from '../../../test/support/accounts.js';
import { Client, csrfFrom, textOf } from '../../../test/support/app.js';
import { actOk, advanceDays, caseById, eventsOfCase, h1, staffMember, staffPost, timelineRows } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import {
  assertFormErrors,
  casesOf,
  documentRows,
  errorSummary,
  type Family,
  familyWithRequest,
  inlineError,
  moveClockToTenthOfJanuary,
  PDF,
  postMultipart,
  refusals,
  SECTION_ANSWERS,
  storedFiles,
  submitRequest,
  textareaValue,
  todayOf,
  words,
} from '../../../test/support/send.js';
import type { AdviceRequestRow } from './service.js';
import type { CaseRow } from '../cases/repo.js';
import { formatDate } from '../../platform/time.js';

const MB = 1024 * 1024;
const ADVICE = words('en', 'staff:milestones.advice');

describeEachDatabase('advice: professionals', (kind) => {
  let t: AccountsTestApp;
  let family: Family;
  let caseRow: CaseRow;
  let staff: { person: { id: string; email: string }; client: Client };
  let ep: AdviceRequestRow;
  let edu: AdviceRequestRow;
  let health: AdviceRequestRow;
  let eduAccount: Awaited<ReturnType<typeof createStaff>>;
  let epPro: Professional;
  let eduPro: Professional;
  let epLink: string;
  let healthLink: string;

  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    // A real request from a family (its answers must not reach the professionals), put into assessment.
    family = await familyWithRequest(t);
    assert.equal((await submitRequest(family.client, family.requestId)).statusCode, 302);
    const [row] = await casesOf(t, family.requestId);
    assert.ok(row);
    staff = await staffMember(t, 'caseworker');
    await actOk(t, staff.client, row.id, 'decision_to_assess');
    caseRow = await caseById(t, row.id);
    eduAccount = await createStaff(t, 'professional', { twoStep: 'email', firstName: 'Ed', lastName: 'Ucation' });
    ep = await askOk(t, staff.client, caseRow.id, askForm('educationalPsychologist'));
    edu = await askOk(t, staff.client, caseRow.id, askForm('education', { email: eduAccount.email }));
    health = await askOk(t, staff.client, caseRow.id, askForm('health'));
  });
  after(() => t.close());

  test('without an account: the link offers an account for the invited address, checks the password, insists on email two-step, then opens the request', async () => {
    const link = await invitationLink(t, ep.email);
    epLink = link;
    const client = new Client(t.app);
    const page = await client.get(link);
    assert.equal(page.statusCode, 200);
    assert.equal(h1(page.body), words('en', 'advice:accept.title'));
    assert.ok(page.body.includes(words('en', 'advice:accept.intro', { email: ep.email })), 'the address is the invited one');
    assert.equal(inputValue(page.body, 'email'), undefined, 'and cannot be changed');
    assert.ok(page.body.includes('name="passwordConfirm"'));

    const token = tokenOf(link);
    const post = (form: Record<string, string>) => client.post('/professional/accept', { token, firstName: 'Erin', lastName: 'Psych', password: PASSWORD, passwordConfirm: PASSWORD, ...form });
    assertFormErrors(await post({ firstName: '', password: 'short', passwordConfirm: 'short' }), 'en', [
      { field: 'firstName', text: words('en', 'advice:fields.firstName.required') },
      { field: 'password', text: words('en', 'account:errors.password.tooShort') },
    ]);
    assertFormErrors(await post({ password: 'password1', passwordConfirm: 'password1' }), 'en', [{ field: 'password', text: words('en', 'account:errors.password.common') }]);
    assertFormErrors(await post({ password: ep.email, passwordConfirm: ep.email }), 'en', [{ field: 'password', text: words('en', 'account:errors.password.isEmail') }]);
    assertFormErrors(await post({ passwordConfirm: `${PASSWORD}x` }), 'en', [{ field: 'passwordConfirm', text: words('en', 'account:errors.password.mismatch') }]);
    assert.equal(await t.app.accounts.findByEmail(ep.email), undefined, 'no account yet');
    // The address comes from the invitation, whatever the form says.
    const created = await post({ email: 'someone.else@example.com' });
    assert.equal(created.statusCode, 302);
    assert.equal(locationOf(created), '/account/two-step-verification?welcome=1');
    assert.equal(await t.app.accounts.findByEmail('someone.else@example.com'), undefined);
    const user = await t.app.accounts.findByEmail(ep.email);
    assert.ok(user);
    assert.equal(user.role, 'professional');
    assert.ok(user.email_confirmed_at, 'the email address is confirmed: the link proved it');
    assert.equal(user.two_step_method, null);

    // Without two-step verification by email, neither the request nor the invitation can be used.
    const early = await client.get(`/professional/requests/${ep.id}`);
    assert.equal(early.statusCode, 403);
    assert.equal(h1(early.body), words('en', 'account:twoStepRequired.title'));
    const again = await client.get(link);
    assert.equal(again.statusCode, 302);
    assert.equal(locationOf(again), '/account/two-step-verification');
    assert.equal((await adviceRequest(t, ep.id)).professional_id, null);

    await setUpEmailTwoStep(t, client, ep.email, link);
    const back = await client.get(link);
    assert.equal(back.statusCode, 302);
    assert.equal(locationOf(back), `/professional/requests/${ep.id}`);
    assert.equal((await adviceRequest(t, ep.id)).professional_id, user.id);
    assert.ok((await auditActions(t, user.id)).includes('account.created_from_invitation'));
    const request = await client.get(`/professional/requests/${ep.id}`);
    assert.equal(request.statusCode, 200);
    epPro = { client, requestId: ep.id, person: { id: user.id, email: ep.email, password: PASSWORD, firstName: 'Erin', lastName: 'Psych' } };

    // Their home lists the request; after signing out and in again they land there.
    const home = await client.get('/professional');
    assert.equal(home.statusCode, 200);
    assert.ok(home.body.includes(`href="/professional/requests/${ep.id}"`));
    const fresh = await signedIn(t, epPro.person);
    assert.equal((await fresh.get('/login')).headers.location, '/professional');
  });

  test('with an existing account: the link asks them to log in, and after the password and the code they are on the request', async () => {
    const link = await invitationLink(t, edu.email);
    const page = await new Client(t.app).get(link);
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(words('en', 'advice:accept.hasAccount')));
    assert.ok(!page.body.includes('action="/professional/accept"'), 'no account form');
    // Posting the account form anyway creates nothing.
    const sneaky = new Client(t.app);
    await sneaky.get(link);
    await sneaky.get('/register'); // a page with a CSRF token: the refusal must be the invitation's, not the token's
    const res = await sneaky.post('/professional/accept', { token: tokenOf(link), firstName: 'Eve', lastName: 'X', password: PASSWORD, passwordConfirm: PASSWORD });
    assert.equal(res.statusCode, 200);
    assert.equal(locationOf(await sneaky.get('/professional')), '/login', 'not signed in');

    eduPro = await acceptAsExistingProfessional(t, link, eduAccount);
    assert.equal(eduPro.requestId, edu.id);
    assert.equal((await eduPro.client.get(`/professional/requests/${edu.id}`)).statusCode, 200);
    assert.equal((await adviceRequest(t, edu.id)).professional_id, eduAccount.id);
  });

  test("the request page shows the child's name, date of birth, reference, what is asked and the due date, and nothing else of the case", async () => {
    const res = await epPro.client.get(`/professional/requests/${ep.id}`);
    assert.equal(res.statusCode, 200);
    const text = textOf(res.body);
    const child = await t.app.db.selectFrom('children').selectAll().where('id', '=', caseRow.child_id).executeTakeFirstOrThrow();
    for (const shown of [`${child.first_name} ${child.last_name}`, formatDate(child.date_of_birth, 'en'), caseRow.reference, ep.asked, formatDate(ep.due_on, 'en')]) {
      assert.ok(text.includes(shown), `shows ${shown}`);
    }
    const hidden = [
      family.person.email,
      family.person.lastName,
      child.address_line1,
      child.postcode,
      ...Object.values(SECTION_ANSWERS)
        .flatMap((s) => Object.values(s))
        .filter((v): v is string => typeof v === 'string' && v.length > 12),
      edu.asked,
      edu.email,
      health.asked,
      health.name,
    ];
    for (const secret of hidden) assert.ok(!text.includes(secret) && !res.body.includes(secret), `does not show ${secret}`);
  });

  test('a professional reaches only their own requests: others get 404 (audited), and a link opened with another email address is refused', async () => {
    // The education professional, on the psychologist's request.
    assert.equal((await eduPro.client.get(`/professional/requests/${edu.id}`)).statusCode, 200);
    const token = csrfFrom(eduPro.client.lastHtml);
    const get = await eduPro.client.get(`/professional/requests/${ep.id}`);
    assert.equal(get.statusCode, 404);
    assert.equal(h1(get.body), words('en', 'errors:notFound.title'));
    const post = await eduPro.client.post(`/professional/requests/${ep.id}`, { _csrf: token, ...PROFESSIONAL_ADVICE, action: 'submit' });
    assert.equal(post.statusCode, 404);
    const upload = await postMultipart(t, eduPro.client, `/professional/requests/${ep.id}/attachments`, { name: 'x.pdf', type: 'application/pdf', data: PDF }, { csrf: token });
    assert.equal(upload.statusCode, 404);
    assert.deepEqual(await refusals(t, eduAccount.id), [
      { subject_type: 'advice_request', subject_id: ep.id },
      { subject_type: 'advice_request', subject_id: ep.id },
      { subject_type: 'advice_request', subject_id: ep.id },
    ]);
    assert.equal((await adviceRequest(t, ep.id)).status, 'open');
    assert.deepEqual(await adviceSubmissions(t, caseRow.id), []);
    assert.deepEqual(
      (await documentRows(t)).filter((d) => d.owner_type === 'advice'),
      [],
    );
    // Their home lists only their own request.
    const home = await eduPro.client.get('/professional');
    assert.ok(home.body.includes(`/professional/requests/${edu.id}`));
    assert.ok(!home.body.includes(ep.id));

    // A citizen with email two-step verification.
    const citizen = await createCitizen(t, { twoStep: 'email' });
    const citizenClient = await signedIn(t, citizen);
    assert.equal((await citizenClient.get(`/professional/requests/${ep.id}`)).statusCode, 404);
    assert.deepEqual(await refusals(t, citizen.id), [{ subject_type: 'advice_request', subject_id: ep.id }]);

    // The health professional's link, opened by the psychologist (signed in with another address).
    healthLink = await invitationLink(t, health.email);
    const other = await epPro.client.get(healthLink);
    assert.equal(other.statusCode, 403);
    assert.equal(h1(other.body), words('en', 'advice:accept.otherEmail.title'));
    assert.ok(other.body.includes(words('en', 'advice:accept.otherEmail.body', { email: health.email })));
    assert.equal((await adviceRequest(t, health.id)).professional_id, null);
    assert.equal((await epPro.client.get(`/professional/requests/${health.id}`)).statusCode, 404);

    // A made-up link.
    const bogus = await new Client(t.app).get('/professional/accept?token=not-a-real-token');
    assert.equal(bogus.statusCode, 400);
    assert.equal(h1(bogus.body), words('en', 'advice:accept.invalid.title'));
  });

  test('attachments: a PDF is added; a text file named .pdf, an empty file and one over 20 MB are refused with a clear message and nothing is stored', async () => {
    const ok = await attach(t, epPro.client, ep.id, { name: 'EP report.pdf', type: 'application/pdf', data: PDF });
    assert.equal(ok.statusCode, 302);
    assert.equal(locationOf(ok), `/professional/requests/${ep.id}`);
    const page = await epPro.client.get(`/professional/requests/${ep.id}`);
    assert.ok(page.body.includes(words('en', 'request:upload.added', { name: 'EP report.pdf' })));
    assert.ok(page.body.includes('<li>EP report.pdf</li>'));
    const docs = (await documentRows(t)).filter((d) => d.owner_type === 'advice');
    assert.deepEqual(
      docs.map((d) => [d.owner_id, d.filename, d.content_type, d.kind, d.uploaded_by]),
      [[ep.id, 'EP report.pdf', 'application/pdf', 'advice', epPro.person.id]],
    );
    const files = storedFiles(t);

    for (const [name, data, problem] of [
      ['notes.pdf', Buffer.from('These are my notes, not a PDF at all.\n'), 'badType'],
      ['empty.pdf', Buffer.alloc(0), 'empty'],
      ['huge.pdf', Buffer.concat([PDF, Buffer.alloc(20 * MB + 1 - PDF.length, 0x20)]), 'tooLarge'],
    ] as const) {
      const res = await attach(t, epPro.client, ep.id, { name, type: 'application/pdf', data });
      assert.equal(res.statusCode, 400, name);
      const text = words('en', `request:upload.errors.${problem}`, { max: 20 });
      assert.deepEqual(errorSummary(res.body)?.items, [{ text, href: '#file' }], name);
      assert.equal(inlineError(res.body, 'file'), text, name);
    }
    const none = await attach(t, epPro.client, ep.id, { name: '', type: 'application/pdf', data: PDF });
    assert.equal(none.statusCode, 400);
    assert.equal(inlineError(none.body, 'file'), words('en', 'request:upload.errors.required'));

    assert.deepEqual(storedFiles(t), files, 'no file stored');
    assert.equal((await documentRows(t)).filter((d) => d.owner_type === 'advice').length, 1);
  });

  test('a draft is saved with any fields and comes back; sending needs the three main fields; once sent the caseworker is told, the timeline shows it on time and the request is closed to the professional', async () => {
    const draft = await sendAdvice(epPro.client, ep.id, { needs: 'First thoughts on needs' }, 'draft');
    assert.equal(draft.statusCode, 302);
    assert.equal(locationOf(draft), `/professional/requests/${ep.id}`);
    const back = await epPro.client.get(`/professional/requests/${ep.id}`);
    assert.ok(back.body.includes(words('en', 'advice:professional.draftSaved')));
    assert.equal(textareaValue(back.body, 'needs'), 'First thoughts on needs');
    assert.equal(textareaValue(back.body, 'outcomes'), '');
    assert.deepEqual(
      (await adviceSubmissions(t, caseRow.id)).map((s) => [s.status, s.kind]),
      [['draft', 'professional']],
    );
    assert.equal((await adviceRequest(t, ep.id)).status, 'open');

    const incomplete = await epPro.client.post(`/professional/requests/${ep.id}`, { needs: 'Needs, in full', outcomes: '', provision: '', healthCare: 'Kept', action: 'submit' });
    assertFormErrors(incomplete, 'en', [
      { field: 'outcomes', text: words('en', 'advice:fields.outcomes.required') },
      { field: 'provision', text: words('en', 'advice:fields.provision.required') },
    ]);
    assert.equal(textareaValue(incomplete.body, 'needs'), 'Needs, in full');
    assert.equal(textareaValue(incomplete.body, 'healthCare'), 'Kept');
    assert.equal((await adviceRequest(t, ep.id)).status, 'open');

    await t.mail.readAll(staff.person.email);
    const sent = await sendAdvice(epPro.client, ep.id);
    assert.equal(sent.statusCode, 302);
    assert.equal(locationOf(sent), '/professional');
    const home = await epPro.client.get('/professional');
    assert.ok(home.body.includes(words('en', 'advice:professional.submitted')));
    assert.ok(home.body.includes(words('en', 'advice:professional.submittedOn', { date: formatDate(todayOf(t), 'en') })));
    assert.ok(!home.body.includes(`href="/professional/requests/${ep.id}"`), 'no longer a link');

    const row = await adviceRequest(t, ep.id);
    assert.equal(row.status, 'submitted');
    assert.equal(row.submitted_on, todayOf(t));
    const subs = await adviceSubmissions(t, caseRow.id);
    assert.equal(subs.length, 1, 'the draft became the submission');
    assert.equal(subs[0]?.status, 'submitted');
    assert.equal(subs[0]?.advice_request_id, ep.id);
    assert.deepEqual(JSON.parse(subs[0]?.content ?? '{}'), PROFESSIONAL_ADVICE);

    // The case is not assigned: the caseworker who asked is told.
    const mail = await t.mail.receive(staff.person.email, words('en', 'emails:adviceReceived.subject', { reference: caseRow.reference }));
    assert.equal(mail.template, 'adviceReceived');
    assert.ok(mail.text.includes(`${ep.name} (${ep.organisation})`));
    assert.ok(mail.text.includes(`/staff/cases/${caseRow.id}#advice`));

    const events = (await eventsOfCase(t, caseRow.id)).filter((e) => e.type === 'advice_received');
    assert.deepEqual(
      events.map((e) => [e.on_date, JSON.parse(e.data ?? '{}').relatedId]),
      [[todayOf(t), ep.id]],
    );
    const casePage = await staff.client.get(`/staff/cases/${caseRow.id}`);
    const advice = timelineRows(casePage.body).filter((r) => r.name === ADVICE);
    assert.deepEqual(
      advice.map((r) => [r.status, r.happened]).sort(),
      [
        [words('en', 'staff:states.done_on_time'), formatDate(todayOf(t), 'en')],
        [words('en', 'staff:states.due'), '–'],
        [words('en', 'staff:states.due'), '–'],
      ].sort(),
    );
    assert.equal(adviceRows(casePage.body).find((r) => r.who.startsWith(ep.name))?.status, words('en', 'advice:status.submitted'));

    // Closed to the professional: the page, the form and the attachments.
    assert.equal((await epPro.client.get(`/professional/requests/${ep.id}`)).statusCode, 404);
    await epPro.client.get('/professional');
    assert.equal((await epPro.client.post(`/professional/requests/${ep.id}`, { ...PROFESSIONAL_ADVICE, action: 'submit' })).statusCode, 404);
    assert.equal((await epPro.client.post(`/professional/requests/${ep.id}`, { ...PROFESSIONAL_ADVICE, needs: 'Changed', action: 'draft' })).statusCode, 404);
    assert.equal((await adviceSubmissions(t, caseRow.id)).length, 1);
    assert.deepEqual(JSON.parse((await adviceSubmissions(t, caseRow.id))[0]?.content ?? '{}'), PROFESSIONAL_ADVICE);
    // The invitation link says the request is closed.
    const closed = await new Client(t.app).get(epLink);
    assert.equal(closed.statusCode, 400);
    assert.equal(h1(closed.body), words('en', 'advice:accept.closed.title'));
  });

  test('sending twice at once makes one submission; the assigned caseworker (not the one who asked) is told once', async () => {
    const assignee = await createStaff(t, 'caseworker', { twoStep: 'email', firstName: 'Ash', lastName: 'Signed' });
    const assigned = await staffPost(staff.client, caseRow.id, 'assign', { assignee: assignee.id });
    assert.equal(assigned.statusCode, 302);
    await t.mail.readAll(staff.person.email);

    await eduPro.client.get(`/professional/requests/${edu.id}`);
    const [a, b] = await Promise.all([
      eduPro.client.post(`/professional/requests/${edu.id}`, { ...PROFESSIONAL_ADVICE, action: 'submit' }),
      eduPro.client.post(`/professional/requests/${edu.id}`, { ...PROFESSIONAL_ADVICE, action: 'submit' }),
    ]);
    const statuses = [a.statusCode, b.statusCode].sort();
    assert.ok(statuses[0] === 302 && (statuses[1] === 302 || statuses[1] === 404), `statuses ${statuses.join(', ')}`);
    const again = await eduPro.client.post(`/professional/requests/${edu.id}`, { ...PROFESSIONAL_ADVICE, action: 'submit' });
    assert.equal(again.statusCode, 404);

    const subs = (await adviceSubmissions(t, caseRow.id)).filter((s) => s.advice_request_id === edu.id);
    assert.deepEqual(
      subs.map((s) => s.status),
      ['submitted'],
    );
    assert.equal((await eventsOfCase(t, caseRow.id)).filter((e) => e.type === 'advice_received' && JSON.parse(e.data ?? '{}').relatedId === edu.id).length, 1);
    const told = (await t.mail.all(assignee.email)).filter((e) => e.template === 'adviceReceived');
    assert.equal(told.length, 1);
    assert.ok(told[0]?.text.includes(`${edu.name} (${edu.organisation})`));
    assert.deepEqual(await t.mail.unread(staff.person.email, /^Advice received/), [], 'not the caseworker who asked');
  });

  test('a withdrawn request closes to its professional and leaves the timeline; "Ask someone else" withdraws the old request and sends a new one', async () => {
    const social = await askOk(t, staff.client, caseRow.id, askForm('socialCare'));
    const socialLink = await invitationLink(t, social.email);
    const pro = await acceptAsNewProfessional(t, socialLink);
    const open = await pro.client.get(`/professional/requests/${social.id}`);
    assert.equal(open.statusCode, 200);
    // The advice others have sent on this case is not theirs to read.
    for (const v of [PROFESSIONAL_ADVICE.needs, PROFESSIONAL_ADVICE.provision, 'EP report.pdf', ep.name, edu.name]) assert.ok(!textOf(open.body).includes(v), `does not show ${v}`);
    const before = timelineRows((await staff.client.get(`/staff/cases/${caseRow.id}`)).body).filter((r) => r.name === ADVICE).length;

    const cancelled = await staff.client.post(`/staff/cases/${caseRow.id}/advice/${social.id}/cancel`);
    assert.equal(cancelled.statusCode, 302);
    assert.equal(locationOf(cancelled), `/staff/cases/${caseRow.id}#advice`);
    assert.equal((await adviceRequest(t, social.id)).status, 'cancelled');
    assert.equal((await pro.client.get(`/professional/requests/${social.id}`)).statusCode, 404);
    await pro.client.get('/professional');
    assert.equal((await pro.client.post(`/professional/requests/${social.id}`, { ...PROFESSIONAL_ADVICE, action: 'submit' })).statusCode, 404);
    const closed = await pro.client.get(socialLink);
    assert.equal(closed.statusCode, 400);
    assert.equal(h1(closed.body), words('en', 'advice:accept.closed.title'));
    const page = await staff.client.get(`/staff/cases/${caseRow.id}`);
    assert.ok(page.body.includes(words('en', 'advice:request.cancelled')));
    assert.equal(timelineRows(page.body).filter((r) => r.name === ADVICE).length, before - 1, 'the timeline no longer counts it');
    assert.ok(
      (await eventsOfCase(t, caseRow.id)).filter((e) => JSON.parse(e.data ?? '{}').relatedId === social.id).every((e) => JSON.parse(e.data ?? '{}').cancelled === true),
      'its events are marked cancelled',
    );
    // Withdrawing twice finds nothing to withdraw.
    assert.equal((await staff.client.post(`/staff/cases/${caseRow.id}/advice/${social.id}/cancel`)).statusCode, 404);

    // "Ask someone else" for the health advice nobody has taken up.
    const form = await staff.client.get(`/staff/cases/${caseRow.id}/advice/${health.id}/reissue`);
    assert.equal(form.statusCode, 200);
    assert.equal(h1(form.body), words('en', 'advice:request.reissueTitle'));
    assert.ok(form.body.includes('value="health" checked'));
    assert.equal(textareaValue(form.body, 'asked'), health.asked);
    const replacement = askForm('health', { name: 'Dr New Paediatrician', asked: health.asked });
    const reissued = await staff.client.post(`/staff/cases/${caseRow.id}/advice/${health.id}/reissue`, replacement);
    assert.equal(reissued.statusCode, 302);
    assert.equal((await adviceRequest(t, health.id)).status, 'cancelled');
    const fresh = await t.app.db.selectFrom('advice_requests').selectAll().where('email', '=', replacement.email as string).executeTakeFirstOrThrow();
    assert.equal(fresh.status, 'open');
    assert.equal(fresh.role, 'health');
    assert.equal(fresh.due_on, ep.due_on);
    const newLink = await invitationLink(t, fresh.email);
    assert.notEqual(hashOf(newLink), health.token_hash);
    const oldLink = await new Client(t.app).get(healthLink);
    assert.equal(oldLink.statusCode, 400);
    assert.equal(h1(oldLink.body), words('en', 'advice:accept.closed.title'));
    const rows = adviceRows((await staff.client.get(`/staff/cases/${caseRow.id}`)).body);
    assert.deepEqual(
      rows.map((r) => [r.who.split(',')[0], r.status]).sort(),
      [
        [ep.name, words('en', 'advice:status.submitted')],
        [edu.name, words('en', 'advice:status.submitted')],
        [health.name, words('en', 'advice:status.cancelled')],
        [social.name, words('en', 'advice:status.cancelled')],
        ['Dr New Paediatrician', words('en', 'advice:status.open')],
      ].sort(),
    );
    assert.equal((await caseById(t, caseRow.id)).advice_due_on, fresh.due_on);
    // Reissuing a withdrawn request is not possible.
    assert.equal((await staff.client.get(`/staff/cases/${caseRow.id}/advice/${health.id}/reissue`)).statusCode, 404);
  });

  test('advice sent after 6 weeks shows as done late', async () => {
    const other = await caseInAssessment(t);
    const request = await askOk(t, other.staff.client, other.caseRow.id, askForm('educationalPsychologist'));
    const link = await invitationLink(t, request.email);
    advanceDays(t, 43);
    const pro = await acceptAsNewProfessional(t, link);
    const sent = await sendAdvice(pro.client, request.id);
    assert.equal(sent.statusCode, 302);
    const caseworker = await signedIn(t, other.staff.person);
    const page = await caseworker.get(`/staff/cases/${other.caseRow.id}`);
    const advice = timelineRows(page.body).filter((r) => r.name === ADVICE);
    assert.deepEqual(
      advice.map((r) => [r.due, r.happened, r.status]),
      [[formatDate(request.due_on, 'en'), formatDate(todayOf(t), 'en'), words('en', 'staff:states.done_late')]],
    );
    assert.equal((await caseById(t, other.caseRow.id)).advice_due_on, null);
  });
});
