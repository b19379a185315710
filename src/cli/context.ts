import { buildApp } from '../app.js';
import { ConfigError, loadConfig } from '../config.js';

/** The app, fully configured but not listening: commands use its services so rules are the same as on the web. */
export async function commandApp(options: { runWorker?: boolean } = {}) {
  try {
    const config = loadConfig();
    const app = await buildApp(config, { runWorker: options.runWorker ?? false, logger: { level: config.logLevel === 'info' ? 'warn' : config.logLevel } });
    await app.ready();
    return app;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
