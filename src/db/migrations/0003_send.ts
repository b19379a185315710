import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('children')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('preferred_name', 'text')
    .addColumn('date_of_birth', 'text', (c) => c.notNull())
    .addColumn('gender', 'text', (c) => c.notNull())
    .addColumn('address_line1', 'text', (c) => c.notNull())
    .addColumn('address_line2', 'text')
    .addColumn('town', 'text', (c) => c.notNull())
    .addColumn('postcode', 'text', (c) => c.notNull())
    .addColumn('school', 'text')
    .addColumn('year_group', 'text')
    .addColumn('home_language', 'text', (c) => c.notNull())
    .addColumn('interpreter', 'text') // language an interpreter is needed for, or null
    .addColumn('upn', 'text')
    .addColumn('nhs_number', 'text')
    .addColumn('is_self', 'integer', (c) => c.notNull().defaultTo(0)) // a young person (16–25) for themselves
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('children_name').on('children').columns(['last_name', 'first_name']).execute();

  // Who may see a child: each adult linked to it, with their relationship and parental responsibility.
  await db.schema
    .createTable('child_links')
    .addColumn('child_id', 'text', (c) => c.notNull().references('children.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('relationship', 'text', (c) => c.notNull())
    .addColumn('parental_responsibility', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('child_links_pk', ['child_id', 'user_id'])
    .execute();
  await db.schema.createIndex('child_links_user').on('child_links').column('user_id').execute();

  await db.schema
    .createTable('child_invites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('child_id', 'text', (c) => c.notNull().references('children.id').onDelete('cascade'))
    .addColumn('invited_by', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('accepted_at', 'text')
    .addColumn('accepted_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('assessment_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('child_id', 'text', (c) => c.notNull().references('children.id').onDelete('cascade'))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // draft | submitted
    .addColumn('answers', 'text', (c) => c.notNull()) // JSON: section → { values, complete }
    .addColumn('reminder_sent_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'text')
    .execute();
  await db.schema.createIndex('assessment_requests_child').on('assessment_requests').columns(['child_id', 'status']).execute();
  await db.schema.createIndex('assessment_requests_draft_age').on('assessment_requests').columns(['status', 'updated_at']).execute();

  // Uploaded files. The file itself is in the file store under a random key; the name is for display only.
  await db.schema
    .createTable('documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_type', 'text', (c) => c.notNull()) // request | case
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('documents_owner').on('documents').columns(['owner_type', 'owner_id']).execute();

  await db.schema
    .createTable('reference_counters')
    .addColumn('year', 'integer', (c) => c.primaryKey())
    .addColumn('last', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('child_id', 'text', (c) => c.notNull().references('children.id'))
    .addColumn('request_id', 'text', (c) => c.notNull().unique()) // one case per request, however often it is submitted
    .addColumn('received_on', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('next_due_on', 'text') // the nearest statutory date still open: the queue sorts on it
    .addColumn('decision_due_on', 'text', (c) => c.notNull())
    .addColumn('final_plan_due_on', 'text', (c) => c.notNull())
    .addColumn('assigned_to', 'text')
    .addColumn('child_name', 'text', (c) => c.notNull()) // kept for searching the queue by name
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cases_queue').on('cases').columns(['stage', 'next_due_on']).execute();
  await db.schema.createIndex('cases_next_due').on('cases').column('next_due_on').execute();
  await db.schema.createIndex('cases_assigned').on('cases').columns(['assigned_to', 'next_due_on']).execute();
  await db.schema.createIndex('cases_child').on('cases').column('child_id').execute();
  await db.schema.createIndex('cases_child_name').on('cases').column('child_name').execute();

  await db.schema
    .createTable('case_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('on_date', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('data', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_events_case').on('case_events').columns(['case_id', 'on_date']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['case_events', 'cases', 'reference_counters', 'documents', 'assessment_requests', 'child_invites', 'child_links', 'children']) {
    await db.schema.dropTable(t).execute();
  }
}
