import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Facts the dashboard reports on, kept on the case when they happen so reports need no date arithmetic in SQL.
  await db.schema.alterTable('cases').addColumn('decided_on', 'text').execute();
  await db.schema.alterTable('cases').addColumn('decision_days', 'integer').execute();
  await db.schema.alterTable('cases').addColumn('final_plan_on', 'text').execute();
  await db.schema.alterTable('cases').addColumn('final_plan_days', 'integer').execute();
  await db.schema.alterTable('cases').addColumn('closed_on', 'text').execute();
  await db.schema.createIndex('cases_decided_on').on('cases').column('decided_on').execute();
  await db.schema.createIndex('cases_final_plan_on').on('cases').column('final_plan_on').execute();

  await db.schema
    .createTable('case_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_notes_case').on('case_notes').columns(['case_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('case_notes').execute();
  for (const c of ['closed_on', 'final_plan_days', 'final_plan_on', 'decision_days', 'decided_on']) {
    await db.schema.alterTable('cases').dropColumn(c).execute();
  }
}
