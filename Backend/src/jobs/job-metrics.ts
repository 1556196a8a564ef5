import { Gauge, Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { JobStatusRepository } from './job-status.repository';

/** Every background job; the API reports each one's status even before its first pass (0 = never succeeded). */
export const KNOWN_JOBS = ['deposit-monitor', 'earnings', 'housekeeping', 'automation', 'email-sender'] as const;
export type JobName = (typeof KNOWN_JOBS)[number];

/**
 * Job health read from the database at scrape time, so Prometheus sees passes run by
 * CronJob pods it never scraped. The label is `worker`: Prometheus reserves `job`.
 */
export function registerJobStatusMetrics(registry: Registry, repo: JobStatusRepository, logger: Logger) {
  let snapshot: Promise<Awaited<ReturnType<JobStatusRepository['all']>>> | undefined;
  // The metrics are collected in one scrape: read the table once per scrape.
  const read = () => {
    snapshot ??= repo.all().finally(() => setImmediate(() => (snapshot = undefined)));
    return snapshot;
  };
  new Gauge({
    name: 'kryptovault_job_last_success_timestamp_seconds',
    help: 'Unix time of the last successful pass of each background job (0: never)',
    labelNames: ['worker'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await read().catch((error: Error) => {
        logger.warn({ err: { message: error.message } }, 'job status could not be read for /metrics');
        return undefined;
      });
      if (!rows) return;
      const byJob = new Map(rows.map((r) => [r.job, r]));
      for (const job of new Set([...KNOWN_JOBS, ...byJob.keys()])) {
        const at = byJob.get(job)?.lastSuccessAt;
        this.set({ worker: job }, at ? at.getTime() / 1000 : 0);
      }
    },
  });
  new Counter({
    name: 'kryptovault_job_runs_total',
    help: 'Passes of each background job by outcome, from the database (all processes)',
    labelNames: ['worker', 'outcome'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await read().catch(() => undefined);
      for (const r of rows ?? []) {
        this.inc({ worker: r.job, outcome: 'success' }, Number(r.runs - r.failures));
        this.inc({ worker: r.job, outcome: 'failure' }, Number(r.failures));
      }
    },
  });
  new Counter({
    name: 'kryptovault_job_items_total',
    help: 'What the passes of each background job did, added up over every pass of every process, from the database (deposit-monitor: checked, credited, rejected, expired, verifierErrors, ...)',
    labelNames: ['worker', 'item'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await read().catch(() => undefined);
      for (const r of rows ?? []) {
        for (const [item, n] of Object.entries(r.totals)) if (typeof n === 'number' && n > 0) this.inc({ worker: r.job, item }, n);
      }
    },
  });
}
