import cluster from 'node:cluster';
import { type Config, ConfigError, loadConfig } from './config.js';
import { migrateToLatest, openDatabase } from './db/database.js';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/** One process serving requests: the only one, or one of WEB_CONCURRENCY. */
async function serve(config: Config, processNumber: number) {
  // Loaded here, not at the top: the supervisor of several processes never serves a page and stays small.
  const { buildApp } = await import('./app.js');
  // With several processes, the outbox worker and the hourly reminders run in the first one only.
  const app = await buildApp(config, processNumber === 0 ? {} : { runWorker: false });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    // Stop taking requests, finish those in flight, stop the worker, close the database.
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ port: config.port, host: config.host });
  if (processNumber === 0) app.log.info(`Citizen Portal ready at ${config.baseUrl}`);
}

/**
 * WEB_CONCURRENCY > 1: this process migrates the database once, then starts that many processes that share the
 * port (node:cluster hands connections out in turn), starts a new one if one dies, and passes SIGTERM on.
 */
async function supervise(config: Config) {
  const db = openDatabase(config.databaseUrl);
  await migrateToLatest(db);
  await db.destroy();

  let stopping = false;
  const start = (processNumber: number) => {
    const child = cluster.fork({ PORTAL_PROCESS_NUMBER: String(processNumber) });
    const startedAt = Date.now();
    child.on('exit', (code, signal) => {
      if (stopping) return;
      console.error(`portal process ${processNumber} stopped (${signal ?? `exit code ${code}`}); starting another`);
      // One that dies at once (a bad configuration, the port taken) is not restarted in a tight loop.
      setTimeout(() => start(processNumber), Date.now() - startedAt < 5_000 ? 5_000 : 0);
    });
  };
  for (let n = 0; n < config.webConcurrency; n++) start(n);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const running = () => Object.keys(cluster.workers ?? {}).length;
    cluster.on('exit', () => {
      if (running() === 0) process.exit(0);
    });
    for (const child of Object.values(cluster.workers ?? {})) child?.process.kill(signal);
    if (running() === 0) process.exit(0);
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main() {
  const config = readConfig();
  if (cluster.isPrimary && config.webConcurrency > 1) return supervise(config);
  return serve(config, Number(process.env.PORTAL_PROCESS_NUMBER ?? 0));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
