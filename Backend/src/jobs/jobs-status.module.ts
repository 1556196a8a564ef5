import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_LOGGER } from '../config/config.module';
import { MetricsService } from '../metrics/metrics.service';
import { registerJobStatusMetrics } from './job-metrics';
import { JobPasses } from './job-passes';
import { JobStatusRepository } from './job-status.repository';

/** The JobStatus table, the /metrics view of it, and the pass wrapper every job uses. */
@Module({ providers: [JobStatusRepository, JobPasses], exports: [JobStatusRepository, JobPasses] })
export class JobsStatusModule implements OnModuleInit {
  constructor(
    private readonly repo: JobStatusRepository,
    private readonly metrics: MetricsService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit() {
    registerJobStatusMetrics(this.metrics.registry, this.repo, this.logger);
  }
}
