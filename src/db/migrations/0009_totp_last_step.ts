import type { Kysely } from 'kysely';

// The last authenticator-app time step accepted for each account, so a code that has worked once is refused
// if it is entered again within its 30-second window (or the neighbouring windows accepted for clock drift).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('totp_last_step', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('totp_last_step').execute();
}
