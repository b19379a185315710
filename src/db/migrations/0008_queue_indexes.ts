import type { Kysely } from 'kysely';

// Indexes for the back office at 100,000 cases (measured with `npm run bench:scale`; README, Performance).
// Each new index starts with the columns of the one it replaces, so every query the old one served still
// uses the new one, and a write keeps the same number of indexes up to date.
//
// - The work queue orders by (next_due_on, received_on, id). With an index on next_due_on alone both SQLite
//   and PostgreSQL read every open case and sort them to show 25: 100–300 ms for page 1 or page 100 on
//   SQLite. In the order of the ORDER BY, the first 25 are read straight off the index. `stage` at the end
//   lets the open-cases filter be checked in the index without reading the row.
// - The dashboard counts and averages decisions and final plans over a year: with the due date and the days
//   in the index it never reads the cases themselves (SQLite 60 ms → 4 ms for the decisions).
// - Searching by name must look at every name ('% smith%' matches a surname); (child_name, stage) is a
//   much smaller thing to read than the table for counting the matches.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('cases_queue_order').on('cases').columns(['next_due_on', 'received_on', 'id', 'stage']).execute();
  await db.schema.dropIndex('cases_next_due').execute();
  await db.schema.createIndex('cases_decided').on('cases').columns(['decided_on', 'decision_due_on', 'decision_days']).execute();
  await db.schema.dropIndex('cases_decided_on').execute();
  await db.schema.createIndex('cases_final_plan').on('cases').columns(['final_plan_on', 'final_plan_due_on', 'final_plan_days']).execute();
  await db.schema.dropIndex('cases_final_plan_on').execute();
  await db.schema.createIndex('cases_name_stage').on('cases').columns(['child_name', 'stage']).execute();
  await db.schema.dropIndex('cases_child_name').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('cases_child_name').on('cases').column('child_name').execute();
  await db.schema.dropIndex('cases_name_stage').execute();
  await db.schema.createIndex('cases_final_plan_on').on('cases').column('final_plan_on').execute();
  await db.schema.dropIndex('cases_final_plan').execute();
  await db.schema.createIndex('cases_decided_on').on('cases').column('decided_on').execute();
  await db.schema.dropIndex('cases_decided').execute();
  await db.schema.createIndex('cases_next_due').on('cases').column('next_due_on').execute();
  await db.schema.dropIndex('cases_queue_order').execute();
}
