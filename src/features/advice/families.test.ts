import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adviceRequest, adviceSubmissions, answeredBy, askForm, askOk, caseInAssessment, FAMILY_ADVICE, PROFESSIONAL_ADVICE } from '../../../test/support/advice.js';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, locationOf, type TestPerson } from '../../../test/support/accounts.js';
import { type Client, csrfFrom, textOf } from '../../../test/support/app.js';
import { caseAuditRows, eventsOfCase, h1, linksTo, timelineRows } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import {
  assertFormErrors,
  documentRows,
  errorSummary,
  inlineError,
  moveClockToTenthOfJanuary,
  PDF,
  pageLang,
  postMultipart,
  refusals,
  signedInAs,
  storedFiles,
  textareaValue,
  todayOf,
  words,
} from '../../../test/support/send.js';
import type { CaseRow } from '../cases/repo.js';
import { formatDate } from '../../platform/time.js';
import type { AdviceRequestRow } from './service.js';

const FAMILY_FIELDS = Object.keys(FAMILY_ADVICE);

/** The family advice page's "Advice the SEN Team has asked for" table, as [role, due, received]. */
function askedRows(html: string): string[][] {
  const table = html.match(/<table class="govuk-table">([\s\S]*?)<\/table>/)?.[1] ?? '';
  const body = table.match(/<tbody class="govuk-table__body">([\s\S]*?)<\/tbody>/)?.[1] ?? '';
  return body
    .split('<tr class="govuk-table__row">')
    .slice(1)
    .map((tr) => [...tr.matchAll(/<td class="govuk-table__cell">([\s\S]*?)<\/td>/g)].map((m) => textOf(m[1] ?? '').trim()));
}

describeEachDatabase('advice: families', (kind) => {
  let t: AccountsTestApp;
  let parent: TestPerson;
  let family: Client;
  let caseRow: CaseRow;
  let staff: { person: TestPerson; client: Client };
  let ep: AdviceRequestRow;
  let health: AdviceRequestRow;
  let familyRequest: AdviceRequestRow;
  let submissionId: string;
  let attachmentId: string;
  let page: string;

  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    const made = await caseInAssessment(t);
    ({ caseRow, staff } = made);
    parent = made.adults[0] as TestPerson;
    const answered = await answeredBy(t, staff.client, caseRow.id, 'educationalPsychologist', { file: { name: 'EP report.pdf', type: 'application/pdf', data: PDF } });
    ep = answered.request;
    health = await askOk(t, staff.client, caseRow.id, askForm('health'));
    const withdrawn = await askOk(t, staff.client, caseRow.id, askForm('socialCare'));
    assert.equal((await staff.client.post(`/staff/cases/${caseRow.id}/advice/${withdrawn.id}/cancel`)).statusCode, 302);
    familyRequest = await askOk(t, staff.client, caseRow.id, askForm('family', { name: 'The parents', organisation: 'Family', email: parent.email }));
    const [sub] = await adviceSubmissions(t, caseRow.id);
    assert.ok(sub);
    submissionId = sub.id;
    const [doc] = (await documentRows(t)).filter((d) => d.owner_type === 'advice');
    assert.ok(doc);
    attachmentId = doc.id;
    family = await signedInAs(t, parent);
    page = `/send/cases/${caseRow.reference}/advice`;
  });
  after(() => t.close());

  test("the family sees the advice asked for (whose, due when, received or not), but not a professional's advice before the caseworker shares it", async () => {
    const casePage = await family.get(`/send/cases/${caseRow.reference}`);
    assert.equal(casePage.statusCode, 200);
    assert.deepEqual(linksTo(casePage.body, page), [[page, words('en', 'advice:family.link')]]);

    const res = await family.get(page);
    assert.equal(res.statusCode, 200);
    assert.equal(h1(res.body), words('en', 'advice:family.title'));
    const due = formatDate(ep.due_on, 'en');
    assert.deepEqual(
      askedRows(res.body).sort(),
      [
        [words('en', 'advice:options.role.educationalPsychologist'), due, formatDate(todayOf(t), 'en')],
        [words('en', 'advice:options.role.health'), due, words('en', 'advice:family.notYet')],
        [words('en', 'advice:options.role.family'), due, words('en', 'advice:family.notYet')],
      ].sort(),
      'the withdrawn request is not listed',
    );
    const text = textOf(res.body);
    for (const secret of [PROFESSIONAL_ADVICE.needs, PROFESSIONAL_ADVICE.provision, ep.name, ep.email, 'EP report.pdf', words('en', 'advice:family.sharedTitle')]) {
      assert.ok(!text.includes(secret), `does not show ${secret}`);
    }
    assert.ok(!res.body.includes(submissionId));
    assert.ok(!res.body.includes(attachmentId));

    const sub = await family.get(`${page}/${submissionId}`);
    assert.equal(sub.statusCode, 404);
    const doc = await family.get(`/send/documents/${attachmentId}`);
    assert.equal(doc.statusCode, 404);
    assert.ok(!doc.body.includes('%PDF'));
    assert.deepEqual(await refusals(t, parent.id), [{ subject_type: 'document', subject_id: attachmentId }]);
  });

  test('the caseworker reads it, marks it reviewed and shares it (audited); then the family can open it and download its attachment', async () => {
    const view = await staff.client.get(`/staff/cases/${caseRow.id}/advice/submissions/${submissionId}`);
    assert.equal(view.statusCode, 200);
    assert.equal(h1(view.body), words('en', 'advice:submission.professionalTitle'));
    assert.ok(textOf(view.body).includes(PROFESSIONAL_ADVICE.needs));
    assert.ok(textOf(view.body).includes(`${ep.name}, ${ep.organisation}`));
    assert.deepEqual(linksTo(view.body, '/staff/documents/'), [[`/staff/documents/${attachmentId}`, 'EP report.pdf']]);
    const staffDownload = await staff.client.get(`/staff/documents/${attachmentId}`);
    assert.equal(staffDownload.statusCode, 200);
    assert.deepEqual(staffDownload.rawPayload, PDF);

    const reviewed = await staff.client.post(`/staff/cases/${caseRow.id}/advice/submissions/${submissionId}/reviewed`);
    assert.equal(reviewed.statusCode, 302);
    assert.equal((await family.get(`${page}/${submissionId}`)).statusCode, 404, 'reviewing is not sharing');

    await staff.client.get(`/staff/cases/${caseRow.id}/advice/submissions/${submissionId}`);
    const shared = await staff.client.post(`/staff/cases/${caseRow.id}/advice/submissions/${submissionId}/shared`);
    assert.equal(shared.statusCode, 302);
    assert.equal(locationOf(shared), `/staff/cases/${caseRow.id}#advice`);
    const audits = (await caseAuditRows(t, caseRow.id)).filter((a) => a.action.startsWith('advice.reviewed') || a.action.startsWith('advice.shared'));
    assert.deepEqual(
      audits.map((a) => [a.action, a.actor_id, JSON.parse(a.detail ?? '{}').submission]),
      [
        ['advice.reviewed', staff.person.id, submissionId],
        ['advice.shared', staff.person.id, submissionId],
      ],
    );

    const list = await family.get(page);
    assert.deepEqual(linksTo(list.body, `${page}/`), [[`${page}/${submissionId}`, words('en', 'advice:family.sharedItem', { date: formatDate(todayOf(t), 'en') })]]);
    const sub = await family.get(`${page}/${submissionId}`);
    assert.equal(sub.statusCode, 200);
    const text = textOf(sub.body);
    for (const v of Object.values(PROFESSIONAL_ADVICE)) assert.ok(text.includes(v), `shows ${v}`);
    assert.ok(text.includes(words('en', 'advice:submission.fromOn', { from: words('en', 'advice:submission.aProfessional'), date: formatDate(todayOf(t), 'en') })));
    assert.ok(!sub.body.includes('/reviewed') && !sub.body.includes('/shared"'), 'no staff buttons');
    assert.deepEqual(linksTo(sub.body, '/send/documents/'), [[`/send/documents/${attachmentId}`, 'EP report.pdf']]);
    const download = await family.get(`/send/documents/${attachmentId}`);
    assert.equal(download.statusCode, 200);
    assert.equal(download.headers['content-type'], 'application/pdf');
    assert.deepEqual(download.rawPayload, PDF);
  });

  test("the family's own advice: all five fields are required (in English and in Welsh); sent, it is dated, listed and answers the family request", async () => {
    await family.get(page);
    const empty = await family.post(page, {});
    assertFormErrors(
      empty,
      'en',
      FAMILY_FIELDS.map((f) => ({ field: f, text: words('en', `advice:fields.${f}.required`) })),
    );

    await family.get(`${page}?lng=cy`);
    const partial = await family.post(page, { aboutMyChild: FAMILY_ADVICE.aboutMyChild });
    assertFormErrors(
      partial,
      'cy',
      FAMILY_FIELDS.slice(1).map((f) => ({ field: f, text: words('cy', `advice:fields.${f}.required`) })),
    );
    assert.equal(textareaValue(partial.body, 'aboutMyChild'), FAMILY_ADVICE.aboutMyChild);
    assert.equal((await adviceRequest(t, familyRequest.id)).status, 'open');
    assert.equal((await adviceSubmissions(t, caseRow.id)).filter((s) => s.kind === 'family').length, 0);

    await family.get(`${page}?lng=en`);
    await t.mail.readAll(staff.person.email);
    const sent = await family.post(page, FAMILY_ADVICE);
    assert.equal(sent.statusCode, 302);
    assert.equal(locationOf(sent), page);
    const list = await family.get(page);
    assert.equal(pageLang(list.body), 'en');
    assert.ok(list.body.includes(words('en', 'advice:family.sent')));
    const own = (await adviceSubmissions(t, caseRow.id)).filter((s) => s.kind === 'family');
    assert.equal(own.length, 1);
    assert.equal(own[0]?.status, 'submitted');
    assert.equal(own[0]?.submitted_on, todayOf(t));
    assert.equal(own[0]?.author_id, parent.id);
    assert.equal(own[0]?.advice_request_id, familyRequest.id);
    assert.deepEqual(JSON.parse(own[0]?.content ?? '{}'), FAMILY_ADVICE);
    const ownId = own[0]?.id ?? '';
    assert.ok(linksTo(list.body, `${page}/`).some(([href, text]) => href === `${page}/${ownId}` && text === words('en', 'advice:family.ownItem', { date: formatDate(todayOf(t), 'en') })));
    assert.ok(askedRows(list.body).some((r) => r[0] === words('en', 'advice:options.role.family') && r[2] === formatDate(todayOf(t), 'en')), 'the family request is received');

    const request = await adviceRequest(t, familyRequest.id);
    assert.equal(request.status, 'submitted');
    assert.equal(request.submitted_on, todayOf(t));
    assert.equal((await eventsOfCase(t, caseRow.id)).filter((e) => e.type === 'advice_received' && JSON.parse(e.data ?? '{}').relatedId === familyRequest.id).length, 1);
    await t.mail.receive(staff.person.email, words('en', 'emails:adviceReceived.subject', { reference: caseRow.reference }));

    const mine = await family.get(`${page}/${ownId}`);
    assert.equal(mine.statusCode, 200);
    for (const v of Object.values(FAMILY_ADVICE)) assert.ok(textOf(mine.body).includes(v));
    // The caseworker's timeline shows the family's advice done on time; the health advice is still due.
    const timeline = timelineRows((await staff.client.get(`/staff/cases/${caseRow.id}`)).body).filter((r) => r.name === words('en', 'staff:milestones.advice'));
    assert.deepEqual(
      timeline.map((r) => r.status).sort(),
      [words('en', 'staff:states.done_on_time'), words('en', 'staff:states.done_on_time'), words('en', 'staff:states.due')].sort(),
    );
    assert.equal((await adviceRequest(t, health.id)).status, 'open', 'a family advice answers only the family request');
  });

  test('a family report (PDF) is listed with its date; a text file named .pdf, an empty file and one over 20 MB are refused and nothing is stored', async () => {
    const files = storedFiles(t);
    const upload = async (name: string, data: Buffer) => {
      const form = await family.get(page);
      return postMultipart(t, family, `/send/cases/${caseRow.reference}/reports`, { name, type: 'application/pdf', data }, { csrf: csrfFrom(form.body) });
    };
    for (const [name, data, problem] of [
      ['letter.pdf', Buffer.from('Dear SEN Team, this is plain text.\n'), 'badType'],
      ['empty.pdf', Buffer.alloc(0), 'empty'],
      ['huge.pdf', Buffer.concat([PDF, Buffer.alloc(20 * 1024 * 1024 + 1 - PDF.length, 0x20)]), 'tooLarge'],
    ] as const) {
      const res = await upload(name, data);
      assert.equal(res.statusCode, 400, name);
      const text = words('en', `request:upload.errors.${problem}`, { max: 20 });
      assert.deepEqual(errorSummary(res.body)?.items, [{ text, href: '#file' }]);
      assert.equal(inlineError(res.body, 'file'), text);
    }
    assert.deepEqual(storedFiles(t), files);
    assert.equal((await documentRows(t)).filter((d) => d.kind === 'family_report').length, 0);

    const ok = await upload('Private OT report.pdf', PDF);
    assert.equal(ok.statusCode, 302);
    assert.equal(locationOf(ok), page);
    const [doc] = (await documentRows(t)).filter((d) => d.kind === 'family_report');
    assert.ok(doc);
    assert.deepEqual([doc.owner_type, doc.owner_id, doc.uploaded_by, doc.content_type], ['case', caseRow.id, parent.id, 'application/pdf']);
    const list = await family.get(page);
    assert.ok(list.body.includes(words('en', 'request:upload.added', { name: 'Private OT report.pdf' })));
    assert.ok(textOf(list.body).includes(`Private OT report.pdf – ${formatDate(todayOf(t), 'en')}`));
    assert.deepEqual(linksTo(list.body, '/send/documents/'), [[`/send/documents/${doc.id}`, 'Private OT report.pdf']]);
    assert.equal((await family.get(`/send/documents/${doc.id}`)).statusCode, 200);
    // The caseworker sees it among the case's documents.
    assert.ok(linksTo((await staff.client.get(`/staff/cases/${caseRow.id}`)).body, '/staff/documents/').some(([href]) => href === `/staff/documents/${doc.id}`));
  });

  test("another family gets 404 for this case's advice page, its forms and its advice, each refusal audited", async () => {
    const stranger = await createCitizen(t, { twoStep: 'email' });
    const client = await signedInAs(t, stranger);
    const own = await client.get('/send');
    assert.equal(own.statusCode, 200);
    const token = csrfFrom(own.body);
    const before = await adviceSubmissions(t, caseRow.id);
    const docs = await documentRows(t);

    assert.equal((await client.get(page)).statusCode, 404);
    assert.equal((await client.post(page, { _csrf: token, ...FAMILY_ADVICE })).statusCode, 404);
    assert.equal((await postMultipart(t, client, `/send/cases/${caseRow.reference}/reports`, { name: 'x.pdf', type: 'application/pdf', data: PDF }, { csrf: token })).statusCode, 404);
    assert.equal((await client.get(`${page}/${submissionId}`)).statusCode, 404);
    assert.equal((await client.get(`/send/documents/${attachmentId}`)).statusCode, 404);
    assert.deepEqual(await refusals(t, stranger.id), [
      { subject_type: 'case', subject_id: caseRow.reference },
      { subject_type: 'case', subject_id: caseRow.reference },
      { subject_type: 'case', subject_id: caseRow.reference },
      { subject_type: 'case', subject_id: caseRow.reference },
      { subject_type: 'document', subject_id: attachmentId },
    ]);
    assert.deepEqual(await adviceSubmissions(t, caseRow.id), before);
    assert.deepEqual(await documentRows(t), docs);
  });
});
