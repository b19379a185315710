import { randomUUID } from 'node:crypto';
import path from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { type Db, migrateToLatest, openDatabase } from './db/database.js';
import auth from './features/account/auth.js';
import accountRoutes from './features/account/routes.js';
import { AccountService } from './features/account/service.js';
import settingsRoutes from './features/account/settings-routes.js';
import adminRoutes from './features/admin/routes.js';
import devMailboxRoutes from './features/dev-mailbox/routes.js';
import publicRoutes from './features/public/routes.js';
import adviceFamilyRoutes from './features/advice/family-routes.js';
import professionalRoutes from './features/advice/professional-routes.js';
import { AdviceService } from './features/advice/service.js';
import adviceStaffRoutes from './features/advice/staff-routes.js';
import familyCaseRoutes from './features/cases/family-routes.js';
import { planFamilyRoutes, planStaffRoutes } from './features/plans/routes.js';
import { PlanService } from './features/plans/service.js';
import { CaseService } from './features/cases/service.js';
import staffRoutes from './features/cases/staff-routes.js';
import sendRoutes from './features/send/routes.js';
import { SendService } from './features/send/service.js';
import csrf from './platform/csrf.js';
import errors from './platform/errors.js';
import { LocalFileStore } from './platform/files.js';
import health from './platform/health.js';
import { createI18n } from './platform/i18n.js';
import language from './platform/language.js';
import { Mailer } from './platform/mail/outbox.js';
import { type MailTransport, transportFromConfig } from './platform/mail/transports.js';
import { OutboxWorker, type WorkerOptions } from './platform/mail/worker.js';
import { govukDir, projectRoot } from './platform/paths.js';
import { redactUrl } from './platform/redact.js';
import { MAX_UPLOAD_BYTES } from './platform/uploads.js';
import securityHeaders from './platform/security-headers.js';
import session, { DbSessionStore, RedisSessionStore, type SessionStore } from './platform/session.js';
import views, { createViewEnvironment } from './platform/views.js';
import './platform/types.js';

export interface AppDeps {
  db?: Db;
  /** Replace the configured mail transport (tests use a real SMTP sink through this or through SMTP_URL). */
  mailTransport?: MailTransport;
  worker?: Partial<Pick<WorkerOptions, 'pollIntervalMs' | 'baseDelayMs' | 'maxDelayMs' | 'maxAttempts'>>;
  /** Start the in-process outbox worker (default: as configured). */
  runWorker?: boolean;
  logger?: FastifyServerOptions['logger'];
  /** The clock for expiry rules (links, codes, lockouts, sessions); tests move it. */
  now?: () => Date;
  /** Extra plugins registered after the features (tests add routes that fail on purpose). */
  plugins?: FastifyPluginAsync[];
}

declare module 'fastify' {
  interface FastifyInstance {
    mailWorker: OutboxWorker | null;
    accounts: AccountService;
    send: SendService;
    cases: CaseService;
    advice: AdviceService;
    plans: PlanService;
    now: () => Date;
  }
}

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'res.headers["set-cookie"]',
        '*.password',
        '*.newPassword',
        '*.confirmPassword',
        '*.currentPassword',
        '*.code',
        '*.token',
        '*._csrf',
        'body',
      ],
      censor: '[REDACTED]',
    },
    serializers: {
      req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
    },
  };
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? loggerOptions(config),
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  });

  const db = deps.db ?? openDatabase(config.databaseUrl);
  await migrateToLatest(db);
  const i18n = await createI18n();
  const viewEnv = createViewEnvironment(config);
  const mailer = new Mailer(viewEnv, i18n, config);
  const redis = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 }) : undefined;
  const sessionStore: SessionStore = redis ? new RedisSessionStore(redis) : new DbSessionStore(db);
  const secure = config.env === 'production';
  const now = deps.now ?? (() => new Date());
  const files = new LocalFileStore(path.join(config.dataDir, 'files'));
  const send = new SendService({ db, mailer, files, config, now });
  const cases = new CaseService({ db, mailer, files, config, now });
  const advice = new AdviceService({ db, mailer, files, cases, config, now });
  const plans = new PlanService({ db, mailer, cases, config, now });
  const accounts = new AccountService({ db, mailer, config, sessions: sessionStore, now, hasOpenCase: (userId) => send.hasOpenCase(userId) });

  app.decorate('config', config);
  app.decorate('db', db);
  app.decorate('mailer', mailer);
  app.decorate('accounts', accounts);
  app.decorate('send', send);
  app.decorate('cases', cases);
  app.decorate('advice', advice);
  app.decorate('plans', plans);
  app.decorate('now', now);

  await app.register(cookie);
  await app.register(formbody);
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, parts: 11 } });
  await app.register(fastifyStatic, {
    root: [path.join(govukDir, 'govuk', 'assets'), path.join(govukDir, 'govuk')],
    prefix: '/assets/',
    allowedPath: (p) => /\.(css|js|mjs|woff2?|png|ico|svg|json)$/.test(p) && !p.includes('..'),
    maxAge: '1d',
    index: false,
  });
  await app.register(fastifyStatic, {
    root: path.join(projectRoot, 'public'),
    prefix: '/static/',
    decorateReply: false,
    maxAge: '1h',
    index: false,
  });
  await app.register(rateLimit, {
    global: true,
    // Without Redis each process counts on its own, and connections are shared out in turn, so each takes its part.
    max: redis ? config.rateLimitPostsPerMinute : Math.ceil(config.rateLimitPostsPerMinute / config.webConcurrency),
    timeWindow: '1 minute',
    // DESIGN §5: a per-IP limit on every POST; reading pages is not limited.
    allowList: (request) => request.method !== 'POST',
    ...(redis ? { redis, nameSpace: 'portal-rl:' } : {}),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `Rate limit exceeded, retry in ${context.after}`,
    }),
  });
  await app.register(language, { i18n, secure });
  await app.register(securityHeaders);
  await app.register(session, { store: sessionStore, secure, now: () => now().getTime() });
  await app.register(views, { env: viewEnv });
  await app.register(errors);
  await app.register(csrf, { secret: config.sessionSecret, secure });
  app.decorateRequest('user', null);
  await app.register(auth, { accounts });

  await app.register(health);
  await app.register(publicRoutes);
  await app.register(accountRoutes, { accounts });
  await app.register(settingsRoutes, { accounts });
  await app.register(sendRoutes, { send });
  await app.register(familyCaseRoutes, { cases, send });
  await app.register(staffRoutes, { cases, send, advice });
  await app.register(adviceStaffRoutes, { advice, cases });
  await app.register(adviceFamilyRoutes, { advice, cases });
  await app.register(professionalRoutes, { advice, accounts });
  await app.register(planStaffRoutes, { plans, cases });
  await app.register(planFamilyRoutes, { plans, cases });
  await app.register(adminRoutes, { accounts });
  if (config.env !== 'production') await app.register(devMailboxRoutes);
  for (const plugin of deps.plugins ?? []) await app.register(plugin);

  const runWorker = deps.runWorker ?? config.mail.inProcessWorker;
  const worker = runWorker
    ? new OutboxWorker({
        db,
        transport: deps.mailTransport ?? transportFromConfig(config, app.log),
        log: app.log,
        pollIntervalMs: config.mail.pollIntervalMs,
        ...deps.worker,
      })
    : null;
  app.decorate('mailWorker', worker);
  if (worker) {
    const unsubscribe = mailer.onEnqueue(() => worker.poke());
    // Housekeeping that runs where the outbox worker runs: reminders about drafts left for 28 days and advice due.
    const hourly = async () => {
      await send.remindStaleDrafts().catch((err) => app.log.error({ err }, 'draft reminders failed'));
      await advice.sendReminders().catch((err) => app.log.error({ err }, 'advice reminders failed'));
      await plans.remindReviews().catch((err) => app.log.error({ err }, 'review reminders failed'));
    };
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      worker.start();
      void hourly();
      timer = setInterval(hourly, 60 * 60 * 1000).unref();
    });
    app.addHook('onClose', async () => {
      clearInterval(timer);
      unsubscribe();
      await worker.stop();
    });
  }
  // Requests still being answered when shutdown starts finish before the database closes.
  let inFlight = 0;
  app.addHook('onRequest', async () => {
    inFlight++;
  });
  app.addHook('onResponse', async () => {
    inFlight--;
  });
  app.addHook('onClose', async () => {
    for (let waited = 0; inFlight > 0 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    await redis?.quit().catch(() => undefined);
    if (!deps.db) await db.destroy();
  });
  return app;
}
