// The case state machine: where an EHC needs assessment request can go next.
// Children and Families Act 2014 ss36–45 and the SEND Regulations 2014 fix the order:
// decide whether to assess, assess, decide whether to issue a plan (draft, then final),
// then maintain the plan until it ceases.

import type { CaseEventType } from './timeline.js';

export const CASE_STAGES = [
  'received',
  'assessment',
  'draft_plan',
  'plan_maintained',
  'closed_not_assessed',
  'closed_no_plan',
  'ceased',
  'withdrawn',
] as const;

export type CaseStage = (typeof CASE_STAGES)[number];

export const CASE_ACTIONS = [
  'decision_to_assess',
  'decision_not_to_assess',
  'decision_not_to_issue',
  'draft_plan_issued',
  'final_plan_issued',
  'cease',
  'withdraw',
] as const;

export type CaseAction = (typeof CASE_ACTIONS)[number];

export type TransitionResult =
  | { ok: true; next: CaseStage }
  | { ok: false; code: 'unknown_stage' | 'unknown_action' | 'case_closed' | 'not_allowed'; reason: string };

// Each stage's legal moves. 'withdraw' is only possible before a plan exists: once a plan
// is in force it can only be ceased (s45), with notice and appeal rights.
const TRANSITIONS: Readonly<Record<CaseStage, Readonly<Partial<Record<CaseAction, CaseStage>>>>> = {
  received: {
    decision_to_assess: 'assessment',
    decision_not_to_assess: 'closed_not_assessed',
    withdraw: 'withdrawn',
  },
  assessment: {
    decision_not_to_issue: 'closed_no_plan',
    draft_plan_issued: 'draft_plan',
    withdraw: 'withdrawn',
  },
  draft_plan: {
    final_plan_issued: 'plan_maintained',
    withdraw: 'withdrawn',
  },
  plan_maintained: {
    cease: 'ceased',
  },
  closed_not_assessed: {},
  closed_no_plan: {},
  ceased: {},
  withdrawn: {},
};

/** Stages where the statutory process is still running and the family may still withdraw. */
export const OPEN_STAGES: readonly CaseStage[] = ['received', 'assessment', 'draft_plan'];

/** Stages nothing can leave: a new request starts a new case. */
export const CLOSED_STAGES: readonly CaseStage[] = ['closed_not_assessed', 'closed_no_plan', 'ceased', 'withdrawn'];

/** Actions whose letter must give reasons: refusals (ss36(9), 37), cessation (s45, reg 31) and withdrawal (recorded for audit). */
export const ACTIONS_REQUIRING_REASON: readonly CaseAction[] = [
  'decision_not_to_assess',
  'decision_not_to_issue',
  'cease',
  'withdraw',
];

/**
 * Actions the family may appeal to the First-tier Tribunal (SEND), so the letter must give
 * mediation and appeal rights: s51(2)(a) refusal to assess, (b) refusal to issue a plan,
 * (c) the plan's contents, and (f) ceasing to maintain the plan.
 */
export const ACTIONS_WITH_APPEAL_RIGHTS: readonly CaseAction[] = [
  'decision_not_to_assess',
  'decision_not_to_issue',
  'final_plan_issued',
  'cease',
];

// The timeline event each action records, so the clock and the state machine agree.
const ACTION_EVENT: Readonly<Record<CaseAction, CaseEventType>> = {
  decision_to_assess: 'decision_to_assess',
  decision_not_to_assess: 'decision_not_to_assess',
  decision_not_to_issue: 'decision_not_to_issue',
  draft_plan_issued: 'draft_plan_issued',
  final_plan_issued: 'final_plan_issued',
  cease: 'ceased',
  withdraw: 'withdrawn',
};

export function isCaseStage(value: unknown): value is CaseStage {
  return typeof value === 'string' && (CASE_STAGES as readonly string[]).includes(value);
}

export function isCaseAction(value: unknown): value is CaseAction {
  return typeof value === 'string' && (CASE_ACTIONS as readonly string[]).includes(value);
}

/** The actions allowed at `stage`, in the order they appear in the process. */
export function allowedActions(stage: CaseStage): CaseAction[] {
  const moves = TRANSITIONS[stage];
  return moves ? CASE_ACTIONS.filter((a) => a in moves) : [];
}

/** The stage after `action`, or why the action is refused. Stage and action may come from storage, so both are checked. */
export function applyAction(stage: CaseStage, action: CaseAction): TransitionResult {
  if (!isCaseStage(stage)) return refuse('unknown_stage', `Unknown case stage: ${String(stage)}`);
  if (!isCaseAction(action)) return refuse('unknown_action', `Unknown case action: ${String(action)}`);
  const next = TRANSITIONS[stage][action];
  if (next) return { ok: true, next };
  if (isClosedStage(stage)) return refuse('case_closed', `The case is closed (${stage}); nothing can follow it.`);
  return refuse('not_allowed', `'${action}' is not allowed at stage '${stage}'.`);
}

export function isOpenStage(stage: CaseStage): boolean {
  return OPEN_STAGES.includes(stage);
}

export function isClosedStage(stage: CaseStage): boolean {
  return CLOSED_STAGES.includes(stage);
}

export function requiresReason(action: CaseAction): boolean {
  return ACTIONS_REQUIRING_REASON.includes(action);
}

export function carriesAppealRights(action: CaseAction): boolean {
  return ACTIONS_WITH_APPEAL_RIGHTS.includes(action);
}

/** The timeline event type an action records (cease → 'ceased', withdraw → 'withdrawn'). */
export function eventTypeFor(action: CaseAction): CaseEventType {
  return ACTION_EVENT[action];
}

/** The events that move a case on. A step cannot be dated before the step it follows. */
const STEP_EVENTS: readonly CaseEventType[] = [...Object.values(ACTION_EVENT), 'amended_plan_issued'];

/** The date of the latest step recorded on a case (ISO dates compare as text), or undefined before the first. */
export function lastStepDate(events: readonly { type: string; date: string }[]): string | undefined {
  let last: string | undefined;
  for (const e of events) if ((STEP_EVENTS as readonly string[]).includes(e.type) && (last === undefined || e.date > last)) last = e.date;
  return last;
}

function refuse(code: Extract<TransitionResult, { ok: false }>['code'], reason: string): TransitionResult {
  return { ok: false, code, reason };
}
