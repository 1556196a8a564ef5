/** `promtool check rules` on the alert rules, as rendered for k8s/ and by the chart. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { productionVariant } from '../src/config/variants';
import { variantObjects } from '../src/render/synthesize';
import { helmTemplate } from './helpers/helm';
import { run } from './helpers/tools';

function checkRules(spec: { groups: unknown[] }): { status: number; out: string } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kv-rules-')), 'rules.yaml');
  fs.writeFileSync(file, YAML.stringify({ groups: spec.groups }));
  const r = run('promtool', ['check', 'rules', file]);
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
