// `npm run bench`: builds the portal, starts it as a child process on its embedded defaults (SQLite in a
// temporary data folder), and measures pages with autocannon against a ceiling: a static file of the same
// size served by the same server. It prints numbers; it asserts nothing about performance.
//
//   npm run bench -- --runs 5 --duration 10 --connections 50 --warmup 2 --only home --processes 2
//
// Before the portal starts, `seed-demo` fills its database with --seed-cases families (default 1,000), so the
// signed-in pages show a real family's home and case: the bench signs that family in over HTTP with two-step
// verification (password, then the emailed code from the outbox) and loads the pages with its session cookie.
//
// To add a page, add one line to TARGETS. A target can carry headers, or compute its headers and path once the
// server is up (for example a signed-in session cookie): `setup: async (ctx) => ({ headers: { cookie: await ctx.signIn(email) } })`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Db, openDatabase } from '../../src/db/database.js';
import { DEMO_PASSWORD } from '../../src/cli/seed-demo.js';
import { ensureBuilt, type LoadResult, load, median, root, rssOf, seed, signInWithEmailCode, startPortal, waitForIdle } from './lib.js';

export interface BenchContext {
  baseUrl: string;
  dataDir: string;
  /** The portal's database, opened by the bench too (to read emailed codes and pick seeded records). */
  db: Db;
  /** Signs a seeded account in (two-step by email) and returns the Cookie header of its session; one sign-in per address. */
  signIn(email: string): Promise<string>;
}

export interface Target {
  name: string;
  path: string;
  /** The status every response must have (default 200); anything else is counted as an error. */
  expectStatus?: number;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string> | ((ctx: BenchContext) => Promise<Record<string, string>>);
  /** Computes the path and headers once the server is up. */
  setup?: (ctx: BenchContext) => Promise<{ path?: string; headers?: Record<string, string> }>;
}

/** A seeded family whose child has a plan (the fullest case page) and that case's reference. */
async function familyWithPlan(ctx: BenchContext): Promise<{ email: string; reference: string }> {
  const row = await ctx.db
    .selectFrom('cases')
    .innerJoin('child_links', 'child_links.child_id', 'cases.child_id')
    .innerJoin('users', 'users.id', 'child_links.user_id')
    .select(['users.email', 'cases.reference'])
    .where('cases.stage', '=', 'plan_maintained')
    .where('users.email', 'like', 'family%')
    .orderBy('cases.reference')
    .executeTakeFirst();
  if (!row) throw new Error('no seeded family with a plan: was the database seeded?');
  return row;
}

// One line per page. The ceiling is added by the script itself.
const TARGETS: Target[] = [
  { name: 'home (en)', path: '/' },
  { name: 'home (cy)', path: '/?lng=cy' },
  { name: 'login (en)', path: '/login' },
  { name: 'register (cy)', path: '/register?lng=cy' },
  { name: '404 page', path: '/no-such-page', expectStatus: 404 },
  {
    name: 'SEND home (signed in)',
    path: '/send',
    setup: async (ctx) => ({ headers: { cookie: await ctx.signIn((await familyWithPlan(ctx)).email) } }),
  },
  {
    name: 'family case page (signed in)',
    path: '/send/cases/:reference',
    setup: async (ctx) => {
      const family = await familyWithPlan(ctx);
      return { path: `/send/cases/${family.reference}`, headers: { cookie: await ctx.signIn(family.email) } };
    },
  },
];

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '2' },
    only: { type: 'string' },
    'seed-cases': { type: 'string', default: '1000' },
    processes: { type: 'string', default: '1' },
  },
});
const RUNS = positiveInt('runs', args.runs);
const DURATION = positiveInt('duration', args.duration);
const CONNECTIONS = positiveInt('connections', args.connections);
const WARMUP = Number(args.warmup);
const SEED_CASES = positiveInt('seed-cases', args['seed-cases']);
const PROCESSES = positiveInt('processes', args.processes);

function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number above 0`);
  return n;
}

type RunResult = LoadResult;

function measure(baseUrl: string, target: Target, headers: Record<string, string>, seconds: number): Promise<RunResult> {
  return load(baseUrl + target.path, { headers, connections: CONNECTIONS, seconds, expectStatus: target.expectStatus, method: target.method, body: target.body });
}

/** Writes the ceiling file (same bytes as the English home page) where the static route serves it. */
async function placeCeiling(baseUrl: string, body: Buffer): Promise<{ path: string; file: string; dir: string; note?: string }> {
  for (const folder of ['.bench', 'bench']) {
    const dir = path.join(root, 'public', folder);
    const file = path.join(dir, 'ceiling.html');
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, body);
    const urlPath = `/static/${folder}/ceiling.html`;
    const res = await fetch(baseUrl + urlPath);
    const served = Buffer.from(await res.arrayBuffer());
    if (res.status === 200 && served.equals(body)) {
      return { path: urlPath, file, dir, note: folder === '.bench' ? undefined : 'public/.bench/ is not served; using public/bench/' };
    }
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error('the static route does not serve the ceiling file from public/.bench/ nor public/bench/');
}

const pad = (s: string, n: number, right = false) => (right ? s.padStart(n) : s.padEnd(n));

function printTable(rows: { name: string; path: string; runs: RunResult[] }[], ceiling: number) {
  const header = ['target', 'path', 'req/s', 'p50 ms', 'p99 ms', 'vs ceiling', 'errors'];
  const lines = rows.map(({ name, path: p, runs }) => {
    const rps = median(runs.map((r) => r.reqPerSec));
    const bad = runs.reduce((n, r) => n + r.bad, 0);
    const detail = [...new Set(runs.flatMap((r) => r.badDetail))];
    return [
      name,
      p,
      rps.toFixed(0),
      median(runs.map((r) => r.p50)).toFixed(1),
      median(runs.map((r) => r.p99)).toFixed(1),
      ceiling > 0 ? `${((rps / ceiling) * 100).toFixed(1)}%` : '-',
      bad ? `${bad} (${detail.join(', ')})` : '0',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => pad(c, widths[i] as number, i >= 2 && i <= 5)).join(' | ')} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w, i) => (i >= 2 && i <= 5 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const l of lines) console.log(fmt(l));
}

interface Resolved {
  target: Target;
  path: string;
  headers: Record<string, string>;
}

async function main() {
  ensureBuilt();

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-bench-'));
  // Embedded defaults (SQLite in DATA_DIR), with families in it for the signed-in pages.
  const seeded = await seed({ DATA_DIR: dataDir }, ['--cases', String(SEED_CASES), '--staff', '5']);
  console.log(`seeded ${SEED_CASES.toLocaleString('en-GB')} families in ${seeded.seconds.toFixed(1)} s`);
  // --processes N runs the portal as N processes on the port (WEB_CONCURRENCY); memory is then their total.
  const portal = await startPortal({ DATA_DIR: dataDir, WEB_CONCURRENCY: String(PROCESSES) });
  const { baseUrl, pid } = portal;
  await waitForIdle(pid);
  const db = openDatabase(`sqlite:${path.join(dataDir, 'portal.sqlite')}`);

  let ceilingPlace: Awaited<ReturnType<typeof placeCeiling>> | undefined;
  const cleanup = async () => {
    await portal.stop();
    await db.destroy();
    if (ceilingPlace) rmSync(ceilingPlace.dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };
  const onSignal = () => {
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const rssIdle = rssOf(pid);
    const sessions = new Map<string, Promise<string>>();
    const ctx: BenchContext = {
      baseUrl,
      dataDir,
      db,
      signIn: (email) => {
        let s = sessions.get(email);
        if (!s) {
          s = signInWithEmailCode(baseUrl, db, email, DEMO_PASSWORD);
          sessions.set(email, s);
        }
        return s;
      },
    };

    const home = await fetch(`${baseUrl}/`);
    const homeBody = Buffer.from(await home.arrayBuffer());
    if (home.status !== 200) throw new Error(`GET / answered ${home.status}`);
    ceilingPlace = await placeCeiling(baseUrl, homeBody);
    if (ceilingPlace.note) console.log(`note: ${ceilingPlace.note}`);

    const ceiling: Target = { name: 'ceiling (static)', path: ceilingPlace.path };
    const chosen = TARGETS.filter((t) => !args.only || t.name.includes(args.only) || t.path.includes(args.only));
    const all: Resolved[] = [];
    for (const t of [ceiling, ...chosen]) {
      const set = t.setup ? await t.setup(ctx) : {};
      const h = { ...(typeof t.headers === 'function' ? await t.headers(ctx) : (t.headers ?? {})), ...set.headers };
      const r: Resolved = { target: t, path: set.path ?? t.path, headers: h };
      const res = await fetch(baseUrl + r.path, { method: t.method ?? 'GET', body: t.body, headers: h, redirect: 'manual' });
      await res.arrayBuffer();
      if (res.status !== (t.expectStatus ?? 200)) throw new Error(`${t.name}: GET ${r.path} answered ${res.status}, expected ${t.expectStatus ?? 200}`);
      all.push(r);
    }

    console.log(
      `portal pid ${pid} on ${baseUrl} (node ${process.version}, ${os.cpus().length} CPUs); home page ${homeBody.length} bytes; ` +
        `${CONNECTIONS} connections, ${WARMUP}s warm-up, ${RUNS} runs × ${DURATION}s per target`,
    );
    const run1 = (r: Resolved, seconds: number) => measure(baseUrl, { ...r.target, path: r.path }, r.headers, seconds);
    if (WARMUP > 0) for (const r of all) await run1(r, WARMUP);

    const results = new Map<Resolved, RunResult[]>(all.map((r) => [r, []]));
    // Round-robin, so drift (heat, other load, a growing database) touches every target alike.
    for (let run = 1; run <= RUNS; run++) {
      for (const t of all) {
        const r = await run1(t, DURATION);
        results.get(t)?.push(r);
        console.error(`  run ${run}/${RUNS} ${t.target.name}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.bad ? `, ${r.bad} errors` : ''}`);
      }
    }
    const rssAfter = rssOf(pid);

    const ceilingRps = median((results.get(all[0] as Resolved) ?? []).map((r) => r.reqPerSec));
    console.log('');
    printTable(
      all.map((t) => ({ name: t.target.name, path: t.path, runs: results.get(t) ?? [] })),
      ceilingRps,
    );
    console.log('');
    console.log(`server resident memory (VmRSS${PROCESSES > 1 ? `, ${PROCESSES} processes and their supervisor` : ''}): ${rssIdle} when ready, ${rssAfter} after the load`);
    const totalBad = [...results.values()].flat().reduce((n, r) => n + r.bad, 0);
    if (totalBad) console.log(`WARNING: ${totalBad} responses had an unexpected status or failed (see the errors column)`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

main().catch((err) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
