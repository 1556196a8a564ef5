/** `promtool check rules` on the alert rules, as rendered for k8s/ and by the chart. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { productionVariant } from '../src/config/variants';
import { variantObjects } from '../src/render/synthesize';
import { helmTemplate } from './helpers/helm';
import { run } from './helpers/tools';

function writeRules(spec: { groups: unknown[] }): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kv-rules-')), 'rules.yaml');
  fs.writeFileSync(file, YAML.stringify({ groups: spec.groups }));
  return file;
}

function checkRules(spec: { groups: unknown[] }): { status: number; out: string } {
  const r = run('promtool', ['check', 'rules', writeRules(spec)]);
  return { status: r.status, out: r.stdout + r.stderr };
}

const EXPECTED_ALERTS = [
  'KryptoVaultApiDown',
  'KryptoVaultApiHighErrorRate',
  'KryptoVaultApiHighLatency',
  'KryptoVaultDepositMonitorStale',
  'KryptoVaultDepositVerifierFailing',
  'KryptoVaultJobFailed',
  'KryptoVaultPodRestarting',
];

test('the PrometheusRule of k8s/production passes promtool and has every alert', () => {
  const rule = variantObjects(productionVariant()).find((o) => o.kind === 'PrometheusRule')!;
  const r = checkRules(rule.spec);
  expect(r.out).toContain(`SUCCESS: ${EXPECTED_ALERTS.length} rules found`);
  expect(r.status).toBe(0);
  expect(rule.spec.groups[0].rules.map((x: { alert: string }) => x.alert).sort()).toEqual(EXPECTED_ALERTS);
});

test('the chart-rendered PrometheusRule passes promtool with custom thresholds', () => {
  const rule = helmTemplate({
    // Scraped by annotations, not a ServiceMonitor: the rules name the job that scrape config gives.
    values: {
      monitoring: { prometheusRule: { enabled: true, apiJob: 'kubernetes-pods', errorRatePercent: 2, p99LatencyMilliseconds: 750, depositMonitorStaleMinutes: 30, verifierErrorPercent: 80 } },
    },
  }).find((o) => o.kind === 'PrometheusRule')!;
  const r = checkRules(rule.spec);
  expect(r.status).toBe(0);
  const exprs = rule.spec.groups[0].rules.map((x: { expr: string }) => x.expr).join('\n');
  expect(exprs).toContain('> 2\n');
  expect(exprs).toContain('> 750');
  expect(exprs).toContain('> 60 * 30');
  expect(exprs).toContain('item="checked"}[30m])) > 80');
  expect(exprs).toContain('job="kubernetes-pods"');
  expect(exprs).not.toContain('job="kryptovault-api"');
  // Prometheus' own templates survive Helm's.
  expect(rule.spec.groups[0].rules.find((x: { alert: string }) => x.alert === 'KryptoVaultJobFailed').annotations.description).toContain('{{ $labels.job_name }}');
});

test('the chart selects its own API pods by the fullname it renders (release "payments"), not the automation pods of the same job', () => {
  const rule = helmTemplate({ release: 'payments', namespace: 'shop', values: { monitoring: { prometheusRule: { enabled: true, apiJob: 'kubernetes-pods' } } } }).find(
    (o) => o.kind === 'PrometheusRule',
  )!;
  const rules = rule.spec.groups[0].rules as Array<{ alert: string; expr: string }>;
  for (const r of rules.filter((x) => /^KryptoVault(Api|Deposit)/.test(x.alert))) {
    expect(r.expr).toContain('namespace="shop",job="kubernetes-pods",pod=~"|payments-kryptovault-api-.*"');
  }
  // Every API pod down, the release's automation pod (same annotation job) up: ApiDown fires.
  const job = 'namespace="shop",job="kubernetes-pods"';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-rule-tests-'));
  // Annotations dropped: this checks which series the expressions select.
  fs.writeFileSync(path.join(dir, 'rules.yaml'), YAML.stringify({ groups: [{ ...rule.spec.groups[0], rules: rules.map((x) => ({ ...x, annotations: undefined })) }] }));
  fs.writeFileSync(
    path.join(dir, 'tests.yaml'),
    YAML.stringify({
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: `up{${job},pod="payments-kryptovault-api-6f7c9d8b5-x2x4z"}`, values: '0x15' },
            { series: `up{${job},pod="payments-kryptovault-automation-5c6d7f8b9-q8w7r"}`, values: '1x15' },
          ],
          alert_rule_test: [{ eval_time: '10m', alertname: 'KryptoVaultApiDown', exp_alerts: [{ exp_labels: { severity: 'critical' } }] }],
        },
      ],
    }),
  );
  const r = run('promtool', ['test', 'rules', path.join(dir, 'tests.yaml')]);
  expect(r.stdout + r.stderr).toContain('SUCCESS');
  expect(r.status).toBe(0);
});

test('promtool rejects a broken rule (the check can fail)', () => {
  const r = checkRules({ groups: [{ name: 'x', rules: [{ alert: 'Bad', expr: 'sum(rate(x[5m])' }] }] });
  expect(r.status).not.toBe(0);
});

test('the dev Prometheus loads the same alert rules', () => {
  const { devVariant } = require('../src/config/variants');
  const cm = variantObjects(devVariant()).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kryptovault-prometheus')!;
  const r = checkRules(YAML.parse(cm.data['rules.yaml']));
  expect(r.status).toBe(0);
});

/**
 * `promtool test rules` on the k8s/production rules (namespace kryptovault, API job
 * kryptovault-api, depositMonitorStaleMinutes 15). promtool's clock starts at the epoch,
 * so a timestamp of 60 * m is "minute m" of the test.
 */
describe('alert behaviour (promtool test rules)', () => {
  const rules = writeRules(variantObjects(productionVariant()).find((o) => o.kind === 'PrometheusRule')!.spec);
  const testRules = (tests: object[]) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kv-rule-tests-')), 'tests.yaml');
    fs.writeFileSync(file, YAML.stringify({ rule_files: [rules], evaluation_interval: '1m', tests }));
    const r = run('promtool', ['test', 'rules', file]);
    return { status: r.status, out: r.stdout + r.stderr };
  };
  const lastSuccess = 'kryptovault_job_last_success_timestamp_seconds{namespace="kryptovault",job="kryptovault-api",worker="deposit-monitor",pod="kryptovault-api-1"}';
  const stale = (minutes: string) => ({
    exp_labels: { severity: 'critical' },
    exp_annotations: {
      summary: 'Deposit monitor has not succeeded recently',
      description: `No successful deposit-monitor pass for ${minutes} (decades: none ever succeeded); deposits are not being confirmed.`,
      runbook_url: 'https://github.com/kryptovault/kryptovault/blob/main/docs/runbook.md#kryptovaultdepositmonitorstale',
    },
  });
  const staleAt = (evalTime: string, expected: object[]) => ({ eval_time: evalTime, alertname: 'KryptoVaultDepositMonitorStale', exp_alerts: expected });

  test('the stale alert fires when no pass ever succeeded (gauge 0)', () => {
    const r = testRules([{ interval: '1m', input_series: [{ series: lastSuccess, values: '0x40' }], alert_rule_test: [staleAt('30m', [stale('30m 0s')])] }]);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('the stale alert stays quiet while passes succeed, and fires once the last success is too old', () => {
    // A success every minute until minute 30, then none: 15 minutes later it is stale, 5 more (`for`) and it fires.
    const r = testRules([
      {
        interval: '1m',
        input_series: [{ series: lastSuccess, values: '0+60x30 1800x40' }],
        alert_rule_test: [staleAt('30m', []), staleAt('48m', []), staleAt('60m', [stale('30m 0s')])],
      },
    ]);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('the check can fail: a recent success does not satisfy an expected stale alert', () => {
    const r = testRules([{ interval: '1m', input_series: [{ series: lastSuccess, values: '0+60x40' }], alert_rule_test: [staleAt('40m', [stale('0s')])] }]);
    expect(r.status).not.toBe(0);
  });

  /** The deposit monitor's database-backed totals, as the API pod `pod` exports them. */
  const items = (pod: string, item: string) =>
    `kryptovault_job_items_total{namespace="kryptovault",job="kryptovault-api",pod="${pod}",worker="deposit-monitor",item="${item}"}`;
  const verifierFailing = (percent: string) => ({
    exp_labels: { severity: 'critical' },
    exp_annotations: {
      summary: 'Deposits are waiting: the blockchain verifier keeps failing',
      description: `${percent}% of the deposit monitor's blockchain verifier calls failed over 30 minutes, so deposits are waiting (wrong BLOCKCHAIN_VERIFIER_SECRET: 401; verifier down; timeouts). A verifier error never credits or rejects a deposit: it waits and is checked again later.`,
      runbook_url: 'https://github.com/kryptovault/kryptovault/blob/main/docs/runbook.md#kryptovaultdepositverifierfailing',
    },
  });

  test('the verifier alert: two API pods exporting the same database totals give the same value as one', () => {
    // 6 of every 10 verifier calls fail: 60 %, whether one pod or two export the totals.
    const onePod = [
      { series: items('kryptovault-api-6f7c9d8b5-x2x4z', 'checked'), values: '0+10x60' },
      { series: items('kryptovault-api-6f7c9d8b5-x2x4z', 'verifierErrors'), values: '0+6x60' },
    ];
    const twoPods = [
      ...onePod,
      { series: items('kryptovault-api-6f7c9d8b5-q8w7r', 'checked'), values: '0+10x60' },
      { series: items('kryptovault-api-6f7c9d8b5-q8w7r', 'verifierErrors'), values: '0+6x60' },
    ];
    const check = [{ eval_time: '45m', alertname: 'KryptoVaultDepositVerifierFailing', exp_alerts: [verifierFailing('60')] }];
    const r = testRules([
      { interval: '1m', input_series: onePod, alert_rule_test: check },
      { interval: '1m', input_series: twoPods, alert_rule_test: check },
    ]);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('a failed Job alerts while it is recent, not forever from the CronJob history', () => {
    const job = 'namespace="kryptovault",job_name="kryptovault-deposit-monitor-29000000"';
    const r = testRules([
      {
        interval: '1m',
        input_series: [
          { series: `kube_job_status_failed{${job}}`, values: '0x4 1x200' },
          { series: `kube_job_status_start_time{${job}}`, values: '240x205' },
        ],
        alert_rule_test: [
          {
            eval_time: '10m',
            alertname: 'KryptoVaultJobFailed',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning', job_name: 'kryptovault-deposit-monitor-29000000' },
                exp_annotations: {
                  summary: 'A KryptoVault job failed',
                  description: 'Job kryptovault-deposit-monitor-29000000, started within the last hour, has failed pods; check its logs.',
                  runbook_url: 'https://github.com/kryptovault/kryptovault/blob/main/docs/runbook.md#kryptovaultjobfailed',
                },
              },
            ],
          },
          { eval_time: '70m', alertname: 'KryptoVaultJobFailed', exp_alerts: [] },
        ],
      },
    ]);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});

/**
 * `promtool test rules` for every alert: fires on the series that should page, silent on
 * healthy ones and on other namespaces' series. Annotations are dropped from this copy of
 * the rules (the block above pins them for the stale and failed-Job alerts); labels are exact.
 */
describe('promtool test rules: each alert fires when it should and only then', () => {
  const rule = variantObjects(productionVariant()).find((o) => o.kind === 'PrometheusRule')!;
  const api = 'namespace="kryptovault",job="kryptovault-api"';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-rule-tests-'));
  const rulesFile = path.join(dir, 'rules.yaml');
  fs.writeFileSync(
    rulesFile,
    YAML.stringify({ groups: rule.spec.groups.map((g: { rules: object[] }) => ({ ...g, rules: g.rules.map((r) => ({ ...r, annotations: undefined })) })) }),
  );
  const critical = { severity: 'critical' };
  const warning = { severity: 'warning' };
  const failedJob = 'kryptovault-deposit-monitor-29000000';

  const cases: Array<[string, { input_series: Array<{ series: string; values: string }>; alert_rule_test: object[] }]> = [
    [
      'KryptoVaultApiDown: every target down, no target at all, and healthy',
      {
        input_series: [
          { series: `up{${api},instance="a"}`, values: '0x15' },
          { series: `up{namespace="other",job="kryptovault-api",instance="b"}`, values: '1x15' },
        ],
        alert_rule_test: [
          { eval_time: '4m', alertname: 'KryptoVaultApiDown', exp_alerts: [] },
          { eval_time: '10m', alertname: 'KryptoVaultApiDown', exp_alerts: [{ exp_labels: critical }] },
        ],
      },
    ],
    [
      'KryptoVaultApiDown: no series at all is down too',
      {
        input_series: [{ series: 'up{namespace="other",job="x"}', values: '1x15' }],
        alert_rule_test: [{ eval_time: '10m', alertname: 'KryptoVaultApiDown', exp_alerts: [{ exp_labels: { ...critical, namespace: 'kryptovault', job: 'kryptovault-api' } }] }],
      },
    ],
    [
      'KryptoVaultApiDown: a target up is healthy',
      {
        input_series: [{ series: `up{${api},instance="a"}`, values: '1x15' }],
        alert_rule_test: [{ eval_time: '10m', alertname: 'KryptoVaultApiDown', exp_alerts: [] }],
      },
    ],
    [
      'KryptoVaultApiDown: every API pod down while an automation pod of the same (annotation) job is up',
      {
        input_series: [
          { series: `up{${api},pod="kryptovault-api-6f7c9d8b5-x2x4z"}`, values: '0x15' },
          { series: `up{${api},pod="kryptovault-api-6f7c9d8b5-q8w7r"}`, values: '0x15' },
          { series: `up{${api},pod="kryptovault-automation-5c6d7f8b9-abcde"}`, values: '1x15' },
        ],
        alert_rule_test: [{ eval_time: '10m', alertname: 'KryptoVaultApiDown', exp_alerts: [{ exp_labels: critical }] }],
      },
    ],
    [
      'KryptoVaultApiDown: a static target (no pod label) that is up is healthy',
      {
        // The docs' static_configs job: job and namespace only, no pod label.
        input_series: [{ series: 'up{job="kryptovault-api",namespace="kryptovault",instance="127.0.0.1:3000"}', values: '1x15' }],
        alert_rule_test: [{ eval_time: '10m', alertname: 'KryptoVaultApiDown', exp_alerts: [] }],
      },
    ],
    [
      'KryptoVaultApiDown: API pods up are healthy whatever the automation pod does',
      {
        input_series: [
          { series: `up{${api},pod="kryptovault-api-6f7c9d8b5-x2x4z"}`, values: '1x15' },
          { series: `up{${api},pod="kryptovault-automation-5c6d7f8b9-abcde"}`, values: '0x15' },
        ],
        alert_rule_test: [{ eval_time: '10m', alertname: 'KryptoVaultApiDown', exp_alerts: [] }],
      },
    ],
    [
      'KryptoVaultApiHighErrorRate: 5xx from an automation pod only is healthy',
      {
        // Counted with the API's 200s, the automation pod's 500s would be half the responses.
        input_series: [
          { series: `http_requests_total{${api},pod="kryptovault-api-6f7c9d8b5-x2x4z",status_code="200",route="/x"}`, values: '0+60x20' },
          { series: `http_requests_total{${api},pod="kryptovault-automation-5c6d7f8b9-abcde",status_code="500",route="/x"}`, values: '0+60x20' },
        ],
        alert_rule_test: [{ eval_time: '15m', alertname: 'KryptoVaultApiHighErrorRate', exp_alerts: [] }],
      },
    ],
    [
      'KryptoVaultApiHighErrorRate: half the responses 5xx pages; 4xx never counts',
      {
        input_series: [
          { series: `http_requests_total{${api},status_code="500",route="/x"}`, values: '0+60x20' },
          { series: `http_requests_total{${api},status_code="200",route="/x"}`, values: '0+60x20' },
          { series: `http_requests_total{namespace="kryptovault",job="other",status_code="500"}`, values: '0+600x20' },
        ],
        alert_rule_test: [{ eval_time: '15m', alertname: 'KryptoVaultApiHighErrorRate', exp_alerts: [{ exp_labels: critical }] }],
      },
    ],
    [
      'KryptoVaultApiHighErrorRate: 4xx only is healthy',
      {
        input_series: [
          { series: `http_requests_total{${api},status_code="404",route="/x"}`, values: '0+60x20' },
          { series: `http_requests_total{${api},status_code="200",route="/x"}`, values: '0+60x20' },
        ],
        alert_rule_test: [{ eval_time: '15m', alertname: 'KryptoVaultApiHighErrorRate', exp_alerts: [] }],
      },
    ],
    [
      'KryptoVaultApiHighLatency: p99 above 1 s pages, fast responses do not',
      {
        input_series: [
          { series: `http_request_duration_seconds_bucket{${api},le="0.1"}`, values: '0x30' },
          { series: `http_request_duration_seconds_bucket{${api},le="1"}`, values: '0x30' },
          { series: `http_request_duration_seconds_bucket{${api},le="2.5"}`, values: '0+60x30' },
          { series: `http_request_duration_seconds_bucket{${api},le="+Inf"}`, values: '0+60x30' },
          { series: `http_request_duration_seconds_bucket{namespace="kryptovault",job="fast",le="0.1"}`, values: '0+60x30' },
        ],
        alert_rule_test: [
          { eval_time: '8m', alertname: 'KryptoVaultApiHighLatency', exp_alerts: [] },
          { eval_time: '20m', alertname: 'KryptoVaultApiHighLatency', exp_alerts: [{ exp_labels: warning }] },
        ],
      },
    ],
    [
      'KryptoVaultApiHighLatency: fast responses are healthy',
      {
        input_series: [
          { series: `http_request_duration_seconds_bucket{${api},le="0.1"}`, values: '0+60x30' },
          { series: `http_request_duration_seconds_bucket{${api},le="+Inf"}`, values: '0+60x30' },
        ],
        alert_rule_test: [{ eval_time: '20m', alertname: 'KryptoVaultApiHighLatency', exp_alerts: [] }],
      },
    ],
    [
      'KryptoVaultDepositMonitorStale: a pass a minute ago is healthy (never-succeeded and too-old cases are above)',
      {
        // values: the pass time follows the clock (60 s behind it at every sample).
        input_series: [{ series: `kryptovault_job_last_success_timestamp_seconds{${api},worker="deposit-monitor",instance="a"}`, values: '0+60x30' }],
        alert_rule_test: [{ eval_time: '25m', alertname: 'KryptoVaultDepositMonitorStale', exp_alerts: [] }],
      },
    ],
    [
      'KryptoVaultDepositMonitorStale: an absent gauge pages',
      {
        input_series: [{ series: `up{${api},instance="a"}`, values: '1x30' }],
        alert_rule_test: [
          {
            eval_time: '10m',
            alertname: 'KryptoVaultDepositMonitorStale',
            exp_alerts: [{ exp_labels: { ...critical, namespace: 'kryptovault', job: 'kryptovault-api', worker: 'deposit-monitor' } }],
          },
        ],
      },
    ],
    [
      'KryptoVaultDepositVerifierFailing: every verifier call failing pages once it is most of the 30 minutes, for 15 minutes',
      {
        // 10 calls a minute, all fine until minute 30, then every one an error. Like the app,
        // the verifierErrors series only appears with the first error. The 30-minute share
        // passes 50 % at minute 45; 15 minutes of `for` later (minute 60) it fires.
        input_series: [
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-x2x4z",worker="deposit-monitor",item="checked"}`, values: '0+10x120' },
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-x2x4z",worker="deposit-monitor",item="verifierErrors"}`, values: '_x30 10+10x90' },
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-x2x4z",worker="deposit-monitor",item="credited"}`, values: '0+10x30 300x90' },
        ],
        alert_rule_test: [
          { eval_time: '29m', alertname: 'KryptoVaultDepositVerifierFailing', exp_alerts: [] },
          { eval_time: '55m', alertname: 'KryptoVaultDepositVerifierFailing', exp_alerts: [] },
          { eval_time: '70m', alertname: 'KryptoVaultDepositVerifierFailing', exp_alerts: [{ exp_labels: critical }] },
          { eval_time: '110m', alertname: 'KryptoVaultDepositVerifierFailing', exp_alerts: [{ exp_labels: critical }] },
        ],
      },
    ],
    [
      'KryptoVaultDepositVerifierFailing: 10 % of the calls failing is healthy',
      {
        input_series: [
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-x2x4z",worker="deposit-monitor",item="checked"}`, values: '0+10x90' },
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-x2x4z",worker="deposit-monitor",item="verifierErrors"}`, values: '0+1x90' },
        ],
        alert_rule_test: [{ eval_time: '80m', alertname: 'KryptoVaultDepositVerifierFailing', exp_alerts: [] }],
      },
    ],
    [
      'KryptoVaultDepositVerifierFailing: nothing checked (no deposit to verify) is healthy',
      {
        // Old errors, no call in the window: 0 / 0 is NaN, never above the threshold.
        input_series: [
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-x2x4z",worker="deposit-monitor",item="checked"}`, values: '500x90' },
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-x2x4z",worker="deposit-monitor",item="verifierErrors"}`, values: '400x90' },
        ],
        alert_rule_test: [{ eval_time: '80m', alertname: 'KryptoVaultDepositVerifierFailing', exp_alerts: [] }],
      },
    ],
    [
      'KryptoVaultDepositVerifierFailing: two API pods exporting the same totals page at 60 %, as one does',
      {
        // Every API pod reads the totals from the database: identical series per pod.
        input_series: [
          ...['x2x4z', 'q8w7r'].flatMap((id) => [
            { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-${id}",worker="deposit-monitor",item="checked"}`, values: '0+10x90' },
            { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-${id}",worker="deposit-monitor",item="verifierErrors"}`, values: '0+6x90' },
            { series: `kryptovault_job_items_total{namespace="kryptovault",job="kryptovault-api",pod="kryptovault-api-6f7c9d8b5-${id}",worker="earnings",item="checked"}`, values: '0+100x90' },
          ]),
        ],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'KryptoVaultDepositVerifierFailing', exp_alerts: [] },
          { eval_time: '30m', alertname: 'KryptoVaultDepositVerifierFailing', exp_alerts: [{ exp_labels: critical }] },
        ],
      },
    ],
    [
      'KryptoVaultDepositVerifierFailing: an API pod started during a burst of errors does not skew the share (a sum would)',
      {
        // 10 calls a minute; all of them fail from minute 45 to 59 (150 errors), none after:
        // at most 50 % of any 30 minutes, which is not above the threshold. Pod b starts at
        // minute 45 (a rollout) and exports the same database totals from then on: its own
        // series sees only the burst (100 %). max() takes pod a's count of checks, which
        // covers the window; sum() would add pod b's burst-only share and page at minutes 69-71.
        input_series: [
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-aaaaa",worker="deposit-monitor",item="checked"}`, values: '0+10x120' },
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-aaaaa",worker="deposit-monitor",item="verifierErrors"}`, values: '_x45 10+10x14 150x60' },
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-7c8d9e6f5-bbbbb",worker="deposit-monitor",item="checked"}`, values: '_x45 460+10x75' },
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-7c8d9e6f5-bbbbb",worker="deposit-monitor",item="verifierErrors"}`, values: '_x45 10+10x14 150x60' },
        ],
        alert_rule_test: Array.from({ length: 41 }, (_, i) => 50 + i).map((m) => ({ eval_time: `${m}m`, alertname: 'KryptoVaultDepositVerifierFailing', exp_alerts: [] })),
      },
    ],
    [
      'KryptoVaultDepositVerifierFailing: two API pods at 40 % stay quiet, as one does',
      {
        input_series: ['x2x4z', 'q8w7r'].flatMap((id) => [
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-${id}",worker="deposit-monitor",item="checked"}`, values: '0+10x90' },
          { series: `kryptovault_job_items_total{${api},pod="kryptovault-api-6f7c9d8b5-${id}",worker="deposit-monitor",item="verifierErrors"}`, values: '0+4x90' },
        ]),
        alert_rule_test: [{ eval_time: '60m', alertname: 'KryptoVaultDepositVerifierFailing', exp_alerts: [] }],
      },
    ],
    [
      'KryptoVaultJobFailed: a recent failed run pages; an old one does not',
      {
        input_series: [
          { series: `kube_job_status_failed{namespace="kryptovault",job_name="${failedJob}"}`, values: '1x150' },
          { series: `kube_job_status_start_time{namespace="kryptovault",job_name="${failedJob}"}`, values: '0x150' },
          { series: `kube_job_status_failed{namespace="other",job_name="${failedJob}"}`, values: '1x150' },
          { series: `kube_job_status_start_time{namespace="other",job_name="${failedJob}"}`, values: '0x150' },
        ],
        alert_rule_test: [
          { eval_time: '5m', alertname: 'KryptoVaultJobFailed', exp_alerts: [{ exp_labels: { ...warning, job_name: failedJob } }] },
          { eval_time: '2h', alertname: 'KryptoVaultJobFailed', exp_alerts: [] },
        ],
      },
    ],
    [
      'KryptoVaultPodRestarting: restarts every few minutes page; a stable pod does not',
      {
        input_series: [
          { series: 'kube_pod_container_status_restarts_total{namespace="kryptovault",pod="kryptovault-api-abc",container="app"}', values: '0+1x90' },
          { series: 'kube_pod_container_status_restarts_total{namespace="kryptovault",pod="kryptovault-api-def",container="app"}', values: '2x90' },
        ],
        alert_rule_test: [
          {
            eval_time: '80m',
            alertname: 'KryptoVaultPodRestarting',
            exp_alerts: [{ exp_labels: { ...warning, namespace: 'kryptovault', pod: 'kryptovault-api-abc', container: 'app' } }],
          },
        ],
      },
    ],
  ];

  test('every alert has a case', () => {
    const tested = new Set(cases.map(([name]) => name.split(':')[0]));
    expect([...tested].sort()).toEqual(EXPECTED_ALERTS);
  });

  test.each(cases)('%s', (_name, testCase) => {
    const file = path.join(dir, `test-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, YAML.stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests: [{ interval: '1m', ...testCase }] }));
    const r = run('promtool', ['test', 'rules', file]);
    expect({ status: r.status, out: r.stdout + r.stderr }).toMatchObject({ status: 0 });
  });

  test('a wrong expectation fails (the tests can fail)', () => {
    const file = path.join(dir, 'wrong.yaml');
    const tests = [{ interval: '1m', input_series: [{ series: `up{${api},instance="a"}`, values: '1x15' }], alert_rule_test: [{ eval_time: '10m', alertname: 'KryptoVaultApiDown', exp_alerts: [{ exp_labels: critical }] }] }];
    fs.writeFileSync(file, YAML.stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests }));
    expect(run('promtool', ['test', 'rules', file]).status).not.toBe(0);
  });

  test('every runbook_url points at a section of docs/runbook.md', () => {
    const runbook = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'runbook.md'), 'utf8');
    const anchors = new Set([...runbook.matchAll(/^#{2,3} (KryptoVault\w+)$/gm)].map((m) => m[1]!.toLowerCase()));
    for (const r of rule.spec.groups[0].rules as Array<{ alert: string; annotations: Record<string, string> }>) {
      expect(r.annotations.runbook_url).toBe(`https://github.com/kryptovault/kryptovault/blob/main/docs/runbook.md#${r.alert.toLowerCase()}`);
      expect(anchors.has(r.alert.toLowerCase())).toBe(true);
    }
  });
});
