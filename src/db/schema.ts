import type { ColumnType, Generated } from 'kysely';

/** A nullable column added by a later migration: optional when inserting. */
type Later<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** Times are stored as ISO 8601 UTC text and dates as YYYY-MM-DD, the same on SQLite and PostgreSQL. */
export interface SessionsTable {
  id: string; // SHA-256 of the cookie value: a leaked table gives no usable session
  user_id: string | null;
  data: string;
  created_at: string;
  last_seen_at: string;
}

export interface OutboxTable {
  id: string;
  to_address: string;
  lang: string;
  template: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: string;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: string;
  actor_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  ip: string | null;
  request_id: string | null;
  detail: string | null;
}

export type Role = 'citizen' | 'professional' | 'caseworker' | 'manager' | 'admin';
export type TwoStepMethod = 'email' | 'app';

export interface UsersTable {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  password_hash: string | null;
  role: Role;
  lang: 'en' | 'cy';
  email_confirmed_at: string | null;
  two_step_method: TwoStepMethod | null;
  totp_secret: string | null;
  /** The last authenticator-app time step accepted (a code works once). */
  totp_last_step: number | null;
  failed_logins: number;
  locked_until: string | null;
  code_failures: number;
  code_locked_until: string | null;
  terms_accepted_at: string | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

export type TokenPurpose = 'confirm_email' | 'reset_password' | 'change_email' | 'set_password';

export interface UserTokensTable {
  id: string;
  user_id: string;
  purpose: TokenPurpose;
  token_hash: string;
  new_email: string | null;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

export interface TwoStepCodesTable {
  id: string;
  user_id: string;
  purpose: 'login' | 'setup';
  code_hash: string;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

export interface ChildrenTable {
  id: string;
  first_name: string;
  last_name: string;
  preferred_name: string | null;
  date_of_birth: string;
  gender: string;
  address_line1: string;
  address_line2: string | null;
  town: string;
  postcode: string;
  school: string | null;
  year_group: string | null;
  home_language: string;
  interpreter: string | null;
  upn: string | null;
  nhs_number: string | null;
  is_self: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface ChildLinksTable {
  child_id: string;
  user_id: string;
  relationship: string;
  parental_responsibility: number;
  created_at: string;
}

export interface ChildInvitesTable {
  id: string;
  child_id: string;
  invited_by: string;
  email: string;
  token_hash: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_by: string | null;
  created_at: string;
}

export interface AssessmentRequestsTable {
  id: string;
  child_id: string;
  created_by: string;
  status: 'draft' | 'submitted';
  answers: string;
  reminder_sent_at: string | null;
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
}

export interface DocumentsTable {
  id: string;
  owner_type: 'request' | 'case' | 'advice';
  owner_id: string;
  uploaded_by: string;
  filename: string;
  content_type: string;
  size: number;
  storage_key: string;
  kind: string;
  created_at: string;
}

export interface ReferenceCountersTable {
  year: number;
  last: number;
}

export interface CasesTable {
  id: string;
  reference: string;
  child_id: string;
  request_id: string;
  received_on: string;
  stage: string;
  next_due_on: string | null;
  decision_due_on: string;
  final_plan_due_on: string;
  assigned_to: string | null;
  child_name: string;
  created_at: string;
  updated_at: string;
  decided_on: string | null;
  decision_days: number | null;
  final_plan_on: string | null;
  final_plan_days: number | null;
  closed_on: string | null;
  advice_due_on: Later<string>;
  review_reminded_for: Later<string>;
}

export interface PlansTable {
  id: string;
  case_id: string;
  version: number;
  kind: 'draft' | 'final' | 'amendment' | 'amended';
  state: 'composing' | 'issued';
  sections: string;
  issued_on: string | null;
  response_due_on: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface PlanResponsesTable {
  id: string;
  plan_id: string;
  author_id: string;
  comments: string;
  school: string | null;
  meeting: string;
  submitted_on: string;
  late: number;
  created_at: string;
}

export interface ReviewsTable {
  id: string;
  case_id: string;
  meeting_on: string;
  decision: string | null;
  decided_on: string | null;
  reasons: string | null;
  created_by: string;
  created_at: string;
}

export interface AdviceRequestsTable {
  id: string;
  case_id: string;
  role: string;
  name: string;
  organisation: string;
  email: string;
  asked: string;
  requested_on: string;
  due_on: string;
  status: 'open' | 'submitted' | 'cancelled';
  token_hash: string;
  professional_id: string | null;
  reminded_before_at: string | null;
  reminded_overdue_at: string | null;
  submitted_on: string | null;
  reviewed_at: string | null;
  shared_at: string | null;
  created_by: string;
  created_at: string;
}

export interface AdviceSubmissionsTable {
  id: string;
  case_id: string;
  advice_request_id: string | null;
  author_id: string;
  kind: 'professional' | 'family';
  content: string;
  status: 'draft' | 'submitted';
  submitted_on: string | null;
  reviewed_at: string | null;
  shared_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface CaseNotesTable {
  id: string;
  case_id: string;
  author_id: string;
  body: string;
  created_at: string;
}

export interface CaseEventsTable {
  id: string;
  case_id: string;
  type: string;
  on_date: string;
  actor_id: string | null;
  data: string | null;
  created_at: string;
}

export interface Database {
  children: ChildrenTable;
  child_links: ChildLinksTable;
  child_invites: ChildInvitesTable;
  assessment_requests: AssessmentRequestsTable;
  documents: DocumentsTable;
  reference_counters: ReferenceCountersTable;
  cases: CasesTable;
  case_events: CaseEventsTable;
  case_notes: CaseNotesTable;
  advice_requests: AdviceRequestsTable;
  advice_submissions: AdviceSubmissionsTable;
  plans: PlansTable;
  plan_responses: PlanResponsesTable;
  reviews: ReviewsTable;
  users: UsersTable;
  user_tokens: UserTokensTable;
  two_step_codes: TwoStepCodesTable;
  sessions: SessionsTable;
  outbox: OutboxTable;
  audit_events: AuditEventsTable;
}
