import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { type Db, openDatabase } from '../../src/db/database.js';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  kind: 'sqlite' | 'postgres';
  url: string;
  db: Db;
  dataDir: string;
  drop(): Promise<void>;
}

async function checkPostgres(): Promise<boolean> {
  // A few tries with a generous timeout: on a busy machine a first connection can be slow.
  for (let attempt = 0; attempt < 3; attempt++) {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return false;
}

export const postgresAvailable = await checkPostgres();

/** A fresh, empty database: a temporary SQLite file, or a PostgreSQL database of its own. */
export async function createTestDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-test-'));
  if (kind === 'sqlite') {
    const url = `sqlite:${path.join(dataDir, 'test.sqlite')}`;
    const db = openDatabase(url);
    return {
      kind,
      url,
      db,
      dataDir,
      drop: async () => {
        await db.destroy();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  // A database of its own, not a schema: Kysely's migrator reads the catalog of every schema in the
  // database, and fails when another test process drops its schema at that moment.
  const name = `portal_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const db = openDatabase(url.toString(), { poolSize: 5 });
  return {
    kind,
    url: url.toString(),
    db,
    dataDir,
    drop: async () => {
      await db.destroy();
      await adminQuery(`drop database if exists ${name} with (force)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

/**
 * Runs a suite on SQLite and on PostgreSQL. Without PostgreSQL the second run is skipped with a loud
 * notice, unless REQUIRE_POSTGRES=1 (as in CI), when it fails instead.
 */
export function describeEachDatabase(name: string, fn: (kind: 'sqlite' | 'postgres') => void): void {
  describe(`${name} [sqlite]`, () => fn('sqlite'));
  if (postgresAvailable) {
    describe(`${name} [postgres]`, () => fn('postgres'));
  } else if (process.env.REQUIRE_POSTGRES === '1') {
    // A failing test (not a throw inside describe, which Node 20 does not count as a failure).
    describe(`${name} [postgres]`, () => {
      test('PostgreSQL is reachable', () => {
        throw new Error(`PostgreSQL is required (REQUIRE_POSTGRES=1) but not reachable at ${POSTGRES_URL}`);
      });
    });
  } else {
    console.warn(`\n*** SKIPPED: PostgreSQL suite "${name}": no server at ${POSTGRES_URL} ***\n`);
    describe(`${name} [postgres]`, { skip: 'PostgreSQL not reachable' }, () => undefined);
  }
}
