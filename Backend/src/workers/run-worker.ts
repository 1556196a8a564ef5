import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import type { AppConfig } from '../config/config.schema';
import { loadConfigOrExit } from '../config/load-config-or-exit';
import { startErrorTracking, stopErrorTracking } from '../error-tracking/error-tracking';
import { type JobName } from '../jobs/job-metrics';
import { WORKERS } from '../jobs/workers';
import { JobLoop } from '../jobs/job-loop';
import { createLogger, PinoNestLogger } from '../logging/logger';
import { stopTracing } from '../tracing/tracing';
import { serveWorkerProbes } from './worker-http';

/**
 * `node dist/workers/<name>.js` (and `node dist/main.js --worker=<name>`): one pass, then
 * exit 0 (a CronJob run) or 1 when the pass failed; with --watch, a pass every interval
 * until SIGTERM. Tracing is started by the entry point before this module loads; a failed pass
 * is reported to Sentry (src/jobs/job-passes.ts) and flushed before the exit.
 */
export async function runWorker(name: string, args: string[]): Promise<void> {
  const worker = WORKERS[name as JobName];
  if (!worker) {
    process.stderr.write(`unknown worker "${name}"; known: ${Object.keys(WORKERS).join(', ')}\n`);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  const logger = createLogger(config).child({ worker: name });
  startErrorTracking(config, logger);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, logger), { logger: new PinoNestLogger(logger), abortOnError: false });
  const finish = async (code: number) => {
    // Also the code if closing never settles and the event loop drains (Node would exit 0).
    process.exitCode = code;
    await app.close().catch(() => undefined);
    await stopTracing();
    await stopErrorTracking();
    logger.flush();
    process.exit(code);
  };

  if (!args.includes('--watch')) {
    // A pass that never settles, its event loop drained, is a failure: exit 1, not Node's 0.
    process.exitCode = 1;
    const ok = await worker.pass(app, args).then(
      () => true,
      () => false, // already logged and recorded by the pass
    );
    await finish(ok ? 0 : 1);
    return;
  }
  const loop = new JobLoop(name, worker.intervalSeconds(config), () => worker.pass(app, args), logger);
  let stopping = false;
  const probes = await serveWorkerProbes(app, config.PORT, config.HOST, () => stopping);
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    logger.info({ signal }, 'stopping after the current pass');
    void loop.stop().then(() => {
      probes.close();
      return finish(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  loop.start();
  logger.info({ intervalSeconds: worker.intervalSeconds(config), port: config.PORT }, 'worker watching (probes and /metrics on PORT)');
}
