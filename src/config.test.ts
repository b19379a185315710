import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-config-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  // Only what a test gives: never the environment the test runner happens to have.
  const load = (env: Record<string, string> = {}) => loadConfig({ DATA_DIR: dataDir, ...env });

  test('embedded defaults', () => {
    const c = load();
    assert.equal(c.env, 'development');
    assert.equal(c.port, 3000);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.baseUrl, 'http://localhost:3000');
    assert.equal(c.dataDir, dataDir);
    assert.equal(c.databaseUrl, `sqlite:${path.join(dataDir, 'portal.sqlite')}`);
    assert.equal(c.redisUrl, undefined);
    assert.equal(c.councilName, 'Stockton-on-Tees Borough Council');
    assert.equal(c.senTeamPhone, '01642 527145');
    assert.equal(c.mail.transport, 'console');
    assert.equal(c.mail.inProcessWorker, true);
    assert.equal(c.rateLimitPostsPerMinute, 60);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.trustProxy, false);
  });

  test('without SESSION_SECRET a secret is generated once in the data folder and kept', () => {
    const first = load();
    assert.ok(first.sessionSecret.length >= 32);
    const file = path.join(dataDir, 'session-secret');
    assert.ok(existsSync(file));
    assert.equal(readFileSync(file, 'utf8').trim(), first.sessionSecret);
    assert.equal(load().sessionSecret, first.sessionSecret);
  });

  test('values from the environment are used; empty strings count as unset', () => {
    const c = load({
      PORT: '8080',
      BASE_URL: 'https://portal.example.gov.uk/',
      DATABASE_URL: 'postgres://u@db/portal',
      MAIL_TRANSPORT: 'smtp',
      SMTP_URL: 'smtp://relay:25',
      COUNCIL_NAME: '',
      TRUST_PROXY: '1',
    });
    assert.equal(c.port, 8080);
    assert.equal(c.baseUrl, 'https://portal.example.gov.uk');
    assert.equal(c.databaseUrl, 'postgres://u@db/portal');
    assert.equal(c.mail.transport, 'smtp');
    assert.equal(c.mail.smtpUrl, 'smtp://relay:25');
    assert.equal(c.councilName, 'Stockton-on-Tees Borough Council');
    assert.equal(c.trustProxy, true);
  });

  const bad: [string, Record<string, string>, string][] = [
    ['PORT=abc', { PORT: 'abc' }, 'PORT'],
    ['MAIL_TRANSPORT=pigeon', { MAIL_TRANSPORT: 'pigeon' }, 'MAIL_TRANSPORT'],
    ['MAIL_TRANSPORT=smtp without SMTP_URL', { MAIL_TRANSPORT: 'smtp' }, 'SMTP_URL'],
    ['NODE_ENV=production without SESSION_SECRET', { NODE_ENV: 'production', BASE_URL: 'https://portal.example.gov.uk' }, 'SESSION_SECRET'],
    ['NODE_ENV=production without BASE_URL', { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) }, 'BASE_URL'],
    ['DATABASE_URL=mysql://x', { DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    ['WEB_CONCURRENCY=0', { WEB_CONCURRENCY: '0' }, 'WEB_CONCURRENCY'],
    ['WEB_CONCURRENCY=many', { WEB_CONCURRENCY: 'many' }, 'WEB_CONCURRENCY'],
  ];

  test('WEB_CONCURRENCY: one process unless told; auto is one per CPU core', () => {
    assert.equal(load().webConcurrency, 1);
    assert.equal(load({ WEB_CONCURRENCY: '3' }).webConcurrency, 3);
    assert.equal(load({ WEB_CONCURRENCY: 'auto' }).webConcurrency, os.availableParallelism());
  });
  for (const [name, env, variable] of bad) {
    test(`${name} is refused with a ConfigError naming ${variable}`, () => {
      assert.throws(
        () => load(env),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
          assert.ok(err.message.includes(variable), `"${err.message}" does not name ${variable}`);
          return true;
        },
      );
    });
  }

  test('production with a secret and a base URL loads', () => {
    const c = load({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), BASE_URL: 'https://portal.example.gov.uk' });
    assert.equal(c.env, 'production');
    assert.equal(c.sessionSecret, 'x'.repeat(40));
  });
});
