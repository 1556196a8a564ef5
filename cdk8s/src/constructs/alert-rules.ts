/**
 * The alert rules, as a plain Prometheus rule group. Used by the PrometheusRule object,
 * by the dev Prometheus' rule file, and checked by `promtool check rules` in the tests.
 *
 * HTTP metrics come from the app (`http_requests_total`, `http_request_duration_seconds`
 * with a `status_code` label); job and restart signals come from kube-state-metrics,
 * because a CronJob pod is gone before Prometheus could scrape it.
 */
import type { AlertRulesProps } from './monitoring-props';

export interface RuleGroup {
  name: string;
  rules: Array<{ alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }>;
}

export function alertRuleGroups(props: AlertRulesProps): RuleGroup[] {
  const ns = props.context.namespace;
  const t = props.thresholds;
  const api = `namespace="${ns}",job="${props.apiJob}"`;
  return [
    {
      name: `${props.name}.rules`,
      rules: [
        {
          alert: 'KryptoVaultApiHighErrorRate',
          expr: `100 * sum(rate(http_requests_total{${api},status_code=~"5.."}[5m])) / sum(rate(http_requests_total{${api}}[5m])) > ${t.errorRatePercent}`,
          for: '5m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'KryptoVault API 5xx rate is high',
            description: 'More than {{ $value | humanize }}% of API responses are 5xx over 5 minutes.',
          },
        },
        {
          alert: 'KryptoVaultApiHighLatency',
          expr: `1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${api}}[5m]))) > ${t.p99LatencyMilliseconds}`,
          for: '10m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'KryptoVault API p99 latency is high',
            description: 'p99 latency is {{ $value | humanize }} ms over 5 minutes.',
          },
        },
        {
          alert: 'KryptoVaultApiDown',
          expr: `sum(up{${api}}) == 0`,
          for: '5m',
          labels: { severity: 'critical' },
          annotations: { summary: 'No KryptoVault API target is up', description: 'Prometheus cannot scrape any API pod.' },
        },
        {
          alert: 'KryptoVaultDepositMonitorStale',
          expr: `time() - max(kube_cronjob_status_last_successful_time{namespace="${ns}",cronjob="${props.depositMonitorCronJob}"}) > 60 * ${t.depositMonitorStaleMinutes}`,
          for: '2m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'Deposit monitor has not succeeded recently',
            description: 'No successful deposit-monitor run for {{ $value | humanizeDuration }}; deposits are not being confirmed.',
          },
        },
        {
          alert: 'KryptoVaultJobFailed',
          expr: `max by (job_name) (kube_job_status_failed{namespace="${ns}",job_name=~"(${props.depositMonitorCronJob}|${props.earningsCronJob})-[0-9]+|${props.migrationJob}"}) > 0`,
          for: '1m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'A KryptoVault job failed',
            description: 'Job {{ $labels.job_name }} has failed pods; check its logs.',
          },
        },
        {
          alert: 'KryptoVaultPodRestarting',
          expr: `increase(kube_pod_container_status_restarts_total{namespace="${ns}",pod=~"${props.podNamePrefix}-.*"}[1h]) > ${t.podRestartsPerHour}`,
          for: '5m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'A KryptoVault pod keeps restarting',
            description: 'Pod {{ $labels.pod }} restarted {{ $value | humanize }} times in the last hour.',
          },
        },
      ],
    },
  ];
}
