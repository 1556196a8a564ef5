// Tracing must start before Nest, http and Prisma are loaded.
import './tracing/register';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { createApp } from './app.factory';
import type { AppConfig } from './config/config.schema';
import { loadConfigOrExit } from './config/load-config-or-exit';
import { startErrorTracking, stopErrorTracking } from './error-tracking/error-tracking';
import { shutDownGracefully } from './lifecycle/graceful-shutdown';
import { createLogger } from './logging/logger';
import { stopTracing } from './tracing/tracing';

const SHUTDOWN_TIMEOUT_MS = 30_000;

function exitOnSignals(app: NestFastifyApplication, config: AppConfig, logger: Logger) {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signal received');
    setTimeout(() => {
      logger.error('shutdown timed out, exiting');
      process.exit(1);
    }, config.SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS).unref();
    shutDownGracefully(app, config.SHUTDOWN_DELAY_MS, logger)
      .then(stopTracing)
      .then(() => stopErrorTracking())
      .then(() => {
        logger.flush();
        process.exit(0);
      })
      .catch((error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config);
  startErrorTracking(config, logger);
  const app = await createApp(config, logger);
  exitOnSignals(app, config, logger);
  await app.listen({ port: config.PORT, host: config.HOST });
  logger.info({ port: config.PORT }, 'KryptoVault API listening');
}

// `node dist/main.js --worker=<name> [--watch]` runs a worker instead of the API (SPEC §4).
const workerFlag = process.argv.slice(2).find((a) => a.startsWith('--worker='));
const run = workerFlag
  ? import('./workers/run-worker').then((w) => w.runWorker(workerFlag.slice('--worker='.length), process.argv.slice(2)))
  : main();

run.catch((error) => {
  process.stderr.write(`fatal: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
