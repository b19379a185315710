// `npm run bench:scale`: the back office at scale. For SQLite and for PostgreSQL it
//   1. makes a fresh database (a temporary SQLite file; a new database on the PostgreSQL server, dropped afterwards),
//   2. fills it with `seed-demo` (100,000 cases by default) and times that,
//   3. starts the portal as a child process against it,
//   4. signs in as a seeded manager with two-step verification over HTTP (password, then the emailed code read
//      from the outbox table), keeping the session cookie,
//   5. measures the work queue, a filtered queue, a search, a deep page and the dashboard: first one request at a
//      time (the latency one person sees: median and p99), then with autocannon at 10 connections (req/s, p99),
//   6. reports the server's resident memory, and prints Markdown tables.
// PostgreSQL is TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test; without it that half is skipped loudly
// (REQUIRE_POSTGRES=1 makes it fail instead). It prints numbers; it asserts nothing about performance.
//
//   npm run bench:scale -- --cases 100000 --samples 200 --duration 10 --connections 10 --only sqlite
//   npm run bench:scale -- --database-url sqlite:/tmp/seeded.sqlite     (an already seeded database: no seeding)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DEMO_PASSWORD } from '../../src/cli/seed-demo.js';
import { isPostgresUrl, openDatabase } from '../../src/db/database.js';
import { ensureBuilt, load, median, rssMb, seed, sequential, signInWithEmailCode, startPortal, waitForIdle } from './lib.js';

const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TARGET_MS = 200;

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    staff: { type: 'string', default: '60' },
    samples: { type: 'string', default: '200' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    only: { type: 'string' },
    'database-url': { type: 'string' },
  },
});
const whole = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number above 0`);
  return n;
};
const CASES = whole('cases', args.cases);
const STAFF = whole('staff', args.staff);
const SAMPLES = whole('samples', args.samples);
const DURATION = whole('duration', args.duration);
const CONNECTIONS = whole('connections', args.connections);
const WARMUP = Number(args.warmup);

interface Page {
  name: string;
  path: string;
  /** Text the page must contain, so a bench of an error page cannot pass for a fast queue. */
  expect: RegExp;
}

const PAGES: Page[] = [
  { name: 'work queue, first page', path: '/staff', expect: /EHC-\d{4}-\d{5}/ },
  { name: 'overdue cases', path: '/staff?due=overdue', expect: /EHC-\d{4}-\d{5}/ },
  { name: 'search "smith"', path: '/staff?q=smith', expect: /EHC-\d{4}-\d{5}/ },
  { name: 'work queue, page 100', path: '/staff?page=100', expect: /EHC-\d{4}-\d{5}/ },
  { name: 'dashboard', path: '/staff/dashboard', expect: /<h1/ },
];

interface PageResult {
  page: Page;
  bytes: number;
  seqMedian: number;
  seqP99: number;
  rps: number;
  loadP50: number;
  loadP99: number;
  bad: number;
}

interface DbResult {
  kind: 'SQLite' | 'PostgreSQL';
  seedSeconds?: number;
  cases: number;
  pages: PageResult[];
  rssReady?: number;
  rssAfter?: number;
  rssPeak?: number;
  /** How long the portal was busy with its own housekeeping after it started. */
  settleSeconds?: number;
  /** The machine's 1-minute load average at the end: other work running alongside skews the numbers. */
  load?: number;
}

/** A fresh database of this kind: its URL and how to remove it. */
async function freshDatabase(kind: 'sqlite' | 'postgres'): Promise<{ url: string; dataDir: string; drop: () => Promise<void> } | undefined> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-scale-'));
  if (kind === 'sqlite') {
    return { url: `sqlite:${path.join(dataDir, 'portal.sqlite')}`, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    const message = `PostgreSQL not reachable at ${POSTGRES_URL} (${err instanceof Error ? err.message : String(err)})`;
    if (process.env.REQUIRE_POSTGRES === '1') throw new Error(message);
    console.warn(`\n*** SKIPPED: the PostgreSQL half of the scale bench: ${message} ***\n`);
    return undefined;
  }
  const name = `portal_scale_${randomBytes(5).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dataDir,
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// What an interrupted run must still undo: the running portal and the database made for it.
let stopping: (() => Promise<void>) | undefined;
let dropping: (() => Promise<void>) | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the portal and dropping the bench database…`);
    void (async () => {
      await stopping?.().catch(() => undefined);
      await dropping?.().catch(() => undefined);
      process.exit(130);
    })();
  });
}

async function benchOne(kind: 'sqlite' | 'postgres', given?: string): Promise<DbResult | undefined> {
  const label = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const fresh = given ? { url: given, dataDir: mkdtempSync(path.join(os.tmpdir(), 'portal-scale-')), drop: async () => undefined } : await freshDatabase(kind);
  if (!fresh) return undefined;
  dropping = fresh.drop;
  const env = { DATA_DIR: fresh.dataDir, DATABASE_URL: fresh.url };
  const result: DbResult = { kind: label, cases: 0, pages: [] };
  try {
    console.log(`\n=== ${label} ===`);
    if (!given) {
      const seeded = await seed(env, ['--cases', String(CASES), '--staff', String(STAFF)]);
      result.seedSeconds = seeded.seconds;
    }
    const portal = await startPortal(env);
    stopping = portal.stop;
    result.settleSeconds = await waitForIdle(portal.pid);
    const db = openDatabase(fresh.url, { poolSize: 2 });
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb(portal.pid) ?? 0);
    }, 250);
    try {
      result.rssReady = rssMb(portal.pid);
      result.cases = Number((await db.selectFrom('cases').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow()).n);
      const manager = await db.selectFrom('users').select('email').where('role', '=', 'manager').where('email', 'like', 'manager%').orderBy('created_at').executeTakeFirst();
      if (!manager) throw new Error('no seeded manager: was the database seeded with seed-demo?');
      const cookie = await signInWithEmailCode(portal.baseUrl, db, manager.email, DEMO_PASSWORD);
      const headers = { cookie };
      console.log(`${result.cases.toLocaleString('en-GB')} cases; signed in as ${manager.email} (two-step by email); portal pid ${portal.pid}`);
      for (const page of PAGES) {
        const url = portal.baseUrl + page.path;
        const first = await fetch(url, { headers, redirect: 'manual' });
        const body = await first.text();
        if (first.status !== 200 || !page.expect.test(body)) throw new Error(`${page.path} answered ${first.status}${first.status === 200 ? ` without ${page.expect}` : ''}`);
        const seq = await sequential(url, headers, SAMPLES);
        if (WARMUP > 0) await load(url, { headers, connections: CONNECTIONS, seconds: WARMUP });
        const l = await load(url, { headers, connections: CONNECTIONS, seconds: DURATION });
        result.pages.push({ page, bytes: seq.bytes, seqMedian: seq.median, seqP99: seq.p99, rps: l.reqPerSec, loadP50: l.p50, loadP99: l.p99, bad: l.bad });
        console.error(`  ${page.name}: ${seq.median.toFixed(1)} ms median, ${seq.p99.toFixed(1)} ms p99 alone; ${l.reqPerSec.toFixed(0)} req/s, p99 ${l.p99} ms at ${CONNECTIONS} connections${l.bad ? `, ${l.bad} errors (${l.badDetail.join(', ')})` : ''}`);
      }
      result.rssAfter = rssMb(portal.pid);
      result.rssPeak = Math.max(peak, result.rssAfter ?? 0);
      result.load = os.loadavg()[0];
      // Requests autocannon gave up on at the end may still be running: let them finish before stopping.
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      clearInterval(sampler);
      await db.destroy();
      await portal.stop();
      stopping = undefined;
    }
    return result;
  } finally {
    await fresh.drop();
    dropping = undefined;
  }
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function printResults(results: DbResult[]) {
  console.log('\n### Back office at 100,000 cases\n');
  console.log(`Sequential: ${SAMPLES} requests one at a time; load: autocannon, ${CONNECTIONS} connections, ${DURATION} s. Target: under ${TARGET_MS} ms a page.\n`);
  console.log('| database | page | path | median ms | p99 ms | p99 / target | req/s (10 conn.) | p99 ms (10 conn.) |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    for (const p of r.pages) {
      console.log(`| ${r.kind} | ${p.page.name} | \`${p.page.path}\` | ${fmt(p.seqMedian)} | ${fmt(p.seqP99)} | ${fmt(p.seqP99 / TARGET_MS, 2)} | ${fmt(p.rps, 0)} | ${fmt(p.loadP99, 0)}${p.bad ? ` (${p.bad} errors)` : ''} |`);
    }
  }
  console.log('');
  for (const r of results) {
    const worst = Math.max(...r.pages.map((p) => p.seqP99));
    console.log(
      `- ${r.kind}: ${r.cases.toLocaleString('en-GB')} cases${r.seedSeconds !== undefined ? `, seeded in ${fmt(r.seedSeconds, 0)} s` : ''}; ` +
        `start-up housekeeping ${r.settleSeconds === undefined ? '?' : fmt(r.settleSeconds, 0)} s; ` +
        `server memory ${r.rssReady === undefined ? '?' : fmt(r.rssReady, 0)} MB when ready, ${r.rssPeak === undefined ? '?' : fmt(r.rssPeak, 0)} MB at most under load; ` +
        `slowest p99 ${fmt(worst)} ms (${worst < TARGET_MS ? 'within' : 'OVER'} the ${TARGET_MS} ms target); median of medians ${fmt(median(r.pages.map((p) => p.seqMedian)))} ms; ` +
        `load average ${r.load === undefined ? '?' : fmt(r.load, 2)} at the end.`,
    );
  }
  console.log(`\nMachine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${fmt(os.totalmem() / 2 ** 30, 0)} GB, Node.js ${process.version}.`);
}

async function main() {
  ensureBuilt();
  const kinds: ('sqlite' | 'postgres')[] = args['database-url'] ? [isPostgresUrl(args['database-url']) ? 'postgres' : 'sqlite'] : ['sqlite', 'postgres'];
  const results: DbResult[] = [];
  for (const kind of kinds.filter((k) => !args.only || k === args.only)) {
    const r = await benchOne(kind, args['database-url']);
    if (r) results.push(r);
  }
  printResults(results);
}

main().catch((err) => {
  console.error(`bench:scale failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
