import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Role, TokenPurpose, UsersTable } from '../../db/schema.js';

export type UserRow = Selectable<UsersTable>;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();
}

export function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertUser(
  db: Db,
  values: { email: string; firstName: string; lastName: string; passwordHash: string | null; role: Role; lang: 'en' | 'cy'; termsAcceptedAt: string | null; emailConfirmedAt?: string | null },
  now: Date,
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('users')
    .values({
      id,
      email: normaliseEmail(values.email),
      first_name: values.firstName,
      last_name: values.lastName,
      password_hash: values.passwordHash,
      role: values.role,
      lang: values.lang,
      email_confirmed_at: values.emailConfirmedAt ?? null,
      two_step_method: null,
      totp_secret: null,
      failed_logins: 0,
      locked_until: null,
      code_failures: 0,
      code_locked_until: null,
      terms_accepted_at: values.termsAcceptedAt,
      disabled_at: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    })
    .execute();
  return id;
}

export async function updateUser(db: Db, id: string, changes: Partial<Omit<UserRow, 'id' | 'created_at'>>, now: Date): Promise<void> {
  await db
    .updateTable('users')
    .set({ ...changes, updated_at: now.toISOString() })
    .where('id', '=', id)
    .execute();
}

/**
 * Records an authenticator-app time step as used, unless it (or a later one) already was: true when this
 * call is the first to use it, so the same code cannot sign in twice.
 */
export async function useTotpStep(db: Db, id: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function deleteUser(db: Db, id: string): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}

export async function insertToken(
  db: Db,
  values: { userId: string; purpose: TokenPurpose; tokenHash: string; expiresAt: Date; newEmail?: string },
  now: Date,
): Promise<void> {
  await db
    .insertInto('user_tokens')
    .values({
      id: randomUUID(),
      user_id: values.userId,
      purpose: values.purpose,
      token_hash: values.tokenHash,
      new_email: values.newEmail ?? null,
      expires_at: values.expiresAt.toISOString(),
      used_at: null,
      created_at: now.toISOString(),
    })
    .execute();
}

export function findToken(db: Db, tokenHash: string, purposes: TokenPurpose[]) {
  return db
    .selectFrom('user_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('purpose', 'in', purposes)
    .executeTakeFirst();
}

/** Marks a token used. False when it had been used already (a second click, or a race): single use. */
export async function consumeToken(db: Db, id: string, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('user_tokens')
    .set({ used_at: now.toISOString() })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** A newer link replaces older ones of the same kind. */
export async function expireTokens(db: Db, userId: string, purposes: TokenPurpose[], now: Date): Promise<void> {
  await db
    .updateTable('user_tokens')
    .set({ used_at: now.toISOString() })
    .where('user_id', '=', userId)
    .where('purpose', 'in', purposes)
    .where('used_at', 'is', null)
    .execute();
}

export async function countTokensSince(db: Db, userId: string, purpose: TokenPurpose, since: Date): Promise<number> {
  const row = await db
    .selectFrom('user_tokens')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('created_at', '>=', since.toISOString())
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertCode(db: Db, values: { userId: string; purpose: 'login' | 'setup'; codeHash: string; expiresAt: Date }, now: Date) {
  // Only the newest code works: sending a new one retires the old.
  await db
    .updateTable('two_step_codes')
    .set({ used_at: now.toISOString() })
    .where('user_id', '=', values.userId)
    .where('purpose', '=', values.purpose)
    .where('used_at', 'is', null)
    .execute();
  await db
    .insertInto('two_step_codes')
    .values({
      id: randomUUID(),
      user_id: values.userId,
      purpose: values.purpose,
      code_hash: values.codeHash,
      expires_at: values.expiresAt.toISOString(),
      used_at: null,
      created_at: now.toISOString(),
    })
    .execute();
}

export function findLiveCode(db: Db, userId: string, purpose: 'login' | 'setup', now: Date) {
  return db
    .selectFrom('two_step_codes')
    .selectAll()
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

export async function consumeCode(db: Db, id: string, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('two_step_codes')
    .set({ used_at: now.toISOString() })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function countCodesSince(db: Db, userId: string, purpose: 'login' | 'setup', since: Date): Promise<number> {
  const row = await db
    .selectFrom('two_step_codes')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('created_at', '>=', since.toISOString())
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function listStaff(db: Db) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'first_name', 'last_name', 'role', 'disabled_at', 'password_hash', 'two_step_method'])
    .where('role', 'in', ['caseworker', 'manager', 'admin'])
    .orderBy('last_name')
    .orderBy('first_name')
    .execute();
}
