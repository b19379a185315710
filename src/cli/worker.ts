import { commandApp } from './context.js';

/** A separate outbox worker process (run web processes with MAIL_WORKER=separate). Stops cleanly on SIGTERM. */
async function main() {
  const app = await commandApp({ runWorker: true });
  console.log('Outbox worker running.');
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
