import type { ReleaseContext } from './context';

export interface ServiceMonitorProps {
  readonly context: ReleaseContext;
  readonly name: string;
  readonly enabled: boolean;
  /** Selector labels of the Service to scrape. */
  readonly serviceSelector: Record<string, string>;
  /** Service port name that serves /metrics. */
  readonly port: string;
  readonly interval: string;
  readonly scrapeTimeout: string;
  /** Labels the Prometheus instance selects ServiceMonitors by. */
  readonly labels: Record<string, string>;
  /** Where the ServiceMonitor lives (empty: with the release); it always selects the release's namespace. */
  readonly namespace: string;
  readonly relabelings: object[];
  readonly metricRelabelings: object[];
}

export interface AlertThresholds {
  /** 5xx share of API responses (percent, 5m) that pages. */
  readonly errorRatePercent: number;
  /** p99 API latency (milliseconds, 5m) that pages. */
  readonly p99LatencyMilliseconds: number;
  /** Minutes without a successful deposit-monitor run. */
  readonly depositMonitorStaleMinutes: number;
  /** Share of the deposit monitor's verifier calls that failed (percent, 30m) that pages. */
  readonly verifierErrorPercent: number;
  /** Container restarts per hour. */
  readonly podRestartsPerHour: number;
  /** docs/runbook.md: each alert links to its section (#<alert in lower case>). */
  readonly runbookUrl: string;
}

export interface AlertRulesProps {
  readonly context: ReleaseContext;
  readonly name: string;
  readonly enabled: boolean;
  /** Prometheus `job` label of the API targets (the Service name under the Prometheus Operator). */
  readonly apiJob: string;
  /** CronJob names whose failures alert: the deposit monitor, and the others. */
  readonly depositMonitorCronJob: string;
  readonly otherCronJobs: readonly string[];
  /** Job names of the migration (alerts when it failed). */
  readonly migrationJob: string;
  /** Pods whose restarts alert (regex on the pod name). */
  readonly podNamePrefix: string;
  /**
   * Name of the API Deployment: its pods are `<this>-<hash>-<id>`. The API alerts select
   * `pod=~"|<this>-.*"`, which keeps other pods of a shared scrape job (automation) out.
   */
  readonly apiPodNamePrefix: string;
  readonly thresholds: AlertThresholds;
  readonly labels: Record<string, string>;
}
