import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StaffClient } from '../../../test/support/advice.js';
import { type AccountsTestApp, createAccountsTestApp, locationOf, signedIn, type TestPerson } from '../../../test/support/accounts.js';
import { type Client, textOf } from '../../../test/support/app.js';
import { actOk, advanceDays, caseById, eventsOfCase, staffMember, type TimelineRow, timelineRows } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import {
  caseWithFinalPlan,
  composeAndIssue,
  decideReview,
  FAMILY_REPLY,
  fullSections,
  type PlanCase,
  planResponses,
  planVersion,
  postSections,
  recordReviewMeeting,
  replyToPlan,
  reviewsOf,
  sectionsOf,
  startComposing,
} from '../../../test/support/plans.js';
import { errorSummary, moveClockToTenthOfJanuary, signedInAs, todayOf, words, yearsBefore } from '../../../test/support/send.js';
import { addDays, addMonths, daysBetween } from '../../domain/dates.js';
import { formatDate } from '../../platform/time.js';

const en = (iso: string) => formatDate(iso, 'en');
const milestone = (key: string) => words('en', `staff:milestones.${key}`);
const state = (key: string) => words('en', `staff:states.${key}`);
const errors = (html: string) => errorSummary(html)?.items;

describeEachDatabase('plans: annual reviews', (kind) => {
  let t: AccountsTestApp;
  let staff: StaffClient;
  /** A child of about 9, the caseworker assigned. */
  let older: PlanCase;
  /** A child born 3 years before the test clock, nobody assigned. */
  let young: PlanCase;
  let day0: string;
  let reviewDue: string;

  /** The family's case page's timeline rows for a milestone. */
  async function familyTimeline(c: PlanCase, key: string): Promise<TimelineRow[]> {
    const family = await signedInAs(t, c.adults[0] as TestPerson);
    const page = await family.get(`/send/cases/${c.caseRow.reference}`);
    assert.equal(page.statusCode, 200);
    return timelineRows(page.body).filter((r) => r.name === milestone(key));
  }
  async function staffClient(): Promise<Client> {
    staff = { person: staff.person, client: await signedIn(t, staff.person) };
    return staff.client;
  }
  const reminders = async () => (await t.mail.unread(staff.person.email)).filter((e) => e.template === 'reviewReminder');

  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    day0 = todayOf(t);
    staff = await staffMember(t, 'caseworker');
    older = await caseWithFinalPlan(t, { staff, assignedTo: staff.person.id });
    young = await caseWithFinalPlan(t, { staff, dateOfBirth: yearsBefore(day0, 3), firstName: 'Ffion', reply: false });
    reviewDue = addMonths(day0, 12);
  });
  after(() => t.close());

  test('after the final plan the timeline shows the annual review due 12 months later, or 6 months for a child under 5', async () => {
    assert.deepEqual(await familyTimeline(older, 'annual_review'), [{ name: milestone('annual_review'), due: en(reviewDue), happened: '–', status: state('due') }]);
    assert.deepEqual(await familyTimeline(young, 'annual_review'), [{ name: milestone('annual_review'), due: en(addMonths(day0, 6)), happened: '–', status: state('due') }]);
    assert.equal((await caseById(t, older.caseRow.id)).next_due_on, reviewDue);
  });

  test('remindReviews() emails the assigned caseworker once, when the review is within 8 weeks', async () => {
    await t.mail.readAll(staff.person.email);
    await t.app.plans.remindReviews();
    assert.deepEqual(await reminders(), [], 'a year away');
    // To 57 days before the review, then to 56.
    advanceDays(t, daysBetween(todayOf(t), addDays(reviewDue, -57)));
    await t.app.plans.remindReviews();
    assert.deepEqual(await reminders(), [], '57 days before');
    advanceDays(t, 1);
    assert.equal(addDays(todayOf(t), 56), reviewDue);
    await t.app.plans.remindReviews();
    const sent = await reminders();
    assert.equal(sent.length, 1, '56 days before: one reminder');
    assert.equal(sent[0]?.subject, words('en', 'emails:reviewReminder.subject', { reference: older.caseRow.reference, dueOn: en(reviewDue) }));
    assert.ok(sent[0]?.text.includes(`/staff/cases/${older.caseRow.id}`));
    await t.mail.readAll(staff.person.email);
    assert.equal(await t.app.plans.remindReviews(), 0);
    advanceDays(t, 1);
    assert.equal(await t.app.plans.remindReviews(), 0);
    assert.deepEqual(await reminders(), [], 'only once');
    assert.equal((await caseById(t, older.caseRow.id)).review_reminded_for, reviewDue);
  });

  test('a review meeting in the future is refused; recorded, it meets the annual review and starts the 4-week clock for the decision; keep needs no reasons, amend and cease do', async () => {
    const client = await staffClient();
    const id = older.caseRow.id;
    const today = todayOf(t);
    const meetingError = [{ text: words('en', 'plans:errors.meetingDate'), href: '#meeting-day' }];
    for (const date of [addDays(today, 1), { day: '31', month: '2', year: today.slice(0, 4) }, { day: '', month: '', year: '' }]) {
      const res = await recordReviewMeeting(client, id, date);
      assert.equal(res.statusCode, 400, JSON.stringify(date));
      assert.deepEqual(errors(res.body), meetingError);
    }
    assert.deepEqual(await reviewsOf(t, id), []);
    const early = await decideReview(client, id, 'keep');
    assert.equal(early.statusCode, 400);
    assert.deepEqual(errors(early.body), [{ text: words('en', 'plans:errors.noMeeting'), href: '#decision' }]);

    const meetingOn = addDays(today, -3);
    const res = await recordReviewMeeting(client, id, meetingOn);
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), `/staff/cases/${id}/plan`);
    const [review] = await reviewsOf(t, id);
    assert.deepEqual([review?.meeting_on, review?.decision, review?.created_by], [meetingOn, null, staff.person.id]);
    assert.deepEqual(
      (await eventsOfCase(t, id)).filter((e) => e.type === 'review_meeting').map((e) => [e.on_date, JSON.parse(e.data ?? '{}').relatedId]),
      [[meetingOn, review?.id]],
    );
    const page = textOf((await client.get(`/staff/cases/${id}/plan`)).body);
    assert.ok(page.includes(words('en', 'plans:staff.meetingRecorded')));
    assert.ok(page.includes(words('en', 'plans:reviews.meeting', { date: en(meetingOn) })));
    assert.ok(page.includes(words('en', 'plans:reviews.decide')));
    assert.deepEqual(await familyTimeline(older, 'annual_review'), [
      { name: milestone('annual_review'), due: en(reviewDue), happened: en(meetingOn), status: state('done_on_time') },
      { name: milestone('annual_review'), due: en(addMonths(meetingOn, 12)), happened: '–', status: state('due') },
    ]);
    assert.deepEqual(await familyTimeline(older, 'review_decision'), [{ name: milestone('review_decision'), due: en(addDays(meetingOn, 28)), happened: '–', status: state('due') }]);

    for (const [decision, reasons, error] of [
      ['', '', 'decision'],
      ['maybe', 'x', 'decision'],
      ['amend', ' ', 'reasonRequired'],
      ['cease', '', 'reasonRequired'],
    ] as const) {
      const refused = await decideReview(client, id, decision, reasons);
      assert.equal(refused.statusCode, 400, decision);
      // A missing reason links to the reasons box; a missing decision to the decision.
      const href = error === 'reasonRequired' ? '#reasons' : '#decision';
      assert.deepEqual(errors(refused.body), [{ text: words('en', `plans:errors.${error}`), href }], decision);
    }
    assert.equal((await reviewsOf(t, id))[0]?.decision, null);
    assert.equal((await caseById(t, id)).stage, 'plan_maintained');

    const parent = older.adults[0] as TestPerson;
    await t.mail.readAll(parent.email);
    const kept = await decideReview(client, id, 'keep');
    assert.equal(kept.statusCode, 302);
    assert.deepEqual(
      (await reviewsOf(t, id)).map((r) => [r.decision, r.decided_on, r.reasons]),
      [['keep', today, null]],
    );
    const told = (await t.mail.unread(parent.email)).filter((e) => e.template === 'reviewKeep');
    assert.equal(told.length, 1);
    assert.deepEqual(await familyTimeline(older, 'review_decision'), [{ name: milestone('review_decision'), due: en(addDays(meetingOn, 28)), happened: en(today), status: state('done_on_time') }]);
    assert.equal((await caseById(t, id)).stage, 'plan_maintained');
  });

  test('amend: the proposed amendments are sent (the family has 15 days and can reply), then the amended plan is issued within 8 weeks', async () => {
    advanceDays(t, 30);
    const client = await staffClient();
    const id = older.caseRow.id;
    const parent = older.adults[0] as TestPerson;
    const meetingOn = todayOf(t);
    assert.equal((await recordReviewMeeting(client, id, meetingOn)).statusCode, 302);
    await t.mail.readAll(parent.email);
    assert.equal((await decideReview(client, id, 'amend', 'Sam now needs speech and language therapy')).statusCode, 302);
    const review = (await reviewsOf(t, id)).at(-1);
    assert.deepEqual([review?.decision, review?.reasons], ['amend', 'Sam now needs speech and language therapy']);
    assert.equal((await t.mail.unread(parent.email)).filter((e) => e.template === 'reviewAmend').length, 1);

    const proposed = { ...fullSections('final'), F: 'Daily phonics and a weekly speech and language therapy session.' };
    const amendments = await composeAndIssue(t, client, id, proposed);
    assert.deepEqual([amendments.version, amendments.kind, amendments.issued_on, amendments.response_due_on], [3, 'amendment', meetingOn, addDays(meetingOn, 15)]);
    assert.deepEqual(
      (await eventsOfCase(t, id)).filter((e) => e.type === 'amendments_proposed').map((e) => [e.on_date, JSON.parse(e.data ?? '{}').relatedId]),
      [[meetingOn, review?.id]],
    );
    assert.equal((await caseById(t, id)).stage, 'plan_maintained');
    const email = (await t.mail.unread(parent.email)).find((e) => e.template === 'planAmendmentsProposed');
    assert.ok(email, 'the family is told');
    assert.ok(email.text.includes(en(addDays(meetingOn, 15))), 'with the date to reply by');
    assert.ok(email.text.includes(`/send/cases/${older.caseRow.reference}/plan`));
    assert.deepEqual(await familyTimeline(older, 'amended_plan'), [{ name: milestone('amended_plan'), due: en(addDays(meetingOn, 56)), happened: '–', status: state('due') }]);

    advanceDays(t, 10);
    const family = await signedInAs(t, parent);
    const plan = await family.get(`/send/cases/${older.caseRow.reference}/plan`);
    assert.ok(textOf(plan.body).includes(words('en', 'plans:family.replyBy', { date: en(addDays(meetingOn, 15)) })));
    const replied = await replyToPlan(family, older.caseRow.reference, 3, FAMILY_REPLY);
    assert.equal(replied.statusCode, 302);
    const [reply] = await planResponses(t, amendments.id);
    assert.deepEqual([reply?.late, reply?.submitted_on, reply?.meeting], [0, todayOf(t), 'yes']);

    advanceDays(t, 20);
    const issuedOn = todayOf(t);
    const later = await staffClient();
    await t.mail.readAll(parent.email);
    const amendedSections = { ...proposed, B: `${proposed.B} Handwriting is tiring.` };
    const amended = await composeAndIssue(t, later, id, amendedSections);
    assert.deepEqual([amended.version, amended.kind, amended.issued_on, amended.response_due_on], [4, 'amended', issuedOn, null]);
    assert.deepEqual(sectionsOf(amended), amendedSections);
    assert.deepEqual(
      (await eventsOfCase(t, id)).filter((e) => e.type === 'amended_plan_issued').map((e) => [e.on_date, JSON.parse(e.data ?? '{}').relatedId]),
      [[issuedOn, review?.id]],
    );
    assert.equal((await t.mail.unread(parent.email)).filter((e) => e.template === 'planAmended').length, 1);
    assert.deepEqual(await familyTimeline(older, 'amended_plan'), [{ name: milestone('amended_plan'), due: en(addDays(meetingOn, 56)), happened: en(issuedOn), status: state('done_on_time') }]);
    assert.deepEqual(sectionsOf(await planVersion(t, id, 3)), proposed, 'the proposed amendments are as they were sent');
    assert.equal((await startComposing(later, id)).statusCode, 400, 'the review is answered');
  });

  test('cease: with reasons, the plan ceases through the workflow and the family is emailed', async () => {
    const client = await staffClient();
    const id = young.caseRow.id;
    const parent = young.adults[0] as TestPerson;
    const today = todayOf(t);
    assert.equal((await recordReviewMeeting(client, id, today)).statusCode, 302);
    await t.mail.readAll(parent.email);
    const res = await decideReview(client, id, 'cease', 'Ffion no longer needs special educational provision');
    assert.equal(res.statusCode, 302);
    const row = await caseById(t, id);
    assert.deepEqual([row.stage, row.closed_on, row.next_due_on], ['ceased', today, null]);
    const ceased = (await eventsOfCase(t, id)).filter((e) => e.type === 'ceased');
    assert.deepEqual(
      ceased.map((e) => [e.on_date, JSON.parse(e.data ?? '{}').reasons]),
      [[today, 'Ffion no longer needs special educational provision']],
    );
    assert.deepEqual(
      (await reviewsOf(t, id)).map((r) => r.decision),
      ['cease'],
    );
    const emails = (await t.mail.unread(parent.email)).filter((e) => e.template === 'case_cease');
    assert.equal(emails.length, 1);
    assert.equal(emails[0]?.subject, words('en', 'emails:case_cease.subject', { child: 'Ffion' }));
    const page = await client.get(`/staff/cases/${id}/plan`);
    assert.ok(!page.body.includes(`/staff/cases/${id}/reviews/`), 'no more review forms');
    assert.equal((await recordReviewMeeting(client, id, today)).statusCode, 400, 'no review of a ceased plan');
    assert.equal((await startComposing(client, id)).statusCode, 400);
  });

  test('once the plan has ceased (through the case page), proposed amendments being composed cannot be sent and an open review cannot be decided', async () => {
    const client = await staffClient();
    const c = await caseWithFinalPlan(t, { staff, reply: false, firstName: 'Cai' });
    const id = c.caseRow.id;
    const parent = c.adults[0] as TestPerson;
    const today = todayOf(t);
    assert.equal((await recordReviewMeeting(client, id, today)).statusCode, 302);
    assert.equal((await decideReview(client, id, 'amend', 'New needs')).statusCode, 302);
    assert.equal((await startComposing(client, id)).statusCode, 302);
    assert.equal((await recordReviewMeeting(client, id, today)).statusCode, 302);
    await actOk(t, client, id, 'cease', { reasons: 'Cai has moved to another council' });
    assert.equal((await caseById(t, id)).stage, 'ceased');
    await t.mail.readAll(parent.email);

    const issue = await postSections(client, id, fullSections('amendment'), 'issue');
    assert.equal(issue.statusCode, 400);
    assert.deepEqual(errors(issue.body), [{ text: words('en', 'plans:errors.workflow'), href: '#compose' }]);
    assert.equal((await planVersion(t, id, 3)).state, 'composing');
    const decided = await decideReview(client, id, 'amend', 'More new needs');
    assert.equal(decided.statusCode, 400);
    assert.deepEqual(
      (await reviewsOf(t, id)).map((r) => r.decision),
      ['amend', null],
    );
    assert.ok(!(await eventsOfCase(t, id)).some((e) => e.type === 'amendments_proposed'));
    assert.deepEqual(await t.mail.unread(parent.email), [], 'the family is not told of amendments to a plan that has ceased');
  });
});

