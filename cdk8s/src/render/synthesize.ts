/**
 * Synthesis of the two outputs: plain manifests per variant, and the Helm chart.
 * Both return file maps (relative path -> content) so tests can synthesize in memory
 * and compare with what is committed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { SchemaNode } from '../config/schema-dsl';
import { configSchema, defaultConfig, KryptoVaultConfig } from '../config/values';
import { productionExampleSettings, Variant, VARIANTS } from '../config/variants';
import { concreteContext, helmContext, objectMeta } from '../constructs/context';
import { token } from '../helm/expr';
import { conditionOf, templateFileOf } from '../helm/object-options';
import { KryptoVaultChart } from '../kryptovault-chart';
import { GENERATED_NOTICE, helpersTpl } from './helpers-tpl';
import { chartReadme } from './chart-readme';
import { notesTxt } from './notes';
import { renderValuesSchema, renderValuesYaml } from './values-yaml';
import { toHelmTemplate, toPlainYaml } from './yaml';

export const KUBE_VERSION = '>=1.28.0-0';

const packageVersion = (file: string) => (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;

/** The app's version: the root package.json (the image is built from it). */
export function appVersion(): string {
  return packageVersion(path.resolve(__dirname, '..', '..', '..', 'package.json'));
}

/** The chart's own version: cdk8s/package.json, bumped when the chart changes (chart CI checks it). */
export function chartVersion(): string {
  return packageVersion(path.resolve(__dirname, '..', '..', 'package.json'));
}

export type FileMap = Map<string, string>;

/** Apply order for kubectl: what others reference comes first. */
const KIND_ORDER = [
  'Namespace', 'ServiceAccount', 'Secret', 'ConfigMap', 'Role', 'RoleBinding', 'Service', 'StatefulSet',
  'Job', 'Deployment', 'CronJob', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Ingress', 'NetworkPolicy',
  'ServiceMonitor', 'PrometheusRule', 'Pod',
];

export function sortObjects<T extends { kind: string; metadata: { name: string } }>(objects: T[]): T[] {
  const rank = (k: string) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);
  return [...objects].sort((a, b) => rank(a.kind) - rank(b.kind) || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}

/** The objects of a variant, concrete and validated. */
export function variantObjects(variant: Variant): Array<Record<string, any>> {
  const app = new App();
  const ctx = concreteContext(variant.config, { releaseName: variant.releaseName, namespace: variant.namespace, appVersion: appVersion() });
  const chart = new KryptoVaultChart(app, 'kryptovault', { config: variant.config, context: ctx, devStack: variant.devStack });
  // The namespace enforces the restricted Pod Security Standard on everything in it.
  const ns = new Chart(app, 'namespace');
  const meta = objectMeta(ctx, variant.namespace, 'namespace');
  new ApiObject(ns, 'Namespace', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: variant.namespace,
      labels: {
        ...meta.labels,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  });
  return sortObjects([...ns.toJson(), ...chart.toJson()]);
}

/** Objects of a concrete config (for tests of single constructs and configs). */
export function configObjects(config: KryptoVaultConfig, release = { releaseName: 'kryptovault', namespace: 'default' }): Array<Record<string, any>> {
  const app = new App();
  const ctx = concreteContext(config, { ...release, appVersion: appVersion() });
  return sortObjects(new KryptoVaultChart(app, 'kryptovault', { config, context: ctx }).toJson());
}

/**
 * Which file of k8s/<variant>/ an object goes to, so `kubectl apply -f k8s/<variant>/` works in
 * file-name order and each part can be applied (or dry-run) on its own: the Namespace first
 * (a server-side dry-run of the rest needs it to exist), then the dev companions, then the app.
 */
const MANIFEST_FILES: Array<{ file: string; what: string; holds: (o: Record<string, any>) => boolean }> = [
  { file: '00-namespace.yaml', what: 'the Namespace (restricted Pod Security); apply it first', holds: (o) => o.kind === 'Namespace' },
  {
    file: '10-postgres.yaml',
    what: 'dev only: the dev Secret and a throwaway PostgreSQL',
    holds: (o) => ['dev-secrets', 'postgres'].includes(o.metadata?.labels?.['app.kubernetes.io/component']),
  },
  {
    file: '20-observability.yaml',
    what: 'dev only: an OpenTelemetry collector and a Prometheus loading the alert rules',
    holds: (o) => ['otel-collector', 'prometheus'].includes(o.metadata?.labels?.['app.kubernetes.io/component']),
  },
  { file: 'kryptovault.yaml', what: 'KryptoVault itself', holds: () => true },
];

export function synthesizeManifests(): FileMap {
  const files: FileMap = new Map();
  for (const variant of VARIANTS()) {
    let rest = variantObjects(variant);
    for (const part of MANIFEST_FILES) {
      const mine = rest.filter(part.holds);
      rest = rest.filter((o) => !part.holds(o));
      if (mine.length === 0) continue;
      files.set(
        `k8s/${variant.name}/${part.file}`,
        `# ${GENERATED_NOTICE}\n# ${variant.description}\n# This file: ${part.what}.\n---\n${mine.map(toPlainYaml).join('---\n')}`,
      );
    }
  }
  files.set('k8s/README.md', manifestsReadme());
  return files;
}

function manifestsReadme(): string {
  const lines = [
    '# Plain Kubernetes manifests',
    '',
    `${GENERATED_NOTICE}`,
    '',
    'Rendered from the same cdk8s constructs as the Helm chart (`charts/kryptovault`).',
    '',
    ...VARIANTS().flatMap((v) => [`- \`${v.name}/kryptovault.yaml\`: ${v.description}`]),
    '',
    'Apply a variant with `kubectl apply -f k8s/<variant>/` (files apply in name order: the Namespace, then the dev companions, then',
    '`kryptovault.yaml`). A server-side dry-run needs the Namespace to exist: apply `00-namespace.yaml` first. The migration Job is a plain Job here:',
    'Jobs are immutable, so delete the previous one first (`kubectl -n <ns> delete job kryptovault-migrate --ignore-not-found`).',
    'Pods report ready only once migrations are applied (`/readyz`). See docs/kubernetes.md.',
    '',
  ];
  return lines.join('\n');
}

/** The config whose every leaf is a `.Values` token of the leaf's kind. */
export function helmConfig(): KryptoVaultConfig {
  const tokenize = (node: SchemaNode, p: string[]): unknown => {
    const expr = `.Values.${p.join('.')}`;
    switch (node.kind) {
      case 'object':
        return Object.fromEntries(Object.entries(node.fields).map(([k, child]) => [k, tokenize(child, [...p, k])]));
      case 'int':
        return token('int', `${expr} | int64`);
      case 'bool':
        return token('bool', expr);
      case 'string':
        return token('str', expr);
      case 'block':
        return token('block', expr);
    }
  };
  return tokenize(configSchema, []) as KryptoVaultConfig;
}

function kebab(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

export function synthesizeChart(): FileMap {
  const files: FileMap = new Map();
  const dir = 'charts/kryptovault';
  const config = helmConfig();
  const app = new App();
  const chart = new KryptoVaultChart(app, 'kryptovault', { config, context: helmContext(config) });
  const seen = new Set<string>();
  for (const obj of chart.node.findAll().filter(ApiObject.isApiObject)) {
    const file =
      templateFileOf(obj) ??
      `${obj.node.path.split('/').slice(1).filter((s) => s !== 'Resource').map(kebab).join('-')}.yaml`;
    if (seen.has(file)) throw new Error(`duplicate template file ${file}`);
    seen.add(file);
    const body = toHelmTemplate(obj.toJson(), conditionOf(obj));
    files.set(`${dir}/templates/${file}`, `{{- /* ${GENERATED_NOTICE} */ -}}\n${body}`);
  }
  files.set(`${dir}/templates/_helpers.tpl`, helpersTpl());
  files.set(`${dir}/templates/validate.yaml`, `{{- /* ${GENERATED_NOTICE} Renders nothing; fails on a broken rule. */ -}}\n{{- include "kryptovault.validate" . }}\n`);
  files.set(`${dir}/templates/NOTES.txt`, notesTxt());
  // Users' own objects: each item rendered with tpl so strings may use the release's values.
  files.set(
    `${dir}/templates/extra-objects.yaml`,
    `{{- /* ${GENERATED_NOTICE} */ -}}\n{{- range .Values.extraObjects }}\n---\n{{ tpl (toYaml .) $ }}\n{{- end }}\n`,
  );
  files.set(`${dir}/Chart.yaml`, chartYaml());
  files.set(`${dir}/values.yaml`, renderValuesYaml(configSchema, defaultConfig(), `# ${GENERATED_NOTICE}\n# Every key is checked by values.schema.json; see docs/kubernetes.md.\n\n`));
  files.set(`${dir}/values.schema.json`, renderValuesSchema(configSchema));
  files.set(`${dir}/README.md`, chartReadme(configSchema, { version: chartVersion(), appVersion: appVersion(), kubeVersion: KUBE_VERSION, header: `<!-- ${GENERATED_NOTICE} -->` }));
  files.set(`${dir}/.helmignore`, '# Patterns ignored when packaging\n.DS_Store\n*.swp\n*.bak\n*.tmp\n');
  for (const [name, values] of ciValues()) {
    files.set(`${dir}/ci/${name}-values.yaml`, `# ${GENERATED_NOTICE}\n${YAML.stringify(values, { lineWidth: 0, indentSeq: true, sortMapEntries: true })}`);
  }
  return files;
}

function chartYaml(): string {
  return `# ${GENERATED_NOTICE}\n${YAML.stringify({
    apiVersion: 'v2',
    name: 'kryptovault',
    description: 'KryptoVault crypto savings backend: NestJS API, deposit-monitor and earnings CronJobs, automation runner, migration hook.',
    type: 'application',
    version: chartVersion(),
    appVersion: appVersion(),
    kubeVersion: KUBE_VERSION,
    home: 'https://github.com/kryptovault/kryptovault',
    sources: ['https://github.com/kryptovault/kryptovault'],
    icon: 'https://raw.githubusercontent.com/kryptovault/kryptovault/main/docs/img/kryptovault.svg',
    maintainers: [{ name: 'KryptoVault platform team', email: 'platform@kryptovault.dev', url: 'https://github.com/kryptovault' }],
    keywords: ['kryptovault', 'nestjs', 'postgresql'],
    annotations: { 'kryptovault.dev/generated-by': 'cdk8s' },
  })}`;
}

/**
 * The values matrix `helm lint`/`helm template` run against (chart CI): the two variants'
 * full configs plus files that switch on every optional object and the unusual paths. Those
 * run in production mode (the default), so each also carries the settings it requires;
 * none of them sets `env` or `assets` itself.
 */
export function ciValues(): Array<[string, unknown]> {
  const [dev, production] = VARIANTS();
  const partials: Array<[string, object]> = [
    ['autoscaling', { api: { autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 12, targetCPUUtilizationPercentage: 60 } } }],
    [
      'ingress-tls',
      {
        api: {
          ingress: {
            enabled: true,
            className: 'nginx',
            host: 'api.example.org',
            annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
            tls: { enabled: true, secretName: 'api-example-org-tls' },
          },
          service: { type: 'ClusterIP', port: 8080 },
        },
      },
    ],
    [
      'monitoring-network-policy',
      {
        monitoring: {
          serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prometheus' } },
          prometheusRule: { enabled: true, labels: { release: 'prometheus' }, errorRatePercent: 2 },
        },
        networkPolicy: {
          enabled: true,
          ingressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
          egress: [
            { to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
            { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 5432, protocol: 'TCP' }] },
          ],
        },
      },
    ],
    [
      'existing-account-digest',
      {
        fullnameOverride: 'kv',
        image: { repository: 'registry.example.org/kv/backend', digest: `sha256:${'a'.repeat(64)}`, pullPolicy: 'Always' },
        imagePullSecrets: [{ name: 'registry-creds' }],
        serviceAccount: { create: false, name: 'kv-runner' },
        secrets: { existingSecret: 'kv-env', keys: { REDIS_URL: 'redis-url', SENTRY_DSN: 'sentry', SMTP_PASSWORD: 'smtp', BLOCKCHAIN_VERIFIER_SECRET: 'verifier-secret' } },
        commonLabels: { team: 'payments' },
        commonAnnotations: { 'owner.example.org/contact': 'payments@example.org' },
        podLabels: { 'sidecar.istio.io/inject': 'false' },
        podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' },
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'money', effect: 'NoSchedule' }],
        depositMonitor: { timeZone: 'Etc/UTC', schedule: '*/5 * * * *' },
      },
    ],
    [
      'minimal',
      {
        runScheduledJobs: true,
        api: { replicaCount: 1, pdb: { enabled: false } },
        depositMonitor: { suspend: true },
        earnings: { suspend: true },
        housekeeping: { suspend: true },
        emailSender: { suspend: true },
        automation: { enabled: false },
        migration: { enabled: false },
        monitoring: { scrapeAnnotations: false },
      },
    ],
  ];
  return [
    ['dev', dev.config],
    ['production', production.config],
    ...partials.map(([name, values]): [string, unknown] => [name, { ...productionExampleSettings(), ...values }]),
  ];
}

/** Writes `files` under `root`, removing stale generated files first. */
export function writeFiles(root: string, files: FileMap, generatedDirs: string[]): void {
  for (const d of generatedDirs) fs.rmSync(path.join(root, d), { recursive: true, force: true });
  for (const [rel, content] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const target = path.join(root, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}

export const GENERATED_DIRS = ['charts/kryptovault', 'k8s'];

export function synthesizeAll(): FileMap {
  return new Map([...synthesizeChart(), ...synthesizeManifests()]);
}

