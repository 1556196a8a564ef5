import type { AppPodProps } from './app-pod-props';
import type { ReleaseContext } from './context';

/**
 * A scheduled run-to-completion job. concurrencyPolicy is always Forbid: a pass must
 * never overlap the previous one (passes are safe to overlap, but it wastes locks).
 */
export interface CronJobProps {
  readonly context: ReleaseContext;
  /** CronJob name; at most 52 characters (the controller appends 11 to Job names). */
  readonly name: string;
  /** 5-field cron or @macro; validated at synth time. */
  readonly schedule: string;
  /** IANA time zone, empty for the controller's. */
  readonly timeZone: string;
  readonly suspend: boolean;
  /** Skip a run that could not start within this many seconds (>= 10: the controller checks every 10s). */
  readonly startingDeadlineSeconds: number;
  /** Kill a run after this many seconds; the Job counts as failed. */
  readonly activeDeadlineSeconds: number;
  /** Pod retries within one run. */
  readonly backoffLimit: number;
  readonly successfulJobsHistoryLimit: number;
  readonly failedJobsHistoryLimit: number;
  readonly pod: AppPodProps;
}
