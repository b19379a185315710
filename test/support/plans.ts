import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { PlanSection } from '../../src/domain/plan.js';
import type { CaseRow } from '../../src/features/cases/repo.js';
import type { PlanResponseRow, PlanRow } from '../../src/features/plans/service.js';
import { type AccountsTestApp, createCitizen, locationOf, type TestPerson } from './accounts.js';
import type { StaffClient } from './advice.js';
import type { Client, TestApp } from './app.js';
import { actOk, caseById, errorTexts, seedCase, staffMember } from './cases.js';
import { signedInAs } from './send.js';

export type Sections = Partial<Record<PlanSection, string>>;

// ---- Answers -------------------------------------------------------------------------------------------

/**
 * Every section written, as a caseworker would before issuing a final plan: several lines, punctuation the
 * page must escape, and (in Section A) Welsh letters. `tag` tells versions apart.
 */
export function fullSections(tag = ''): Record<PlanSection, string> {
  const x = tag ? ` ${tag}` : '';
  return {
    A: `Sam's views${x}: "I like dinosaurs & drawing".\nSam's parents hope Sam can go to college – Ysgol Gŵyr, Tŷ Newydd (ŵ ŷ).`,
    B: `Sam has difficulty with reading and working memory${x}.\n\nSam finds busy places <hard> to manage.`,
    C: `No health needs related to special educational needs${x}.`,
    D: `No social care needs${x}.`,
    E: `By the end of Key Stage 2, Sam will read at the expected level${x}.`,
    F: `Daily 20 minutes of structured phonics with a trained teaching assistant${x}.\nA quiet space at playtimes.`,
    G: `None${x}.`,
    H1: `None${x}.`,
    H2: `None${x}.`,
    I: `Oak Primary School${x}`,
    J: `No personal budget has been asked for${x}.`,
    K: `Educational psychologist's advice; the family's advice${x}.`,
  };
}

/** A valid reply to a draft: comments on two sections, a school, and a meeting. */
export const FAMILY_REPLY = {
  'comment-B': 'Please also mention that Sam finds handwriting tiring.',
  'comment-F': 'We would like the phonics sessions in the morning.',
  school: 'Oak Primary School',
  meeting: 'yes',
};

// ---- Staff ---------------------------------------------------------------------------------------------

/** "Start composing" from the staff plan page. */
export async function startComposing(client: Client, caseId: string): Promise<LightMyRequestResponse> {
  const page = await client.get(`/staff/cases/${caseId}/plan`);
  assert.equal(page.statusCode, 200, `staff plan page: ${page.statusCode}`);
  return client.post(`/staff/cases/${caseId}/plan/compose`);
}

/** The compose form sent with "Save" or "Issue": only the sections given (others are left as they are). */
export async function postSections(client: Client, caseId: string, sections: Sections, action: 'save' | 'issue'): Promise<LightMyRequestResponse> {
  const page = await client.get(`/staff/cases/${caseId}/plan`);
  assert.equal(page.statusCode, 200, `staff plan page: ${page.statusCode}`);
  return client.post(`/staff/cases/${caseId}/plan/sections`, { ...sections, action });
}

/** Starts composing the next version, writes `sections` and issues it; returns the issued version. */
export async function composeAndIssue(t: TestApp, client: Client, caseId: string, sections: Sections = fullSections()): Promise<PlanRow> {
  const started = await startComposing(client, caseId);
  assert.equal(started.statusCode, 302, `start composing: ${started.statusCode}`);
  const composing = await composingVersion(t, caseId);
  assert.ok(composing, 'a version is being composed');
  const issued = await postSections(client, caseId, sections, 'issue');
  assert.equal(issued.statusCode, 302, `issue: ${issued.statusCode} ${errorTexts(issued.body).join(' | ')}`);
  assert.equal(locationOf(issued), `/staff/cases/${caseId}/plan`);
  const row = await planVersion(t, caseId, composing.version);
  assert.equal(row?.state, 'issued');
  return row;
}

// ---- Family --------------------------------------------------------------------------------------------

/** Opens the reply page of a version and sends the reply form. */
export async function replyToPlan(client: Client, reference: string, version: number, form: Record<string, string> = FAMILY_REPLY): Promise<LightMyRequestResponse> {
  const page = await client.get(`/send/cases/${reference}/plan/${version}/reply`);
  assert.equal(page.statusCode, 200, `reply page: ${page.statusCode}`);
  return client.post(`/send/cases/${reference}/plan/${version}/reply`, form);
}

// ---- Cases ---------------------------------------------------------------------------------------------

export interface PlanCase {
  caseRow: CaseRow;
  adults: TestPerson[];
  staff: StaffClient;
  /** The first adult, signed in. */
  family: Client;
  draft: PlanRow;
  final?: PlanRow;
}

export interface PlanCaseOptions {
  /** Adults linked to the child (default: one English-speaking parent with email two-step). */
  adults?: TestPerson[];
  /** The caseworker who acts (default: a new one). */
  staff?: StaffClient;
  assignedTo?: string | null;
  firstName?: string;
  dateOfBirth?: string;
  /** The sections of the draft (default: fullSections()). */
  sections?: Sections;
}

/** A seeded case put into assessment through the case page's "Decision to assess" (the child's date of birth can be chosen). */
export async function planCaseInAssessment(t: AccountsTestApp, options: PlanCaseOptions = {}): Promise<{ caseRow: CaseRow; adults: TestPerson[]; staff: StaffClient }> {
  const adults = options.adults ?? [await createCitizen(t, { twoStep: 'email' })];
  const staff = options.staff ?? (await staffMember(t, 'caseworker'));
  const row = await seedCase(t, { adults, firstName: options.firstName, dateOfBirth: options.dateOfBirth, assignedTo: options.assignedTo });
  await actOk(t, staff.client, row.id, 'decision_to_assess');
  const caseRow = await caseById(t, row.id);
  assert.equal(caseRow.stage, 'assessment');
  return { caseRow, adults, staff };
}

/** A case in assessment with a draft plan composed and issued through the plan page with every section written. */
export async function caseWithDraft(t: AccountsTestApp, options: PlanCaseOptions = {}): Promise<PlanCase> {
  const made = await planCaseInAssessment(t, options);
  const draft = await composeAndIssue(t, made.staff.client, made.caseRow.id, options.sections);
  const caseRow = await caseById(t, made.caseRow.id);
  assert.equal(caseRow.stage, 'draft_plan');
  const family = await signedInAs(t, made.adults[0] as TestPerson);
  return { ...made, caseRow, family, draft };
}

/**
 * caseWithDraft(), then (unless `reply` is false) the family's reply to the draft, then the final plan issued:
 * the case's plan is maintained.
 */
export async function caseWithFinalPlan(
  t: AccountsTestApp,
  options: PlanCaseOptions & { reply?: boolean; finalSections?: Sections } = {},
): Promise<PlanCase & { final: PlanRow }> {
  const made = await caseWithDraft(t, options);
  if (options.reply !== false) {
    const replied = await replyToPlan(made.family, made.caseRow.reference, made.draft.version);
    assert.equal(replied.statusCode, 302, `reply: ${replied.statusCode}`);
  }
  const final = await composeAndIssue(t, made.staff.client, made.caseRow.id, options.finalSections ?? fullSections('final'));
  const caseRow = await caseById(t, made.caseRow.id);
  assert.equal(caseRow.stage, 'plan_maintained');
  return { ...made, caseRow, final };
}

// ---- Database ------------------------------------------------------------------------------------------

export function planVersions(t: TestApp, caseId: string): Promise<PlanRow[]> {
  return t.app.db.selectFrom('plans').selectAll().where('case_id', '=', caseId).orderBy('version').execute();
}

export async function planVersion(t: TestApp, caseId: string, version: number): Promise<PlanRow> {
  const row = await t.app.db.selectFrom('plans').selectAll().where('case_id', '=', caseId).where('version', '=', version).executeTakeFirst();
  assert.ok(row, `no version ${version}`);
  return row;
}

export function composingVersion(t: TestApp, caseId: string): Promise<PlanRow | undefined> {
  return t.app.db.selectFrom('plans').selectAll().where('case_id', '=', caseId).where('state', '=', 'composing').executeTakeFirst();
}

export function sectionsOf(plan: PlanRow): Sections {
  return JSON.parse(plan.sections) as Sections;
}

export function planResponses(t: TestApp, planId: string): Promise<PlanResponseRow[]> {
  return t.app.db.selectFrom('plan_responses').selectAll().where('plan_id', '=', planId).execute();
}

/** How many audit rows of `action` there are about this case. */
export async function auditCount(t: TestApp, caseId: string, action: string): Promise<number> {
  const rows = await t.app.db.selectFrom('audit_events').select('id').where('subject_id', '=', caseId).where('action', '=', action).execute();
  return rows.length;
}

// ---- Reading pages and PDFs -------------------------------------------------------------------------------

/** HTML entities decoded, tags kept out; whitespace left as it is. */
export function unescapeHtml(s: string): string {
  return s
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Text with its line breaks, page markers and runs of spaces made single spaces, for comparing HTML and PDF. */
export function normalise(s: string): string {
  return s
    .replace(/-- \d+ of \d+ --/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The sections of a plan as a page shows them (heading with id="section-X", then the text). */
export function sectionsOnPage(html: string): { key: string; title: string; text: string }[] {
  return [...html.matchAll(/<h2 class="govuk-heading-m" id="section-([A-Z0-9]+)">([\s\S]*?)<\/h2>\s*<p class="govuk-body portal-prewrap">([\s\S]*?)<\/p>/g)].map((m) => ({
    key: m[1] ?? '',
    title: normalise(unescapeHtml(m[2] ?? '')),
    text: unescapeHtml(m[3] ?? ''),
  }));
}

/** The text pdf-parse extracts from a PDF. */
export async function pdfText(data: Buffer): Promise<string> {
  // Loaded when first needed: pdf.js is large, and loading it with the test file would hold up the start
  // of the run (and its PostgreSQL check) on a busy machine.
  const { PDFParse } = await import('pdf-parse');
  const parser = new PDFParse({ data: new Uint8Array(data) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

/** A response is a PDF download: content type, attachment, and the bytes of a PDF. */
export function assertPdfDownload(res: LightMyRequestResponse, filename: string): Buffer {
  assert.equal(res.statusCode, 200, `PDF: ${res.statusCode}`);
  assert.equal(String(res.headers['content-type']).split(';')[0], 'application/pdf');
  assert.equal(String(res.headers['content-disposition']), `attachment; filename="${filename}"`);
  const data = res.rawPayload;
  assert.equal(data.subarray(0, 5).toString('latin1'), '%PDF-');
  return data;
}

// ---- Reviews -------------------------------------------------------------------------------------------

/** "Record the review meeting" from the staff plan page, with the date's three boxes. */
export async function recordReviewMeeting(client: Client, caseId: string, date: string | { day: string; month: string; year: string }): Promise<LightMyRequestResponse> {
  const parts = typeof date === 'string' ? { year: date.slice(0, 4), month: String(Number(date.slice(5, 7))), day: String(Number(date.slice(8, 10))) } : date;
  const page = await client.get(`/staff/cases/${caseId}/plan`);
  assert.equal(page.statusCode, 200, `staff plan page: ${page.statusCode}`);
  return client.post(`/staff/cases/${caseId}/reviews/meeting`, { 'meeting-day': parts.day, 'meeting-month': parts.month, 'meeting-year': parts.year });
}

/** "Record the decision" after a review. */
export async function decideReview(client: Client, caseId: string, decision: string, reasons = ''): Promise<LightMyRequestResponse> {
  const page = await client.get(`/staff/cases/${caseId}/plan`);
  assert.equal(page.statusCode, 200, `staff plan page: ${page.statusCode}`);
  return client.post(`/staff/cases/${caseId}/reviews/decision`, { decision, reasons });
}

export function reviewsOf(t: TestApp, caseId: string) {
  return t.app.db.selectFrom('reviews').selectAll().where('case_id', '=', caseId).orderBy('meeting_on').orderBy('created_at').execute();
}
