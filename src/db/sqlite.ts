import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { type DatabaseConnection, type Driver, SqliteDialect, type SqliteDatabase, type TransactionSettings } from 'kysely';

/** How many prepared statements a SQLite handle keeps before it starts afresh. */
const STATEMENTS_MAX = 1_000;

/** The Kysely dialect for a SQLite file: WAL, foreign keys on, statements kept, queries served in turn. */
export function sqliteDialect(file: string): SqliteDialect {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  return new FairSqliteDialect({ database: withPreparedStatements(sqlite) });
}

/**
 * Kysely prepares every query afresh, and preparing cost SQLite more than running the query did. The portal
 * builds queries from a fixed set of shapes with bound parameters, so each distinct SQL text is prepared once
 * and kept. (A kept statement is never used twice at once: queries reach SQLite one at a time, see below, and
 * the portal streams no results.)
 */
function withPreparedStatements(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text) => {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= STATEMENTS_MAX) statements.clear();
        statement = sqlite.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

/**
 * SQLite has one connection, which Kysely guards with a lock that wakes every waiter each time it is released
 * (all but one then wait again), so under load each query costs work in proportion to the requests waiting,
 * and a caller arriving at the right moment can take the connection ahead of them. This dialect puts a
 * first-come, first-served queue in front of Kysely's lock: only one caller ever waits on it, and the
 * connection goes to whoever asked first.
 */
class FairSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    return new FairDriver(super.createDriver());
  }
}

export class FairDriver implements Driver {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // The releaser hands the connection over without freeing it, so nobody arriving meanwhile can take it.
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held = true;
    return this.inner.acquireConnection();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.inner.releaseConnection(connection);
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  savepoint: Driver['savepoint'] = (...args) => this.inner.savepoint!(...args);
  rollbackToSavepoint: Driver['rollbackToSavepoint'] = (...args) => this.inner.rollbackToSavepoint!(...args);
  releaseSavepoint: Driver['releaseSavepoint'] = (...args) => this.inner.releaseSavepoint!(...args);

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
