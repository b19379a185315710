import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ACTIONS_REQUIRING_REASON,
  ACTIONS_WITH_APPEAL_RIGHTS,
  allowedActions,
  applyAction,
  CASE_ACTIONS,
  CASE_STAGES,
  type CaseAction,
  type CaseStage,
  CLOSED_STAGES,
  carriesAppealRights,
  eventTypeFor,
  isCaseAction,
  isCaseStage,
  isClosedStage,
  isOpenStage,
  lastStepDate,
  OPEN_STAGES,
  requiresReason,
} from './workflow.js';

// Every legal move, written out independently of the implementation's table.
const LEGAL: [CaseStage, CaseAction, CaseStage][] = [
  ['received', 'decision_to_assess', 'assessment'],
  ['received', 'decision_not_to_assess', 'closed_not_assessed'],
  ['received', 'withdraw', 'withdrawn'],
  ['assessment', 'decision_not_to_issue', 'closed_no_plan'],
  ['assessment', 'draft_plan_issued', 'draft_plan'],
  ['assessment', 'withdraw', 'withdrawn'],
  ['draft_plan', 'final_plan_issued', 'plan_maintained'],
  ['draft_plan', 'withdraw', 'withdrawn'],
  ['plan_maintained', 'cease', 'ceased'],
];

describe('applyAction: legal moves', () => {
  for (const [stage, action, next] of LEGAL) {
    test(`${stage} --${action}--> ${next}`, () => {
      assert.deepEqual(applyAction(stage, action), { ok: true, next });
    });
  }

  test('the whole path to a plan and its cessation', () => {
    let stage: CaseStage = 'received';
    for (const action of ['decision_to_assess', 'draft_plan_issued', 'final_plan_issued', 'cease'] as const) {
      const r = applyAction(stage, action);
      assert.equal(r.ok, true, `${stage} ${action}`);
      if (r.ok) stage = r.next;
    }
    assert.equal(stage, 'ceased');
  });
});

describe('applyAction: every other move is refused', () => {
  const legal = new Set(LEGAL.map(([s, a]) => `${s}/${a}`));
  for (const stage of CASE_STAGES) {
    for (const action of CASE_ACTIONS) {
      if (legal.has(`${stage}/${action}`)) continue;
      test(`${stage} refuses ${action}`, () => {
        const r = applyAction(stage, action);
        assert.equal(r.ok, false);
        if (r.ok) return;
        assert.equal(r.code, isClosedStage(stage) ? 'case_closed' : 'not_allowed');
        assert.ok(r.reason.length > 0);
      });
    }
  }

  test('withdrawal is refused once a plan is in force (it must be ceased)', () => {
    const r = applyAction('plan_maintained', 'withdraw');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.code, 'not_allowed');
  });

  test('a draft cannot be skipped: no final plan straight from assessment', () => {
    const r = applyAction('assessment', 'final_plan_issued');
    assert.equal(r.ok, false);
  });

  test('unknown stages and actions from storage are refused, not thrown', () => {
    const a = applyAction('archived' as CaseStage, 'cease');
    assert.equal(a.ok, false);
    if (!a.ok) assert.equal(a.code, 'unknown_stage');
    const b = applyAction('received', 'approve' as CaseAction);
    assert.equal(b.ok, false);
    if (!b.ok) assert.equal(b.code, 'unknown_action');
    // Inherited object keys must not count as stages or actions.
    assert.equal(applyAction('received', 'toString' as CaseAction).ok, false);
    assert.equal(applyAction('constructor' as CaseStage, 'cease').ok, false);
  });
});

describe('allowedActions', () => {
  test('lists exactly the legal moves of each stage, in process order', () => {
    for (const stage of CASE_STAGES) {
      const expected = CASE_ACTIONS.filter((a) => LEGAL.some(([s, x]) => s === stage && x === a));
      assert.deepEqual(allowedActions(stage), expected, stage);
    }
  });

  test('closed stages allow nothing', () => {
    for (const stage of CLOSED_STAGES) assert.deepEqual(allowedActions(stage), []);
  });

  test('agrees with applyAction', () => {
    for (const stage of CASE_STAGES) {
      for (const action of CASE_ACTIONS) {
        assert.equal(applyAction(stage, action).ok, allowedActions(stage).includes(action), `${stage}/${action}`);
      }
    }
  });
});

describe('stage classification', () => {
  test('open stages are exactly those that allow withdrawal', () => {
    assert.deepEqual([...OPEN_STAGES], ['received', 'assessment', 'draft_plan']);
    for (const s of CASE_STAGES) assert.equal(isOpenStage(s), allowedActions(s).includes('withdraw'), s);
  });

  test('closed stages', () => {
    assert.deepEqual([...CLOSED_STAGES].sort(), ['ceased', 'closed_no_plan', 'closed_not_assessed', 'withdrawn']);
    assert.equal(isClosedStage('plan_maintained'), false);
    assert.equal(isOpenStage('plan_maintained'), false);
  });

  test('guards', () => {
    assert.equal(isCaseStage('assessment'), true);
    assert.equal(isCaseStage('nope'), false);
    assert.equal(isCaseStage(undefined), false);
    assert.equal(isCaseAction('cease'), true);
    assert.equal(isCaseAction('ceased'), false);
    assert.equal(isCaseAction(3), false);
  });
});

describe('reasons and appeal rights', () => {
  test('the two refusals, cease and withdraw need reasons', () => {
    assert.deepEqual(
      [...ACTIONS_REQUIRING_REASON].sort(),
      ['cease', 'decision_not_to_assess', 'decision_not_to_issue', 'withdraw'].sort(),
    );
    for (const a of CASE_ACTIONS) assert.equal(requiresReason(a), ACTIONS_REQUIRING_REASON.includes(a), a);
    assert.equal(requiresReason('decision_to_assess'), false);
    assert.equal(requiresReason('final_plan_issued'), false);
  });

  test('refusals, the final plan and cessation carry appeal rights (s51(2))', () => {
    assert.equal(carriesAppealRights('decision_not_to_assess'), true);
    assert.equal(carriesAppealRights('decision_not_to_issue'), true);
    assert.equal(carriesAppealRights('final_plan_issued'), true);
    assert.equal(carriesAppealRights('cease'), true);
    assert.equal(carriesAppealRights('decision_to_assess'), false);
    assert.equal(carriesAppealRights('draft_plan_issued'), false);
    assert.equal(carriesAppealRights('withdraw'), false);
    assert.equal(ACTIONS_WITH_APPEAL_RIGHTS.length, 4);
  });
});

describe('eventTypeFor', () => {
  test('maps each action to the timeline event it records', () => {
    assert.equal(eventTypeFor('decision_to_assess'), 'decision_to_assess');
    assert.equal(eventTypeFor('decision_not_to_assess'), 'decision_not_to_assess');
    assert.equal(eventTypeFor('decision_not_to_issue'), 'decision_not_to_issue');
    assert.equal(eventTypeFor('draft_plan_issued'), 'draft_plan_issued');
    assert.equal(eventTypeFor('final_plan_issued'), 'final_plan_issued');
    assert.equal(eventTypeFor('cease'), 'ceased');
    assert.equal(eventTypeFor('withdraw'), 'withdrawn');
  });
});

describe('lastStepDate', () => {
  test('the latest step moving the case on, whatever order the events come in; exceptions and advice do not count', () => {
    assert.equal(lastStepDate([]), undefined);
    assert.equal(lastStepDate([{ type: 'received', date: '2026-01-05' }, { type: 'advice_requested', date: '2026-02-01' }]), undefined);
    const events = [
      { type: 'draft_plan_issued', date: '2026-04-10' },
      { type: 'decision_to_assess', date: '2026-02-10' },
      { type: 'exception', date: '2026-05-01' },
      { type: 'advice_received', date: '2026-05-02' },
    ];
    assert.equal(lastStepDate(events), '2026-04-10');
    assert.equal(lastStepDate([...events, { type: 'amended_plan_issued', date: '2027-03-01' }]), '2027-03-01');
  });
});
