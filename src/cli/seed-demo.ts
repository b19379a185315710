// `npm run seed-demo -- --cases N [--staff K] [--seed S] [--password P] [--force]`
//
// Fills the configured database (DATABASE_URL, or the embedded SQLite) with realistic synthetic data for
// demonstrations and for measuring the portal at scale: K staff accounts and N families, each with one
// citizen account, one child, a submitted request for assessment and its case, at a realistic mix of
// stages with the events, dashboard facts and next statutory date the app itself would have recorded.
// Rows go in with multi-row INSERTs, a few hundred at a time, inside transactions.
import { randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Insertable, type Selectable, sql } from 'kysely';
import { ConfigError, loadConfig } from '../config.js';
import { type Db, isPostgresUrl, migrateToLatest, openDatabase } from '../db/database.js';
import { isPostgres } from '../db/dialect.js';
import type { AssessmentRequestsTable, CaseEventsTable, CasesTable, ChildLinksTable, ChildrenTable, ReviewsTable, Role, UsersTable } from '../db/schema.js';
import { addDays, addMonths, ageInYears, daysBetween } from '../domain/dates.js';
import { formatCaseReference } from '../domain/reference.js';
import { computeTimeline, initialDueDates } from '../domain/timeline.js';
import { type CaseStage, isClosedStage } from '../domain/workflow.js';
import { hashPassword } from '../features/account/passwords.js';
import { toTimelineEvents } from '../features/cases/service.js';
import { isNhsNumber, YEAR_GROUPS } from '../features/send/forms.js';
import { reserveReferenceNumbers } from '../features/send/repo.js';
import { audit } from '../platform/audit.js';
import { londonDate } from '../platform/time.js';

/** The stage mix of a council's caseload (fractions of all cases). */
export const STAGE_MIX: Readonly<Record<CaseStage, number>> = {
  received: 0.15,
  assessment: 0.35,
  draft_plan: 0.05,
  plan_maintained: 0.3,
  closed_not_assessed: 0.08,
  closed_no_plan: 0.03,
  ceased: 0,
  withdrawn: 0.04,
};

/** Every seeded account has this password unless told otherwise (it passes the password rules). */
export const DEMO_PASSWORD = 'Demo-portal-2026-harbour';
export const FAMILY_DOMAIN = 'families.demo.example.com';
export const STAFF_DOMAIN = 'staff.demo.example.gov.uk';

export interface SeedOptions {
  cases: number;
  /** Staff accounts: one admin, about one manager in fifteen (at least one), the rest caseworkers. Default 25. */
  staff?: number;
  password?: string;
  /** An Argon2 hash of `password`, when the caller already has one (every account shares it). */
  passwordHash?: string;
  /** Seed of the pseudo-random generator: the same seed and day give the same data. */
  seed?: number;
  /** Families per transaction (default 500). */
  batchSize?: number;
  now?: Date;
  log?: (line: string) => void;
}

export interface SeedSummary {
  cases: number;
  staff: { caseworker: number; manager: number; admin: number };
  events: number;
  byStage: Record<string, number>;
  overdue: number;
  assigned: number;
  firstFamilyEmail: string | undefined;
  staffEmails: { caseworker?: string; manager?: string; admin?: string };
  password: string;
  seconds: number;
}

// ---- Random numbers ---------------------------------------------------------------------------------

/** mulberry32: small, fast and good enough for synthetic data; seeded, so a run can be repeated. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rand {
  private next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  float(): number {
    return this.next();
  }
  /** A whole number from min to max inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  /** Normally distributed (Box–Muller), rounded and kept within min..max. */
  normal(mean: number, sd: number, min: number, max: number): number {
    const u = 1 - this.next();
    const v = this.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.max(min, Math.min(max, Math.round(mean + z * sd)));
  }
  /** One of the keys, with the given weights. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let r = this.next() * entries.reduce((s, [, w]) => s + w, 0);
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]?.[0] as K;
  }
}

// ---- Word lists -------------------------------------------------------------------------------------

const CHILD_FIRST = [
  'Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Ava', 'Noah', 'Mia', 'Jack', 'Ivy', 'Leo', 'Freya', 'Arthur', 'Lily', 'Muhammad', 'Florence',
  'Oscar', 'Sophia', 'Charlie', 'Willow', 'Jacob', 'Grace', 'Thomas', 'Evie', 'Alfie', 'Poppy', 'Theo', 'Ella', 'Archie', 'Rosie', 'Finley', 'Sienna',
  'Dylan', 'Seren', 'Rhys', 'Cerys', 'Osian', 'Megan', 'Ioan', 'Ffion', 'Tomos', 'Nia', 'Aaron', 'Zara', 'Kai', 'Layla', 'Ethan', 'Maryam',
  'Joshua', 'Hannah', 'Reuben', 'Aisha', 'Max', 'Ruby', 'Logan', 'Eliza', 'Mason', 'Hollie', 'Tyler', 'Jessica', 'Kacper', 'Zofia', 'Ayaan', 'Chloe',
] as const;
const ADULT_FIRST = [
  'Sarah', 'James', 'Emma', 'David', 'Laura', 'Michael', 'Rachel', 'Paul', 'Claire', 'Mark', 'Nicola', 'Daniel', 'Gemma', 'Andrew', 'Kelly', 'Chris',
  'Lisa', 'Stephen', 'Joanne', 'Richard', 'Amy', 'Lee', 'Hayley', 'Craig', 'Samantha', 'Gareth', 'Sian', 'Rhian', 'Owain', 'Bethan', 'Nadia', 'Imran',
  'Fatima', 'Tariq', 'Agnieszka', 'Piotr', 'Chiamaka', 'Kwame', 'Leanne', 'Dean',
] as const;
const LAST = [
  'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Johnson', 'Roberts', 'Robinson', 'Thompson', 'Wright', 'Walker', 'White',
  'Edwards', 'Hughes', 'Green', 'Hall', 'Lewis', 'Harris', 'Clarke', 'Patel', 'Jackson', 'Wood', 'Turner', 'Martin', 'Cooper', 'Hill', 'Ward', 'Morris',
  'Moore', 'Clark', 'Lee', 'King', 'Baker', 'Harrison', 'Morgan', 'Allen', 'James', 'Scott', 'Phillips', 'Watson', 'Davis', 'Parker', 'Price', 'Bennett',
  'Young', 'Griffiths', 'Mitchell', 'Kelly', 'Cook', 'Carter', 'Richardson', 'Bailey', 'Collins', 'Bell', 'Shaw', 'Murphy', 'Khan', 'Ali', 'Ahmed', 'Begum',
  'Kowalski', 'Nowak', 'Okafor', 'Mensah', "O'Brien", 'Pritchard', 'Llewellyn', 'Vaughan',
] as const;
const STREETS = ['High Street', 'Church Road', 'Station Road', 'Victoria Road', 'Park Avenue', 'Mill Lane', 'Yarm Road', 'Norton Road', 'Acklam Road', 'Bishopton Lane', 'Durham Road', 'Green Lane', 'Oxbridge Lane', 'The Avenue', 'Westbury Street', 'Hartburn Lane'] as const;
const TOWNS: readonly [string, string][] = [
  ['Stockton-on-Tees', 'TS18'], ['Stockton-on-Tees', 'TS19'], ['Stockton-on-Tees', 'TS20'], ['Billingham', 'TS22'], ['Billingham', 'TS23'],
  ['Thornaby', 'TS17'], ['Ingleby Barwick', 'TS17'], ['Yarm', 'TS15'], ['Norton', 'TS20'], ['Eaglescliffe', 'TS16'],
];
const PRIMARY = ['Oak Primary School', 'St Mary’s Catholic Primary', 'Whitehouse Primary', 'Bowesfield Primary', 'Hartburn Primary', 'Layfield Primary', 'Frederick Nattrass Primary', 'Prior’s Mill CE Primary', 'Mandale Mill Primary', 'Fairfield Primary'];
const SECONDARY = ['Conyers School', 'Egglescliffe School', 'Ian Ramsey CE Academy', 'Northfield School', 'Our Lady and St Bede', 'Thornaby Academy', 'Grangefield Academy', 'Outwood Academy Bishopsgarth'];
const EARLY = ['Little Acorns Nursery', 'Rainbow Day Nursery', 'Busy Bees Stockton', 'Tiny Steps Pre-School'];
const COLLEGE = ['Stockton Riverside College', 'Stockton Sixth Form College', 'Prior Pursglove College'];
const SPECIAL = ['Abbey Hill Academy', 'Westlands School', 'Ash Trees Academy', 'Horizons Specialist Academy'];
const LANGUAGES: Readonly<Record<string, number>> = { English: 88, Cymraeg: 3, Polish: 2.5, Urdu: 2, Arabic: 1.5, Punjabi: 1, Romanian: 1, Somali: 1 };
const RELATIONSHIPS: Readonly<Record<string, number>> = { mother: 62, father: 22, parent: 5, grandparent: 4, fosterCarer: 3, guardian: 2, stepParent: 2 };
const NEEDS = {
  communicationInteraction: ['Finds it hard to follow spoken instructions in class', 'Uses short phrases and a picture exchange system', 'Diagnosed autistic; struggles with changes to routine and busy rooms', 'Speech is unclear to people who do not know them well'],
  cognitionLearning: ['Reading age about three years behind', 'Needs adult support for most of the day to access the curriculum', 'Working memory difficulties; forgets instructions quickly', 'Diagnosed with dyslexia and dyscalculia'],
  socialEmotionalMentalHealth: ['Anxious at transitions; refuses school some mornings', 'Struggles to regulate emotions; several fixed-term exclusions', 'Finds friendships hard and is often isolated at break', 'Low mood since the move to secondary school'],
  sensoryPhysical: ['Hearing impairment; wears bilateral hearing aids', 'Uses a wheelchair and needs help with personal care', 'Sensitive to noise and light; needs a quiet space', 'Visual impairment; needs enlarged print'],
} as const;
const DIAGNOSES = ['Autism', 'Autism, being assessed for ADHD', 'ADHD', 'Global developmental delay', 'Cerebral palsy', 'Down syndrome', 'Dyslexia', 'None yet – on the waiting list', 'Speech and language disorder', 'Hearing impairment'];
const PROFESSIONALS = ['Speech and language therapist, NHS', 'Educational psychologist', 'Community paediatrician', 'CAMHS', 'Occupational therapist', 'Specialist teacher for hearing impairment', 'Physiotherapist'];
const STRENGTHS = ['Drawing and dinosaurs', 'Kind to younger children', 'Loves music and singing', 'Very good with computers', 'Football and swimming', 'Remembers facts about trains', 'Funny and caring'];
const ASPIRATIONS = ['To go to college', 'To have friends and feel happy at school', 'To work with animals', 'To live independently one day', 'To read for pleasure', 'To be a chef'];
const REASONS = {
  decision_not_to_assess: ['The information shows the school can meet the needs from its own resources with the advice given.', 'Needs are being met at SEN support; the panel asked for a further cycle of assess, plan, do, review.'],
  decision_not_to_issue: ['The assessment shows the needs can be met from the resources normally available to mainstream schools.', 'The advice received shows progress with the current support; a plan is not necessary.'],
  withdrawn: ['The family asked to withdraw the request.', 'The family moved out of the area.', 'The young person decided not to continue.'],
} as const;

// ---- The plan of one case -----------------------------------------------------------------------------

interface PlannedEvent {
  type: 'received' | 'decision_to_assess' | 'decision_not_to_assess' | 'decision_not_to_issue' | 'draft_plan_issued' | 'final_plan_issued' | 'withdrawn';
  /** Days after the request was received. */
  day: number;
}

interface CasePlan {
  stage: CaseStage;
  receivedOn: string;
  events: PlannedEvent[];
}

/** Whole numbers of cases per stage that add up to `n` (largest remainder), in STAGE_MIX order. */
export function stageCounts(n: number): Record<CaseStage, number> {
  const entries = Object.entries(STAGE_MIX) as [CaseStage, number][];
  const exact = entries.map(([stage, p]) => ({ stage, exact: n * p, count: Math.floor(n * p) }));
  let left = n - exact.reduce((s, e) => s + e.count, 0);
  for (const e of [...exact].sort((a, b) => b.exact - b.count - (a.exact - a.count))) {
    if (left <= 0) break;
    if (STAGE_MIX[e.stage] === 0) continue;
    e.count += 1;
    left -= 1;
  }
  return Object.fromEntries(exact.map((e) => [e.stage, e.count])) as Record<CaseStage, number>;
}

const MAX_AGE = 730; // received within the last two years

/**
 * Days from receipt to each decision, around the statutory limits (decision by day 42, draft by day 112,
 * final plan by day 140) so that some are on time and some late, and how long ago the request came in.
 */
function planCase(r: Rand, stage: CaseStage, today: string): CasePlan {
  const decision = r.normal(36, 9, 10, 90);
  const second = decision + r.normal(62, 18, 21, 150); // draft plan, or the decision not to issue one
  const final = second + 15 + r.normal(24, 14, 0, 90); // the family has 15 days to comment on the draft
  const events: PlannedEvent[] = [{ type: 'received', day: 0 }];
  let minAge = 0;
  let maxAge = MAX_AGE;
  switch (stage) {
    case 'received':
      maxAge = 60;
      break;
    case 'assessment':
      events.push({ type: 'decision_to_assess', day: decision });
      minAge = decision;
      maxAge = decision + 120;
      break;
    case 'draft_plan':
      events.push({ type: 'decision_to_assess', day: decision }, { type: 'draft_plan_issued', day: second });
      minAge = second;
      maxAge = second + 45;
      break;
    case 'plan_maintained':
      events.push({ type: 'decision_to_assess', day: decision }, { type: 'draft_plan_issued', day: second }, { type: 'final_plan_issued', day: final });
      minAge = final;
      break;
    case 'closed_not_assessed':
      events.push({ type: 'decision_not_to_assess', day: decision });
      minAge = decision;
      break;
    case 'closed_no_plan':
      events.push({ type: 'decision_to_assess', day: decision }, { type: 'decision_not_to_issue', day: second });
      minAge = second;
      break;
    case 'withdrawn': {
      const from = r.weighted({ received: 40, assessment: 45, draft_plan: 15 });
      let day: number;
      if (from === 'received') day = r.int(3, decision - 1);
      else if (from === 'assessment') {
        events.push({ type: 'decision_to_assess', day: decision });
        day = r.int(decision, second - 1);
      } else {
        events.push({ type: 'decision_to_assess', day: decision }, { type: 'draft_plan_issued', day: second });
        day = r.int(second, final - 1);
      }
      events.push({ type: 'withdrawn', day });
      minAge = day;
      break;
    }
    default:
      throw new Error(`No plan for stage ${stage}`);
  }
  const age = r.int(minAge, Math.max(minAge, maxAge));
  return { stage, receivedOn: addDays(today, -age), events };
}

// ---- Rows ---------------------------------------------------------------------------------------------

interface StaffMember {
  id: string;
  role: Role;
}

function nhsNumber(r: Rand): string {
  for (;;) {
    const digits = Array.from({ length: 9 }, () => r.int(0, 9));
    const sum = digits.reduce((acc, d, i) => acc + d * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    const n = `${digits.join('')}${check === 11 ? 0 : check}`;
    if (isNhsNumber(n)) return n;
  }
}

function yearGroupFor(ageYears: number): string | null {
  if (ageYears < 4) return 'nursery';
  if (ageYears === 4) return 'reception';
  const year = ageYears - 4;
  return year <= 14 ? (YEAR_GROUPS.find((y) => y === `year${year}`) ?? null) : 'notInEducation';
}

function settingFor(r: Rand, ageYears: number): { type: string; name: string | null } {
  if (ageYears < 4) return { type: 'earlyYears', name: r.pick(EARLY) };
  if (r.chance(0.07)) return { type: 'special', name: r.pick(SPECIAL) };
  if (ageYears >= 16) return ageYears >= 19 && r.chance(0.3) ? { type: 'none', name: null } : { type: 'college', name: r.pick(COLLEGE) };
  if (r.chance(0.02)) return { type: 'homeEducated', name: null };
  return { type: 'mainstream', name: r.pick(ageYears >= 11 ? SECONDARY : PRIMARY) };
}

/** Answers to every section of the request, as the forms save them: section → { values, complete }. */
function answersFor(r: Rand, child: { first: string; ageYears: number }, parent: { first: string; last: string }, setting: { type: string; name: string | null }, language: string): string {
  const needs: Record<string, string> = { communicationInteraction: '', cognitionLearning: '', socialEmotionalMentalHealth: '', sensoryPhysical: '' };
  const areas = Object.keys(needs) as (keyof typeof NEEDS)[];
  const main = r.pick(areas);
  needs[main] = r.pick(NEEDS[main]);
  for (const a of areas) if (a !== main && r.chance(0.35)) needs[a] = r.pick(NEEDS[a]);
  const professionals = r.chance(0.85);
  const socialCare = r.weighted({ no: 75, yes: 15, notSure: 10 });
  const interpreter = language !== 'English' && language !== 'Cymraeg' && r.chance(0.5);
  const section = (values: Record<string, string | string[]>) => ({ values, complete: true });
  return JSON.stringify({
    child: section({ detailsCorrect: 'yes', detailsChanges: '', diagnoses: r.pick(DIAGNOSES), communication: r.pick(['Speaks in full sentences', 'Speaks in short sentences', 'Uses signs and some words', 'Non-verbal; uses a communication device']), lookedAfter: r.chance(0.04) ? 'yes' : 'no' }),
    you: section({ phone: `07${r.int(100, 999)} ${r.int(100000, 999999)}`, contactMethod: r.weighted({ email: 70, phone: 25, letter: 5 }), otherParents: '', meetingInterpreter: interpreter ? 'yes' : 'no', meetingInterpreterLanguage: interpreter ? language : '' }),
    education: section({ settingType: setting.type, settingName: setting.name ?? '', sencoName: setting.name ? `${r.pick(['Ms', 'Mr', 'Mrs', 'Dr'])} ${r.pick(LAST)}` : '', supportSoFar: r.pick(['SEN support plan since Year 2, small group reading', 'One-to-one support for part of the day', 'Speech and language programme delivered by a teaching assistant', 'Reduced timetable and a key adult', 'Support from the specialist outreach team']), ...(r.chance(0.12) ? { exclusions: 'yes', exclusionDetails: r.pick(['Two fixed-term exclusions last year after incidents at lunchtime', 'Excluded for three days in Year 5; now on a reduced timetable']) } : { exclusions: 'no', exclusionDetails: '' }) }),
    needs: section(needs),
    health: section({ healthNeeds: r.chance(0.3) ? r.pick(['Epilepsy, controlled with medication', 'Asthma', 'Sleep difficulties', 'Eats a very restricted diet']) : '', healthProfessionals: professionals ? r.pick(PROFESSIONALS) : '', socialCare, socialCareDetails: socialCare === 'yes' ? 'Child in need plan; social worker from the children’s hub' : '' }),
    professionals: section({ anyProfessionals: professionals ? 'yes' : 'no', professionalsList: professionals ? `${r.pick(PROFESSIONALS)}; ${r.pick(PROFESSIONALS)}` : '' }),
    views: section({ parentViews: `That ${child.first} feels safe and understood at school`, strengths: r.pick(STRENGTHS), childViews: child.ageYears < 5 ? 'Too young to say; happiest outdoors' : r.pick(['I like my teacher', 'I want to have more friends', 'School is too loud', 'I like maths but not writing']), aspirations: r.pick(ASPIRATIONS) }),
    documents: section({ documentsDone: ['done'] }),
    consent: section({ shareWith: ['school', 'health', ...(r.chance(0.5) ? ['educationalPsychology'] : []), ...(socialCare === 'yes' ? ['socialCare'] : [])], doNotShare: '' }),
    declaration: section({ declaration: ['agree'], signature: `${parent.first} ${parent.last}` }),
  });
}

/**
 * The annual reviews of a plan in force since `planOn` (reg 18: within 12 months, 6 while the child is under 5,
 * each from the last meeting), recorded as the plans feature records them: a review row, a 'review_meeting'
 * event and, once decided (reg 20(10): within 4 weeks), a 'review_decision' event, both pointing at the review.
 * Most meetings are a little before the date, some late; a review not yet held stays open, so some plans are
 * overdue for review.
 */
function annualReviews(r: Rand, caseId: string, planOn: string, dob: string, today: string, actor: () => string): { events: Selectable<CaseEventsTable>[]; reviews: Insertable<ReviewsTable>[] } {
  const events: Selectable<CaseEventsTable>[] = [];
  const reviews: Insertable<ReviewsTable>[] = [];
  let base = planOn;
  for (;;) {
    const dueOn = addMonths(base, ageInYears(dob, base) < 5 ? 6 : 12);
    const meetingOn = addDays(dueOn, r.normal(-14, 25, -60, 75));
    if (meetingOn > today) return { events, reviews };
    const reviewId = randomUUID();
    const by = actor();
    const decidedOn = addDays(meetingOn, r.normal(20, 8, 2, 50));
    const decided = decidedOn <= today;
    reviews.push({ id: reviewId, case_id: caseId, meeting_on: meetingOn, decision: decided ? 'keep' : null, decided_on: decided ? decidedOn : null, reasons: null, created_by: by, created_at: at(r, meetingOn) });
    events.push({ id: randomUUID(), case_id: caseId, type: 'review_meeting', on_date: meetingOn, actor_id: by, data: JSON.stringify({ relatedId: reviewId }), created_at: at(r, meetingOn) });
    if (decided) {
      events.push({ id: randomUUID(), case_id: caseId, type: 'review_decision', on_date: decidedOn, actor_id: by, data: JSON.stringify({ relatedId: reviewId, decision: 'keep' }), created_at: at(r, decidedOn) });
    }
    base = meetingOn;
  }
}

/** A time on `date` during the working day, as the ISO timestamp the app stores. */
function at(r: Rand, date: string, fromHour = 8, toHour = 18): string {
  return `${date}T${String(r.int(fromHour, toHour)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}.${String(r.int(0, 999)).padStart(3, '0')}Z`;
}

// ---- Inserting ----------------------------------------------------------------------------------------

const ROWS_PER_INSERT = 500;

async function insertMany<T extends 'users' | 'children' | 'child_links' | 'assessment_requests' | 'cases' | 'case_events' | 'reviews'>(db: Db, table: T, rows: readonly object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    // biome-ignore lint/suspicious/noExplicitAny: rows are built to the table's shape below; Kysely cannot check a table chosen at run time.
    await db.insertInto(table).values(rows.slice(i, i + ROWS_PER_INSERT) as any).execute();
  }
}

async function countLike(db: Db, pattern: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('email', 'like', pattern)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The next free number for seeded addresses like caseworker12@…, so a second run adds to the first. */
async function nextNumber(db: Db, prefix: string, domain: string): Promise<number> {
  return (await countLike(db, `${prefix}%@${domain}`)) + 1;
}

/** Seeds the database. Returns what it made. The database must be migrated. */
export async function seedDemo(db: Db, options: SeedOptions): Promise<SeedSummary> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const n = options.cases;
  if (!Number.isInteger(n) || n < 0) throw new RangeError('cases must be a whole number, 0 or more');
  const staffCount = options.staff ?? 25;
  if (!Number.isInteger(staffCount) || staffCount < 3) throw new RangeError('staff must be a whole number, 3 or more (an admin, a manager and a caseworker)');
  const batchSize = options.batchSize ?? 500;
  const now = options.now ?? new Date();
  const today = londonDate(now);
  const r = new Rand(options.seed ?? 1);
  const password = options.password ?? DEMO_PASSWORD;
  // Argon2id costs about 55 ms a hash: one hash, shared by every seeded account.
  const passwordHash = options.passwordHash ?? (await hashPassword(password));

  // SQLite's default page cache is 2 MB: inserting into indexes of random ids thrashes it long before
  // 100,000 cases. A bigger cache for this connection only (the portal keeps its own settings).
  if (!isPostgres(db)) await sql`pragma cache_size = -262144`.execute(db);

  // Staff.
  const managers = Math.max(1, Math.round(staffCount / 15));
  const roles: Role[] = ['admin', ...Array<Role>(managers).fill('manager'), ...Array<Role>(staffCount - 1 - managers).fill('caseworker')];
  const staff: StaffMember[] = [];
  const staffEmails: SeedSummary['staffEmails'] = {};
  const staffRows: Insertable<UsersTable>[] = [];
  const numbers: Record<string, number> = {};
  for (const role of ['admin', 'manager', 'caseworker'] as const) numbers[role] = await nextNumber(db, role, STAFF_DOMAIN);
  for (const role of roles) {
    const number = numbers[role] as number;
    numbers[role] = number + 1;
    const email = `${role}${number}@${STAFF_DOMAIN}`;
    const key = role as 'admin' | 'manager' | 'caseworker';
    staffEmails[key] ??= email;
    const id = randomUUID();
    staff.push({ id, role });
    const created = at(r, addDays(today, -MAX_AGE - r.int(30, 400)));
    staffRows.push(userRow(id, email, r.pick(ADULT_FIRST), r.pick(LAST), role, 'en', passwordHash, created, null));
  }
  await db.transaction().execute((trx) => insertMany(trx, 'users', staffRows));
  const caseworkers = staff.filter((s) => s.role === 'caseworker');
  log(`${staffRows.length} staff accounts (${roles.filter((x) => x === 'caseworker').length} caseworkers, ${managers} manager${managers === 1 ? '' : 's'}, 1 admin)`);

  // Every case planned first, so references can follow the order requests came in, year by year.
  const counts = stageCounts(n);
  const plans: CasePlan[] = [];
  for (const [stage, count] of Object.entries(counts) as [CaseStage, number][]) for (let i = 0; i < count; i++) plans.push(planCase(r, stage, today));
  plans.sort((a, b) => (a.receivedOn < b.receivedOn ? -1 : a.receivedOn > b.receivedOn ? 1 : 0));
  const perYear = new Map<number, number>();
  for (const p of plans) {
    const y = Number(p.receivedOn.slice(0, 4));
    perYear.set(y, (perYear.get(y) ?? 0) + 1);
  }
  const nextRef = new Map<number, number>();
  await db.transaction().execute(async (trx) => {
    for (const [year, count] of perYear) nextRef.set(year, await reserveReferenceNumbers(trx, year, count));
  });

  const firstFamily = await nextNumber(db, 'family', FAMILY_DOMAIN);
  const byStage: Record<string, number> = {};
  let events = 0;
  let overdue = 0;
  let assigned = 0;
  let reported = 0;
  for (let start = 0; start < n; start += batchSize) {
    const users: Insertable<UsersTable>[] = [];
    const children: Insertable<ChildrenTable>[] = [];
    const links: Insertable<ChildLinksTable>[] = [];
    const requests: Insertable<AssessmentRequestsTable>[] = [];
    const cases: Insertable<CasesTable>[] = [];
    const caseEvents: Selectable<CaseEventsTable>[] = [];
    const reviews: Insertable<ReviewsTable>[] = [];
    for (let i = start; i < Math.min(n, start + batchSize); i++) {
      const plan = plans[i] as CasePlan;
      const received = plan.receivedOn;
      // The family: a parent or carer who registered a few weeks before sending the request.
      const userId = randomUUID();
      const childLast = r.pick(LAST);
      const parent = { first: r.pick(ADULT_FIRST), last: r.chance(0.85) ? childLast : r.pick(LAST) };
      const startedOn = addDays(received, -r.int(2, 45));
      const registered = at(r, addDays(startedOn, -r.int(0, 10)), 7, 21);
      const lang = r.chance(0.05) ? 'cy' : 'en';
      users.push(userRow(userId, `family${firstFamily + i}@${FAMILY_DOMAIN}`, parent.first, parent.last, 'citizen', lang, passwordHash, registered, registered));

      // The child: 2 to 20 years old today, and at least about a year old when the request was made.
      let dob = addDays(today, -r.int(2 * 365, 20 * 365));
      if (dob > addDays(received, -300)) dob = addDays(received, -300 - r.int(0, 365));
      const ageYears = Math.floor(daysBetween(dob, received) / 365.25);
      const childId = randomUUID();
      const first = r.pick(CHILD_FIRST);
      const [town, district] = r.pick(TOWNS);
      const language = r.weighted(LANGUAGES);
      const setting = settingFor(r, ageYears);
      children.push({
        id: childId,
        first_name: first,
        last_name: childLast,
        preferred_name: r.chance(0.08) ? first.slice(0, 3) : null,
        date_of_birth: dob,
        gender: r.weighted({ male: 66, female: 32, other: 1, notSay: 1 }),
        address_line1: `${r.int(1, 180)} ${r.pick(STREETS)}`,
        address_line2: null,
        town,
        postcode: `${district} ${r.int(1, 9)}${r.pick('ABDEFGHJLNPQRSTUWXY'.split(''))}${r.pick('ABDEFGHJLNPQRSTUWXY'.split(''))}`,
        school: setting.name,
        year_group: setting.type === 'none' ? 'notInEducation' : yearGroupFor(ageYears),
        home_language: language,
        interpreter: language !== 'English' && language !== 'Cymraeg' && r.chance(0.4) ? language : null,
        upn: ageYears >= 4 && ageYears < 19 && r.chance(0.7) ? `${r.pick('ABCDEFGHJKLMNPQRTUVWXYZ'.split(''))}${String(r.int(0, 99_999_999_999)).padStart(11, '0')}${r.int(0, 9)}` : null,
        nhs_number: r.chance(0.6) ? nhsNumber(r) : null,
        is_self: 0,
        created_by: userId,
        created_at: at(r, startedOn, 7, 21),
        updated_at: at(r, startedOn, 7, 21),
      });
      links.push({ child_id: childId, user_id: userId, relationship: r.weighted(RELATIONSHIPS), parental_responsibility: 1, created_at: children.at(-1)?.created_at as string });

      // The request, submitted on the day the council received it.
      const requestId = randomUUID();
      const submittedAt = at(r, received, 8, 20);
      requests.push({
        id: requestId,
        child_id: childId,
        created_by: userId,
        status: 'submitted',
        answers: answersFor(r, { first, ageYears }, parent, setting, language),
        reminder_sent_at: null,
        created_at: children.at(-1)?.created_at as string,
        updated_at: submittedAt,
        submitted_at: submittedAt,
      });

      // The case and its events, as the app records them.
      const caseId = randomUUID();
      const open = !isClosedStage(plan.stage);
      const assignee = caseworkers.length && r.chance(open ? 0.85 : 0.6) ? r.pick(caseworkers).id : null;
      const actor = () => assignee ?? r.pick(caseworkers).id;
      const rows: Selectable<CaseEventsTable>[] = plan.events.map((e) => {
        const onDate = addDays(received, e.day);
        const reasons = e.type in REASONS ? r.pick(REASONS[e.type as keyof typeof REASONS]) : undefined;
        return {
          id: randomUUID(),
          case_id: caseId,
          type: e.type,
          on_date: onDate,
          actor_id: e.type === 'received' ? userId : actor(),
          data: e.type === 'received' ? null : JSON.stringify({ reasons }),
          created_at: e.type === 'received' ? submittedAt : at(r, onDate),
        };
      });
      if (plan.stage === 'plan_maintained') {
        const held = annualReviews(r, caseId, rows.at(-1)?.on_date as string, dob, today, actor);
        rows.push(...held.events);
        reviews.push(...held.reviews);
      }
      const timeline = computeTimeline({ receivedOn: received, events: toTimelineEvents(rows), today, childDateOfBirth: dob });
      // The plans feature reminds the caseworker 8 weeks before a review is due, once per due date: as if that
      // reminder had gone for every review already that close (the portal would otherwise send them all at start).
      const review = timeline.milestones.find((m) => m.key === 'annual_review' && (m.state === 'due' || m.state === 'overdue'));
      const reminded = review && assignee && review.dueOn <= addDays(today, 56) ? review.dueOn : null;
      // As CaseService.nextDue: the nearest council deadline still open; closed cases have none.
      const nextDue = open
        ? (timeline.milestones
            .filter((m) => m.owner === 'council' && (m.state === 'due' || m.state === 'overdue'))
            .map((m) => m.dueOn)
            .sort()[0] ?? null)
        : null;
      const due = initialDueDates(received);
      const dateOf = (type: PlannedEvent['type']) => rows.find((e) => e.type === type)?.on_date ?? null;
      const decidedOn = dateOf('decision_to_assess') ?? dateOf('decision_not_to_assess');
      const finalOn = dateOf('final_plan_issued');
      const closedOn = open ? null : (rows.at(-1)?.on_date ?? null);
      const year = Number(received.slice(0, 4));
      const number = nextRef.get(year) as number;
      nextRef.set(year, number + 1);
      cases.push({
        id: caseId,
        reference: formatCaseReference(year, number),
        child_id: childId,
        request_id: requestId,
        received_on: received,
        stage: plan.stage,
        next_due_on: nextDue,
        decision_due_on: due.decisionDue,
        final_plan_due_on: due.finalPlanDue,
        assigned_to: assignee,
        child_name: `${first} ${childLast}`.toLowerCase(),
        created_at: submittedAt,
        updated_at: rows.map((e) => e.created_at).sort().at(-1) ?? submittedAt,
        decided_on: decidedOn,
        decision_days: decidedOn ? daysBetween(received, decidedOn) : null,
        final_plan_on: finalOn,
        final_plan_days: finalOn ? daysBetween(received, finalOn) : null,
        closed_on: closedOn,
        review_reminded_for: reminded,
      });
      caseEvents.push(...rows);
      byStage[plan.stage] = (byStage[plan.stage] ?? 0) + 1;
      if (nextDue && nextDue < today) overdue += 1;
      if (assignee) assigned += 1;
    }
    await db.transaction().execute(async (trx) => {
      await insertMany(trx, 'users', users);
      await insertMany(trx, 'children', children);
      await insertMany(trx, 'child_links', links);
      await insertMany(trx, 'assessment_requests', requests);
      await insertMany(trx, 'cases', cases);
      await insertMany(trx, 'case_events', caseEvents);
      await insertMany(trx, 'reviews', reviews);
    });
    events += caseEvents.length;
    const done = Math.min(n, start + batchSize);
    if (done === n || done - reported >= Math.max(batchSize, Math.ceil(n / 10))) {
      reported = done;
      const s = (Date.now() - started) / 1000;
      log(`${done.toLocaleString('en-GB')} / ${n.toLocaleString('en-GB')} cases (${s.toFixed(1)} s, ${Math.round(done / Math.max(s, 0.001)).toLocaleString('en-GB')} cases/s)`);
    }
  }

  // Fresh statistics after a bulk load, so both query planners know the tables' sizes and spreads (and, on
  // PostgreSQL, a visibility map, so counts can be answered from an index without visiting the table).
  await sql.raw(isPostgres(db) ? 'vacuum analyze' : 'analyze').execute(db);
  await audit(db, { action: 'demo.seeded', detail: { cases: n, staff: staffRows.length }, at: now });

  return {
    cases: n,
    staff: { caseworker: caseworkers.length, manager: managers, admin: 1 },
    events,
    byStage,
    overdue,
    assigned,
    firstFamilyEmail: n ? `family${firstFamily}@${FAMILY_DOMAIN}` : undefined,
    staffEmails,
    password,
    seconds: (Date.now() - started) / 1000,
  };
}

function userRow(id: string, email: string, first: string, last: string, role: Role, lang: 'en' | 'cy', passwordHash: string, created: string, termsAt: string | null): Insertable<UsersTable> {
  return {
    id,
    email,
    first_name: first,
    last_name: last,
    password_hash: passwordHash,
    role,
    lang,
    email_confirmed_at: created,
    // Staff must use two-step verification, and families need it by email for the SEND area.
    two_step_method: 'email',
    totp_secret: null,
    failed_logins: 0,
    locked_until: null,
    code_failures: 0,
    code_locked_until: null,
    terms_accepted_at: termsAt,
    disabled_at: null,
    created_at: created,
    updated_at: created,
  };
}

// ---- Command line -------------------------------------------------------------------------------------

const usage = 'Usage: npm run seed-demo -- --cases N [--staff K] [--seed S] [--password P] [--batch B] [--force]';

/** Refuses to seed a production database unless --force. Returns the reason, or undefined when allowed. */
export function refusal(env: NodeJS.ProcessEnv, force: boolean): string | undefined {
  if (env.NODE_ENV === 'production' && !force) {
    return 'NODE_ENV=production: refusing to fill this database with made-up people. Add --force if you really mean it.';
  }
  return undefined;
}

async function main() {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string' },
      staff: { type: 'string', default: '25' },
      seed: { type: 'string', default: '1' },
      password: { type: 'string' },
      batch: { type: 'string', default: '500' },
      force: { type: 'boolean', default: false },
    },
  });
  const whole = (v: string | undefined, min: number) => (v !== undefined && /^\d+$/.test(v) && Number(v) >= min ? Number(v) : undefined);
  const cases = whole(values.cases, 0);
  const staff = whole(values.staff, 3);
  const seed = whole(values.seed, 0);
  const batchSize = whole(values.batch, 1);
  if (cases === undefined || staff === undefined || seed === undefined || batchSize === undefined) {
    console.error(usage);
    process.exit(2);
  }
  const refused = refusal(process.env, values.force === true);
  if (refused) {
    console.error(refused);
    process.exit(1);
  }
  const config = loadConfig();
  const where = isPostgresUrl(config.databaseUrl) ? config.databaseUrl.replace(/\/\/[^@/]*@/, '//…@') : config.databaseUrl;
  console.log(`Seeding ${where} with ${cases.toLocaleString('en-GB')} cases and ${staff} staff (seed ${seed})…`);
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
    const s = await seedDemo(db, { cases, staff, seed, batchSize, password: values.password, log: (line) => console.log(`  ${line}`) });
    console.log('');
    console.log(`Done in ${s.seconds.toFixed(1)} s: ${s.cases.toLocaleString('en-GB')} families (a citizen, a child, a submitted request and a case each), ${s.events.toLocaleString('en-GB')} case events.`);
    console.log(`Stages: ${Object.entries(s.byStage)
      .map(([k, v]) => `${k} ${v.toLocaleString('en-GB')}`)
      .join(', ')}`);
    console.log(`Overdue now: ${s.overdue.toLocaleString('en-GB')}; assigned to a caseworker: ${s.assigned.toLocaleString('en-GB')}.`);
    console.log('');
    console.log(`Every seeded account's password: ${s.password}   (two-step codes arrive by email: /dev/mailbox in development)`);
    if (s.staffEmails.manager) console.log(`  manager:    ${s.staffEmails.manager}`);
    if (s.staffEmails.caseworker) console.log(`  caseworker: ${s.staffEmails.caseworker}`);
    if (s.staffEmails.admin) console.log(`  admin:      ${s.staffEmails.admin}`);
    if (s.firstFamilyEmail) console.log(`  a family:   ${s.firstFamilyEmail}`);
  } finally {
    await db.destroy();
  }
}

const invokedDirectly = (() => {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1] as string) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main().catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
