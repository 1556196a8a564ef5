import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { DepositMonitorService } from '../deposits/deposit-monitor.service';
import { JobLoop } from './job-loop';

/**
 * RUN_SCHEDULED_JOBS=true: the API process runs the jobs itself (npm start, single-node
 * installs). In Kubernetes the CronJobs run them instead; never both, never on every replica.
 */
@Injectable()
export class ScheduledJobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loops: JobLoop[];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(APP_LOGGER) logger: Logger,
    depositMonitor: DepositMonitorService,
  ) {
    this.loops = [new JobLoop('deposit-monitor', config.DEPOSIT_MONITOR_INTERVAL_SECONDS, () => depositMonitor.runPass(), logger)];
  }

  onApplicationBootstrap() {
    for (const loop of this.loops) loop.start();
  }

  /** Lets a running pass finish (it is safe to kill, but finishing is kinder to the verifier). */
  async onApplicationShutdown() {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }
}
