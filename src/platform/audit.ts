import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';

export interface AuditEntry {
  action: string;
  actorId?: string | null;
  subjectType?: string;
  subjectId?: string;
  detail?: Record<string, unknown>;
  at?: Date;
}

/**
 * Appends to the audit trail (DESIGN §5: sign-ins, security changes, case changes, document views).
 * Pass the transaction of the change so the record and the change commit together.
 */
export async function audit(db: Db, entry: AuditEntry, request?: FastifyRequest): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      at: (entry.at ?? new Date()).toISOString(),
      actor_id: entry.actorId ?? request?.user?.id ?? null,
      action: entry.action,
      subject_type: entry.subjectType ?? null,
      subject_id: entry.subjectId ?? null,
      ip: request?.ip ?? null,
      request_id: request ? String(request.id) : null,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    })
    .execute();
}
