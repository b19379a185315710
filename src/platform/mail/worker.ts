import type { Db } from '../../db/database.js';
import { isPostgres } from '../../db/dialect.js';
import type { MailTransport } from './transports.js';

export interface WorkerOptions {
  db: Db;
  transport: MailTransport;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  pollIntervalMs?: number;
  /** First retry after this long, doubling each time up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** After this many failures an email is marked failed and left for a person to look at. */
  maxAttempts?: number;
  batchSize?: number;
  now?: () => Date;
}

const LOCK_MS = 5 * 60 * 1000;

/** Delivers outbox rows with retry and exponential backoff. Several workers may run against one database. */
export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private readonly o: Required<Omit<WorkerOptions, 'db' | 'transport' | 'log'>>;

  constructor(private opts: WorkerOptions) {
    this.o = {
      pollIntervalMs: opts.pollIntervalMs ?? 1000,
      baseDelayMs: opts.baseDelayMs ?? 30_000,
      maxDelayMs: opts.maxDelayMs ?? 60 * 60 * 1000,
      maxAttempts: opts.maxAttempts ?? 40, // about 36 hours of trying at the default delays
      batchSize: opts.batchSize ?? 20,
      now: opts.now ?? (() => new Date()),
    };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Deliver soon (a new email was queued). */
  poke(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err) => this.opts.log.error({ err }, 'outbox worker pass failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(this.again ? 0 : this.o.pollIntervalMs);
          this.again = false;
        });
    }, ms);
    this.timer.unref();
  }

  /** One pass: claim due emails and try each once. Returns how many were delivered. */
  async runOnce(): Promise<number> {
    const claimed = await this.claim();
    let delivered = 0;
    for (const row of claimed) {
      if (await this.deliver(row)) delivered++;
    }
    return delivered;
  }

  private async claim() {
    const { db } = this.opts;
    const now = this.o.now();
    const nowIso = now.toISOString();
    const lockedUntil = new Date(now.getTime() + LOCK_MS).toISOString();

    if (isPostgres(db)) {
      // Many workers: each takes rows nobody else holds, without waiting on them.
      return db.transaction().execute(async (trx) => {
        const rows = await this.dueQuery(trx, nowIso).forUpdate().skipLocked().execute();
        if (!rows.length) return [];
        await trx
          .updateTable('outbox')
          .set({ locked_until: lockedUntil })
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute();
        return rows;
      });
    }
    // SQLite has one writer at a time: a conditional update per row is the claim.
    const rows = await this.dueQuery(db, nowIso).execute();
    const mine = [];
    for (const row of rows) {
      const res = await db
        .updateTable('outbox')
        .set({ locked_until: lockedUntil })
        .where('id', '=', row.id)
        // Still due and unclaimed now: another worker may have sent it (or failed it) since the select.
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', nowIso)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', nowIso)]))
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) mine.push(row);
    }
    return mine;
  }

  private dueQuery(db: Db, nowIso: string) {
    return db
      .selectFrom('outbox')
      .select(['id', 'to_address', 'subject', 'text_body', 'html_body', 'attempts'])
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', nowIso)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', nowIso)]))
      .orderBy('next_attempt_at')
      .limit(this.o.batchSize);
  }

  private async deliver(row: { id: string; to_address: string; subject: string; text_body: string; html_body: string; attempts: number }) {
    const { db, transport, log } = this.opts;
    try {
      await transport.send({ id: row.id, to: row.to_address, subject: row.subject, text: row.text_body, html: row.html_body });
      await db
        .updateTable('outbox')
        .set({ status: 'sent', sent_at: this.o.now().toISOString(), attempts: row.attempts + 1, locked_until: null, last_error: null })
        .where('id', '=', row.id)
        .execute();
      return true;
    } catch (err) {
      const attempts = row.attempts + 1;
      const delay = Math.min(this.o.baseDelayMs * 2 ** (attempts - 1), this.o.maxDelayMs);
      const failed = attempts >= this.o.maxAttempts;
      await db
        .updateTable('outbox')
        .set({
          status: failed ? 'failed' : 'pending',
          attempts,
          next_attempt_at: new Date(this.o.now().getTime() + delay).toISOString(),
          locked_until: null,
          last_error: String((err as Error).message ?? err).slice(0, 500),
        })
        .where('id', '=', row.id)
        .execute();
      log.warn({ emailId: row.id, attempts, retryInMs: failed ? null : delay, transport: transport.name }, failed ? 'email failed for good' : 'email delivery failed; will retry');
      return false;
    }
  }
}
