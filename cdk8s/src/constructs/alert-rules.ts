/**
 * The alert rules, as a plain Prometheus rule group. Used by the PrometheusRule object,
 * by the dev Prometheus' rule file, and checked by `promtool check rules` in the tests.
 *
 * HTTP metrics come from the app (`http_requests_total`, `http_request_duration_seconds`
 * with a `status_code` label). Job success comes from the app too: the API reads every
 * pass's outcome from the database (`kryptovault_job_*{worker}`), so it covers CronJob pods
 * that exit before any scrape. Job failures and restarts come from kube-state-metrics,
 * which also sees pods killed before the app could record anything.
 */
import type { AlertRulesProps } from './monitoring-props';

/** The app's `worker` label of the deposit monitor (Backend/src/jobs/job-metrics.ts). */
const DEPOSIT_MONITOR_WORKER = 'deposit-monitor';

/** A failed Job stays in the CronJob's history until newer failures replace it: alert on recent ones only. */
const FAILED_JOB_RECENT_SECONDS = 3600;

export interface RuleGroup {
  name: string;
  rules: Array<{ alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }>;
}

export function alertRuleGroups(props: AlertRulesProps): RuleGroup[] {
  const ns = props.context.namespace;
  const t = props.thresholds;
  const withRunbook = (rule: RuleGroup['rules'][number]) => ({ ...rule, annotations: { ...rule.annotations, runbook_url: `${t.runbookUrl}#${rule.alert.toLowerCase()}` } });
  // API pods only. A pod-annotation job (one `kubernetes_sd_configs` role pod job for every
  // annotated pod) also scrapes the automation runner, which serves /metrics too: without the
  // pod matcher ApiDown stays silent while every API pod is down but automation is up, and
  // the HTTP alerts mix automation series in. Prometheus anchors label regexes fully
  // (^(?:...)$), so `<fullname>-api-.*` never matches `<fullname>-automation-...`. The
  // empty alternative keeps targets without a `pod` label (a static_configs job) selected.
  const api = `namespace="${ns}",job="${props.apiJob}",pod=~"|${props.apiPodNamePrefix}-.*"`;
  const jobs = `namespace="${ns}",job_name=~"(${[props.depositMonitorCronJob, ...props.otherCronJobs].join('|')})-[0-9]+|${props.migrationJob}"`;
  return [
    {
      name: `${props.name}.rules`,
      rules: ([
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
          // absent(): no series at all (every target gone, or never discovered) is down too.
          expr: `sum(up{${api}}) == 0 or absent(up{${api}})`,
          for: '5m',
          labels: { severity: 'critical' },
          annotations: { summary: 'No KryptoVault API target is up', description: 'Prometheus cannot scrape any API pod (or has no API target at all).' },
        },
        {
          // The gauge is 0 until a pass succeeds, so "never" is as stale as it gets. `for`
          // gives a new install time for its first pass (the CronJob runs every few minutes).
          // max(): every API pod reads the gauge from the database and exports the same value,
          // one series per replica; max() is that value, whatever the number of replicas.
          alert: 'KryptoVaultDepositMonitorStale',
          expr:
            `time() - max(kryptovault_job_last_success_timestamp_seconds{${api},worker="${DEPOSIT_MONITOR_WORKER}"}) > 60 * ${t.depositMonitorStaleMinutes}` +
            // No series (the API is not scraped, or the gauge is gone) must not look healthy.
            ` or absent(kryptovault_job_last_success_timestamp_seconds{${api},worker="${DEPOSIT_MONITOR_WORKER}"})`,
          for: '5m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'Deposit monitor has not succeeded recently',
            description: 'No successful deposit-monitor pass for {{ $value | humanizeDuration }} (decades: none ever succeeded); deposits are not being confirmed.',
          },
        },
        {
          // kryptovault_job_items_total is read from the database by EVERY API pod, so each pod
          // exports the same totals (all passes of all processes, CronJob pods included).
          // sum() across pods would count every verifier call once per replica; max() takes
          // the real count, from the pod whose series covers the window best (one started or
          // missing scrapes within it shows a smaller increase), as the stale alert's max()
          // does for the same per-pod copies of a database-backed gauge. `checked` counts every
          // verifier call, failed ones included: nothing checked gives 0/0 (NaN), which never fires.
          alert: 'KryptoVaultDepositVerifierFailing',
          expr:
            `100 * max(increase(kryptovault_job_items_total{${api},worker="${DEPOSIT_MONITOR_WORKER}",item="verifierErrors"}[30m]))` +
            ` / max(increase(kryptovault_job_items_total{${api},worker="${DEPOSIT_MONITOR_WORKER}",item="checked"}[30m])) > ${t.verifierErrorPercent}`,
          for: '15m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'Deposits are waiting: the blockchain verifier keeps failing',
            description:
              '{{ $value | humanize }}% of the deposit monitor\'s blockchain verifier calls failed over 30 minutes, so deposits are waiting ' +
              '(wrong BLOCKCHAIN_VERIFIER_SECRET: 401; verifier down; timeouts). A verifier error never credits or rejects a deposit: it waits and is checked again later.',
          },
        },
        {
          alert: 'KryptoVaultJobFailed',
          expr: `max by (job_name) (kube_job_status_failed{${jobs}} > 0 and on (job_name) (time() - kube_job_status_start_time{${jobs}} < ${FAILED_JOB_RECENT_SECONDS}))`,
          for: '1m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'A KryptoVault job failed',
            description: 'Job {{ $labels.job_name }}, started within the last hour, has failed pods; check its logs.',
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
      ] as RuleGroup['rules']).map(withRunbook),
    },
  ];
}
