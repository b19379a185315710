import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { type AppDeps, buildApp } from '../../../src/app.js';
import type { Config } from '../../../src/config.js';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/databases.js';

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH may point elsewhere. A browser is never downloaded. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const browserAvailable = existsSync(CHROMIUM_PATH);

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The WCAG 2.2 AA rule set the portal is held to. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** axe-core's result type, through @axe-core/playwright (axe-core itself is not a direct dependency). */
export type AxeViolation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

export interface RunningApp {
  app: FastifyInstance;
  config: Config;
  database: TestDatabase;
  /** e.g. http://127.0.0.1:41234, no trailing slash. */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * The real app on a fresh temporary SQLite database, listening on a free port on 127.0.0.1.
 * The in-process mail worker is off unless asked for (emails stay in the outbox, visible in /dev/mailbox).
 */
export async function startApp(options: { env?: Record<string, string>; deps?: AppDeps } = {}): Promise<RunningApp> {
  const database = await createTestDatabase('sqlite');
  try {
    const config = testConfig(database.dataDir, { DATABASE_URL: database.url, ...options.env });
    const app = await buildApp(config, { db: database.db, runWorker: false, ...options.deps });
    const baseUrl = (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
    // The port is only known now: links the app writes (emails) should point at this server.
    if (!options.env?.BASE_URL) config.baseUrl = baseUrl;
    return {
      app,
      config,
      database,
      baseUrl,
      close: async () => {
        await app.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop().catch(() => undefined);
    throw error;
  }
}

/** Launches Debian's Chromium headless. Throws with a clear message when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!browserAvailable) {
    throw new Error(`Chromium is required but not installed at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * `describe` for a browser suite. Without Chromium the suite is skipped with a loud notice, unless
 * REQUIRE_BROWSER=1 (as in CI), when it fails instead. Mirrors describeEachDatabase for PostgreSQL.
 */
export function describeWithBrowser(name: string, fn: () => void): void {
  if (browserAvailable) {
    describe(name, fn);
  } else if (process.env.REQUIRE_BROWSER === '1') {
    // A failing test (not a throw inside describe, which Node 20 does not count as a failure).
    describe(name, () => {
      test('Chromium is installed', () => {
        throw new Error(`Chromium is required (REQUIRE_BROWSER=1) but not installed at ${CHROMIUM_PATH}: apt-get install -y chromium`);
      });
    });
  } else {
    console.warn(`\n*** SKIPPED: browser suite "${name}": no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium) ***\n`);
    describe(name, { skip: `Chromium not installed at ${CHROMIUM_PATH}` }, () => undefined);
  }
}

export interface BrowserHarness {
  /** Set once the suite's `before` hook has run. */
  readonly app: RunningApp;
  readonly browser: Browser;
  readonly baseUrl: string;
  /** A fresh browser context (its own cookies), closed with the suite. British English unless told otherwise. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** A page in a fresh context, watched for the problems listed by `problems(page)`. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  /** Watches another page (say a second tab of a context) for the problems listed by `problems(page)`. */
  watch(page: Page): Page;
  /**
   * Problems seen on a page from newPage(): console errors (CSP violations show up here), uncaught
   * exceptions, and sub-resources (styles, scripts, images) that failed or answered 4xx/5xx.
   */
  problems(page: Page): string[];
}

export type StartOptions = { env?: Record<string, string>; deps?: AppDeps };

/**
 * Starts the app and Chromium for the enclosing suite (`before`) and stops both afterwards (`after`).
 * Call inside describeWithBrowser(). The options may be a function, called in the `before` hook: for values
 * only known once an earlier hook has run (an SMTP sink's port).
 */
export function useBrowser(options: StartOptions | (() => StartOptions) = {}): BrowserHarness {
  let running: RunningApp | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageProblems = new WeakMap<Page, string[]>();

  before(async () => {
    running = await startApp(typeof options === 'function' ? options() : options);
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await running?.close();
  });

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started: use the harness inside a test`);
    return value;
  };

  const harness: BrowserHarness = {
    get app() {
      return need(running, 'The app');
    },
    get browser() {
      return need(browser, 'The browser');
    },
    get baseUrl() {
      return need(running, 'The app').baseUrl;
    },
    async newContext(contextOptions = {}) {
      const context = await harness.browser.newContext({ locale: 'en-GB', baseURL: harness.baseUrl, ...contextOptions });
      contexts.push(context);
      return context;
    },
    async newPage(contextOptions = {}) {
      return harness.watch(await (await harness.newContext(contextOptions)).newPage());
    },
    watch(page) {
      if (pageProblems.has(page)) return page;
      const seen: string[] = [];
      pageProblems.set(page, seen);
      page.on('pageerror', (error) => seen.push(`uncaught: ${error.message}`));
      page.on('console', (message) => {
        // A failed load is reported below for sub-resources; a page's own 404 or 403 is the test's to judge.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
          seen.push(`console: ${message.text()} (${message.location().url})`);
        }
      });
      page.on('response', (response) => {
        if (response.status() >= 400 && response.request().resourceType() !== 'document') {
          seen.push(`HTTP ${response.status()}: ${response.url()}`);
        }
      });
      page.on('requestfailed', (request) => {
        const error = request.failure()?.errorText ?? '?';
        // A load cut short by the page navigating away is not a fault of the page.
        if (error !== 'net::ERR_ABORTED') seen.push(`failed: ${request.url()} (${error})`);
      });
      return page;
    },
    problems(page) {
      return pageProblems.get(page) ?? [];
    },
  };
  return harness;
}

/** axe-core's WCAG 2.2 AA violations on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  return (await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze()).violations;
}

/** Each violation's id, impact, help text and its first few target selectors. */
export function formatViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => {
      const targets = v.nodes
        .slice(0, 3)
        .map((n) => `      ${n.target.map(String).join(' ')}`)
        .join('\n');
      const more = v.nodes.length > 3 ? `\n      … and ${v.nodes.length - 3} more` : '';
      return `  - ${v.id} [${v.impact ?? 'n/a'}]: ${v.help} (${v.helpUrl})\n${targets}${more}`;
    })
    .join('\n');
}

/** Runs axe-core on the page (WCAG 2.2 AA tags) and fails the test on any violation, printing them. */
export async function checkAxe(page: Page, label: string): Promise<void> {
  const violations = await axeViolations(page);
  if (!violations.length) return;
  const message = `axe: ${violations.length} accessibility violation(s) on ${label} (${page.url()}):\n${formatViolations(violations)}`;
  console.error(message);
  assert.fail(message);
}
