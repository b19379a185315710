import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loggerOptions } from '../app.js';
import { Client, createTestApp, type TestApp, testConfig, textOf } from '../../test/support/app.js';
import { localesDir } from './paths.js';

/** Routes that fail on purpose, to see what a person is shown. */
async function failingRoutes(app: FastifyInstance) {
  app.get('/test/boom', async () => {
    throw new Error('secret internal detail at /srv/app/src/x.ts:42');
  });
  app.get('/test/db-down', async () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  });
}

describe('error pages', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite', { deps: { plugins: [failingRoutes] } });
  });
  after(() => t.close());

  test('an unexpected failure shows the 500 page with a reference, never the error or a stack trace', async () => {
    const res = await new Client(t.app).get('/test/boom');
    assert.equal(res.statusCode, 500);
    const text = textOf(res.body);
    assert.ok(text.includes('Sorry, there is a problem with the service'));
    assert.match(text, /Reference for the support team: [0-9a-f-]{36}/);
    assert.doesNotMatch(res.body, /secret internal detail|x\.ts:42/);
  });

  test('a database that cannot be reached shows "service unavailable" (503) in Welsh too', async () => {
    const res = await new Client(t.app).get('/test/db-down?lng=cy');
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '30');
    assert.match(res.body, /<html lang="cy"/);
    assert.doesNotMatch(res.body, /ECONNREFUSED/);
  });

  test('a malformed form body gets the 400 page, not a 500', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/json' }, payload: '{not json' });
    assert.ok(res.statusCode === 400 || res.statusCode === 415 || res.statusCode === 403, `got ${res.statusCode}`);
    assert.notEqual(res.statusCode, 500);
  });

  test('/readyz answers 503 when the database has gone', async () => {
    const other = await createTestApp('sqlite');
    await other.database.db.destroy();
    const res = await other.app.inject('/readyz');
    assert.equal(res.statusCode, 503);
    await other.app.close();
  });
});

describe('rate limit on form submissions', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite', { env: { RATE_LIMIT_POSTS_PER_MINUTE: '3' } });
  });
  after(() => t.close());

  test('the 4th POST in a minute from one address gets the "too many attempts" page; pages still load', async () => {
    const c = new Client(t.app);
    await c.get('/forgotten-password');
    for (let i = 0; i < 3; i++) assert.notEqual((await c.post('/forgotten-password', { email: `x${i}@example.com` })).statusCode, 429);
    const limited = await c.post('/forgotten-password', { email: 'x@example.com' });
    assert.equal(limited.statusCode, 429);
    assert.ok(textOf(limited.body).includes('Too many attempts'));
    assert.equal((await c.get('/forgotten-password')).statusCode, 200);
    // Another address is not affected.
    const other = new Client(t.app, {}, '203.0.113.9');
    await other.get('/forgotten-password');
    const res = await other.post('/forgotten-password', { email: 'y@example.com' });
    assert.equal(res.statusCode, 200);
  });
});

describe('logs', () => {
  test('every line of a request carries its id; tokens, passwords and cookies are redacted', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-log-'));
    const config = testConfig(dir, { LOG_LEVEL: 'info' });
    const t = await createTestApp('sqlite', { deps: { logger: { ...(loggerOptions(config) as object), stream } } });
    const c = new Client(t.app);
    await c.get('/confirm-email?token=TOPSECRETTOKEN123');
    await c.get('/login');
    await c.post('/login', { email: 'someone@example.com', password: 'TOPSECRETPASSWORD' });
    await t.close();
    rmSync(dir, { recursive: true, force: true });
    const all = JSON.stringify(lines);
    assert.doesNotMatch(all, /TOPSECRETTOKEN123|TOPSECRETPASSWORD/);
    assert.doesNotMatch(all, /portal_csrf=|portal_session=/);
    const requestLines = lines.filter((l) => l.req || l.res);
    assert.ok(requestLines.length >= 6);
    for (const l of requestLines) assert.match(String(l.reqId), /^[0-9a-f-]{36}$/);
  });
});

describe('locales', () => {
  const keys = (lang: string) => {
    const out = new Map<string, unknown>();
    const walk = (o: unknown, p: string) => {
      if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) walk(v, p ? `${p}.${k}` : k);
      else out.set(p, o);
    };
    for (const f of readdirSync(path.join(localesDir, lang)).filter((f) => f.endsWith('.json'))) {
      walk(JSON.parse(readFileSync(path.join(localesDir, lang, f), 'utf8')), f.replace(/\.json$/, ''));
    }
    return out;
  };

  test('English and Welsh have the same keys, no empty values, and the same placeholders', () => {
    const en = keys('en');
    const cy = keys('cy');
    assert.deepEqual([...cy.keys()].sort(), [...en.keys()].sort());
    for (const [k, v] of [...en, ...cy]) assert.ok(typeof v === 'string' && v.trim() !== '', `empty value at ${k}`);
    for (const [k, v] of en) {
      const placeholders = (s: unknown) => [...String(s).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
      assert.deepEqual(placeholders(cy.get(k)), placeholders(v), `placeholders differ at ${k}`);
    }
  });
});

describe('graceful shutdown', () => {
  /** Runs `src/main.ts` as its own process on a free port with an empty data folder; the callback drives it. */
  async function withPortal(env: Record<string, string>, drive: (p: { port: number; pid: number; out: () => string; exited: Promise<number | null> }) => Promise<void>) {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-main-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, NODE_ENV: 'development', DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', DATABASE_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Starting through tsx can be slow on a busy machine.
      const deadline = Date.now() + 60_000;
      while (!out.includes('ready at') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await drive({ port, pid: child.pid as number, out: () => out, exited });
    } finally {
      // Never leave a server running, whatever failed above.
      if (child.exitCode === null) child.kill('SIGKILL');
      for (const pid of childrenOf(child.pid as number)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The process ids whose parent is `pid` (Linux /proc). */
  function childrenOf(pid: number): number[] {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((name) => {
        try {
          return readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(pid);
        } catch {
          return false; // ended meanwhile
        }
      })
      .map(Number);
  }

  async function until(check: () => boolean, what: string, ms = 60_000) {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test('on SIGTERM the server finishes and exits 0', async () => {
    await withPortal({}, async ({ port, pid, out, exited }) => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(res.status, 200);
      process.kill(pid, 'SIGTERM');
      assert.equal(await exited, 0);
      assert.match(out(), /shutting down/);
    });
  });

  test('WEB_CONCURRENCY=2: two processes answer on one port, one that dies is replaced, SIGTERM stops them all', async () => {
    await withPortal({ WEB_CONCURRENCY: '2' }, async ({ port, pid, out, exited }) => {
      await until(() => childrenOf(pid).length === 2, 'two portal processes');
      const first = childrenOf(pid);
      for (let i = 0; i < 20; i++) assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
      // A process that dies is replaced, and the port keeps answering meanwhile.
      process.kill(first[1] as number, 'SIGKILL');
      await until(() => childrenOf(pid).length === 2 && !childrenOf(pid).includes(first[1] as number), 'a replacement process', 30_000);
      assert.match(out(), /portal process \d stopped \(SIGKILL\); starting another/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
      const running = childrenOf(pid);
      process.kill(pid, 'SIGTERM');
      assert.equal(await exited, 0);
      for (const child of running) assert.throws(() => process.kill(child, 0), 'every portal process has stopped');
    });
  });

  test('a bad setting stops start-up with one line naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(err.trim(), /^Invalid configuration: PORT/);
    assert.equal(err.trim().split('\n').length, 1);
  });
});
