import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppDeps } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  database: TestDatabase;
  close(): Promise<void>;
}

export function testConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_POSTS_PER_MINUTE: '10000',
    BASE_URL: 'http://localhost:3000',
    ...env,
  });
}

/** The real app on a fresh database. The outbox worker is off unless asked for: tests read the outbox. */
export async function createTestApp(
  kind: 'sqlite' | 'postgres' = 'sqlite',
  options: { env?: Record<string, string>; deps?: AppDeps } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(kind);
  const config = testConfig(database.dataDir, { DATABASE_URL: database.url, ...options.env });
  const app = await buildApp(config, { db: database.db, runWorker: false, ...options.deps });
  await app.ready();
  return {
    app,
    config,
    database,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/** Pulls the CSRF token out of a rendered form, as a browser would submit it. */
export function csrfFrom(html: string): string {
  const m = html.match(/name="_csrf" value="([^"]+)"/);
  if (!m?.[1]) throw new Error('No CSRF token in the page');
  return m[1];
}

/** A browser-like client over app.inject(): keeps cookies and sends the page's CSRF token with forms. */
export class Client {
  cookies = new Map<string, string>();
  lastHtml = '';

  constructor(
    private app: FastifyInstance,
    private headers: Record<string, string> = {},
    /** The client's IP address as the server sees it (default 127.0.0.1). */
    private remoteAddress?: string,
  ) {}

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: LightMyRequestResponse) {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now());
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    if (String(res.headers['content-type'] ?? '').startsWith('text/html')) this.lastHtml = res.body;
    return res;
  }

  async get(url: string, headers: Record<string, string> = {}) {
    return this.keep(await this.app.inject({ method: 'GET', url, remoteAddress: this.remoteAddress, headers: { ...this.headers, cookie: this.cookieHeader(), ...headers } }));
  }

  /** Posts a form. The CSRF token comes from the last page this client loaded, unless the form gives one. */
  async post(url: string, form: Record<string, string | string[]> = {}, headers: Record<string, string> = {}) {
    const body = new URLSearchParams();
    if (!('_csrf' in form) && this.lastHtml.includes('name="_csrf"')) body.append('_csrf', csrfFrom(this.lastHtml));
    for (const [k, v] of Object.entries(form)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        remoteAddress: this.remoteAddress,
        payload: body.toString(),
        headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), ...headers },
      }),
    );
  }
}

/** The text of an HTML page without tags, for asserting what a person would read. */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
