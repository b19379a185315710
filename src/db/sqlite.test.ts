import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type DatabaseConnection, type Driver, Kysely, sql } from 'kysely';
import { FairDriver, sqliteDialect } from './sqlite.js';

interface Db {
  items: { id: number; label: string };
}

let dir: string;
let db: Kysely<Db>;
before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'portal-sqlite-'));
  db = new Kysely<Db>({ dialect: sqliteDialect(path.join(dir, 'test.sqlite')) });
  await sql`create table items (id integer primary key, label text not null)`.execute(db);
});
after(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test('queries waiting for the connection get it in the order they asked, and a newcomer waits its turn', async () => {
  const order: string[] = [];
  let releaseTransaction!: () => void;
  const held = new Promise<void>((r) => {
    releaseTransaction = r;
  });
  const transaction = db.transaction().execute(async (trx) => {
    await trx.insertInto('items').values({ id: 1, label: 'in transaction' }).execute();
    await held;
    order.push('transaction');
  });
  await new Promise((r) => setTimeout(r, 10));
  const waiting = ['first', 'second', 'third'].map((name) =>
    db
      .selectFrom('items')
      .selectAll()
      .execute()
      .then(async (rows) => {
        order.push(name);
        assert.equal(rows.length, 1, 'the transaction was committed before the queries behind it ran');
        // Asks again straight away: it must go behind the others that were already waiting.
        if (name === 'first') await db.selectFrom('items').selectAll().execute().then(() => order.push('first again'));
      }),
  );
  releaseTransaction();
  await Promise.all([transaction, ...waiting]);
  assert.deepEqual(order, ['transaction', 'first', 'second', 'third', 'first again']);
});

test('a statement kept for reuse runs with each call’s own parameters', async () => {
  await db.insertInto('items').values({ id: 2, label: 'two' }).execute();
  await db.insertInto('items').values({ id: 3, label: 'three' }).execute();
  const one = await db.selectFrom('items').select('label').where('id', '=', 2).executeTakeFirstOrThrow();
  const other = await db.selectFrom('items').select('label').where('id', '=', 3).executeTakeFirstOrThrow();
  assert.deepEqual([one.label, other.label], ['two', 'three']);
  const written = await db.updateTable('items').set({ label: 'changed' }).where('id', '=', 3).executeTakeFirst();
  assert.equal(written.numUpdatedRows, 1n);
});

test('the queue: the connection passes to the longest waiting caller, never to one arriving as it is released, and each caller asks the inner lock once', async () => {
  let innerAcquires = 0;
  const connection = {} as DatabaseConnection;
  const inner = {
    init: async () => undefined,
    acquireConnection: async () => {
      innerAcquires++;
      return connection;
    },
    releaseConnection: async () => undefined,
  } as unknown as Driver;
  const driver = new FairDriver(inner);
  const order: string[] = [];
  const take = (name: string) =>
    driver.acquireConnection().then((c) => {
      order.push(name);
      return c;
    });
  const first = await take('first');
  const waiting = [take('second'), take('third')];
  // Released, and at that very moment someone new asks: they go behind the two already waiting.
  const released = driver.releaseConnection(first);
  const newcomer = take('newcomer');
  await released;
  const second = await waiting[0];
  await driver.releaseConnection(second as DatabaseConnection);
  const third = await waiting[1];
  await driver.releaseConnection(third as DatabaseConnection);
  await driver.releaseConnection(await newcomer);
  assert.deepEqual(order, ['first', 'second', 'third', 'newcomer']);
  assert.equal(innerAcquires, 4);
});
