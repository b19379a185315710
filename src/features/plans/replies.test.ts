import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { caseInAssessment, type StaffClient } from '../../../test/support/advice.js';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, inputValue, locationOf, signedIn, type TestPerson } from '../../../test/support/accounts.js';
import { textOf } from '../../../test/support/app.js';
import { advanceDays, caseAuditRows, caseById, eventsOfCase, linksTo, staffMember, timelineRows } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { auditCount, composeAndIssue, FAMILY_REPLY, fullSections, normalise, planResponses, planVersion, replyToPlan, unescapeHtml } from '../../../test/support/plans.js';
import { assertFormErrors, moveClockToTenthOfJanuary, signedInAs, textareaValue, todayOf, words } from '../../../test/support/send.js';
import { addDays, addWeeks } from '../../domain/dates.js';
import { PLAN_SECTIONS } from '../../domain/plan.js';
import { formatDate } from '../../platform/time.js';
import type { CaseRow } from '../cases/repo.js';
import type { PlanRow } from './service.js';

/** The sections of the reply page as the family reads them: each heading, its text, then the comment box. */
function replySections(html: string): { title: string; text: string; box: string }[] {
  return [...html.matchAll(/<h2 class="govuk-heading-m">([\s\S]*?)<\/h2>\s*<p class="govuk-body portal-prewrap">([\s\S]*?)<\/p>[\s\S]*?<textarea[^>]*name="([^"]+)"/g)].map((m) => ({
    title: normalise(unescapeHtml(m[1] ?? '')),
    text: unescapeHtml(m[2] ?? ''),
    box: m[3] ?? '',
  }));
}

describeEachDatabase('plans: issuing, and the family’s reply', (kind) => {
  let t: AccountsTestApp;
  let staff: StaffClient;
  /** Case A: a Welsh-speaking parent and an English-speaking one; replies on day 15. */
  let welsh: TestPerson;
  let second: TestPerson;
  let caseA: CaseRow;
  let draftA: PlanRow;
  /** Case B: one parent; replies on day 16. */
  let parentB: TestPerson;
  let caseB: CaseRow;
  let draftB: PlanRow;
  let day0: string;
  const welshAdvice = 'Mae Sam yn hoffi’r ŵyl a’r tŷ (ŵ ŷ)';

  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    day0 = todayOf(t);
    staff = await staffMember(t, 'caseworker');
    welsh = await createCitizen(t, { twoStep: 'email', lang: 'cy', firstName: 'Gwen' });
    second = await createCitizen(t, { twoStep: 'email', firstName: 'Owen' });
    caseA = (await caseInAssessment(t, { adults: [welsh, second], staff, assignedTo: staff.person.id })).caseRow;
    parentB = await createCitizen(t, { twoStep: 'email' });
    caseB = (await caseInAssessment(t, { adults: [parentB], staff, assignedTo: staff.person.id, firstName: 'Robin' })).caseRow;
  });
  after(() => t.close());

  test('issuing a draft moves the case to draft_plan, records the event, emails each parent in their language and gives them 15 days', async () => {
    await t.mail.readAll(welsh.email);
    await t.mail.readAll(second.email);
    draftA = await composeAndIssue(t, staff.client, caseA.id);
    draftB = await composeAndIssue(t, staff.client, caseB.id);
    const due = addDays(day0, 15);
    for (const [c, d] of [
      [caseA, draftA],
      [caseB, draftB],
    ] as const) {
      assert.deepEqual([d.version, d.kind, d.issued_on, d.response_due_on], [1, 'draft', day0, due]);
      const row = await caseById(t, c.id);
      assert.equal(row.stage, 'draft_plan');
      const events = (await eventsOfCase(t, c.id)).filter((e) => e.type === 'draft_plan_issued');
      assert.deepEqual(
        events.map((e) => [e.on_date, e.actor_id]),
        [[day0, staff.person.id]],
      );
      const audits = (await caseAuditRows(t, c.id)).map((a) => a.action);
      assert.ok(audits.includes('case.draft_plan_issued') && audits.includes('plan.issued'));
    }
    for (const [person, lang] of [
      [welsh, 'cy'],
      [second, 'en'],
    ] as const) {
      const emails = (await t.mail.unread(person.email)).filter((e) => e.template === 'case_draft_plan_issued');
      assert.equal(emails.length, 1, `one email to ${person.email}`);
      const email = emails[0];
      assert.ok(email);
      assert.equal(email.lang, lang);
      assert.equal(email.subject, words(lang, 'emails:case_draft_plan_issued.subject', { child: 'Sam' }));
      assert.ok(email.text.includes(formatDate(due, lang)), `the date comments are due, in ${lang}`);
      assert.ok(email.text.includes(`/send/cases/${caseA.reference}`));
    }

    // The family's case page: the draft sent on time, the 15 days running, and a link to the plan.
    const family = await signedInAs(t, second);
    const casePage = await family.get(`/send/cases/${caseA.reference}`);
    assert.ok(linksTo(casePage.body, `/send/cases/${caseA.reference}/plan`).length > 0);
    const rows = timelineRows(casePage.body);
    assert.deepEqual(
      rows.find((r) => r.name === words('en', 'staff:milestones.draft_plan')),
      { name: words('en', 'staff:milestones.draft_plan'), due: formatDate(addWeeks(day0, 16), 'en'), happened: formatDate(day0, 'en'), status: words('en', 'staff:states.done_on_time') },
    );
    assert.deepEqual(
      rows.find((r) => r.name === words('en', 'staff:milestones.draft_comments')),
      { name: words('en', 'staff:milestones.draft_comments'), due: formatDate(due, 'en'), happened: '–', status: words('en', 'staff:states.due') },
    );
    const plan = await family.get(`/send/cases/${caseA.reference}/plan`);
    assert.ok(textOf(plan.body).includes(words('en', 'plans:family.replyBy', { date: formatDate(due, 'en') })));
    assert.ok(plan.body.includes(`href="/send/cases/${caseA.reference}/plan/1/reply"`), 'the reply button');
  });

  test('the family reads the draft section by section and comments on each; without the meeting answer the reply is refused with the answers kept', async () => {
    const family = await signedInAs(t, parentB);
    const page = await family.get(`/send/cases/${caseB.reference}/plan/1/reply`);
    assert.equal(page.statusCode, 200);
    const sections = sectionsWithoutPlacement();
    const draft = JSON.parse(draftB.sections) as Record<string, string>;
    assert.deepEqual(
      replySections(page.body),
      sections.map((s) => ({ title: words('en', `plans:sections.${s}`), text: draft[s] ?? '', box: `comment-${s}` })),
    );
    assert.ok(page.body.includes('name="school"'));
    assert.ok(page.body.includes('name="meeting"'));

    const form = { 'comment-B': 'Please mention handwriting.', 'comment-K': 'Add the OT report.', school: 'Oak Primary School' };
    for (const meeting of [undefined, 'maybe']) {
      const res = await family.post(`/send/cases/${caseB.reference}/plan/1/reply`, meeting ? { ...form, meeting } : form);
      assertFormErrors(res, 'en', [{ field: 'meeting', text: words('en', 'plans:errors.meeting') }]);
      assert.equal(textareaValue(res.body, 'comment-B'), form['comment-B']);
      assert.equal(textareaValue(res.body, 'comment-K'), form['comment-K']);
      assert.equal(inputValue(res.body, 'school'), form.school);
    }
    const tooLong = await family.post(`/send/cases/${caseB.reference}/plan/1/reply`, { 'comment-B': 'x'.repeat(5001), school: 's'.repeat(301), meeting: 'no' });
    assertFormErrors(tooLong, 'en', [
      { field: 'school', text: words('en', 'plans:errors.schoolTooLong') },
      { field: 'comment-B', text: words('en', 'plans:errors.commentTooLong', { section: words('en', 'plans:sections.B') }) },
    ]);
    assert.deepEqual(await planResponses(t, draftB.id), []);
  });

  test('a reply on day 15 is on time; the caseworker is told and sees it beside the draft; a second reply, even from the other parent, is refused', async () => {
    const day15 = advanceDays(t, 15);
    assert.equal(day15, draftA.response_due_on);
    const family = await signedInAs(t, welsh);
    await t.mail.readAll(staff.person.email);
    const sent = await replyToPlan(family, caseA.reference, 1, { ...FAMILY_REPLY, 'comment-A': welshAdvice });
    assert.equal(sent.statusCode, 302);
    assert.equal(locationOf(sent), `/send/cases/${caseA.reference}/plan`);
    const after = await family.get(`/send/cases/${caseA.reference}/plan`);
    assert.ok(textOf(after.body).includes(words('en', 'plans:reply.sent')));
    assert.ok(textOf(after.body).includes(words('en', 'plans:family.replied', { date: formatDate(day15, 'en') })));
    assert.ok(!after.body.includes(`/plan/1/reply"`), 'no reply button any more');

    const [reply] = await planResponses(t, draftA.id);
    assert.ok(reply);
    assert.deepEqual(
      { author: reply.author_id, on: reply.submitted_on, late: reply.late, school: reply.school, meeting: reply.meeting, comments: JSON.parse(reply.comments) },
      { author: welsh.id, on: day15, late: 0, school: FAMILY_REPLY.school, meeting: 'yes', comments: { A: welshAdvice, B: FAMILY_REPLY['comment-B'], F: FAMILY_REPLY['comment-F'] } },
    );
    assert.equal(await auditCount(t, caseA.id, 'plan.reply'), 1);
    const told = (await t.mail.unread(staff.person.email)).filter((e) => e.template === 'planReplyReceived');
    assert.equal(told.length, 1);
    assert.ok(told[0]?.text.includes(`/staff/cases/${caseA.id}/plan/1`));

    // Again, by the same parent (the reply page now leads back to the plan) and by the other one.
    assert.equal(locationOf(await family.get(`/send/cases/${caseA.reference}/plan/1/reply`)), `/send/cases/${caseA.reference}/plan`);
    const again = await family.post(`/send/cases/${caseA.reference}/plan/1/reply`, { ...FAMILY_REPLY, meeting: 'no' });
    assert.equal(again.statusCode, 302);
    assert.ok(textOf((await family.get(`/send/cases/${caseA.reference}/plan`)).body).includes(words('en', 'plans:reply.already')));
    const other = await signedInAs(t, second);
    await other.get(`/send/cases/${caseA.reference}/plan`);
    const theirs = await other.post(`/send/cases/${caseA.reference}/plan/1/reply`, { 'comment-B': 'From the other parent', meeting: 'no' });
    assert.equal(theirs.statusCode, 302);
    const otherPage = await other.get(`/send/cases/${caseA.reference}/plan`);
    assert.ok(textOf(otherPage.body).includes(words('en', 'plans:reply.already')));
    assert.ok(textOf(otherPage.body).includes(words('en', 'plans:family.replied', { date: formatDate(day15, 'en') })), 'the other parent sees the reply was sent');
    const replies = await planResponses(t, draftA.id);
    assert.deepEqual(
      replies.map((r) => [r.author_id, r.meeting]),
      [[welsh.id, 'yes']],
    );

    // The caseworker reads the reply beside the draft.
    const staffClient = await signedIn(t, staff.person);
    const view = await staffClient.get(`/staff/cases/${caseA.id}/plan/1`);
    assert.equal(view.statusCode, 200);
    const columns = view.body.split('<div class="govuk-grid-column-one-half">');
    assert.equal(columns.length, 3, 'the draft and the reply side by side');
    const [draftColumn = '', replyColumn = ''] = columns.slice(1);
    assert.ok(textOf(draftColumn).includes(words('en', 'plans:sections.B')));
    const text = textOf(replyColumn);
    assert.ok(text.includes(words('en', 'plans:response.title')));
    assert.ok(text.includes(words('en', 'plans:response.sent', { date: formatDate(day15, 'en') })));
    assert.ok(!text.includes(words('en', 'plans:response.late')));
    assert.ok(text.includes(`${words('en', 'plans:reply.school')}: ${FAMILY_REPLY.school}`));
    assert.ok(text.includes(`${words('en', 'plans:reply.meeting')}: ${words('en', 'plans:reply.yes')}`));
    for (const [s, comment] of [
      ['A', welshAdvice],
      ['B', FAMILY_REPLY['comment-B']],
      ['F', FAMILY_REPLY['comment-F']],
    ] as const) {
      assert.ok(text.includes(`${words('en', `plans:sections.${s}`)} ${comment}`), `the comment on ${s}`);
    }
  });

  test('a reply on day 16 is still accepted, but flagged as sent after the deadline', async () => {
    const day16 = advanceDays(t, 1);
    assert.equal(day16, addDays(draftB.response_due_on ?? '', 1));
    const family = await signedInAs(t, parentB);
    const sent = await replyToPlan(family, caseB.reference, 1, { 'comment-E': 'More ambitious outcomes, please.', meeting: 'no', school: '' });
    assert.equal(sent.statusCode, 302);
    const [reply] = await planResponses(t, draftB.id);
    assert.deepEqual([reply?.submitted_on, reply?.late, reply?.school, reply?.meeting], [day16, 1, null, 'no']);
    const staffClient = await signedIn(t, staff.person);
    const text = textOf((await staffClient.get(`/staff/cases/${caseB.id}/plan/1`)).body);
    assert.ok(text.includes(words('en', 'plans:response.late')));
    assert.ok(text.includes(`${words('en', 'plans:reply.school')}: ${words('en', 'common:notProvided')}`));
    assert.ok(text.includes(`${words('en', 'plans:reply.meeting')}: ${words('en', 'plans:reply.no')}`));
  });

  test('issuing the final plan moves the case to plan_maintained: the 20-week milestone is done on time, or late when issued after 140 days', async () => {
    const day16 = todayOf(t);
    const staffClient = await signedIn(t, staff.person);
    await t.mail.readAll(welsh.email);
    const finalA = await composeAndIssue(t, staffClient, caseA.id, fullSections('final'));
    assert.deepEqual([finalA.version, finalA.kind, finalA.issued_on, finalA.response_due_on], [2, 'final', day16, null]);
    const rowA = await caseById(t, caseA.id);
    assert.deepEqual([rowA.stage, rowA.final_plan_on, rowA.final_plan_days], ['plan_maintained', day16, 16]);
    assert.deepEqual(
      (await eventsOfCase(t, caseA.id)).filter((e) => e.type === 'final_plan_issued').map((e) => e.on_date),
      [day16],
    );
    const email = (await t.mail.unread(welsh.email)).find((e) => e.template === 'case_final_plan_issued');
    assert.equal(email?.lang, 'cy');
    assert.equal(email?.subject, words('cy', 'emails:case_final_plan_issued.subject', { child: 'Sam' }));

    const finalRow = (html: string) => timelineRows(html).find((r) => r.name === words('en', 'staff:milestones.final_plan'));
    const familyA = await signedInAs(t, second);
    assert.deepEqual(finalRow((await familyA.get(`/send/cases/${caseA.reference}`)).body), {
      name: words('en', 'staff:milestones.final_plan'),
      due: formatDate(addDays(day0, 140), 'en'),
      happened: formatDate(day16, 'en'),
      status: words('en', 'staff:states.done_on_time'),
    });
    // A final plan asks for no reply.
    assert.equal(locationOf(await familyA.get(`/send/cases/${caseA.reference}/plan/2/reply`)), `/send/cases/${caseA.reference}/plan`);

    const day141 = advanceDays(t, 125);
    assert.equal(day141, addDays(day0, 141));
    const later = await signedIn(t, staff.person);
    await composeAndIssue(t, later, caseB.id, fullSections('final'));
    const rowB = await caseById(t, caseB.id);
    assert.deepEqual([rowB.stage, rowB.final_plan_on, rowB.final_plan_days], ['plan_maintained', day141, 141]);
    const familyB = await signedInAs(t, parentB);
    assert.deepEqual(finalRow((await familyB.get(`/send/cases/${caseB.reference}`)).body), {
      name: words('en', 'staff:milestones.final_plan'),
      due: formatDate(addDays(day0, 140), 'en'),
      happened: formatDate(day141, 'en'),
      status: words('en', 'staff:states.done_late'),
    });
    assert.deepEqual(JSON.parse((await planVersion(t, caseB.id, 1)).sections), JSON.parse(draftB.sections), 'the draft is as it was issued');
  });
});

function sectionsWithoutPlacement() {
  return PLAN_SECTIONS.filter((s) => s !== 'I');
}
