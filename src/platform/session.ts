import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Db } from '../db/database.js';

/** DESIGN §5: 30 minutes idle, 12 hours absolute. */
export const IDLE_TIMEOUT_MS = 30 * 60 * 1000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000;
/** Writing last-seen on every request would cost a write per page; once a minute is precise enough. */
const TOUCH_EVERY_MS = 60 * 1000;

export interface SessionRecord {
  userId: string | null;
  data: Record<string, unknown>;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionStore {
  get(id: string): Promise<SessionRecord | undefined>;
  set(id: string, record: SessionRecord): Promise<void>;
  touch(id: string, lastSeenAt: number): Promise<void>;
  destroy(id: string): Promise<void>;
  /** Ends every session of a person, but the one given (used on password change and reset). */
  destroyForUser(userId: string, exceptId?: string): Promise<void>;
}

/** A request's session. Only created when something needs keeping, so anonymous browsing costs no storage. */
export class Session {
  dirty = false;
  constructor(
    public cookieValue: string,
    public record: SessionRecord,
    public isNew: boolean,
  ) {}
  get userId(): string | null {
    return this.record.userId;
  }
  set userId(id: string | null) {
    this.record.userId = id;
    this.dirty = true;
  }
  get<T>(key: string): T | undefined {
    return this.record.data[key] as T | undefined;
  }
  set(key: string, value: unknown): void {
    if (value === undefined) delete this.record.data[key];
    else this.record.data[key] = value;
    this.dirty = true;
  }
  /** Reads and forgets a value: flash messages, one-time notices. */
  take<T>(key: string): T | undefined {
    const value = this.get<T>(key);
    if (value !== undefined) this.set(key, undefined);
    return value;
  }
}

export function storeKey(cookieValue: string): string {
  return createHash('sha256').update(cookieValue).digest('base64url');
}

export class DbSessionStore implements SessionStore {
  constructor(private db: Db) {}
  async get(id: string) {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return {
      userId: row.user_id,
      data: JSON.parse(row.data) as Record<string, unknown>,
      createdAt: Date.parse(row.created_at),
      lastSeenAt: Date.parse(row.last_seen_at),
    };
  }
  async set(id: string, r: SessionRecord) {
    const values = {
      user_id: r.userId,
      data: JSON.stringify(r.data),
      created_at: new Date(r.createdAt).toISOString(),
      last_seen_at: new Date(r.lastSeenAt).toISOString(),
    };
    await this.db
      .insertInto('sessions')
      .values({ id, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }
  async touch(id: string, lastSeenAt: number) {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(lastSeenAt).toISOString() })
      .where('id', '=', id)
      .execute();
  }
  async destroy(id: string) {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }
  async destroyForUser(userId: string, exceptId?: string) {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptId) q = q.where('id', '!=', exceptId);
    await q.execute();
  }
  /** Housekeeping: sessions past their idle timeout. */
  async purgeExpired(now = Date.now()) {
    await this.db
      .deleteFrom('sessions')
      .where('last_seen_at', '<', new Date(now - IDLE_TIMEOUT_MS).toISOString())
      .execute();
  }
}

export class RedisSessionStore implements SessionStore {
  constructor(private redis: Redis) {}
  private key(id: string) {
    return `sess:${id}`;
  }
  private userKey(userId: string) {
    return `sess-user:${userId}`;
  }
  async get(id: string) {
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as SessionRecord) : undefined;
  }
  async set(id: string, r: SessionRecord) {
    const multi = this.redis.multi().set(this.key(id), JSON.stringify(r), 'PX', IDLE_TIMEOUT_MS);
    if (r.userId) multi.sadd(this.userKey(r.userId), id).pexpire(this.userKey(r.userId), ABSOLUTE_TIMEOUT_MS);
    await multi.exec();
  }
  async touch(id: string, lastSeenAt: number) {
    const r = await this.get(id);
    if (r) await this.set(id, { ...r, lastSeenAt });
  }
  async destroy(id: string) {
    await this.redis.del(this.key(id));
  }
  async destroyForUser(userId: string, exceptId?: string) {
    const ids = (await this.redis.smembers(this.userKey(userId))).filter((id) => id !== exceptId);
    if (ids.length) {
      await this.redis
        .multi()
        .del(...ids.map((id) => this.key(id)))
        .srem(this.userKey(userId), ...ids)
        .exec();
    }
  }
}

export interface SessionPluginOptions {
  store: SessionStore;
  secure: boolean;
  now?: () => number;
}

export function sessionCookieName(secure: boolean): string {
  // The __Host- prefix makes the browser refuse the cookie unless it is Secure, host-only and path=/.
  return secure ? '__Host-portal_session' : 'portal_session';
}

async function sessionPlugin(app: FastifyInstance, opts: SessionPluginOptions) {
  const { store, secure } = opts;
  const now = opts.now ?? Date.now;
  const cookieName = sessionCookieName(secure);
  const cookieOptions = { path: '/', httpOnly: true, secure, sameSite: 'lax' as const };

  const fresh = (request: FastifyRequest): Session => {
    const t = now();
    const s = new Session(randomBytes(32).toString('base64url'), { userId: null, data: {}, createdAt: t, lastSeenAt: t }, true);
    s.dirty = true;
    request.session = s;
    return s;
  };

  app.decorateRequest('session', null);
  app.decorateRequest('sessionExpired', false);
  app.decorateRequest('ensureSession', function (this: FastifyRequest) {
    return this.session ?? fresh(this);
  });
  app.decorateRequest('regenerateSession', function (this: FastifyRequest) {
    // A new id with the same data: the old id (which an attacker might have planted) is worth nothing now.
    const old = this.session;
    const next = fresh(this);
    if (old) {
      next.record.data = { ...old.record.data };
      next.record.userId = old.record.userId;
      // Not awaited (this runs inside a synchronous call); a failure only leaves a session that can no longer be reached.
      if (!old.isNew) store.destroy(storeKey(old.cookieValue)).catch((err) => this.log.warn({ err }, 'old session not deleted'));
    }
    return next;
  });
  app.decorateRequest('destroySession', async function (this: FastifyRequest) {
    const s = this.session;
    this.session = null;
    if (s && !s.isNew) await store.destroy(storeKey(s.cookieValue));
    (this as FastifyRequest & { sessionCleared?: boolean }).sessionCleared = true;
  });

  app.addHook('onRequest', async (request) => {
    const value = request.cookies[cookieName];
    if (!value) return;
    const id = storeKey(value);
    const record = await store.get(id);
    const t = now();
    if (!record || t - record.lastSeenAt > IDLE_TIMEOUT_MS || t - record.createdAt > ABSOLUTE_TIMEOUT_MS) {
      if (record) await store.destroy(id);
      request.sessionExpired = Boolean(record?.userId) || !record;
      (request as FastifyRequest & { sessionCleared?: boolean }).sessionCleared = true;
      return;
    }
    const session = new Session(value, record, false);
    if (t - record.lastSeenAt > TOUCH_EVERY_MS) {
      record.lastSeenAt = t;
      await store.touch(id, t);
    }
    request.session = session;
  });

  app.addHook('onSend', async (request, reply: FastifyReply, payload) => {
    const s = request.session;
    if (s?.dirty) {
      await store.set(storeKey(s.cookieValue), s.record);
      s.dirty = false;
    }
    if (s?.isNew) {
      reply.setCookie(cookieName, s.cookieValue, cookieOptions);
    } else if (!s && (request as FastifyRequest & { sessionCleared?: boolean }).sessionCleared) {
      reply.clearCookie(cookieName, cookieOptions);
    }
    return payload;
  });
}

export default fp(sessionPlugin, { name: 'session', dependencies: ['@fastify/cookie'] });
