import type { INestApplicationContext } from '@nestjs/common';
import { AutomationService } from '../automation/automation.service';
import type { AppConfig } from '../config/config.schema';
import { DepositMonitorService } from '../deposits/deposit-monitor.service';
import { HousekeepingService } from '../housekeeping/housekeeping.service';
import { EarningsService } from '../investments/earnings.service';
import { EmailOutboxSender } from '../mail/email-outbox.sender';
import type { JobName } from './job-metrics';
import { JobPasses } from './job-passes';

/** Housekeeping and earnings with --watch or in the API: hourly (their CronJobs run daily). */
export const HOUSEKEEPING_INTERVAL_SECONDS = 3600;
export const EARNINGS_INTERVAL_SECONDS = 3600;
/** The automation runner (--watch, its Deployment) looks for due sessions this often. */
export const AUTOMATION_INTERVAL_SECONDS = 2;

interface Worker {
  /** `args`: the worker's command-line flags (none when the API schedules it). */
  pass(app: Pick<INestApplicationContext, 'get'>, args: string[]): Promise<unknown>;
  intervalSeconds(config: AppConfig): number;
}

/** Every worker by its job name (the CronJob's and the metrics' `worker` label): its pass, its --watch interval. */
export const WORKERS: Record<JobName, Worker> = {
  'deposit-monitor': {
    pass: (app) => app.get(DepositMonitorService).runPass(),
    intervalSeconds: (config) => config.DEPOSIT_MONITOR_INTERVAL_SECONDS,
  },
  earnings: {
    // --as-of=YYYY-MM-DD accrues up to that UTC date instead of today (replays, tests).
    pass: (app, args) => app.get(EarningsService).runPass({ asOf: args.find((a) => a.startsWith('--as-of='))?.slice('--as-of='.length) }),
    intervalSeconds: () => EARNINGS_INTERVAL_SECONDS,
  },
  automation: {
    pass: (app) => app.get(AutomationService).runPass(),
    intervalSeconds: () => AUTOMATION_INTERVAL_SECONDS,
  },
  'email-sender': {
    // The sender reports {sent, failed}; wrapped so its passes reach JobStatus like every job's.
    pass: (app) =>
      app.get(JobPasses).run('email-sender', { sent: 0, failed: 0 }, async (counts) => {
        Object.assign(counts, await app.get(EmailOutboxSender).runPass());
      }),
    intervalSeconds: (config) => config.EMAIL_OUTBOX_INTERVAL_SECONDS,
  },
  housekeeping: {
    pass: (app) => app.get(HousekeepingService).runPass(),
    intervalSeconds: () => HOUSEKEEPING_INTERVAL_SECONDS,
  },
};

