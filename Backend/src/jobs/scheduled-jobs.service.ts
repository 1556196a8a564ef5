import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '../config/config.module';
import { ShutdownState } from '../health/shutdown-state';
import type { AppConfig } from '../config/config.schema';
import { JobLoop } from './job-loop';
import { JobPasses } from './job-passes';
import { WORKERS } from './workers';

/** Inside main.ts's 30 s shutdown timeout. */
const STOP_WAIT_MS = 10_000;

/**
 * RUN_SCHEDULED_JOBS=true: the API process runs the jobs itself (npm start, single-node
 * installs). In Kubernetes the CronJobs run them instead; never both, never on every replica.
 */
@Injectable()
export class ScheduledJobsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loops: JobLoop[];
  private stopped: Promise<void> | undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(APP_LOGGER) logger: Logger,
    private readonly moduleRef: ModuleRef,
    private readonly shutdown: ShutdownState,
  ) {
    this.loops = Object.entries(WORKERS).map(
      ([name, worker]) => new JobLoop(name, worker.intervalSeconds(config), () => worker.pass({ get: (type) => this.moduleRef.get(type, { strict: false }) }, []), logger),
    );
  }

  onApplicationBootstrap() {
    this.moduleRef.get(JobPasses, { strict: false }).quietWhenIdle();
    this.shutdown.onShutdown(() => this.stopAll());
    for (const loop of this.loops) loop.start();
  }

  /**
   * Lets a running pass finish (finishing is kinder to the verifier), but not beyond the
   * shutdown budget: passes are safe to kill, the next one picks up what is left.
   */
  stopAll(): Promise<void> {
    // Once: the graceful shutdown and the module's destroy hook both ask, the budget is spent once.
    this.stopped ??= Promise.race([
      Promise.all(this.loops.map((loop) => loop.stop())).then(() => undefined),
      new Promise<void>((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref()),
    ]);
    return this.stopped;
  }

  /** Without a graceful shutdown first (tests closing the app), stop before the database goes. */
  async onModuleDestroy() {
    await this.stopAll();
  }
}
