import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Advice asked of a professional (or the family) during an assessment: reg 6(1), due 6 weeks after asking.
  await db.schema
    .createTable('advice_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('organisation', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('asked', 'text', (c) => c.notNull())
    .addColumn('requested_on', 'text', (c) => c.notNull())
    .addColumn('due_on', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // open | submitted | cancelled
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('professional_id', 'text')
    .addColumn('reminded_before_at', 'text')
    .addColumn('reminded_overdue_at', 'text')
    .addColumn('submitted_on', 'text')
    .addColumn('reviewed_at', 'text')
    .addColumn('shared_at', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('advice_requests_case').on('advice_requests').columns(['case_id', 'status']).execute();
  await db.schema.createIndex('advice_requests_professional').on('advice_requests').columns(['professional_id', 'status']).execute();
  await db.schema.createIndex('advice_requests_due').on('advice_requests').columns(['status', 'due_on']).execute();

  // What was written: a professional's advice (answering a request) or the family's own advice.
  await db.schema
    .createTable('advice_submissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('advice_request_id', 'text')
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // professional | family
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // draft | submitted
    .addColumn('submitted_on', 'text')
    .addColumn('reviewed_at', 'text')
    .addColumn('shared_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('advice_submissions_case').on('advice_submissions').columns(['case_id', 'status']).execute();
  await db.schema.createIndex('advice_submissions_request').on('advice_submissions').column('advice_request_id').execute();

  // The earliest open advice due date, so the queue can flag overdue advice without a join.
  await db.schema.alterTable('cases').addColumn('advice_due_on', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').dropColumn('advice_due_on').execute();
  await db.schema.dropTable('advice_submissions').execute();
  await db.schema.dropTable('advice_requests').execute();
}
