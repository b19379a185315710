import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createTestDatabase, type TestDatabase } from '../../test/support/databases.js';
import { migrateToLatest } from '../db/database.js';
import { DbSessionStore, RedisSessionStore, type SessionRecord, type SessionStore, storeKey } from './session.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisAvailable(): Promise<Redis | undefined> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch {
    redis.disconnect();
    return undefined;
  }
}

const record = (userId: string | null, data: Record<string, unknown> = {}): SessionRecord => ({ userId, data, createdAt: Date.now(), lastSeenAt: Date.now() });

/** The same contract for every store: the app may use either. */
function storeContract(name: string, make: () => Promise<{ store: SessionStore; done(): Promise<void> }>) {
  describe(name, () => {
    let store: SessionStore;
    let done: () => Promise<void>;
    before(async () => {
      ({ store, done } = await make());
    });
    after(() => done());

    test('keeps, reads and forgets a session by the hash of its cookie', async () => {
      const id = storeKey(randomBytes(32).toString('base64url'));
      await store.set(id, record('u1', { returnTo: '/send' }));
      const got = await store.get(id);
      assert.equal(got?.userId, 'u1');
      assert.deepEqual(got?.data, { returnTo: '/send' });
      await store.destroy(id);
      assert.equal(await store.get(id), undefined);
    });

    test('ends every session of one person but the one kept, and nobody else’s', async () => {
      const user = `user-${randomBytes(4).toString('hex')}`;
      const [a, b, c, other] = [1, 2, 3, 4].map(() => storeKey(randomBytes(32).toString('base64url'))) as [string, string, string, string];
      await store.set(a, record(user));
      await store.set(b, record(user));
      await store.set(c, record(user));
      await store.set(other, record('someone-else'));
      await store.destroyForUser(user, c);
      assert.equal(await store.get(a), undefined);
      assert.equal(await store.get(b), undefined);
      assert.equal((await store.get(c))?.userId, user);
      assert.equal((await store.get(other))?.userId, 'someone-else');
    });

    test('touch moves last-seen forward', async () => {
      const id = storeKey(randomBytes(32).toString('base64url'));
      await store.set(id, { ...record(null), lastSeenAt: 1000 });
      await store.touch(id, 5000);
      assert.equal((await store.get(id))?.lastSeenAt, 5000);
    });
  });
}

let database: TestDatabase;
storeContract('database session store', async () => {
  database = await createTestDatabase('sqlite');
  await migrateToLatest(database.db);
  return { store: new DbSessionStore(database.db), done: () => database.drop() };
});

const redis = await redisAvailable();
if (redis) {
  storeContract('Redis session store', async () => ({
    store: new RedisSessionStore(redis),
    done: async () => {
      await redis.quit();
    },
  }));
} else {
  console.warn(`\n*** SKIPPED: Redis session store tests: no Redis at ${REDIS_URL} ***\n`);
}
