import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Every version of a plan. A version being composed can change; an issued one never does.
  await db.schema
    .createTable('plans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // draft | final | amendment | amended
    .addColumn('state', 'text', (c) => c.notNull()) // composing | issued
    .addColumn('sections', 'text', (c) => c.notNull())
    .addColumn('issued_on', 'text')
    .addColumn('response_due_on', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('plans_case_version', ['case_id', 'version'])
    .execute();

  await db.schema
    .createTable('plan_responses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('plan_id', 'text', (c) => c.notNull().unique().references('plans.id').onDelete('cascade'))
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('comments', 'text', (c) => c.notNull())
    .addColumn('school', 'text')
    .addColumn('meeting', 'text', (c) => c.notNull())
    .addColumn('submitted_on', 'text', (c) => c.notNull())
    .addColumn('late', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('reviews')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('meeting_on', 'text', (c) => c.notNull())
    .addColumn('decision', 'text')
    .addColumn('decided_on', 'text')
    .addColumn('reasons', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('reviews_case').on('reviews').columns(['case_id', 'meeting_on']).execute();

  // The next review date a caseworker has been reminded about, so each reminder goes once.
  await db.schema.alterTable('cases').addColumn('review_reminded_for', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').dropColumn('review_reminded_for').execute();
  await db.schema.dropTable('reviews').execute();
  await db.schema.dropTable('plan_responses').execute();
  await db.schema.dropTable('plans').execute();
}
