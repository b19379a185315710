import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  acceptAsNewProfessional,
  adviceRows,
  adviceSubmissions,
  answeredBy,
  askForm,
  askOk,
  caseInAssessment,
  FAMILY_ADVICE,
  invitationLink,
  PROFESSIONAL_ADVICE,
  receivedAdvice,
  sendAdvice,
  type StaffClient,
} from '../../../test/support/advice.js';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, createStaff, signedIn, type TestPerson } from '../../../test/support/accounts.js';
import { csrfFrom, textOf } from '../../../test/support/app.js';
import { actOk, advanceDays, caseAuditRows, caseById, h1, staffMember } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { moveClockToTenthOfJanuary, postMultipart, refusals, signedInAs, todayOf, words } from '../../../test/support/send.js';
import type { CaseRow } from '../cases/repo.js';
import { formatDate } from '../../platform/time.js';
import type { AdviceRequestRow } from './service.js';

describeEachDatabase('advice: the caseworker', (kind) => {
  let t: AccountsTestApp;
  let staff: StaffClient;
  let caseRow: CaseRow;
  let parent: TestPerson;
  let ep: AdviceRequestRow;
  let health: AdviceRequestRow;
  let epSubmission: string;
  let familySubmission: string;

  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    staff = await staffMember(t, 'caseworker');
    const made = await caseInAssessment(t, { staff });
    caseRow = made.caseRow;
    parent = made.adults[0] as TestPerson;
    ep = (await answeredBy(t, staff.client, caseRow.id, 'educationalPsychologist')).request;
    health = await askOk(t, staff.client, caseRow.id, askForm('health'));
    const family = await signedInAs(t, parent);
    await family.get(`/send/cases/${caseRow.reference}/advice`);
    assert.equal((await family.post(`/send/cases/${caseRow.reference}/advice`, FAMILY_ADVICE)).statusCode, 302);
    const subs = await adviceSubmissions(t, caseRow.id);
    epSubmission = subs.find((s) => s.kind === 'professional')?.id ?? '';
    familySubmission = subs.find((s) => s.kind === 'family')?.id ?? '';
    assert.ok(epSubmission && familySubmission);
  });
  after(() => t.close());

  test('the case page lists every request and everything received, with Received, Reviewed and Shared marks; marking and sharing are audited', async () => {
    const page = await staff.client.get(`/staff/cases/${caseRow.id}`);
    const byWho = (a: { who: string }, b: { who: string }) => a.who.localeCompare(b.who);
    const due = formatDate(ep.due_on, 'en');
    assert.deepEqual(
      adviceRows(page.body).sort(byWho),
      [
        { role: words('en', 'advice:options.role.educationalPsychologist'), who: `${ep.name}, ${ep.organisation}`, due, status: words('en', 'advice:status.submitted') },
        { role: words('en', 'advice:options.role.health'), who: `${health.name}, ${health.organisation}`, due, status: words('en', 'advice:status.open') },
      ].sort(byWho),
    );
    const today = formatDate(todayOf(t), 'en');
    const received = () => staff.client.get(`/staff/cases/${caseRow.id}`).then((r) => receivedAdvice(r.body).sort((a, b) => a.text.localeCompare(b.text)));
    const epItem = (tags: string[]) => ({ href: `/staff/cases/${caseRow.id}/advice/submissions/${epSubmission}`, text: `${ep.name} – ${today}`, tags });
    const familyItem = (tags: string[]) => ({ href: `/staff/cases/${caseRow.id}/advice/submissions/${familySubmission}`, text: `${words('en', 'advice:submission.theFamily')} – ${today}`, tags });
    const sorted = (items: ReturnType<typeof epItem>[]) => items.sort((a, b) => a.text.localeCompare(b.text));
    assert.deepEqual(await received(), sorted([epItem([]), familyItem([])]));

    // The family's advice: reviewed, but there is nothing to share (it is theirs).
    const familyView = await staff.client.get(`/staff/cases/${caseRow.id}/advice/submissions/${familySubmission}`);
    assert.equal(familyView.statusCode, 200);
    assert.equal(h1(familyView.body), words('en', 'advice:submission.familyTitle'));
    for (const v of Object.values(FAMILY_ADVICE)) assert.ok(textOf(familyView.body).includes(v));
    assert.ok(familyView.body.includes(words('en', 'advice:submission.markReviewed')));
    assert.ok(!familyView.body.includes(words('en', 'advice:submission.share')));
    assert.equal((await staff.client.post(`/staff/cases/${caseRow.id}/advice/submissions/${familySubmission}/reviewed`)).statusCode, 302);
    const notice = await staff.client.get(`/staff/cases/${caseRow.id}`);
    assert.ok(notice.body.includes(words('en', 'advice:submission.reviewedDone')));

    // The professional's advice: reviewed, then shared.
    const epView = await staff.client.get(`/staff/cases/${caseRow.id}/advice/submissions/${epSubmission}`);
    assert.ok(epView.body.includes(words('en', 'advice:submission.markReviewed')));
    assert.ok(epView.body.includes(words('en', 'advice:submission.share')));
    for (const v of Object.values(PROFESSIONAL_ADVICE)) assert.ok(textOf(epView.body).includes(v));
    assert.equal((await staff.client.post(`/staff/cases/${caseRow.id}/advice/submissions/${epSubmission}/reviewed`)).statusCode, 302);
    assert.deepEqual(await received(), sorted([epItem([words('en', 'advice:staff.reviewed')]), familyItem([words('en', 'advice:staff.reviewed')])]));
    const afterReview = await staff.client.get(`/staff/cases/${caseRow.id}/advice/submissions/${epSubmission}`);
    assert.ok(!afterReview.body.includes(words('en', 'advice:submission.markReviewed')), 'no second "Mark as reviewed"');
    assert.equal((await staff.client.post(`/staff/cases/${caseRow.id}/advice/submissions/${epSubmission}/shared`)).statusCode, 302);
    assert.deepEqual(await received(), sorted([epItem([words('en', 'advice:staff.reviewed'), words('en', 'advice:staff.shared')]), familyItem([words('en', 'advice:staff.reviewed')])]));
    const afterShare = await staff.client.get(`/staff/cases/${caseRow.id}/advice/submissions/${epSubmission}`);
    assert.ok(afterShare.body.includes(words('en', 'advice:submission.isShared')));
    assert.ok(!afterShare.body.includes(words('en', 'advice:submission.share')));

    const audits = (await caseAuditRows(t, caseRow.id)).filter((a) => a.action === 'advice.reviewed' || a.action === 'advice.shared');
    assert.deepEqual(
      audits.map((a) => [a.action, a.actor_id, JSON.parse(a.detail ?? '{}').submission]),
      [
        ['advice.reviewed', staff.person.id, familySubmission],
        ['advice.reviewed', staff.person.id, epSubmission],
        ['advice.shared', staff.person.id, epSubmission],
      ],
    );
    // Reading advice is recorded as viewing the case.
    assert.ok((await caseAuditRows(t, caseRow.id)).some((a) => a.action === 'case.viewed' && a.actor_id === staff.person.id));
  });

  test("drafts are not the caseworker's to read or share, and advice can only be marked from its own case", async () => {
    const social = await askOk(t, staff.client, caseRow.id, askForm('socialCare'));
    const pro = await acceptAsNewProfessional(t, await invitationLink(t, social.email));
    assert.equal((await sendAdvice(pro.client, social.id, { needs: 'Draft only' }, 'draft')).statusCode, 302);
    const draft = (await adviceSubmissions(t, caseRow.id)).find((s) => s.status === 'draft');
    assert.ok(draft);
    assert.equal((await staff.client.get(`/staff/cases/${caseRow.id}/advice/submissions/${draft.id}`)).statusCode, 404);
    await staff.client.get(`/staff/cases/${caseRow.id}`);
    for (const what of ['reviewed', 'shared']) {
      assert.equal((await staff.client.post(`/staff/cases/${caseRow.id}/advice/submissions/${draft.id}/${what}`)).statusCode, 404, what);
    }
    assert.ok(!receivedAdvice((await staff.client.get(`/staff/cases/${caseRow.id}`)).body).some((i) => i.href.endsWith(draft.id)));

    const other = await caseInAssessment(t, { staff });
    assert.equal((await staff.client.get(`/staff/cases/${other.caseRow.id}/advice/submissions/${familySubmission}`)).statusCode, 404);
    await staff.client.get(`/staff/cases/${other.caseRow.id}`);
    assert.equal((await staff.client.post(`/staff/cases/${other.caseRow.id}/advice/submissions/${familySubmission}/shared`)).statusCode, 404);
    assert.equal((await staff.client.post(`/staff/cases/${other.caseRow.id}/advice/${health.id}/cancel`)).statusCode, 404);
    const after = await adviceSubmissions(t, caseRow.id);
    assert.equal(after.find((s) => s.id === draft.id)?.shared_at, null);
    assert.equal(after.find((s) => s.id === familySubmission)?.shared_at, null);
  });

  test('a citizen and a professional get 403 on every advice route of the back office, each refusal audited, and nothing changes', async () => {
    const citizen = await createCitizen(t, { twoStep: 'email' });
    const professional = await createStaff(t, 'professional', { twoStep: 'email' });
    const requestsBefore = await t.app.db.selectFrom('advice_requests').selectAll().orderBy('id').execute();
    const submissionsBefore = await adviceSubmissions(t, caseRow.id);
    const base = `/staff/cases/${caseRow.id}/advice`;
    const gets = [`${base}/new`, `${base}/${health.id}/reissue`, `${base}/submissions/${epSubmission}`];
    const posts: [string, Record<string, string>][] = [
      [base, askForm('health')],
      [`${base}/${health.id}/cancel`, {}],
      [`${base}/${health.id}/reissue`, askForm('health')],
      [`${base}/submissions/${familySubmission}/reviewed`, {}],
      [`${base}/submissions/${familySubmission}/shared`, {}],
    ];
    for (const person of [citizen, professional]) {
      const client = await signedIn(t, person);
      for (const url of gets) {
        const res = await client.get(url);
        assert.equal(res.statusCode, 403, `${url} as ${person.email}`);
        assert.equal(h1(res.body), words('en', 'errors:forbidden.title'));
      }
      // A valid CSRF token (from a page they may open), so that the refusal is the role's, not the token's.
      const account = await client.get('/account');
      const token = csrfFrom(account.body);
      for (const [url, form] of posts) {
        const res = await client.post(url, { _csrf: token, ...form });
        assert.equal(res.statusCode, 403, `${url} as ${person.email}`);
      }
      assert.deepEqual(
        (await refusals(t, person.id)).map((r) => [r.subject_type, r.subject_id]),
        [
          '/staff/cases/:id/advice/new',
          '/staff/cases/:id/advice/:requestId/reissue',
          '/staff/cases/:id/advice/submissions/:submissionId',
          '/staff/cases/:id/advice',
          '/staff/cases/:id/advice/:requestId/cancel',
          '/staff/cases/:id/advice/:requestId/reissue',
          '/staff/cases/:id/advice/submissions/:submissionId/reviewed',
          '/staff/cases/:id/advice/submissions/:submissionId/shared',
        ].map((route) => ['route', route]),
      );
    }
    assert.deepEqual(await t.app.db.selectFrom('advice_requests').selectAll().orderBy('id').execute(), requestsBefore);
    assert.deepEqual(await adviceSubmissions(t, caseRow.id), submissionsBefore);
    // The attachments upload of the professional area is not a way in either (multipart, CSRF checked first).
    const client = await signedIn(t, professional);
    const account = await client.get('/account');
    const res = await postMultipart(t, client, `/professional/requests/${health.id}/attachments`, undefined, { csrf: csrfFrom(account.body) });
    assert.equal(res.statusCode, 404);
  });

  test('the queue flags "Advice overdue" only on cases whose advice is past due and still awaited', async () => {
    const waiting = caseRow; // the health advice is still awaited
    const none = (await caseInAssessment(t, { staff })).caseRow;
    const answered = (await caseInAssessment(t, { staff })).caseRow;
    await answeredBy(t, staff.client, answered.id, 'education');
    const finished = (await caseInAssessment(t, { staff })).caseRow;
    await askOk(t, staff.client, finished.id, askForm('education'));
    await actOk(t, staff.client, finished.id, 'draft_plan_issued', { pdf: true });
    await actOk(t, staff.client, finished.id, 'final_plan_issued', { pdf: true });
    assert.equal((await caseById(t, finished.id)).stage, 'plan_maintained');

    const tagged = async (client: typeof staff.client, row: CaseRow) => {
      const res = await client.get(`/staff?q=${encodeURIComponent(row.reference)}`);
      assert.equal(res.statusCode, 200);
      assert.ok(res.body.includes(`>${row.reference}</a>`), `${row.reference} is in the queue`);
      return res.body.includes(words('en', 'advice:queue.overdue'));
    };
    for (const row of [waiting, none, answered, finished]) assert.equal(await tagged(staff.client, row), false, `${row.reference} before the due date`);

    advanceDays(t, 43);
    const client = await signedIn(t, staff.person);
    assert.equal(await tagged(client, waiting), true, 'advice awaited past its due date');
    assert.equal(await tagged(client, none), false, 'no advice asked');
    assert.equal(await tagged(client, answered), false, 'advice received');
    assert.equal(await tagged(client, finished), false, 'the assessment is over: the advice no longer counts');
    // The case page agrees: the health request shows as overdue.
    const page = await client.get(`/staff/cases/${waiting.id}`);
    assert.equal(adviceRows(page.body).find((r) => r.who.startsWith(health.name))?.status, words('en', 'advice:status.overdue'));
  });
});
