import { Inject, Injectable } from '@nestjs/common';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { APP_LOGGER } from '../config/config.module';
import { reportJobFailure } from '../error-tracking/error-tracking';
import type { JobName } from './job-metrics';
import { JobStatusRepository } from './job-status.repository';

export type PassCounts = Record<string, number>;

/**
 * What every job pass does around its work: one trace span, one JobStatus row update
 * (what /metrics and the stale alerts read), one log line with the counts, and a Sentry
 * report when it fails.
 */
@Injectable()
export class JobPasses {
  private readonly tracer = trace.getTracer('kryptovault');
  private quietIdle = false;

  constructor(
    private readonly jobStatus: JobStatusRepository,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Passes that found nothing to do log at debug from now on: the API's own scheduler runs
   * some jobs every few seconds (npm start), where an info line per idle pass buries the rest.
   * One-shot CronJob runs keep their info line.
   */
  quietWhenIdle() {
    this.quietIdle = true;
  }

  /** Runs `work`, which fills `counts` as it goes (partial counts are logged on failure too). */
  run<T extends PassCounts>(job: JobName, counts: T, work: (counts: T) => Promise<void>): Promise<T> {
    return this.tracer.startActiveSpan(`${job}.pass`, async (span) => {
      const startedAt = new Date();
      const elapsed = () => Date.now() - startedAt.getTime();
      try {
        await work(counts);
        await this.jobStatus.recordRun(job, { ok: true, startedAt, durationMs: elapsed(), counts });
        span.setAttributes(Object.fromEntries(Object.entries(counts).map(([k, v]) => [`${job}.${k}`, v])));
        const fields: Record<string, unknown> = { job, durationMs: elapsed(), ...counts };
        const idle = Object.values(counts).every((n) => n === 0);
        if (this.quietIdle && idle) this.logger.debug(fields, `${job} pass finished`);
        else this.logger.info(fields, `${job} pass finished`);
        return counts;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        const fields: Record<string, unknown> = { job, durationMs: elapsed(), ...counts, err: error };
        this.logger.error(fields, `${job} pass failed`);
        reportJobFailure(job, error);
        await this.jobStatus
          .recordRun(job, { ok: false, startedAt, durationMs: elapsed(), counts, error: (error as Error).message })
          .catch(() => undefined);
        throw error;
      } finally {
        span.end();
      }
    });
  }
}
