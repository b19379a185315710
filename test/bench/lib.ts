// What `npm run bench` and `npm run bench:scale` share: building, starting and stopping the portal as a child
// process, seeding it, signing someone in over HTTP (password, then the emailed two-step code), and measuring.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Db } from '../../src/db/database.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** The nearest-rank percentile (p in 0–100). */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

/** Builds dist/ when it is missing or stale (as `npm start` does). */
export function ensureBuilt(): void {
  const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'ensure-built.mjs')], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0 || !existsSync(path.join(root, 'dist', 'src', 'main.js'))) throw new Error('the build failed');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A process and the processes it started (WEB_CONCURRENCY > 1), from /proc; just the process without /proc. */
function withChildren(pid: number): number[] {
  try {
    const children = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((name) => {
        try {
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(pid);
        } catch {
          return false;
        }
      })
      .map(Number);
    return [pid, ...children];
  } catch {
    return [pid];
  }
}

/** Resident memory of a process and its children in MB, or undefined without /proc. */
export function rssMb(pid: number): number | undefined {
  try {
    let kb = 0;
    for (const p of withChildren(pid)) kb += Number(readFileSync(`/proc/${p}/status`, 'utf8').match(/^VmRSS:\s*(\d+)\s*kB/m)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return undefined;
  }
}

export function rssOf(pid: number): string {
  const mb = rssMb(pid);
  return mb === undefined ? 'unknown (no /proc)' : `${mb.toFixed(1)} MB`;
}

/** CPU seconds a process and its children have used (user + system), or undefined without /proc. */
function cpuSeconds(pid: number): number | undefined {
  try {
    let total = 0;
    for (const p of withChildren(pid)) {
      // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are 14th and 15th.
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
    }
    return total;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the process has used less than 10% of a CPU for 2 seconds running: the portal does its
 * housekeeping (reminders, the outbox) as it starts, and a measurement should not include that.
 * Returns the seconds waited.
 */
export async function waitForIdle(pid: number, maxSeconds = 600): Promise<number> {
  const started = Date.now();
  let quiet = 0;
  const first = cpuSeconds(pid);
  if (first === undefined) return 0;
  let last: number = first;
  while (quiet < 2 && Date.now() - started < maxSeconds * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const used: number = cpuSeconds(pid) ?? last;
    quiet = used - last < 0.1 ? quiet + 1 : 0;
    last = used;
  }
  return (Date.now() - started) / 1000;
}

/** The environment of a bare machine plus the given settings: none of this shell's portal settings leak in. */
export function bareEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...extra };
}

export interface Portal {
  child: ChildProcess;
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts dist/src/main.js on a free port with this environment and waits until /readyz answers. */
export async function startPortal(env: Record<string, string>): Promise<Portal> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(root, 'dist', 'src', 'main.js')], {
    cwd: root,
    env: bareEnv({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => process.stderr.write(`[portal] ${d}`));
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[portal] ${d}`));
  const portal = { child, baseUrl, pid: child.pid as number, stop: () => stopChild(child) };
  try {
    await waitForReady(baseUrl, child);
  } catch (err) {
    await portal.stop();
    throw err;
  }
  return portal;
}

async function waitForReady(baseUrl: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
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

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Runs the built `seed-demo` command against the database in `env`; returns its output and how long it took. */
export async function seed(env: Record<string, string>, args: string[]): Promise<{ seconds: number; output: string }> {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(root, 'dist', 'src', 'cli', 'seed-demo.js'), ...args], { cwd: root, env: bareEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d;
    process.stderr.write(`[seed] ${d}`);
  });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[seed] ${d}`));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  if (code !== 0) throw new Error(`seed-demo exited with code ${code}`);
  return { seconds: (Date.now() - started) / 1000, output };
}

// ---- Signing in over HTTP -------------------------------------------------------------------------------

/** A cookie jar for fetch: keeps what Set-Cookie gives, drops what it clears. */
class Jar {
  private cookies = new Map<string, string>();
  keep(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (!value || /max-age=0/i.test(line) || /expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function csrfIn(html: string): string {
  const m = html.match(/name="_csrf" value="([^"]+)"/);
  if (!m?.[1]) throw new Error('no CSRF token in the page');
  return m[1];
}

/**
 * Signs in as a person would: GET /login for the form's CSRF token, POST /login with the password, then the
 * six-digit code from the email in the outbox, POST /login/code. Returns the Cookie header of the signed-in session.
 * The account's two-step method is set to email first, so the code step is always taken.
 */
export async function signInWithEmailCode(baseUrl: string, db: Db, email: string, password: string): Promise<string> {
  await db.updateTable('users').set({ two_step_method: 'email' }).where('email', '=', email).execute();
  const jar = new Jar();
  const get = async (p: string) => {
    const res = await fetch(baseUrl + p, { headers: { cookie: jar.header() }, redirect: 'manual' });
    jar.keep(res);
    return { status: res.status, body: await res.text(), location: res.headers.get('location') };
  };
  const post = async (p: string, form: Record<string, string>) => {
    const res = await fetch(baseUrl + p, { method: 'POST', body: new URLSearchParams(form).toString(), headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    jar.keep(res);
    await res.arrayBuffer();
    return { status: res.status, location: res.headers.get('location') };
  };
  const since = new Date(Date.now() - 1000).toISOString();
  const login = await get('/login');
  const sent = await post('/login', { _csrf: csrfIn(login.body), email, password });
  if (sent.status !== 302 || sent.location !== '/login/code') throw new Error(`sign-in of ${email}: POST /login answered ${sent.status} → ${sent.location}`);
  const codePage = await get('/login/code');
  const mail = await db
    .selectFrom('outbox')
    .select(['text_body'])
    .where('to_address', '=', email)
    .where('template', '=', 'twoStepCode')
    .where('created_at', '>=', since)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  const code = mail?.text_body.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error(`no security code emailed to ${email} (the portal sends only a few codes per account in a quarter of an hour: a fresh database, or wait)`);
  const done = await post('/login/code', { _csrf: csrfIn(codePage.body), code });
  if (done.status !== 302) throw new Error(`sign-in of ${email}: POST /login/code answered ${done.status}`);
  return jar.header();
}

// ---- Measuring ------------------------------------------------------------------------------------------

export interface LoadResult {
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Responses with another status than expected, plus connection errors and timeouts. */
  bad: number;
  badDetail: string[];
}

export async function load(url: string, options: { headers: Record<string, string>; connections: number; seconds: number; expectStatus?: number; method?: 'GET' | 'POST'; body?: string }): Promise<LoadResult> {
  const result = await autocannon({ url, method: options.method ?? 'GET', body: options.body, headers: options.headers, connections: options.connections, duration: options.seconds });
  const expect = options.expectStatus ?? 200;
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

/** One request at a time: the latency a single person sees, in ms (median and p99 of `count` requests). */
export async function sequential(url: string, headers: Record<string, string>, count: number, expectStatus = 200): Promise<{ median: number; p99: number; max: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers, redirect: 'manual' });
    const body = await res.arrayBuffer();
    times.push(performance.now() - t0);
    bytes = body.byteLength;
    if (res.status !== expectStatus) throw new Error(`GET ${url} answered ${res.status}, expected ${expectStatus}`);
  }
  return { median: median(times), p99: percentile(times, 99), max: Math.max(...times), bytes };
}
