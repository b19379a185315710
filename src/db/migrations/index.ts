import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_platform.js';
import * as m0002 from './0002_accounts.js';
import * as m0003 from './0003_send.js';
import * as m0004 from './0004_casework.js';
import * as m0006 from './0006_advice.js';
import * as m0007 from './0007_plans.js';
import * as m0008 from './0008_queue_indexes.js';
import * as m0009 from './0009_totp_last_step.js';

/** Numbered migrations, one set for SQLite and PostgreSQL. Add new ones at the end; never edit a landed one. */
const migrations: Record<string, Migration> = {
  '0001_platform': m0001,
  '0002_accounts': m0002,
  '0003_send': m0003,
  '0004_casework': m0004,
  // (0005 was never released: its indexes are 0008.)
  '0006_advice': m0006,
  '0007_plans': m0007,
  '0008_queue_indexes': m0008,
  '0009_totp_last_step': m0009,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
