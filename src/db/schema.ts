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

export interface Database {
  sessions: SessionsTable;
  outbox: OutboxTable;
  audit_events: AuditEventsTable;
}
