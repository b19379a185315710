import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { answeredBy, caseInAssessment, FAMILY_ADVICE, type StaffClient } from '../../../test/support/advice.js';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, locationOf, type TestPerson } from '../../../test/support/accounts.js';
import { type Client, textOf } from '../../../test/support/app.js';
import { caseById, eventsOfCase, linksTo, seedCase, staffMember } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import {
  composingVersion,
  decideReview,
  fullSections,
  normalise,
  planResponses,
  planVersion,
  planVersions,
  postSections,
  recordReviewMeeting,
  type Sections,
  sectionsOf,
  startComposing,
} from '../../../test/support/plans.js';
import { errorSummary, moveClockToTenthOfJanuary, signedInAs, textareaValue, todayOf, words } from '../../../test/support/send.js';
import { addDays } from '../../domain/dates.js';
import { PLAN_SECTIONS, type PlanSection } from '../../domain/plan.js';
import { formatDate } from '../../platform/time.js';
import type { CaseRow } from '../cases/repo.js';
import type { PlanRow } from './service.js';

const title = (s: PlanSection) => words('en', `plans:sections.${s}`);
const missing = (...sections: PlanSection[]) => sections.map((s) => ({ text: words('en', 'plans:errors.missing', { section: title(s) }), href: `#section-${s}` }));
/** Every section emptied, as a caseworker clearing the form would send it. */
const blank = (): Sections => Object.fromEntries(PLAN_SECTIONS.map((s) => [s, ''])) as Sections;

describeEachDatabase('plans: composing and issuing versions', (kind) => {
  let t: AccountsTestApp;
  let staff: StaffClient;
  let parent: TestPerson;
  let family: Client;
  let caseRow: CaseRow;
  let today: string;
  let v1: PlanRow;
  let v2: PlanRow;

  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    today = todayOf(t);
    staff = await staffMember(t, 'caseworker');
    const made = await caseInAssessment(t, { staff, assignedTo: staff.person.id });
    caseRow = made.caseRow;
    parent = made.adults[0] as TestPerson;
    family = await signedInAs(t, parent);
    // The family's own advice, through their advice page; and a professional's, through the invitation.
    await family.get(`/send/cases/${caseRow.reference}/advice`);
    const sent = await family.post(`/send/cases/${caseRow.reference}/advice`, FAMILY_ADVICE);
    assert.equal(sent.statusCode, 302, `family advice: ${sent.statusCode}`);
    await answeredBy(t, staff.client, caseRow.id, 'educationalPsychologist');
  });
  after(() => t.close());

  test('nothing can be composed before the assessment; a first draft is pre-filled from the family’s advice (A) and lists the advice received (K)', async () => {
    const other = await createCitizen(t, { twoStep: 'email' });
    const received = await seedCase(t, { adults: [other] });
    const page = await staff.client.get(`/staff/cases/${received.id}/plan`);
    assert.equal(page.statusCode, 200);
    assert.ok(textOf(page.body).includes(words('en', 'plans:staff.nothingToCompose')));
    const refused = await staff.client.post(`/staff/cases/${received.id}/plan/compose`);
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(await planVersions(t, received.id), []);

    const before = await staff.client.get(`/staff/cases/${caseRow.id}/plan`);
    assert.ok(textOf(before.body).includes(words('en', 'plans:staff.start.draft')));
    const res = await startComposing(staff.client, caseRow.id);
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), `/staff/cases/${caseRow.id}/plan#compose`);
    const [v] = await planVersions(t, caseRow.id);
    assert.ok(v);
    assert.deepEqual([v.version, v.kind, v.state, v.issued_on, v.created_by], [1, 'draft', 'composing', null, staff.person.id]);
    const sections = sectionsOf(v);
    assert.equal(sections.A, [FAMILY_ADVICE.aboutMyChild, FAMILY_ADVICE.views, FAMILY_ADVICE.aspirations].join('\n\n'));
    // Section K in the caseworker's language, with the dates written out.
    const date = formatDate(today, 'en');
    const role = words('en', 'advice:options.role.educationalPsychologist');
    assert.deepEqual(
      sections.K?.split('\n').sort(),
      [
        words('en', 'plans:prefill.adviceReceived.professional', { name: 'Dr educationalPsychologist Person', organisation: 'educationalPsychologist service', role, date }),
        words('en', 'plans:prefill.adviceReceived.family', { date }),
      ].sort(),
    );
    assert.match(sections.K ?? '', /received \d{1,2} [A-Z][a-z]+ \d{4}/);

    const form = await staff.client.get(`/staff/cases/${caseRow.id}/plan`);
    assert.ok(textOf(form.body).includes(words('en', 'plans:staff.composingIntro', { kind: words('en', 'plans:kinds.draft'), version: 1 })));
    assert.equal(textareaValue(form.body, 'A'), normalise(sections.A ?? ''));
    assert.equal(textareaValue(form.body, 'K'), normalise(sections.K ?? ''));
    assert.equal(textareaValue(form.body, 'I'), undefined, 'a draft has no placement to write');
    assert.ok(textOf(form.body).includes(words('en', 'plans:staff.noSchoolInDraft')));

    // Pressing "Start composing" again (a second tab, a double click) carries on with the same version.
    assert.equal((await startComposing(staff.client, caseRow.id)).statusCode, 302);
    assert.equal((await planVersions(t, caseRow.id)).length, 1);

    // The family sees nothing of the working copy.
    const saved = await postSections(staff.client, caseRow.id, { B: 'Working copy: not for the family yet' }, 'save');
    assert.equal(saved.statusCode, 302);
    assert.equal(locationOf(saved), `/staff/cases/${caseRow.id}/plan#compose`);
    const mine = await family.get(`/send/cases/${caseRow.reference}/plan`);
    assert.equal(mine.statusCode, 200);
    assert.ok(textOf(mine.body).includes(words('en', 'plans:family.none')));
    assert.ok(!mine.body.includes('Working copy'));
    for (const url of ['/plan/1', '/plan/1/pdf', '/plan/1/reply']) {
      assert.equal((await family.get(`/send/cases/${caseRow.reference}${url}`)).statusCode, 404, url);
    }
  });

  test('issuing without A, B, E, F and K is refused naming each; over-long sections are refused; a draft is issued with Section I empty even if text was typed', async () => {
    const empty = await postSections(staff.client, caseRow.id, blank(), 'issue');
    assert.equal(empty.statusCode, 400);
    assert.deepEqual(errorSummary(empty.body), { title: words('en', 'common:errorSummaryTitle'), items: missing('A', 'B', 'E', 'F', 'K') });
    assert.equal((await composingVersion(t, caseRow.id))?.version, 1, 'still being composed');
    assert.equal((await caseById(t, caseRow.id)).stage, 'assessment');
    assert.ok(!(await eventsOfCase(t, caseRow.id)).some((e) => e.type === 'draft_plan_issued'));

    const some = await postSections(staff.client, caseRow.id, { A: 'Views', E: 'Outcomes', I: 'Oak Primary School' }, 'issue');
    assert.equal(some.statusCode, 400);
    assert.deepEqual(errorSummary(some.body)?.items, missing('B', 'F', 'K'), 'Section I is not asked for in a draft');

    const before = await composingVersion(t, caseRow.id);
    const tooLong = await postSections(staff.client, caseRow.id, { B: 'x'.repeat(20_001), F: 'y'.repeat(20_001), E: 'Short' }, 'save');
    assert.equal(tooLong.statusCode, 400);
    assert.deepEqual(
      errorSummary(tooLong.body)?.items,
      (['B', 'F'] as const).map((s) => ({ text: words('en', 'plans:errors.tooLong', { section: title(s), max: 20000 }), href: `#section-${s}` })),
    );
    assert.deepEqual(await composingVersion(t, caseRow.id), before, 'nothing was saved');
    const longest = await postSections(staff.client, caseRow.id, { B: 'x'.repeat(20_000) }, 'save');
    assert.equal(longest.statusCode, 302, '20,000 characters are allowed');
    assert.equal(sectionsOf((await composingVersion(t, caseRow.id)) as PlanRow).B?.length, 20_000);

    const typed = fullSections('v1');
    const issued = await postSections(staff.client, caseRow.id, typed, 'issue');
    assert.equal(issued.statusCode, 302);
    assert.equal(locationOf(issued), `/staff/cases/${caseRow.id}/plan`);
    v1 = await planVersion(t, caseRow.id, 1);
    assert.deepEqual([v1.state, v1.issued_on, v1.response_due_on], ['issued', today, addDays(today, 15)]);
    assert.deepEqual(sectionsOf(v1), { ...typed, I: '' }, 'issued as typed, without a placement');
    assert.equal((await caseById(t, caseRow.id)).stage, 'draft_plan');
    const page = await staff.client.get(`/staff/cases/${caseRow.id}/plan`);
    assert.ok(textOf(page.body).includes(words('en', 'plans:staff.issued')));
  });

  test('an issued version never changes; each new version starts from the latest issued one and is numbered 1, 2, 3…; the family never sees a version being composed', async () => {
    // Nothing is being composed: the form changes nothing.
    for (const action of ['save', 'issue'] as const) {
      const res = await postSections(staff.client, caseRow.id, { A: 'Changed after issue', I: 'Another school' }, action);
      assert.equal(res.statusCode, 302);
      assert.equal(locationOf(res), `/staff/cases/${caseRow.id}/plan`);
      assert.deepEqual(await planVersion(t, caseRow.id, 1), v1, `after "${action}"`);
    }

    const staffPage = await staff.client.get(`/staff/cases/${caseRow.id}/plan`);
    assert.ok(textOf(staffPage.body).includes(words('en', 'plans:staff.start.final')));
    assert.equal((await startComposing(staff.client, caseRow.id)).statusCode, 302);
    const composing = await composingVersion(t, caseRow.id);
    assert.ok(composing);
    assert.deepEqual([composing.version, composing.kind], [2, 'final']);
    assert.deepEqual(sectionsOf(composing), sectionsOf(v1), 'starts from the draft');
    const secret = 'Working copy of the final plan: SECRET-FINAL';
    assert.equal((await postSections(staff.client, caseRow.id, { A: secret, I: 'Oak Primary School' }, 'save')).statusCode, 302);
    assert.deepEqual(await planVersion(t, caseRow.id, 1), v1, 'saving the new version leaves the issued one alone');
    assert.equal(sectionsOf(await planVersion(t, caseRow.id, 2)).A, secret);

    const mine = await family.get(`/send/cases/${caseRow.reference}/plan`);
    assert.equal(mine.statusCode, 200);
    assert.ok(!mine.body.includes('SECRET-FINAL'));
    assert.deepEqual(
      linksTo(mine.body, `/send/cases/${caseRow.reference}/plan/`).map(([href]) => href),
      [`/send/cases/${caseRow.reference}/plan/1`, `/send/cases/${caseRow.reference}/plan/1/pdf`],
    );
    for (const url of ['/plan/2', '/plan/2/pdf', '/plan/2/reply']) {
      const res = await family.get(`/send/cases/${caseRow.reference}${url}`);
      assert.equal(res.statusCode, 404, url);
      assert.ok(!res.body.includes('SECRET-FINAL'));
    }
    await family.get(`/send/cases/${caseRow.reference}/plan`);
    const replied = await family.post(`/send/cases/${caseRow.reference}/plan/2/reply`, { meeting: 'no' });
    assert.equal(replied.statusCode, 404);
    assert.deepEqual(await planResponses(t, composing.id), []);

    // A final plan needs its placement.
    const noPlacement = await postSections(staff.client, caseRow.id, { I: ' ' }, 'issue');
    assert.equal(noPlacement.statusCode, 400);
    assert.deepEqual(errorSummary(noPlacement.body)?.items, missing('I'));
    const final = fullSections('v2');
    assert.equal((await postSections(staff.client, caseRow.id, final, 'issue')).statusCode, 302);
    v2 = await planVersion(t, caseRow.id, 2);
    assert.deepEqual([v2.state, v2.kind, v2.issued_on, v2.response_due_on], ['issued', 'final', today, null]);
    assert.deepEqual(sectionsOf(v2), final);
    assert.deepEqual(await planVersion(t, caseRow.id, 1), v1);
    assert.equal((await caseById(t, caseRow.id)).stage, 'plan_maintained');
  });

  test('with a plan maintained, nothing is composed until a review decides to amend; then the proposed amendments and the amended plan follow as versions 3 and 4', async () => {
    const nothing = await startComposing(staff.client, caseRow.id);
    assert.equal(nothing.statusCode, 400);
    assert.ok(textOf((await staff.client.get(`/staff/cases/${caseRow.id}/plan`)).body).includes(words('en', 'plans:staff.nothingToCompose')));
    assert.equal((await planVersions(t, caseRow.id)).length, 2);

    // A review that keeps the plan does not open a new version either.
    assert.equal((await recordReviewMeeting(staff.client, caseRow.id, today)).statusCode, 302);
    assert.equal((await decideReview(staff.client, caseRow.id, 'keep')).statusCode, 302);
    assert.equal((await startComposing(staff.client, caseRow.id)).statusCode, 400);

    assert.equal((await recordReviewMeeting(staff.client, caseRow.id, today)).statusCode, 302);
    assert.equal((await decideReview(staff.client, caseRow.id, 'amend', 'Sam has moved to Year 5')).statusCode, 302);
    assert.ok(textOf((await staff.client.get(`/staff/cases/${caseRow.id}/plan`)).body).includes(words('en', 'plans:staff.start.amendment')));
    assert.equal((await startComposing(staff.client, caseRow.id)).statusCode, 302);
    const v3composing = await composingVersion(t, caseRow.id);
    assert.deepEqual([v3composing?.version, v3composing?.kind], [3, 'amendment']);
    assert.deepEqual(sectionsOf(v3composing as PlanRow), sectionsOf(v2), 'starts from the final plan');
    const amendments = { ...sectionsOf(v2), F: 'Daily phonics and a weekly speech and language session.' };
    assert.equal((await postSections(staff.client, caseRow.id, amendments, 'issue')).statusCode, 302);
    const v3 = await planVersion(t, caseRow.id, 3);
    assert.deepEqual([v3.state, v3.issued_on, v3.response_due_on], ['issued', today, addDays(today, 15)]);
    assert.deepEqual(sectionsOf(v3), amendments);

    assert.ok(textOf((await staff.client.get(`/staff/cases/${caseRow.id}/plan`)).body).includes(words('en', 'plans:staff.start.amended')));
    assert.equal((await startComposing(staff.client, caseRow.id)).statusCode, 302);
    const v4composing = await composingVersion(t, caseRow.id);
    assert.deepEqual([v4composing?.version, v4composing?.kind], [4, 'amended']);
    assert.deepEqual(sectionsOf(v4composing as PlanRow), amendments, 'starts from the proposed amendments');
    const noPlacement = await postSections(staff.client, caseRow.id, { I: '' }, 'issue');
    assert.equal(noPlacement.statusCode, 400);
    assert.deepEqual(errorSummary(noPlacement.body)?.items, missing('I'), 'an amended plan names its placement');
    const amended = { ...amendments, I: 'Oak Primary School, resourced provision' };
    assert.equal((await postSections(staff.client, caseRow.id, amended, 'issue')).statusCode, 302);
    const v4 = await planVersion(t, caseRow.id, 4);
    assert.deepEqual([v4.state, v4.issued_on, v4.response_due_on], ['issued', today, null]);
    assert.deepEqual(sectionsOf(v4), amended);

    // The review is answered: nothing more to compose until the next one.
    assert.equal((await startComposing(staff.client, caseRow.id)).statusCode, 400);
    const all = await planVersions(t, caseRow.id);
    assert.deepEqual(
      all.map((v) => [v.version, v.kind, v.state]),
      [
        [1, 'draft', 'issued'],
        [2, 'final', 'issued'],
        [3, 'amendment', 'issued'],
        [4, 'amended', 'issued'],
      ],
    );
    assert.deepEqual(all.slice(0, 3), [v1, v2, v3], 'earlier versions are untouched');
    const page = await staff.client.get(`/staff/cases/${caseRow.id}/plan`);
    assert.deepEqual(
      linksTo(page.body, `/staff/cases/${caseRow.id}/plan/`).map(([, text]) => text),
      (['amended', 'amendment', 'final', 'draft'] as const).map((k, i) => words('en', 'plans:version.label', { version: 4 - i, kind: words('en', `plans:kinds.${k}`) })),
    );
  });
});
