import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { productionExampleSettings } from '../../src/config/variants';
import { repoRoot } from '../../src/paths';
import { run, RunResult, runOk } from './tools';

export const CHART_DIR = path.join(repoRoot(), 'charts', 'kryptovault');

export type K8sObject = Record<string, any> & { apiVersion: string; kind: string; metadata: { name: string; [k: string]: any } };

export function parseDocs(text: string): K8sObject[] {
  return YAML.parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`invalid YAML: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((d): d is K8sObject => d !== null);
}

/** Writes values to a temp file (helm takes files; --set would stringify). */
export function valuesFile(values: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kv-values-')), 'values.yaml');
  fs.writeFileSync(file, YAML.stringify(values));
  return file;
}

/**
 * The settings the chart's defaults (production mode) require, as a values file: every
 * render starts from it, as every real install must, unless `defaultsOnly` is set.
 */
let productionExampleFile: string | undefined;
export function productionExampleValuesFile(): string {
  productionExampleFile ??= valuesFile(productionExampleSettings());
  return productionExampleFile;
}

export interface TemplateOptions {
  release?: string;
  namespace?: string;
  valuesFiles?: string[];
  values?: unknown;
  chartDir?: string;
  /** Render the chart's defaults alone, without productionExampleSettings(). */
  defaultsOnly?: boolean;
  /** Render as for a cluster without the Prometheus Operator CRDs. */
  withoutMonitoringCrds?: boolean;
}

function templateArgs(o: TemplateOptions): string[] {
  const args = ['template', o.release ?? 'kryptovault', o.chartDir ?? CHART_DIR, '--namespace', o.namespace ?? 'default'];
  if (!o.defaultsOnly) args.push('-f', productionExampleValuesFile());
  for (const f of o.valuesFiles ?? []) args.push('-f', f);
  if (o.values !== undefined) args.push('-f', valuesFile(o.values));
  // A cluster with the Prometheus Operator, unless a test asks for one without.
  if (!o.withoutMonitoringCrds) args.push('--api-versions', 'monitoring.coreos.com/v1');
  return args;
}

export function helmTemplate(o: TemplateOptions = {}): K8sObject[] {
  return parseDocs(runOk('helm', templateArgs(o)));
}

export function helmTemplateRaw(o: TemplateOptions = {}): RunResult {
  return run('helm', templateArgs(o));
}

export function ciValuesFiles(): string[] {
  return fs
    .readdirSync(path.join(CHART_DIR, 'ci'))
    .filter((f) => f.endsWith('-values.yaml'))
    .sort()
    .map((f) => path.join(CHART_DIR, 'ci', f));
}

/** The pod spec(s) an object runs: a CronJob's job template, a workload's template, a Pod itself. */
export function podSpecs(o: K8sObject): any[] {
  if (o.kind === 'CronJob') return [o.spec.jobTemplate.spec.template.spec];
  if (['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind)) return [o.spec.template.spec];
  if (o.kind === 'Pod') return [o.spec];
  return [];
}
