// The statutory clock for an EHC needs assessment and the plan that follows it.
// Children and Families Act 2014, SEND Regulations 2014 (SI 2014/1530), SEND Code of
// Practice 2015 ch. 9. Periods are calendar days/weeks/months counted from the day the
// council receives the request (day 0): "6 weeks" is due on received + 42 days, and a
// milestone met on its due date is on time.
//
// Pure: the caller passes "today"; nothing here reads a clock. Events dated after today
// are ignored, so the same call answers "what did the timeline look like on that day".

import {
  addDays,
  addMonths,
  addWeeks,
  ageInYears,
  compareIsoDates,
  daysBetween,
  type IsoDate,
  maxIsoDate,
  parseIsoDate,
} from './dates.js';

export type { IsoDate } from './dates.js';

// ---------------------------------------------------------------------------------------
// Periods

export const PERIODS = {
  /** reg 5(1): decide whether to assess. */
  decisionWeeks: 6,
  /** reg 8(1): each professional's advice. */
  adviceWeeks: 6,
  /** reg 10(1): tell the family the council will not issue a plan. */
  notToIssueWeeks: 16,
  /** Practice (Code 9.134): the draft by week 16 leaves room for 15 days' comments and school consultation. */
  draftPlanWeeks: 16,
  /** reg 13(1): the parent has at least 15 days to comment on the draft. */
  draftCommentDays: 15,
  /** reg 13(2): the final plan. */
  finalPlanWeeks: 20,
  /** Mediation Regs 2014: contact a mediation adviser within 2 months of the decision letter. */
  mediationMonths: 2,
  /** Tribunal Procedure Rules 2008 r20: appeal within 2 months of the letter ... */
  tribunalMonths: 2,
  /** ... or 1 month from the mediation certificate, whichever is later. */
  afterCertificateMonths: 1,
  /** reg 18(1): review the plan at least every 12 months. */
  reviewMonths: 12,
  /** Code 9.178: under-5s every 3–6 months; the outer limit is what the clock enforces. */
  under5ReviewMonths: 6,
  /** reg 20(10): decision within 4 weeks of the review meeting. */
  reviewDecisionWeeks: 4,
  /** reg 22(3): the amended plan within 8 weeks of the proposed amendments. */
  amendedPlanWeeks: 8,
  /** Staff queues turn amber this many days (inclusive) before a due date. */
  amberDays: 7,
} as const;

// ---------------------------------------------------------------------------------------
// Inputs

export const CASE_EVENT_TYPES = [
  'received',
  'decision_to_assess',
  'decision_not_to_assess',
  'advice_requested',
  'advice_received',
  'decision_not_to_issue',
  'draft_plan_issued',
  'final_plan_issued',
  'withdrawn',
  'ceased',
  'mediation_certificate',
  'review_meeting',
  'review_decision',
  'amendments_proposed',
  'amended_plan_issued',
  'exception',
] as const;

export type CaseEventType = (typeof CASE_EVENT_TYPES)[number];

export const EXCEPTION_TYPES = ['school_closure', 'exceptional_personal_circumstances', 'absent_from_area'] as const;

export type ExceptionType = (typeof EXCEPTION_TYPES)[number];

/** What a caseworker records for a reg 10(4)-type exception. `to` is inclusive; leave it out while it lasts. */
export interface ExceptionData {
  exceptionType: ExceptionType;
  reason: string;
  from: IsoDate;
  to?: IsoDate;
}

/**
 * Something that happened on a case. `date` is the day it happened (for decisions, the
 * date of the letter). `id` pairs a request with its answer: advice_requested with
 * advice_received, review_meeting with review_decision, amendments_proposed with
 * amended_plan_issued.
 */
export type CaseEvent =
  | {
      type: Exclude<CaseEventType, 'exception'>;
      date: IsoDate;
      id?: string;
      data?: { reason?: string; [key: string]: unknown };
    }
  | { type: 'exception'; date: IsoDate; id?: string; data: ExceptionData };

export interface TimelineInput {
  receivedOn: IsoDate;
  events: readonly CaseEvent[];
  today: IsoDate;
  /** Decides whether reviews are 6-monthly (under 5) or 12-monthly. */
  childDateOfBirth?: IsoDate;
}

// ---------------------------------------------------------------------------------------
// Outputs

export type MilestoneKey =
  | 'decision_to_assess'
  | 'advice'
  | 'decision_not_to_issue'
  | 'draft_plan'
  | 'draft_comments'
  | 'final_plan'
  | 'annual_review'
  | 'review_decision'
  | 'amended_plan';

export type MilestoneState = 'done_on_time' | 'done_late' | 'due' | 'overdue' | 'not_applicable';

export type Rag = 'red' | 'amber' | 'green';

export interface Milestone {
  key: MilestoneKey;
  /** Whose deadline it is. 'family' windows (the draft comments) never count against the council's RAG. */
  owner: 'council' | 'family';
  /** The day the period runs from. */
  startsOn: IsoDate;
  dueOn: IsoDate;
  doneOn?: IsoDate;
  state: MilestoneState;
  /** A recorded exception overlaps startsOn..dueOn. The due date is NOT moved. */
  exceptionApplies: boolean;
  /** The advice request / review meeting / amendment id the milestone belongs to. */
  relatedId?: string;
}

export interface CurrentWeek {
  /** floor(days since received / 7) + 1, counted up to `asOf`. */
  week: number;
  /** `week`, capped at 20 for "week n of 20". */
  displayWeek: number;
  pastWeek20: boolean;
  /** false once the 20-week process has ended (decision not to assess / not to issue, final plan, withdrawal). */
  running: boolean;
  /** today, or the day the process ended. */
  asOf: IsoDate;
}

export type ExceptionProblem = 'unknown_type' | 'reason_required' | 'ends_before_it_starts' | 'shorter_than_4_weeks';

export interface CaseException extends ExceptionData {
  id?: string;
  recordedOn: IsoDate;
  /** Empty when the exception meets the regulation's conditions; only those flag milestones. */
  problems: ExceptionProblem[];
}

/** Decisions the family can take to mediation and the Tribunal: CFA 2014 s51(2)(a)–(d), (f). */
export type AppealableDecision =
  | 'decision_not_to_assess'
  | 'decision_not_to_issue'
  | 'final_plan_issued'
  | 'amended_plan_issued'
  | 'ceased';

export interface Appeal {
  decision: AppealableDecision;
  decisionOn: IsoDate;
  mediationBy: IsoDate;
  certificateOn?: IsoDate;
  tribunalBy: IsoDate;
  mediationOpen: boolean;
  tribunalOpen: boolean;
}

export type TimelineWarning =
  | { code: 'final_plan_before_comments_closed'; finalPlanOn: IsoDate; commentsCloseOn: IsoDate }
  | { code: 'unmatched_event'; type: CaseEventType; date: IsoDate; id?: string };

export interface Timeline {
  milestones: Milestone[];
  currentWeek: CurrentWeek;
  /** The earliest-due milestone still due or overdue. */
  nextMilestone?: Milestone;
  /** The council's most urgent milestone: red overdue, amber due within 7 days, else green. */
  rag: Rag;
  exceptions: CaseException[];
  /** Rights after the latest appealable decision. */
  appeal?: Appeal;
  warnings: TimelineWarning[];
}

// ---------------------------------------------------------------------------------------
// Public functions

/** The two dates a new case starts with. */
export function initialDueDates(receivedOn: IsoDate): { decisionDue: IsoDate; draftPlanDue: IsoDate; finalPlanDue: IsoDate } {
  return {
    decisionDue: addWeeks(receivedOn, PERIODS.decisionWeeks),
    draftPlanDue: addWeeks(receivedOn, PERIODS.draftPlanWeeks),
    finalPlanDue: addWeeks(receivedOn, PERIODS.finalPlanWeeks),
  };
}

/** red once past the due date; amber from 7 days before it up to the day itself; green otherwise. */
export function ragFor(dueOn: IsoDate, today: IsoDate): Rag {
  const daysLeft = daysBetween(today, dueOn);
  if (daysLeft < 0) return 'red';
  return daysLeft <= PERIODS.amberDays ? 'amber' : 'green';
}

/** Whether a recorded exception meets the conditions in regs 5(4), 8(2), 10(4), 13(3). */
export function validateException(data: ExceptionData): ExceptionProblem[] {
  const problems: ExceptionProblem[] = [];
  if (!(EXCEPTION_TYPES as readonly string[]).includes(data.exceptionType)) problems.push('unknown_type');
  if (!data.reason?.trim()) problems.push('reason_required');
  if (data.to !== undefined && compareIsoDates(data.to, data.from) < 0) problems.push('ends_before_it_starts');
  else if (needsFourWeeks(data) && data.to !== undefined && daysBetween(data.from, data.to) + 1 < 28) {
    problems.push('shorter_than_4_weeks');
  }
  return problems;
}

/** Every statutory milestone of a case, with its due date and state on `today`. */
export function computeTimeline(input: TimelineInput): Timeline {
  const ctx = contextFor(input);
  const milestones = [...assessmentMilestones(ctx), ...planMilestones(ctx)];
  return {
    milestones,
    currentWeek: currentWeekFor(ctx),
    nextMilestone: earliestOpen(milestones),
    rag: ragOf(milestones, ctx.today),
    exceptions: ctx.exceptions,
    appeal: appealFor(ctx),
    warnings: [...commentWarnings(ctx), ...ctx.unmatched],
  };
}

// ---------------------------------------------------------------------------------------
// Context

interface Context {
  receivedOn: IsoDate;
  today: IsoDate;
  childDateOfBirth?: IsoDate;
  /** Events up to today, oldest first (same-day events keep their input order). */
  events: CaseEvent[];
  exceptions: CaseException[];
  unmatched: TimelineWarning[];
}

function contextFor(input: TimelineInput): Context {
  parseIsoDate(input.receivedOn);
  parseIsoDate(input.today);
  if (input.childDateOfBirth !== undefined) parseIsoDate(input.childDateOfBirth);
  for (const e of input.events) parseIsoDate(e.date);
  // Array sort is stable, so same-day events keep the order they were given in.
  const events = input.events
    .filter((e) => compareIsoDates(e.date, input.today) <= 0)
    .sort((a, b) => compareIsoDates(a.date, b.date));
  return {
    receivedOn: input.receivedOn,
    today: input.today,
    childDateOfBirth: input.childDateOfBirth,
    events,
    exceptions: events.flatMap(toException),
    unmatched: [],
  };
}

function toException(e: CaseEvent): CaseException[] {
  if (e.type !== 'exception') return [];
  parseIsoDate(e.data.from);
  if (e.data.to !== undefined) parseIsoDate(e.data.to);
  const base = { ...e.data, recordedOn: e.date, problems: validateException(e.data) };
  return [e.id === undefined ? base : { id: e.id, ...base }];
}

function needsFourWeeks(data: ExceptionData): boolean {
  return data.exceptionType === 'school_closure' || data.exceptionType === 'absent_from_area';
}

function ofType(ctx: Context, ...types: CaseEventType[]): CaseEvent[] {
  return ctx.events.filter((e) => types.includes(e.type));
}

function firstOf(ctx: Context, ...types: CaseEventType[]): CaseEvent | undefined {
  return ofType(ctx, ...types)[0];
}

function lastOf(ctx: Context, ...types: CaseEventType[]): CaseEvent | undefined {
  return ofType(ctx, ...types).at(-1);
}

function has(ctx: Context, ...types: CaseEventType[]): boolean {
  return firstOf(ctx, ...types) !== undefined;
}

// ---------------------------------------------------------------------------------------
// Building milestones

// The milestones the reg 10(4)-type exceptions can excuse (regs 5(4), 8(2), 10(4), 13(3)).
// Reviews, amendments and the family's own windows have no such exception.
const EXCEPTION_KEYS: readonly MilestoneKey[] = [
  'decision_to_assess',
  'advice',
  'decision_not_to_issue',
  'draft_plan',
  'final_plan',
];

interface Spec {
  key: MilestoneKey;
  startsOn: IsoDate;
  dueOn: IsoDate;
  doneOn?: IsoDate;
  /** Something (withdrawal, a refusal, cessation) means it will never be met. */
  stopped: boolean;
  relatedId?: string;
}

function councilMilestone(spec: Spec, ctx: Context): Milestone {
  const state = stateOf(spec, ctx.today);
  return build(spec, 'council', state, ctx);
}

function stateOf(spec: Spec, today: IsoDate): MilestoneState {
  if (spec.doneOn !== undefined) return compareIsoDates(spec.doneOn, spec.dueOn) <= 0 ? 'done_on_time' : 'done_late';
  if (spec.stopped) return 'not_applicable';
  return compareIsoDates(today, spec.dueOn) <= 0 ? 'due' : 'overdue';
}

function build(spec: Spec, owner: Milestone['owner'], state: MilestoneState, ctx: Context): Milestone {
  const m: Milestone = {
    key: spec.key,
    owner,
    startsOn: spec.startsOn,
    dueOn: spec.dueOn,
    state,
    exceptionApplies: state !== 'not_applicable' && EXCEPTION_KEYS.includes(spec.key) && exceptionOverlaps(spec, ctx),
  };
  if (spec.doneOn !== undefined) m.doneOn = spec.doneOn;
  if (spec.relatedId !== undefined) m.relatedId = spec.relatedId;
  return m;
}

// Only exceptions that meet the conditions count; an open-ended one lasts until further notice.
function exceptionOverlaps(spec: Spec, ctx: Context): boolean {
  return ctx.exceptions.some(
    (x) =>
      x.problems.length === 0 &&
      compareIsoDates(x.from, spec.dueOn) <= 0 &&
      (x.to === undefined || compareIsoDates(x.to, spec.startsOn) >= 0),
  );
}

// ---------------------------------------------------------------------------------------
// The 20-week assessment

function assessmentMilestones(ctx: Context): Milestone[] {
  const r = ctx.receivedOn;
  const withdrawn = has(ctx, 'withdrawn');
  const refused = has(ctx, 'decision_not_to_assess');
  const noPlan = has(ctx, 'decision_not_to_issue');
  const notToIssue = firstOf(ctx, 'decision_not_to_issue');
  return [
    councilMilestone(
      {
        key: 'decision_to_assess',
        startsOn: r,
        dueOn: addWeeks(r, PERIODS.decisionWeeks),
        doneOn: firstOf(ctx, 'decision_to_assess', 'decision_not_to_assess')?.date,
        stopped: withdrawn,
      },
      ctx,
    ),
    ...adviceMilestones(ctx, withdrawn || refused || noPlan || has(ctx, 'final_plan_issued')),
    // Only a milestone once the decision is made: until then the council is working towards a plan.
    councilMilestone(
      {
        key: 'decision_not_to_issue',
        startsOn: r,
        dueOn: addWeeks(r, PERIODS.notToIssueWeeks),
        doneOn: notToIssue?.date,
        stopped: true,
      },
      ctx,
    ),
    councilMilestone(
      {
        key: 'draft_plan',
        startsOn: r,
        dueOn: addWeeks(r, PERIODS.draftPlanWeeks),
        doneOn: firstOf(ctx, 'draft_plan_issued')?.date,
        stopped: withdrawn || refused || noPlan || has(ctx, 'final_plan_issued'),
      },
      ctx,
    ),
    ...draftCommentWindow(ctx, withdrawn || refused || noPlan),
    councilMilestone(
      {
        key: 'final_plan',
        startsOn: r,
        dueOn: addWeeks(r, PERIODS.finalPlanWeeks),
        doneOn: firstOf(ctx, 'final_plan_issued')?.date,
        stopped: withdrawn || refused || noPlan,
      },
      ctx,
    ),
  ];
}

// One per request, 6 weeks from that request (reg 8(1)). Advice still awaited when the
// assessment ends no longer matters to the clock.
function adviceMilestones(ctx: Context, assessmentOver: boolean): Milestone[] {
  return pairUp(ctx, 'advice_requested', 'advice_received').map(({ request, answer }) =>
    councilMilestone(
      {
        key: 'advice',
        startsOn: request.date,
        dueOn: addWeeks(request.date, PERIODS.adviceWeeks),
        doneOn: answer?.date,
        stopped: assessmentOver,
        relatedId: request.id,
      },
      ctx,
    ),
  );
}

// The family's window on the latest draft (a re-issued draft restarts it). There is no
// event that "meets" it: it is due while open and counts as done once it has run.
function draftCommentWindow(ctx: Context, stopped: boolean): Milestone[] {
  const draft = lastOf(ctx, 'draft_plan_issued');
  if (!draft) return [];
  const spec: Spec = {
    key: 'draft_comments',
    startsOn: draft.date,
    dueOn: addDays(draft.date, PERIODS.draftCommentDays),
    stopped,
  };
  const open = compareIsoDates(ctx.today, spec.dueOn) <= 0;
  if (open) return [build(spec, 'family', stopped ? 'not_applicable' : 'due', ctx)];
  return [build({ ...spec, doneOn: spec.dueOn }, 'family', 'done_on_time', ctx)];
}

// reg 13(1): finalising before the parent's 15 days are up takes away their chance to comment.
function commentWarnings(ctx: Context): TimelineWarning[] {
  const final = firstOf(ctx, 'final_plan_issued');
  const draft = ofType(ctx, 'draft_plan_issued')
    .filter((d) => !final || compareIsoDates(d.date, final.date) <= 0)
    .at(-1);
  if (!final || !draft) return [];
  const commentsCloseOn = addDays(draft.date, PERIODS.draftCommentDays);
  if (compareIsoDates(final.date, commentsCloseOn) >= 0) return [];
  return [{ code: 'final_plan_before_comments_closed', finalPlanOn: final.date, commentsCloseOn }];
}

// ---------------------------------------------------------------------------------------
// Once a plan is in force

function planMilestones(ctx: Context): Milestone[] {
  const plan = firstOf(ctx, 'final_plan_issued');
  if (!plan) return [];
  const ended = has(ctx, 'ceased', 'withdrawn');
  const all = [
    ...annualReviews(ctx, plan.date, ended),
    ...answered(ctx, 'review_meeting', 'review_decision', 'review_decision', PERIODS.reviewDecisionWeeks, ended),
    ...answered(ctx, 'amendments_proposed', 'amended_plan_issued', 'amended_plan', PERIODS.amendedPlanWeeks, ended),
  ];
  // Stable sort: same-day milestones keep the order above.
  return all.sort((a, b) => compareIsoDates(a.dueOn, b.dueOn));
}

// reg 18: within 12 months of the plan, then within 12 months of the previous review
// (6 months while the child is under 5). Each review meeting restarts the period.
function annualReviews(ctx: Context, planOn: IsoDate, ended: boolean): Milestone[] {
  const meetings = ofType(ctx, 'review_meeting');
  const result: Milestone[] = [];
  let base = planOn;
  for (;;) {
    const dueOn = addMonths(base, reviewMonths(ctx, base));
    const meeting = meetings.find((m) => compareIsoDates(m.date, base) > 0);
    const spec: Spec = { key: 'annual_review', startsOn: base, dueOn, doneOn: meeting?.date, stopped: ended };
    if (meeting?.id !== undefined) spec.relatedId = meeting.id;
    result.push(councilMilestone(spec, ctx));
    if (!meeting) return result;
    base = meeting.date;
  }
}

function reviewMonths(ctx: Context, on: IsoDate): number {
  const dob = ctx.childDateOfBirth;
  return dob !== undefined && ageInYears(dob, on) < 5 ? PERIODS.under5ReviewMonths : PERIODS.reviewMonths;
}

// A request with a deadline in weeks that a later event answers.
function answered(
  ctx: Context,
  requestType: CaseEventType,
  answerType: CaseEventType,
  key: MilestoneKey,
  weeks: number,
  ended: boolean,
): Milestone[] {
  return pairUp(ctx, requestType, answerType).map(({ request, answer }) =>
    councilMilestone(
      {
        key,
        startsOn: request.date,
        dueOn: addWeeks(request.date, weeks),
        doneOn: answer?.date,
        stopped: ended,
        relatedId: request.id,
      },
      ctx,
    ),
  );
}

/**
 * Pairs requests with answers. An answer meets the latest still-open request with the same
 * id (both without an id also match) made on or before the answer's date, so a decision
 * follows its own review meeting rather than an older, forgotten one. Answers that meet no
 * request are reported as warnings.
 */
function pairUp(
  ctx: Context,
  requestType: CaseEventType,
  answerType: CaseEventType,
): { request: CaseEvent; answer?: CaseEvent }[] {
  const pairs: { request: CaseEvent; answer?: CaseEvent }[] = ofType(ctx, requestType).map((request) => ({ request }));
  for (const answer of ofType(ctx, answerType)) {
    const open = pairs.filter(
      (p) => !p.answer && p.request.id === answer.id && compareIsoDates(p.request.date, answer.date) <= 0,
    );
    const match = open.at(-1);
    if (match) match.answer = answer;
    else ctx.unmatched.push(unmatched(answer));
  }
  return pairs;
}

function unmatched(e: CaseEvent): TimelineWarning {
  return e.id === undefined
    ? { code: 'unmatched_event', type: e.type, date: e.date }
    : { code: 'unmatched_event', type: e.type, date: e.date, id: e.id };
}

// ---------------------------------------------------------------------------------------
// Summaries

const PROCESS_ENDS: CaseEventType[] = ['decision_not_to_assess', 'decision_not_to_issue', 'final_plan_issued', 'withdrawn'];

function currentWeekFor(ctx: Context): CurrentWeek {
  const end = firstOf(ctx, ...PROCESS_ENDS);
  const asOf = end ? end.date : ctx.today;
  // A received date after today is a data error; show week 1 rather than week 0 or less.
  const days = Math.max(0, daysBetween(ctx.receivedOn, asOf));
  const week = Math.floor(days / 7) + 1;
  return {
    week,
    displayWeek: Math.min(week, PERIODS.finalPlanWeeks),
    pastWeek20: week > PERIODS.finalPlanWeeks,
    running: !end,
    asOf,
  };
}

function isOpen(m: Milestone): boolean {
  return m.state === 'due' || m.state === 'overdue';
}

// Earliest due date wins; on a tie the milestone listed first (the statutory order).
function earliestOpen(milestones: Milestone[]): Milestone | undefined {
  let best: Milestone | undefined;
  for (const m of milestones) {
    if (isOpen(m) && (!best || compareIsoDates(m.dueOn, best.dueOn) < 0)) best = m;
  }
  return best;
}

// The earliest open council deadline is also the most urgent one.
function ragOf(milestones: Milestone[], today: IsoDate): Rag {
  const next = earliestOpen(milestones.filter((m) => m.owner === 'council'));
  return next ? ragFor(next.dueOn, today) : 'green';
}

const APPEALABLE: AppealableDecision[] = [
  'decision_not_to_assess',
  'decision_not_to_issue',
  'final_plan_issued',
  'amended_plan_issued',
  'ceased',
];

// The latest appealable decision. The mediation adviser must be contacted within 2 months
// of its letter; the Tribunal appeal is due 2 months from the letter or 1 month from the
// mediation certificate, whichever is later — a certificate can extend, never shorten it.
function appealFor(ctx: Context): Appeal | undefined {
  const decision = lastOf(ctx, ...APPEALABLE);
  if (!decision) return undefined;
  const mediationBy = addMonths(decision.date, PERIODS.mediationMonths);
  const fromLetter = addMonths(decision.date, PERIODS.tribunalMonths);
  const certificate = ofType(ctx, 'mediation_certificate')
    .filter((c) => compareIsoDates(c.date, decision.date) >= 0)
    .at(-1);
  const tribunalBy = certificate
    ? maxIsoDate(fromLetter, addMonths(certificate.date, PERIODS.afterCertificateMonths))
    : fromLetter;
  const appeal: Appeal = {
    decision: decision.type as AppealableDecision,
    decisionOn: decision.date,
    mediationBy,
    tribunalBy,
    mediationOpen: compareIsoDates(ctx.today, mediationBy) <= 0,
    tribunalOpen: compareIsoDates(ctx.today, tribunalBy) <= 0,
  };
  if (certificate) appeal.certificateOn = certificate.date;
  return appeal;
}
