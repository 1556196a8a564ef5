import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import type { AppConfig } from '../config/config.schema';
import { loadConfigOrExit } from '../config/load-config-or-exit';
import { type JobName } from '../jobs/job-metrics';
import { WORKERS } from '../jobs/workers';
import { JobLoop } from '../jobs/job-loop';
import { createLogger, PinoNestLogger } from '../logging/logger';
import { stopTracing } from '../tracing/tracing';
import { serveWorkerProbes } from './worker-http';

/**
 * `node dist/workers/<name>.js` (and `node dist/main.js --worker=<name>`): one pass, then
 * exit 0 (a CronJob run) or 1 when the pass failed; with --watch, a pass every interval
 * until SIGTERM. Tracing is started by the entry point before this module loads.
 */
export async function runWorker(name: string, args: string[]): Promise<void> {
  const worker = WORKERS[name as JobName];
  if (!worker) {
    process.stderr.write(`unknown worker "${name}"; known: ${Object.keys(WORKERS).join(', ')}\n`);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  const logger = createLogger(config).child({ worker: name });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, logger), { logger: new PinoNestLogger(logger), abortOnError: false });
  const finish = async (code: number) => {
    await app.close().catch(() => undefined);
    await stopTracing();
    logger.flush();
    process.exit(code);
  };

  if (!args.includes('--watch')) {
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
