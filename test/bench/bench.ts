// `npm run bench`: builds the portal, starts it as a child process on its embedded defaults (SQLite in a
// temporary data folder), and measures pages with autocannon against a ceiling: a static file of the same
// size served by the same server. It prints numbers; it asserts nothing about performance.
//
//   npm run bench -- --runs 5 --duration 10 --connections 50 --warmup 2 --only home
//
// To add a page, add one line to TARGETS. A target can carry headers, or compute them once the server is up
// (for example a signed-in session cookie): `headers: async (ctx) => ({ cookie: await signIn(ctx) })`.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

export interface BenchContext {
  baseUrl: string;
  dataDir: string;
}

export interface Target {
  name: string;
  path: string;
  /** The status every response must have (default 200); anything else is counted as an error. */
  expectStatus?: number;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string> | ((ctx: BenchContext) => Promise<Record<string, string>>);
}

// One line per page. The ceiling is added by the script itself.
const TARGETS: Target[] = [
  { name: 'home (en)', path: '/' },
  { name: 'home (cy)', path: '/?lng=cy' },
  { name: 'login (en)', path: '/login' },
  { name: 'register (cy)', path: '/register?lng=cy' },
  { name: '404 page', path: '/no-such-page', expectStatus: 404 },
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '2' },
    only: { type: 'string' },
  },
});
const RUNS = positiveInt('runs', args.runs);
const DURATION = positiveInt('duration', args.duration);
const CONNECTIONS = positiveInt('connections', args.connections);
const WARMUP = Number(args.warmup);

function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number above 0`);
  return n;
}

interface RunResult {
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Responses with another status than expected, plus connection errors and timeouts. */
  bad: number;
  badDetail: string[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function rssOf(pid: number): string {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s*(\d+)\s*kB/m);
    return line ? `${(Number(line[1]) / 1024).toFixed(1)} MB` : 'unknown';
  } catch {
    return 'unknown (no /proc)';
  }
}

async function waitForReady(baseUrl: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the portal exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the portal was not ready within ${timeoutMs / 1000}s`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function measure(baseUrl: string, target: Target, headers: Record<string, string>, seconds: number): Promise<RunResult> {
  const result = await autocannon({
    url: baseUrl + target.path,
    method: target.method ?? 'GET',
    body: target.body,
    headers,
    connections: CONNECTIONS,
    duration: seconds,
  });
  const expect = target.expectStatus ?? 200;
  const stats = (result.statusCodeStats ?? {}) as Record<string, { count?: number }>;
  const badDetail: string[] = [];
  let bad = result.errors + result.timeouts;
  for (const [code, { count = 0 }] of Object.entries(stats)) {
    if (Number(code) !== expect) {
      bad += count;
      badDetail.push(`${count}×${code}`);
    }
  }
  if (result.errors) badDetail.push(`${result.errors} connection errors`);
  if (result.timeouts) badDetail.push(`${result.timeouts} timeouts`);
  return { reqPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, bad, badDetail };
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

async function main() {
  const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'ensure-built.mjs')], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0 || !existsSync(path.join(root, 'dist', 'src', 'main.js'))) throw new Error('the build failed');

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-bench-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // Embedded defaults: none of this shell's portal settings leak in, only what a bare machine would have.
  const child = spawn(process.execPath, [path.join(root, 'dist', 'src', 'main.js')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dataDir, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => process.stderr.write(`[portal] ${d}`));
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[portal] ${d}`));

  let ceilingPlace: Awaited<ReturnType<typeof placeCeiling>> | undefined;
  const cleanup = async () => {
    await stopChild(child);
    if (ceilingPlace) rmSync(ceilingPlace.dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };
  const onSignal = () => {
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await waitForReady(baseUrl, child);
    const pid = child.pid as number;
    const rssIdle = rssOf(pid);
    const ctx: BenchContext = { baseUrl, dataDir };

    const home = await fetch(`${baseUrl}/`);
    const homeBody = Buffer.from(await home.arrayBuffer());
    if (home.status !== 200) throw new Error(`GET / answered ${home.status}`);
    ceilingPlace = await placeCeiling(baseUrl, homeBody);
    if (ceilingPlace.note) console.log(`note: ${ceilingPlace.note}`);

    const ceiling: Target = { name: 'ceiling (static)', path: ceilingPlace.path };
    const chosen = TARGETS.filter((t) => !args.only || t.name.includes(args.only) || t.path.includes(args.only));
    const all = [ceiling, ...chosen];
    const headers = new Map<Target, Record<string, string>>();
    for (const t of all) {
      const h = typeof t.headers === 'function' ? await t.headers(ctx) : (t.headers ?? {});
      headers.set(t, h);
      const res = await fetch(baseUrl + t.path, { method: t.method ?? 'GET', body: t.body, headers: h });
      await res.arrayBuffer();
      if (res.status !== (t.expectStatus ?? 200)) throw new Error(`${t.name}: GET ${t.path} answered ${res.status}, expected ${t.expectStatus ?? 200}`);
    }

    console.log(
      `portal pid ${pid} on ${baseUrl} (node ${process.version}, ${os.cpus().length} CPUs); home page ${homeBody.length} bytes; ` +
        `${CONNECTIONS} connections, ${WARMUP}s warm-up, ${RUNS} runs × ${DURATION}s per target`,
    );
    if (WARMUP > 0) for (const t of all) await measure(baseUrl, t, headers.get(t) ?? {}, WARMUP);

    const results = new Map<Target, RunResult[]>(all.map((t) => [t, []]));
    // Round-robin, so drift (heat, other load, a growing database) touches every target alike.
    for (let run = 1; run <= RUNS; run++) {
      for (const t of all) {
        const r = await measure(baseUrl, t, headers.get(t) ?? {}, DURATION);
        results.get(t)?.push(r);
        console.error(`  run ${run}/${RUNS} ${t.name}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.bad ? `, ${r.bad} errors` : ''}`);
      }
    }
    const rssAfter = rssOf(pid);

    const ceilingRps = median((results.get(ceiling) ?? []).map((r) => r.reqPerSec));
    console.log('');
    printTable(
      all.map((t) => ({ name: t.name, path: t.path, runs: results.get(t) ?? [] })),
      ceilingRps,
    );
    console.log('');
    console.log(`server resident memory (VmRSS): ${rssIdle} when ready, ${rssAfter} after the load`);
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
