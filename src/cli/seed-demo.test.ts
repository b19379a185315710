import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachDatabase, createTestDatabase, type TestDatabase } from '../../test/support/databases.js';
import { migrateToLatest } from '../db/database.js';
import { daysBetween } from '../domain/dates.js';
import { parseCaseReference } from '../domain/reference.js';
import { computeTimeline } from '../domain/timeline.js';
import { CASE_STAGES, type CaseStage, isClosedStage } from '../domain/workflow.js';
import { verifyPassword } from '../features/account/passwords.js';
import { toTimelineEvents } from '../features/cases/service.js';
import { SECTIONS } from '../features/send/forms.js';
import { sectionAtLeastOne } from '../features/send/service.js';
import { validateForm } from '../platform/form-engine.js';
import { londonDate } from '../platform/time.js';
import { DEMO_PASSWORD, FAMILY_DOMAIN, refusal, type SeedSummary, seedDemo, STAGE_MIX, STAFF_DOMAIN, stageCounts } from './seed-demo.js';

test('the stage mix is apportioned exactly and sums to the number of cases', () => {
  assert.ok(Math.abs(Object.values(STAGE_MIX).reduce((a, b) => a + b, 0) - 1) < 1e-9);
  for (const n of [0, 1, 7, 50, 99, 1000, 100_000]) {
    const counts = stageCounts(n);
    assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), n, `n=${n}`);
    for (const stage of CASE_STAGES) assert.ok(Math.abs(counts[stage] - n * STAGE_MIX[stage]) < 1, `${stage} at n=${n}`);
  }
  assert.deepEqual(stageCounts(100_000), { received: 15_000, assessment: 35_000, draft_plan: 5_000, plan_maintained: 30_000, closed_not_assessed: 8_000, closed_no_plan: 3_000, ceased: 0, withdrawn: 4_000 });
});

test('refuses a production database unless forced', () => {
  assert.match(refusal({ NODE_ENV: 'production' }, false) ?? '', /--force/);
  assert.equal(refusal({ NODE_ENV: 'production' }, true), undefined);
  assert.equal(refusal({ NODE_ENV: 'development' }, false), undefined);
  assert.equal(refusal({}, false), undefined);
});

describeEachDatabase('seed-demo', (kind) => {
  let database: TestDatabase;
  let summary: SeedSummary;
  const now = new Date();
  const today = londonDate(now);

  before(async () => {
    database = await createTestDatabase(kind);
    await migrateToLatest(database.db);
    summary = await seedDemo(database.db, { cases: 50, staff: 5, now, batchSize: 20 });
  });
  after(async () => {
    await database.drop();
  });

  test('makes a citizen, a child, a submitted request and a case per family, and the staff', async () => {
    const db = database.db;
    const count = async (table: 'users' | 'children' | 'child_links' | 'assessment_requests' | 'cases') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow()).n);
    assert.equal(summary.cases, 50);
    assert.equal(await count('cases'), 50);
    assert.equal(await count('children'), 50);
    assert.equal(await count('child_links'), 50);
    assert.equal(await count('assessment_requests'), 50);
    assert.equal(await count('users'), 55);
    const roles = await db.selectFrom('users').select('role').execute();
    assert.equal(roles.filter((u) => u.role === 'citizen').length, 50);
    assert.equal(roles.filter((u) => u.role === 'admin').length, 1);
    assert.ok(roles.some((u) => u.role === 'manager'));
    assert.ok(roles.some((u) => u.role === 'caseworker'));
    assert.deepEqual(summary.staff, { caseworker: 3, manager: 1, admin: 1 });
    const user = await db.selectFrom('users').selectAll().where('email', '=', `family1@${FAMILY_DOMAIN}`).executeTakeFirstOrThrow();
    assert.equal(user.two_step_method, 'email');
    assert.ok(user.email_confirmed_at);
    assert.ok(await verifyPassword(user.password_hash, DEMO_PASSWORD), 'the summary password signs in');
    assert.equal(summary.staffEmails.manager, `manager1@${STAFF_DOMAIN}`);
  });

  test('references are unique, in the reference format, and of the year the request was received', async () => {
    const rows = await database.db.selectFrom('cases').select(['reference', 'received_on']).execute();
    assert.equal(new Set(rows.map((r) => r.reference)).size, rows.length);
    for (const r of rows) {
      assert.match(r.reference, /^EHC-\d{4}-\d{5}$/);
      assert.equal(parseCaseReference(r.reference)?.year, Number(r.received_on.slice(0, 4)));
    }
  });

  test('the stages follow the mix, and the dates agree with the events', async () => {
    const db = database.db;
    const cases = await db.selectFrom('cases').selectAll().execute();
    const byStage: Record<string, number> = {};
    for (const c of cases) byStage[c.stage] = (byStage[c.stage] ?? 0) + 1;
    const expected = Object.fromEntries(Object.entries(stageCounts(50)).filter(([, n]) => n > 0));
    assert.deepEqual(byStage, expected);
    assert.deepEqual(summary.byStage, expected);
    assert.equal(
      Object.values(byStage).reduce((a, b) => a + b, 0),
      50,
    );
    for (const c of cases) {
      const stage = c.stage as CaseStage;
      assert.ok(c.received_on <= today && daysBetween(c.received_on, today) <= 730, `${c.reference} received within two years`);
      assert.equal(c.next_due_on === null, isClosedStage(stage), `${c.reference} (${stage}): next_due_on null iff closed`);
      assert.equal(c.closed_on === null, !isClosedStage(stage), `${c.reference}: closed_on`);
      const events = await db.selectFrom('case_events').selectAll().where('case_id', '=', c.id).orderBy('on_date').orderBy('created_at').execute();
      assert.equal(events.filter((e) => e.type === 'received').length, 1);
      assert.equal(events[0]?.type, 'received');
      assert.equal(events[0]?.on_date, c.received_on);
      assert.ok(events.every((e) => e.on_date <= today), 'no event in the future');
      const decision = events.find((e) => e.type === 'decision_to_assess' || e.type === 'decision_not_to_assess');
      assert.equal(c.decided_on, decision?.on_date ?? null);
      assert.equal(c.decision_days, decision ? daysBetween(c.received_on, decision.on_date) : null);
      const final = events.find((e) => e.type === 'final_plan_issued');
      assert.equal(c.final_plan_on, final?.on_date ?? null);
      assert.equal(c.final_plan_days, final ? daysBetween(c.received_on, final.on_date) : null);
      if (stage === 'plan_maintained') assert.ok(final);
      // Annual reviews as the plans feature records them: a review row per meeting, events pointing at it.
      const reviews = await db.selectFrom('reviews').select(['id', 'meeting_on', 'decided_on']).where('case_id', '=', c.id).orderBy('meeting_on').execute();
      const meetings = events.filter((e) => e.type === 'review_meeting');
      assert.deepEqual(
        meetings.map((e) => [JSON.parse(e.data ?? '{}').relatedId, e.on_date]),
        reviews.map((rv) => [rv.id, rv.meeting_on]),
      );
      for (const d of events.filter((e) => e.type === 'review_decision')) assert.ok(reviews.some((rv) => rv.id === JSON.parse(d.data ?? '{}').relatedId && rv.decided_on === d.on_date));
      if (stage === 'received') assert.equal(events.length, 1);
      // The next date is what the app itself would store (CaseService.nextDue over computeTimeline).
      const child = await db.selectFrom('children').select('date_of_birth').where('id', '=', c.child_id).executeTakeFirstOrThrow();
      const timeline = computeTimeline({ receivedOn: c.received_on, events: toTimelineEvents(events), today, childDateOfBirth: child.date_of_birth });
      assert.deepEqual(timeline.warnings, [], `${c.reference}: the events make a consistent timeline`);
      const open = timeline.milestones.filter((m) => m.owner === 'council' && (m.state === 'due' || m.state === 'overdue')).map((m) => m.dueOn);
      assert.equal(c.next_due_on, isClosedStage(stage) ? null : (open.sort()[0] ?? null), `${c.reference}: next_due_on`);
    }
    assert.ok(cases.filter((c) => !isClosedStage(c.stage as CaseStage) && c.assigned_to).length > 0, 'open cases are assigned');
  });

  test('the requests are complete by the forms’ own rules, for children 2 to 20 years old', async () => {
    const db = database.db;
    const requests = await db.selectFrom('assessment_requests').innerJoin('children', 'children.id', 'assessment_requests.child_id').select(['assessment_requests.status', 'assessment_requests.answers', 'children.date_of_birth']).execute();
    for (const r of requests) {
      assert.equal(r.status, 'submitted');
      const age = daysBetween(r.date_of_birth, today) / 365.25;
      assert.ok(age >= 1.9 && age <= 20.1, `age ${age}`);
      const answers = JSON.parse(r.answers) as Record<string, { values: Record<string, string | string[]>; complete: boolean }>;
      for (const s of SECTIONS) {
        const a = answers[s.key];
        assert.ok(a?.complete, `section ${s.key}`);
        assert.deepEqual(validateForm(s.fields, a.values), {}, `section ${s.key}`);
        assert.ok(sectionAtLeastOne(s.key, a.values), `section ${s.key}`);
      }
    }
  });

  test('a second run adds to the first: new addresses and references, no clash', async () => {
    const again = await seedDemo(database.db, { cases: 10, staff: 3, now, seed: 2 });
    assert.equal(again.firstFamilyEmail, `family51@${FAMILY_DOMAIN}`);
    assert.equal(again.staffEmails.manager, `manager2@${STAFF_DOMAIN}`);
    const refs = await database.db.selectFrom('cases').select('reference').execute();
    assert.equal(refs.length, 60);
    assert.equal(new Set(refs.map((r) => r.reference)).size, 60);
  });
});
