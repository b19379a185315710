import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addDays, type IsoDate } from './dates.js';
import {
  type CaseEvent,
  type CaseEventType,
  computeTimeline,
  type ExceptionType,
  initialDueDates,
  type Milestone,
  type MilestoneKey,
  ragFor,
  type Timeline,
  validateException,
} from './timeline.js';

// Received on Monday 5 January 2026: day 42 = 2026-02-16, day 112 = 2026-04-27, day 140 = 2026-05-25.
const R = '2026-01-05';
const day = (n: number): IsoDate => addDays(R, n);

type SimpleType = Exclude<CaseEventType, 'exception'>;

function ev(type: SimpleType, n: number, id?: string): CaseEvent {
  return id === undefined ? { type, date: day(n) } : { type, date: day(n), id };
}

function on(type: SimpleType, date: IsoDate, id?: string): CaseEvent {
  return id === undefined ? { type, date } : { type, date, id };
}

function exc(fromDay: number, toDay: number | undefined, exceptionType: ExceptionType = 'school_closure'): CaseEvent {
  const data = { exceptionType, reason: 'Recorded by caseworker', from: day(fromDay) };
  return { type: 'exception', date: day(fromDay), data: toDay === undefined ? data : { ...data, to: day(toDay) } };
}

function tl(events: CaseEvent[], todayDay: number, childDateOfBirth?: IsoDate): Timeline {
  return computeTimeline({ receivedOn: R, events, today: day(todayDay), childDateOfBirth });
}

function get(t: Timeline, key: MilestoneKey, relatedId?: string): Milestone {
  const m = t.milestones.find((x) => x.key === key && (relatedId === undefined || x.relatedId === relatedId));
  assert.ok(m, `milestone ${key} ${relatedId ?? ''}`);
  return m;
}

function all(t: Timeline, key: MilestoneKey): Milestone[] {
  return t.milestones.filter((m) => m.key === key);
}

describe('initialDueDates', () => {
  test('6, 16 and 20 weeks from the day received', () => {
    assert.deepEqual(initialDueDates(R), {
      decisionDue: '2026-02-16',
      draftPlanDue: '2026-04-27',
      finalPlanDue: '2026-05-25',
    });
  });

  test('through 29 February in a leap year', () => {
    assert.deepEqual(initialDueDates('2028-01-20'), {
      decisionDue: '2028-03-02',
      draftPlanDue: '2028-05-11',
      finalPlanDue: '2028-06-08',
    });
    assert.equal(initialDueDates('2027-01-20').decisionDue, '2027-03-03');
  });

  test('refuses an invalid date', () => {
    assert.throws(() => initialDueDates('2027-02-29'), RangeError);
  });
});

describe('decision whether to assess: 6 weeks (day 42)', () => {
  test('due on day 42', () => {
    assert.equal(get(tl([], 0), 'decision_to_assess').dueOn, '2026-02-16');
  });

  for (const [doneDay, state] of [
    [41, 'done_on_time'],
    [42, 'done_on_time'],
    [43, 'done_late'],
  ] as const) {
    test(`decided on day ${doneDay}: ${state}`, () => {
      const m = get(tl([ev('decision_to_assess', doneDay)], 60), 'decision_to_assess');
      assert.equal(m.state, state);
      assert.equal(m.doneOn, day(doneDay));
    });
  }

  test('a refusal to assess also meets it', () => {
    assert.equal(get(tl([ev('decision_not_to_assess', 42)], 60), 'decision_to_assess').state, 'done_on_time');
    assert.equal(get(tl([ev('decision_not_to_assess', 43)], 60), 'decision_to_assess').state, 'done_late');
  });

  for (const [today, state] of [
    [0, 'due'],
    [41, 'due'],
    [42, 'due'],
    [43, 'overdue'],
  ] as const) {
    test(`not decided, today day ${today}: ${state}`, () => {
      const m = get(tl([], today), 'decision_to_assess');
      assert.equal(m.state, state);
      assert.equal(m.doneOn, undefined);
    });
  }

  test('leap year: received 2028-01-20, due 2028-03-02', () => {
    const t = (events: CaseEvent[], today: IsoDate) => computeTimeline({ receivedOn: '2028-01-20', events, today });
    assert.equal(get(t([], '2028-03-02'), 'decision_to_assess').state, 'due');
    assert.equal(get(t([], '2028-03-03'), 'decision_to_assess').state, 'overdue');
    assert.equal(
      get(t([on('decision_to_assess', '2028-03-02')], '2028-04-01'), 'decision_to_assess').state,
      'done_on_time',
    );
    assert.equal(get(t([on('decision_to_assess', '2028-03-03')], '2028-04-01'), 'decision_to_assess').state, 'done_late');
  });
});

describe('final plan: 20 weeks (day 140)', () => {
  const assessed = [ev('decision_to_assess', 30), ev('draft_plan_issued', 100)];

  test('due on day 140', () => {
    assert.equal(get(tl([], 0), 'final_plan').dueOn, '2026-05-25');
  });

  test('issued on day 140 is on time, day 141 late', () => {
    assert.equal(get(tl([...assessed, ev('final_plan_issued', 140)], 200), 'final_plan').state, 'done_on_time');
    assert.equal(get(tl([...assessed, ev('final_plan_issued', 141)], 200), 'final_plan').state, 'done_late');
  });

  test('not issued: due on day 140, overdue on day 141', () => {
    assert.equal(get(tl(assessed, 139), 'final_plan').state, 'due');
    assert.equal(get(tl(assessed, 140), 'final_plan').state, 'due');
    assert.equal(get(tl(assessed, 141), 'final_plan').state, 'overdue');
  });

  test('leap year: received 2028-01-20, due 2028-06-08', () => {
    const t = computeTimeline({ receivedOn: '2028-01-20', events: [], today: '2028-01-20' });
    assert.equal(get(t, 'final_plan').dueOn, '2028-06-08');
  });
});

describe('draft plan (week 16, day 112) and the 15-day comment window', () => {
  test('draft due on day 112: on time on 112, late on 113', () => {
    assert.equal(get(tl([], 0), 'draft_plan').dueOn, day(112));
    assert.equal(get(tl([ev('draft_plan_issued', 112)], 130), 'draft_plan').state, 'done_on_time');
    assert.equal(get(tl([ev('draft_plan_issued', 113)], 130), 'draft_plan').state, 'done_late');
    assert.equal(get(tl([], 112), 'draft_plan').state, 'due');
    assert.equal(get(tl([], 113), 'draft_plan').state, 'overdue');
  });

  test('no comment window before a draft is issued', () => {
    assert.equal(all(tl([], 50), 'draft_comments').length, 0);
  });

  test('comments due 15 days after the draft; open on day 15, run on day 16', () => {
    const events = [ev('decision_to_assess', 30), ev('draft_plan_issued', 100)];
    const open = get(tl(events, 115), 'draft_comments');
    assert.equal(open.owner, 'family');
    assert.equal(open.startsOn, day(100));
    assert.equal(open.dueOn, day(115));
    assert.equal(open.state, 'due');
    const closed = get(tl(events, 116), 'draft_comments');
    assert.equal(closed.state, 'done_on_time');
    assert.equal(closed.doneOn, day(115));
  });

  test('a re-issued draft restarts the window; the draft milestone keeps the first', () => {
    const t = tl([ev('draft_plan_issued', 100), ev('draft_plan_issued', 110)], 112);
    assert.equal(get(t, 'draft_comments').dueOn, day(125));
    assert.equal(get(t, 'draft_plan').doneOn, day(100));
  });

  test("the family's window is the next milestone but does not colour the council's RAG", () => {
    const t = tl([ev('decision_to_assess', 30), ev('draft_plan_issued', 100)], 110);
    assert.equal(t.nextMilestone?.key, 'draft_comments');
    assert.equal(t.rag, 'green'); // final plan due day 140, 30 days away
  });

  test('warns when the final plan comes before the comments close, not on the closing day', () => {
    const base = [ev('decision_to_assess', 30), ev('draft_plan_issued', 100)];
    assert.deepEqual(tl([...base, ev('final_plan_issued', 114)], 150).warnings, [
      { code: 'final_plan_before_comments_closed', finalPlanOn: day(114), commentsCloseOn: day(115) },
    ]);
    assert.deepEqual(tl([...base, ev('final_plan_issued', 115)], 150).warnings, []);
  });
});

describe('advice from each professional: 6 weeks from being asked', () => {
  const asked = [
    ev('decision_to_assess', 20),
    ev('advice_requested', 21, 'ep'),
    ev('advice_requested', 25, 'health'),
    ev('advice_requested', 25, 'social_care'),
  ];

  test('one milestone per request, each from its own asked date', () => {
    const t = tl(asked, 30);
    const advice = all(t, 'advice');
    assert.deepEqual(
      advice.map((m) => [m.relatedId, m.startsOn, m.dueOn, m.state]),
      [
        ['ep', day(21), day(63), 'due'],
        ['health', day(25), day(67), 'due'],
        ['social_care', day(25), day(67), 'due'],
      ],
    );
  });

  test('paired by id: on time on day 42 after asking, late on day 43', () => {
    const t = tl([...asked, ev('advice_received', 67, 'social_care'), ev('advice_received', 64, 'ep')], 67);
    assert.equal(get(t, 'advice', 'ep').state, 'done_late');
    assert.equal(get(t, 'advice', 'ep').doneOn, day(64));
    assert.equal(get(t, 'advice', 'social_care').state, 'done_on_time');
    assert.equal(get(t, 'advice', 'health').state, 'due');
    assert.equal(get(tl(asked, 68), 'advice', 'health').state, 'overdue');
  });

  test('advice received without a matching request is a warning, not a milestone', () => {
    const t = tl([...asked, ev('advice_received', 40, 'unknown')], 50);
    assert.equal(all(t, 'advice').length, 3);
    assert.deepEqual(t.warnings, [{ code: 'unmatched_event', type: 'advice_received', date: day(40), id: 'unknown' }]);
  });

  test('advice dated before its request does not meet it', () => {
    const t = tl([ev('advice_requested', 30, 'ep'), ev('advice_received', 29, 'ep')], 40);
    assert.equal(get(t, 'advice', 'ep').state, 'due');
    assert.equal(t.warnings.length, 1);
  });

  test('advice still awaited stops mattering once the assessment ends', () => {
    for (const end of ['decision_not_to_issue', 'final_plan_issued', 'withdrawn'] as const) {
      const t = tl([...asked, ev(end, 100)], 120);
      assert.equal(get(t, 'advice', 'ep').state, 'not_applicable', end);
    }
  });

  test('advice already received stays done after the assessment ends', () => {
    const t = tl([...asked, ev('advice_received', 50, 'ep'), ev('withdrawn', 100)], 120);
    assert.equal(get(t, 'advice', 'ep').state, 'done_on_time');
  });
});

describe('decision not to issue a plan: 16 weeks', () => {
  test('not applicable unless the decision is made', () => {
    const m = get(tl([ev('decision_to_assess', 30)], 200), 'decision_not_to_issue');
    assert.equal(m.state, 'not_applicable');
    assert.equal(m.dueOn, day(112));
  });

  test('made on day 112 is on time, day 113 late', () => {
    assert.equal(
      get(tl([ev('decision_to_assess', 30), ev('decision_not_to_issue', 112)], 130), 'decision_not_to_issue').state,
      'done_on_time',
    );
    assert.equal(
      get(tl([ev('decision_to_assess', 30), ev('decision_not_to_issue', 113)], 130), 'decision_not_to_issue').state,
      'done_late',
    );
  });

  test('makes the draft and the final plan not applicable and ends the clock', () => {
    const t = tl([ev('decision_to_assess', 30), ev('decision_not_to_issue', 100)], 200);
    assert.equal(get(t, 'draft_plan').state, 'not_applicable');
    assert.equal(get(t, 'final_plan').state, 'not_applicable');
    assert.equal(t.nextMilestone, undefined);
    assert.equal(t.rag, 'green');
    assert.equal(t.currentWeek.running, false);
    assert.equal(t.appeal?.decision, 'decision_not_to_issue');
  });
});

describe('refusal to assess', () => {
  test('assessment milestones are not applicable; appeal rights open', () => {
    const t = tl([ev('advice_requested', 5, 'ep'), ev('decision_not_to_assess', 40)], 45);
    assert.equal(get(t, 'decision_to_assess').state, 'done_on_time');
    for (const key of ['advice', 'decision_not_to_issue', 'draft_plan', 'final_plan'] as const) {
      assert.equal(get(t, key).state, 'not_applicable', key);
    }
    assert.equal(t.nextMilestone, undefined);
    assert.equal(t.rag, 'green');
    assert.deepEqual(t.appeal, {
      decision: 'decision_not_to_assess',
      decisionOn: day(40),
      mediationBy: '2026-04-14',
      tribunalBy: '2026-04-14',
      mediationOpen: true,
      tribunalOpen: true,
    });
  });
});

describe('withdrawal', () => {
  test('before the decision: every milestone not applicable', () => {
    const t = tl([ev('withdrawn', 20)], 200);
    for (const m of t.milestones) assert.equal(m.state, 'not_applicable', m.key);
    assert.equal(t.nextMilestone, undefined);
    assert.equal(t.rag, 'green');
    assert.equal(t.appeal, undefined);
    assert.deepEqual(t.currentWeek, { week: 3, displayWeek: 3, pastWeek20: false, running: false, asOf: day(20) });
  });

  test('after the decision: what was done stays done, later milestones not applicable', () => {
    const t = tl([ev('decision_to_assess', 43), ev('withdrawn', 60)], 200);
    assert.equal(get(t, 'decision_to_assess').state, 'done_late');
    assert.equal(get(t, 'draft_plan').state, 'not_applicable');
    assert.equal(get(t, 'final_plan').state, 'not_applicable');
  });

  test('withdrawn while the comment window is open closes it', () => {
    const t = tl([ev('draft_plan_issued', 100), ev('withdrawn', 105)], 110);
    assert.equal(get(t, 'draft_comments').state, 'not_applicable');
  });
});

describe('ragFor', () => {
  const due = '2026-02-16';
  for (const [today, rag] of [
    ['2026-01-01', 'green'],
    ['2026-02-08', 'green'], // 8 days left
    ['2026-02-09', 'amber'], // exactly 7 days left
    ['2026-02-15', 'amber'],
    ['2026-02-16', 'amber'], // due today
    ['2026-02-17', 'red'],
    ['2027-01-01', 'red'],
  ] as const) {
    test(`${today} → ${rag}`, () => assert.equal(ragFor(due, today), rag));
  }
});

describe('timeline RAG and next milestone', () => {
  test('a new case: next is the decision; green, then amber at 7 days, red when overdue', () => {
    assert.equal(tl([], 0).nextMilestone?.key, 'decision_to_assess');
    assert.equal(tl([], 34).rag, 'green');
    assert.equal(tl([], 35).rag, 'amber');
    assert.equal(tl([], 42).rag, 'amber');
    assert.equal(tl([], 43).rag, 'red');
  });

  test('an overdue milestone keeps the case red even when later ones are fine', () => {
    const t = tl([ev('decision_to_assess', 30), ev('advice_requested', 31, 'ep')], 74);
    assert.equal(get(t, 'advice', 'ep').state, 'overdue');
    assert.equal(t.nextMilestone?.key, 'advice');
    assert.equal(t.rag, 'red');
  });

  test('after the decision the next milestone moves on', () => {
    const t = tl([ev('decision_to_assess', 30)], 31);
    assert.equal(t.nextMilestone?.key, 'draft_plan');
    assert.equal(t.nextMilestone?.dueOn, day(112));
  });
});

describe('current week', () => {
  for (const [d, week] of [
    [0, 1],
    [6, 1],
    [7, 2],
    [28, 5],
    [34, 5],
    [133, 20],
    [139, 20],
  ] as const) {
    test(`day ${d} is week ${week}`, () => {
      const w = tl([], d).currentWeek;
      assert.equal(w.week, week);
      assert.equal(w.displayWeek, week);
      assert.equal(w.pastWeek20, false);
      assert.equal(w.running, true);
      assert.equal(w.asOf, day(d));
    });
  }

  test('past week 20 the display is capped at 20', () => {
    assert.deepEqual(tl([], 140).currentWeek, {
      week: 21,
      displayWeek: 20,
      pastWeek20: true,
      running: true,
      asOf: day(140),
    });
    assert.equal(tl([], 400).currentWeek.displayWeek, 20);
  });

  test('stops counting when the final plan is issued', () => {
    const w = tl([ev('decision_to_assess', 30), ev('draft_plan_issued', 100), ev('final_plan_issued', 130)], 700)
      .currentWeek;
    assert.deepEqual(w, { week: 19, displayWeek: 19, pastWeek20: false, running: false, asOf: day(130) });
  });

  test('a received date after today shows week 1', () => {
    assert.equal(tl([], -3).currentWeek.week, 1);
  });
});

describe('appeal and mediation', () => {
  const decided = (letter: IsoDate, more: CaseEvent[] = []) =>
    computeTimeline({
      receivedOn: '2027-11-01',
      events: [on('decision_not_to_assess', letter), ...more],
      today: letter,
    }).appeal;

  test('2 months from the letter, clamped to the month end (2027-12-31 → 2028-02-29)', () => {
    const a = decided('2027-12-31');
    assert.equal(a?.mediationBy, '2028-02-29');
    assert.equal(a?.tribunalBy, '2028-02-29');
    assert.equal(a?.certificateOn, undefined);
  });

  test('month-end clamping in a common year', () => {
    assert.equal(
      computeTimeline({ receivedOn: '2026-11-01', events: [on('decision_not_to_assess', '2026-12-31')], today: '2026-12-31' })
        .appeal?.mediationBy,
      '2027-02-28',
    );
    assert.equal(
      computeTimeline({ receivedOn: '2026-07-20', events: [on('decision_not_to_assess', '2026-08-31')], today: '2026-08-31' })
        .appeal?.mediationBy,
      '2026-10-31',
    );
  });

  test('a mediation certificate makes the tribunal deadline later: 1 month from the certificate', () => {
    const a = computeTimeline({
      receivedOn: '2027-11-01',
      events: [on('decision_not_to_assess', '2027-12-31'), on('mediation_certificate', '2028-02-10')],
      today: '2028-02-10',
    }).appeal;
    assert.equal(a?.certificateOn, '2028-02-10');
    assert.equal(a?.mediationBy, '2028-02-29');
    assert.equal(a?.tribunalBy, '2028-03-10');
  });

  test('an early certificate never makes it earlier', () => {
    const a = computeTimeline({
      receivedOn: '2027-11-01',
      events: [on('decision_not_to_assess', '2027-12-31'), on('mediation_certificate', '2028-01-05')],
      today: '2028-01-05',
    }).appeal;
    assert.equal(a?.certificateOn, '2028-01-05');
    assert.equal(a?.tribunalBy, '2028-02-29');
  });

  test('certificate on 31 January: 1 month is 29 February in a leap year', () => {
    const a = computeTimeline({
      receivedOn: '2027-10-01',
      events: [on('decision_not_to_assess', '2027-11-20'), on('mediation_certificate', '2028-01-31')],
      today: '2028-01-31',
    }).appeal;
    assert.equal(a?.tribunalBy, '2028-02-29');
  });

  test('a certificate from before the decision does not count', () => {
    const a = computeTimeline({
      receivedOn: '2027-01-01',
      events: [
        on('mediation_certificate', '2027-02-20'),
        on('decision_to_assess', '2027-02-01'),
        on('decision_not_to_issue', '2027-04-01'),
      ],
      today: '2027-04-01',
    }).appeal;
    assert.equal(a?.decision, 'decision_not_to_issue');
    assert.equal(a?.certificateOn, undefined);
    assert.equal(a?.tribunalBy, '2027-06-01');
  });

  test('windows are open on their last day and closed the day after', () => {
    const t = (today: IsoDate) =>
      computeTimeline({
        receivedOn: '2027-11-01',
        events: [on('decision_not_to_assess', '2027-12-31'), on('mediation_certificate', '2028-02-10')],
        today,
      }).appeal;
    assert.deepEqual([t('2028-02-29')?.mediationOpen, t('2028-02-29')?.tribunalOpen], [true, true]);
    assert.deepEqual([t('2028-03-01')?.mediationOpen, t('2028-03-01')?.tribunalOpen], [false, true]);
    assert.deepEqual([t('2028-03-10')?.mediationOpen, t('2028-03-10')?.tribunalOpen], [false, true]);
    assert.deepEqual([t('2028-03-11')?.mediationOpen, t('2028-03-11')?.tribunalOpen], [false, false]);
  });

  test('the final plan carries appeal rights; the latest appealable decision is the one shown', () => {
    const events = [ev('decision_to_assess', 30), ev('draft_plan_issued', 100), ev('final_plan_issued', 130)];
    assert.equal(tl(events, 130).appeal?.decision, 'final_plan_issued');
    assert.equal(tl(events, 130).appeal?.decisionOn, day(130));
    assert.equal(tl([...events, ev('ceased', 600)], 600).appeal?.decision, 'ceased');
    assert.equal(tl([...events, ev('amendments_proposed', 500), ev('amended_plan_issued', 540)], 600).appeal?.decision,
      'amended_plan_issued');
  });

  test('no appeal before an appealable decision', () => {
    assert.equal(tl([ev('decision_to_assess', 30), ev('draft_plan_issued', 100)], 110).appeal, undefined);
  });
});

describe('annual review', () => {
  const planOn = (date: IsoDate, more: CaseEvent[] = [], today: IsoDate = date, dob?: IsoDate) =>
    computeTimeline({
      receivedOn: addDays(date, -130),
      events: [on('decision_to_assess', addDays(date, -100)), on('draft_plan_issued', addDays(date, -30)), on('final_plan_issued', date), ...more],
      today,
      childDateOfBirth: dob,
    });
  const reviews = (t: Timeline) => all(t, 'annual_review').map((m) => [m.startsOn, m.dueOn, m.doneOn, m.state]);

  test('no reviews before a final plan', () => {
    assert.equal(all(tl([ev('decision_to_assess', 30)], 100), 'annual_review').length, 0);
  });

  test('within 12 months of the plan, then 12 months from the last review', () => {
    const t = planOn('2027-03-15', [on('review_meeting', '2028-03-01')], '2028-03-10', '2015-01-01');
    assert.deepEqual(reviews(t), [
      ['2027-03-15', '2028-03-15', '2028-03-01', 'done_on_time'],
      ['2028-03-01', '2029-03-01', undefined, 'due'],
    ]);
  });

  test('12 months from 29 February is 28 February; a meeting on 1 March is late', () => {
    const t = planOn('2028-02-29', [], '2029-02-28');
    assert.deepEqual(reviews(t), [['2028-02-29', '2029-02-28', undefined, 'due']]);
    assert.equal(get(planOn('2028-02-29', [], '2029-03-01'), 'annual_review').state, 'overdue');
    assert.equal(
      get(planOn('2028-02-29', [on('review_meeting', '2029-02-28')], '2029-04-01'), 'annual_review').state,
      'done_on_time',
    );
    assert.equal(
      get(planOn('2028-02-29', [on('review_meeting', '2029-03-01')], '2029-04-01'), 'annual_review').state,
      'done_late',
    );
  });

  test('a late review restarts the 12 months from the day it was held', () => {
    const t = planOn('2027-03-15', [on('review_meeting', '2028-05-01')], '2028-05-02');
    assert.deepEqual(reviews(t), [
      ['2027-03-15', '2028-03-15', '2028-05-01', 'done_late'],
      ['2028-05-01', '2029-05-01', undefined, 'due'],
    ]);
  });

  test('every 6 months while the child is under 5', () => {
    const dob = '2023-06-01';
    const t = planOn('2026-05-01', [on('review_meeting', '2026-10-20')], '2026-10-21', dob);
    assert.deepEqual(reviews(t), [
      ['2026-05-01', '2026-11-01', '2026-10-20', 'done_on_time'],
      ['2026-10-20', '2027-04-20', undefined, 'due'],
    ]);
  });

  test('under 5 is judged on the plan/review date: 4 the day before the 5th birthday, 5 on it', () => {
    const dob = '2023-06-01';
    const before = planOn('2027-12-01', [on('review_meeting', '2028-05-31')], '2028-06-01', dob);
    assert.equal(all(before, 'annual_review')[1]?.dueOn, '2028-11-30');
    const onBirthday = planOn('2027-12-01', [on('review_meeting', '2028-06-01')], '2028-06-02', dob);
    assert.equal(all(onBirthday, 'annual_review')[1]?.dueOn, '2029-06-01');
  });

  test('without a date of birth, reviews are 12-monthly', () => {
    assert.equal(get(planOn('2026-05-01'), 'annual_review').dueOn, '2027-05-01');
  });

  test('a review is amber 7 days out and red the day after it is due', () => {
    assert.equal(planOn('2027-03-15', [], '2028-03-07').rag, 'green');
    assert.equal(planOn('2027-03-15', [], '2028-03-08').rag, 'amber');
    assert.equal(planOn('2027-03-15', [], '2028-03-16').rag, 'red');
  });

  test('review decision within 4 weeks of the meeting', () => {
    const meeting = on('review_meeting', '2028-03-01', 'r1');
    const dec = (date: IsoDate) => on('review_decision', date, 'r1');
    assert.equal(get(planOn('2027-03-15', [meeting], '2028-03-29'), 'review_decision').dueOn, '2028-03-29');
    assert.equal(get(planOn('2027-03-15', [meeting], '2028-03-29'), 'review_decision').state, 'due');
    assert.equal(get(planOn('2027-03-15', [meeting], '2028-03-30'), 'review_decision').state, 'overdue');
    assert.equal(get(planOn('2027-03-15', [meeting, dec('2028-03-29')], '2028-04-10'), 'review_decision').state, 'done_on_time');
    assert.equal(get(planOn('2027-03-15', [meeting, dec('2028-03-30')], '2028-04-10'), 'review_decision').state, 'done_late');
  });

  test('without ids a decision answers its own (latest) meeting, not an older one', () => {
    const t = planOn(
      '2027-01-10',
      [on('review_meeting', '2027-12-01'), on('review_meeting', '2028-11-20'), on('review_decision', '2028-11-30')],
      '2028-12-01',
    );
    const decisions = all(t, 'review_decision');
    assert.deepEqual(
      decisions.map((m) => [m.startsOn, m.state]),
      [
        ['2027-12-01', 'overdue'],
        ['2028-11-20', 'done_on_time'],
      ],
    );
  });

  test('amended plan within 8 weeks of the proposed amendments', () => {
    const proposed = on('amendments_proposed', '2028-04-01', 'a1');
    const issued = (date: IsoDate) => on('amended_plan_issued', date, 'a1');
    const t = planOn('2027-03-15', [proposed], '2028-05-27');
    assert.equal(get(t, 'amended_plan').dueOn, '2028-05-27');
    assert.equal(get(t, 'amended_plan').state, 'due');
    assert.equal(get(t, 'amended_plan').relatedId, 'a1');
    assert.equal(get(planOn('2027-03-15', [proposed], '2028-05-28'), 'amended_plan').state, 'overdue');
    assert.equal(get(planOn('2027-03-15', [proposed, issued('2028-05-27')], '2028-06-01'), 'amended_plan').state, 'done_on_time');
    assert.equal(get(planOn('2027-03-15', [proposed, issued('2028-05-28')], '2028-06-01'), 'amended_plan').state, 'done_late');
  });

  test('plan milestones come after the assessment ones, in due-date order', () => {
    const t = planOn(
      '2027-03-15',
      [on('review_meeting', '2028-03-01'), on('amendments_proposed', '2028-03-05')],
      '2028-03-06',
    );
    const keys = t.milestones.map((m) => m.key);
    assert.deepEqual(keys.slice(-4), ['annual_review', 'review_decision', 'amended_plan', 'annual_review']);
    assert.deepEqual(keys.slice(0, 6), ['decision_to_assess', 'decision_not_to_issue', 'draft_plan', 'draft_comments', 'final_plan', 'annual_review']);
  });

  test('ceasing the plan makes pending reviews not applicable', () => {
    const t = planOn('2027-03-15', [on('review_meeting', '2028-03-01', 'r1'), on('ceased', '2028-03-10')], '2029-06-01');
    assert.equal(all(t, 'annual_review')[0]?.state, 'done_on_time');
    assert.equal(all(t, 'annual_review')[1]?.state, 'not_applicable');
    assert.equal(get(t, 'review_decision').state, 'not_applicable');
    assert.equal(t.rag, 'green');
    assert.equal(t.nextMilestone, undefined);
  });
});

describe('exceptions (reg 10(4)): shown and flagged, never moving a date', () => {
  const assessed = [ev('decision_to_assess', 30), ev('advice_requested', 45, 'ep')];

  test('flags the milestones whose period the exception overlaps; due dates unchanged', () => {
    const without = tl(assessed, 60);
    const withExc = tl([...assessed, exc(10, 50)], 60);
    for (const m of withExc.milestones) {
      const plain = without.milestones.find((x) => x.key === m.key && x.relatedId === m.relatedId);
      assert.equal(m.dueOn, plain?.dueOn, m.key);
      assert.equal(m.state, plain?.state, m.key);
    }
    assert.equal(get(withExc, 'decision_to_assess').exceptionApplies, true);
    assert.equal(get(withExc, 'advice', 'ep').exceptionApplies, true);
    assert.equal(get(withExc, 'draft_plan').exceptionApplies, true);
    assert.equal(get(withExc, 'final_plan').exceptionApplies, true);
    assert.equal(get(withExc, 'decision_not_to_issue').exceptionApplies, false); // not applicable
    assert.equal(without.milestones.some((m) => m.exceptionApplies), false);
  });

  test('does not flag a milestone already due before the exception starts', () => {
    const t = tl([...assessed, exc(43, 80)], 90);
    assert.equal(get(t, 'decision_to_assess').exceptionApplies, false);
    assert.equal(get(t, 'final_plan').exceptionApplies, true);
    const onDueDay = tl([...assessed, exc(42, 80)], 90);
    assert.equal(get(onDueDay, 'decision_to_assess').exceptionApplies, true);
  });

  test('does not flag advice asked after the exception ended', () => {
    const t = tl([...assessed, exc(0, 44)], 60);
    assert.equal(get(t, 'decision_to_assess').exceptionApplies, true);
    assert.equal(get(t, 'advice', 'ep').exceptionApplies, false);
  });

  test('an exception ending on the day advice was asked for still overlaps it', () => {
    const t = tl([...assessed, exc(10, 45, 'exceptional_personal_circumstances')], 60);
    assert.equal(get(t, 'advice', 'ep').exceptionApplies, true);
  });

  test('an exception still running (no end date) flags everything due after it starts', () => {
    const t = tl([...assessed, exc(100, undefined, 'exceptional_personal_circumstances')], 110);
    assert.equal(get(t, 'decision_to_assess').exceptionApplies, false);
    assert.equal(get(t, 'draft_plan').exceptionApplies, true);
    assert.equal(get(t, 'final_plan').exceptionApplies, true);
  });

  test('an overdue milestone stays overdue: the portal shows the exception, it does not recompute', () => {
    const t = tl([exc(10, 50, 'absent_from_area')], 43);
    const m = get(t, 'decision_to_assess');
    assert.equal(m.state, 'overdue');
    assert.equal(m.dueOn, day(42));
    assert.equal(m.exceptionApplies, true);
    assert.equal(t.rag, 'red');
  });

  test('reviews and amendments are not covered by reg 10(4)', () => {
    const t = tl(
      [...assessed, ev('draft_plan_issued', 100), ev('final_plan_issued', 130), ev('amendments_proposed', 200), exc(150, 400)],
      210,
    );
    assert.equal(get(t, 'annual_review').exceptionApplies, false);
    assert.equal(get(t, 'amended_plan').exceptionApplies, false);
    assert.equal(get(t, 'draft_comments').exceptionApplies, false);
  });

  test('returned for the screens, with any problems', () => {
    const t = tl(
      [
        { type: 'exception', date: day(12), id: 'x1', data: { exceptionType: 'school_closure', reason: 'Summer', from: day(10), to: day(50) } },
        exc(20, 30), // a 11-day school closure does not meet the 4-week condition
      ],
      60,
    );
    assert.deepEqual(t.exceptions, [
      {
        id: 'x1',
        exceptionType: 'school_closure',
        reason: 'Summer',
        from: day(10),
        to: day(50),
        recordedOn: day(12),
        problems: [],
      },
      {
        exceptionType: 'school_closure',
        reason: 'Recorded by caseworker',
        from: day(20),
        to: day(30),
        recordedOn: day(20),
        problems: ['shorter_than_4_weeks'],
      },
    ]);
  });

  test('an exception that fails its conditions flags nothing', () => {
    const t = tl([exc(20, 30)], 35);
    assert.equal(get(t, 'decision_to_assess').exceptionApplies, false);
  });

  test('an exception recorded after today is not shown yet', () => {
    assert.deepEqual(tl([exc(50, 90)], 49).exceptions, []);
  });
});

describe('validateException', () => {
  const base = { exceptionType: 'school_closure' as const, reason: 'Closed for refurbishment', from: '2026-07-20' };

  test('4 weeks is 28 days counting both ends', () => {
    assert.deepEqual(validateException({ ...base, to: '2026-08-16' }), []);
    assert.deepEqual(validateException({ ...base, to: '2026-08-15' }), ['shorter_than_4_weeks']);
    assert.deepEqual(validateException({ ...base, exceptionType: 'absent_from_area', to: '2026-08-15' }), [
      'shorter_than_4_weeks',
    ]);
  });

  test('exceptional personal circumstances have no minimum length', () => {
    assert.deepEqual(validateException({ ...base, exceptionType: 'exceptional_personal_circumstances', to: '2026-07-20' }), []);
  });

  test('an ongoing exception cannot be too short yet', () => {
    assert.deepEqual(validateException(base), []);
  });

  test('needs a reason, a known type and an end not before its start', () => {
    assert.deepEqual(validateException({ ...base, reason: '  ' }), ['reason_required']);
    assert.deepEqual(validateException({ ...base, to: '2026-07-19' }), ['ends_before_it_starts']);
    assert.deepEqual(validateException({ ...base, exceptionType: 'holiday' as ExceptionType }), ['unknown_type']);
  });
});

describe('input handling', () => {
  test('events may arrive in any order', () => {
    const events = [ev('final_plan_issued', 130), ev('draft_plan_issued', 100), ev('decision_to_assess', 30)];
    const sorted = [...events].reverse();
    assert.deepEqual(tl(events, 200), tl(sorted, 200));
  });

  test('events dated after today are ignored (the timeline as it stood that day)', () => {
    const events = [ev('decision_to_assess', 45)];
    assert.equal(get(tl(events, 43), 'decision_to_assess').state, 'overdue');
    assert.equal(get(tl(events, 45), 'decision_to_assess').state, 'done_late');
  });

  test('a received event is redundant with receivedOn and changes nothing', () => {
    assert.deepEqual(tl([ev('received', 0)], 10), tl([], 10));
  });

  test('invalid dates are refused', () => {
    assert.throws(() => computeTimeline({ receivedOn: '2026-02-30', events: [], today: R }), RangeError);
    assert.throws(() => computeTimeline({ receivedOn: R, events: [], today: '2026-1-5' }), RangeError);
    assert.throws(() => computeTimeline({ receivedOn: R, events: [on('decision_to_assess', '2026-13-01')], today: R }), RangeError);
    assert.throws(() => computeTimeline({ receivedOn: R, events: [], today: R, childDateOfBirth: '2020-02-30' }), RangeError);
    assert.throws(
      () =>
        computeTimeline({
          receivedOn: R,
          events: [{ type: 'exception', date: R, data: { exceptionType: 'school_closure', reason: 'x', from: 'soon' } }],
          today: R,
        }),
      RangeError,
    );
  });

  test('does not change its inputs', () => {
    const events = [ev('final_plan_issued', 130), ev('decision_to_assess', 30)];
    const copy = structuredClone(events);
    tl(events, 200);
    assert.deepEqual(events, copy);
  });
});
