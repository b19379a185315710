import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from './platform/paths.js';

/** Typed configuration. Every default below is the embedded mode: one machine, nothing else installed. */
export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  baseUrl: string;
  dataDir: string;
  databaseUrl: string;
  redisUrl: string | undefined;
  councilName: string;
  senTeamPhone: string;
  senTeamEmail: string;
  sessionSecret: string;
  mail: {
    transport: 'console' | 'smtp' | 'notify';
    from: string;
    smtpUrl: string | undefined;
    notifyApiKey: string | undefined;
    notifyTemplateId: string | undefined;
    /** Run the outbox worker inside the web process (embedded mode). */
    inProcessWorker: boolean;
    pollIntervalMs: number;
  };
  rateLimitPostsPerMinute: number;
  /** Processes serving requests on this machine (WEB_CONCURRENCY; `auto`: one per CPU core). */
  webConcurrency: number;
  logLevel: string;
  trustProxy: boolean;
}

export class ConfigError extends Error {}

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATA_DIR: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:|file:)/, 'must start with postgres://, postgresql://, sqlite: or file:')
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  COUNCIL_NAME: z.string().trim().min(1).default('Stockton-on-Tees Borough Council'),
  SEN_TEAM_PHONE: z.string().trim().min(1).default('01642 527145'),
  SEN_TEAM_EMAIL: z.email().default('sen.team@example.gov.uk'),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  MAIL_TRANSPORT: z.enum(['console', 'smtp', 'notify']).default('console'),
  MAIL_FROM: z.string().min(3).default('Citizen Portal <no-reply@example.gov.uk>'),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
  NOTIFY_API_KEY: z.string().min(10).optional(),
  NOTIFY_TEMPLATE_ID: z.uuid().optional(),
  MAIL_WORKER: z.enum(['in-process', 'separate']).default('in-process'),
  MAIL_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  RATE_LIMIT_POSTS_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  WEB_CONCURRENCY: z
    .union([z.literal('auto'), z.coerce.number().int().min(1).max(64)], { error: 'must be a whole number from 1 to 64, or auto' })
    .default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: bool.default(false),
});

/** Reads and validates the environment. A bad value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings are treated as unset, as a shell `FOO=` usually means.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(`Invalid configuration: ${name} ${issue?.message ?? 'is not valid'}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const dataDir = path.resolve(projectRoot, e.DATA_DIR ?? 'data');

  if (e.MAIL_TRANSPORT === 'smtp' && !e.SMTP_URL) {
    throw new ConfigError('Invalid configuration: SMTP_URL is required when MAIL_TRANSPORT=smtp');
  }
  if (e.MAIL_TRANSPORT === 'notify' && !(e.NOTIFY_API_KEY && e.NOTIFY_TEMPLATE_ID)) {
    throw new ConfigError(
      'Invalid configuration: NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID are required when MAIL_TRANSPORT=notify',
    );
  }
  if (production && !e.SESSION_SECRET) {
    throw new ConfigError('Invalid configuration: SESSION_SECRET is required when NODE_ENV=production');
  }
  if (production && !e.BASE_URL) {
    throw new ConfigError('Invalid configuration: BASE_URL is required when NODE_ENV=production');
  }

  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    baseUrl: (e.BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    dataDir,
    databaseUrl: e.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'portal.sqlite')}`,
    redisUrl: e.REDIS_URL,
    councilName: e.COUNCIL_NAME,
    senTeamPhone: e.SEN_TEAM_PHONE,
    senTeamEmail: e.SEN_TEAM_EMAIL,
    sessionSecret: e.SESSION_SECRET ?? embeddedSecret(dataDir),
    mail: {
      transport: e.MAIL_TRANSPORT,
      from: e.MAIL_FROM,
      smtpUrl: e.SMTP_URL,
      notifyApiKey: e.NOTIFY_API_KEY,
      notifyTemplateId: e.NOTIFY_TEMPLATE_ID,
      inProcessWorker: e.MAIL_WORKER === 'in-process',
      pollIntervalMs: e.MAIL_POLL_INTERVAL_MS,
    },
    rateLimitPostsPerMinute: e.RATE_LIMIT_POSTS_PER_MINUTE,
    webConcurrency: e.WEB_CONCURRENCY === 'auto' ? os.availableParallelism() : e.WEB_CONCURRENCY,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
  };
}

/** In embedded mode the secret is generated once and kept beside the database, so sessions survive restarts. */
function embeddedSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
