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
  'KryptoVaultJobFailed',
  'KryptoVaultPodRestarting',
];

test('the PrometheusRule of k8s/production passes promtool and has every alert', () => {
  const rule = variantObjects(productionVariant()).find((o) => o.kind === 'PrometheusRule')!;
  const r = checkRules(rule.spec);
  expect(r.out).toContain('SUCCESS: 6 rules found');
  expect(r.status).toBe(0);
  expect(rule.spec.groups[0].rules.map((x: { alert: string }) => x.alert).sort()).toEqual(EXPECTED_ALERTS);
});

test('the chart-rendered PrometheusRule passes promtool with custom thresholds', () => {
  const rule = helmTemplate({
    values: { monitoring: { prometheusRule: { enabled: true, errorRatePercent: 2, p99LatencyMilliseconds: 750, depositMonitorStaleMinutes: 30 } } },
  }).find((o) => o.kind === 'PrometheusRule')!;
  const r = checkRules(rule.spec);
  expect(r.status).toBe(0);
  const exprs = rule.spec.groups[0].rules.map((x: { expr: string }) => x.expr).join('\n');
  expect(exprs).toContain('> 2\n');
  expect(exprs).toContain('> 750');
  expect(exprs).toContain('> 60 * 30');
  // Prometheus' own templates survive Helm's.
  expect(rule.spec.groups[0].rules.find((x: { alert: string }) => x.alert === 'KryptoVaultJobFailed').annotations.description).toContain('{{ $labels.job_name }}');
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
