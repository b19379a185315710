import type { Generated } from 'kysely';

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

export interface Database {
  users: UsersTable;
  user_tokens: UserTokensTable;
  two_step_codes: TwoStepCodesTable;
  sessions: SessionsTable;
  outbox: OutboxTable;
  audit_events: AuditEventsTable;
}
