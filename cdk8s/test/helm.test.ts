/** The generated chart, checked with a real helm: lint, render matrix, schema, rules, parity with k8s/. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { ASSET_CODES } from '../src/config/assets';
import { RULES } from '../src/config/rules';
import { defaultConfig } from '../src/config/values';
import { productionExampleSettings, productionVariant, VARIANTS, withOverrides } from '../src/config/variants';
import { concreteContext } from '../src/constructs/context';
import { appConfigData } from '../src/kryptovault-chart';
import { configObjects, variantObjects } from '../src/render/synthesize';
import { BROKEN_BY_RULE } from './helpers/broken-configs';
import { CHART_DIR, ciValuesFiles, helmTemplate, helmTemplateRaw, K8sObject, parseDocs, podSpecs, productionExampleValuesFile, valuesFile } from './helpers/helm';
import { objectProblems } from './helpers/k8s-schema';
import { policyProblems } from './helpers/policy';
import { run, runOk } from './helpers/tools';

const matrix: Array<[string, string[]]> = [
  ['default values plus the production settings', [productionExampleValuesFile()]],
  ...ciValuesFiles().map((f): [string, string[]] => [path.basename(f), [f]]),
];

test('default values alone fail, naming every production setting they lack', () => {
  const r = helmTemplateRaw({ defaultsOnly: true });
  expect(r.status).not.toBe(0);
  const missing = RULES.filter((rule) => rule.id === 'production-needs-verifier-url' || rule.id.startsWith('production-needs-deposit-address-'));
  expect(missing).toHaveLength(1 + ASSET_CODES.length);
  for (const rule of missing) expect(r.stderr).toContain(rule.message);
});

describe.each(matrix)('chart with %s', (_name, files) => {
  test('helm lint --strict passes', () => {
    const out = runOk('helm', ['lint', '--strict', CHART_DIR, ...files.flatMap((f) => ['-f', f])]);
    expect(out).toContain('0 chart(s) failed');
  });

  test('every rendered object is schema-valid, policy-compliant and namespaced to the release', () => {
    const objects = helmTemplate({ release: 'rel', namespace: 'team-ns', valuesFiles: files });
    expect(objects.length).toBeGreaterThan(5);
    expect(objects.flatMap(objectProblems)).toEqual([]);
    expect(policyProblems(objects)).toEqual([]);
    for (const o of objects) expect(o.metadata.namespace).toBe('team-ns');
  });
});

describe('rendering details', () => {
  const objects = helmTemplate({ release: 'rel', namespace: 'ns' });
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

  test('integers stay integers and booleans stay booleans', () => {
    const dep = find('Deployment', 'rel-kryptovault-api');
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.template.spec.terminationGracePeriodSeconds).toBe(45);
    const cj = find('CronJob', 'rel-kryptovault-deposit-monitor');
    expect(cj.spec.suspend).toBe(false);
    expect(find('CronJob', 'rel-kryptovault-earnings').spec.suspend).toBe(false);
    expect(find('CronJob', 'rel-kryptovault-housekeeping').spec).toMatchObject({ suspend: false, schedule: '30 3 * * *' });
    expect(cj.spec.startingDeadlineSeconds).toBe(60);
    expect(find('Service', 'rel-kryptovault-api').spec.ports[0].port).toBe(80);
    const cfg = find('ConfigMap', 'rel-kryptovault-config');
    expect(cfg.data.SMTP_PORT).toBe('587');
    expect(cfg.data.SHUTDOWN_DELAY_MS).toBe('10000');
  });

  test('optional objects are off by default and appear when enabled', () => {
    const kinds = objects.map((o) => o.kind);
    for (const k of ['Ingress', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'ServiceMonitor', 'PrometheusRule']) expect(kinds).not.toContain(k);
    expect(kinds).toContain('PodDisruptionBudget');
    const on = helmTemplate({
      values: {
        api: { autoscaling: { enabled: true }, ingress: { enabled: true } },
        networkPolicy: { enabled: true },
        monitoring: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } },
      },
    });
    const dep = on.find((o) => o.kind === 'Deployment' && o.metadata.name === 'kryptovault-api')!;
    expect(dep.spec.replicas).toBeUndefined();
    expect(on.map((o) => o.kind)).toEqual(expect.arrayContaining(['Ingress', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'ServiceMonitor', 'PrometheusRule']));
  });

  test('the migration Job is a pre-install/pre-upgrade hook after its ServiceAccount and ConfigMap', () => {
    const job = find('Job', 'rel-kryptovault-migrate');
    const a = job.metadata.annotations;
    expect(a['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(a['helm.sh/hook-delete-policy']).toBe('before-hook-creation');
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(job.spec.template.spec.containers[0].command).toEqual(['node', 'scripts/prisma-offline.js', 'migrate', 'deploy']);
    expect(job.spec.template.spec.containers[0].image).toBe(find('Deployment', 'rel-kryptovault-api').spec.template.spec.containers[0].image);
    const sa = find('ServiceAccount', job.spec.template.spec.serviceAccountName);
    const cm = find('ConfigMap', job.spec.template.spec.containers[0].envFrom[0].configMapRef.name);
    for (const pre of [sa, cm]) {
      expect(pre.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expect(Number(pre.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(Number(a['helm.sh/hook-weight']));
    }
  });

  test('without the Prometheus Operator CRDs, ServiceMonitor and PrometheusRule are skipped (not a failed install) and NOTES says so', () => {
    const values = { monitoring: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } } };
    const kinds = (o: { withoutMonitoringCrds?: boolean }) => helmTemplate({ values, ...o }).map((x) => x.kind);
    expect(kinds({})).toEqual(expect.arrayContaining(['ServiceMonitor', 'PrometheusRule']));
    expect(kinds({ withoutMonitoringCrds: true })).not.toEqual(expect.arrayContaining(['ServiceMonitor']));
    expect(kinds({ withoutMonitoringCrds: true })).not.toContain('PrometheusRule');
    // NOTES.txt is not rendered by `helm template` and `helm install --dry-run` needs a cluster: check its guard.
    const notes = fs.readFileSync(path.join(CHART_DIR, 'templates', 'NOTES.txt'), 'utf8');
    expect(notes).toContain('(not (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1"))');
    expect(notes).toContain('does not serve\nmonitoring.coreos.com/v1');
  });

  test('NOTES.txt states what a missing Secret does (the migration Job fails at its deadline, before helm\'s default timeout) and says nothing of the hook when migrations are off', () => {
    const on = renderNotes({});
    expect(on).toContain('Migrations ran as the pre-install/pre-upgrade hook Job rel-kryptovault-migrate');
    expect(on).toContain('migration.activeDeadlineSeconds (270 s)\nwith DeadlineExceeded');
    expect(on).toContain('job rel-kryptovault-migrate failed:\nDeadlineExceeded');
    expect(on).toContain('helm upgrade --install');
    expect(on).not.toContain('waits until --timeout');
    expect(renderNotes({ migration: { activeDeadlineSeconds: 900 } })).toContain('(900 s)');
    const off = renderNotes({ migration: { enabled: false } });
    expect(off).toContain('Migrations are off (migration.enabled=false)');
    expect(off).not.toMatch(/hook|migrate|DeadlineExceeded|activeDeadlineSeconds/);
    expect(off).toContain('create secret generic rel-kryptovault-secrets');
  });

  test('NOTES.txt warns when the Service is exposed without the Ingress while TRUST_PROXY trusts forwarded hops, and only then', () => {
    const warning = 'can pick its own IP';
    expect(renderNotes({ api: { service: { type: 'LoadBalancer' } } })).toContain(warning);
    expect(renderNotes({ api: { service: { type: 'NodePort' } } })).toContain('env.TRUST_PROXY=1 trusts that many X-Forwarded-For hops');
    expect(renderNotes({})).not.toContain(warning);
    expect(renderNotes({ api: { service: { type: 'LoadBalancer' } }, env: { TRUST_PROXY: '0' } })).not.toContain(warning);
    expect(renderNotes({ api: { service: { type: 'LoadBalancer' } }, env: { TRUST_PROXY: '10.0.0.0/8' } })).not.toContain(warning);
  });

  test('the migration gets only the database settings, and gives up before helm does', () => {
    const job = find('Job', 'rel-kryptovault-migrate');
    const cm = find('ConfigMap', job.spec.template.spec.containers[0].envFrom[0].configMapRef.name);
    expect(Object.keys(cm.data).sort()).toEqual(['DATABASE_CONNECT_TIMEOUT_MS', 'DATABASE_POOL_SIZE', 'DATABASE_STATEMENT_TIMEOUT_MS', 'NODE_ENV']);
    // helm's default --timeout is 5m: the Job's own deadline must come first.
    expect(job.spec.activeDeadlineSeconds).toBeLessThan(300);
  });

  test('as a subchart: any global keys are accepted; global.imageRegistry and global.imagePullSecrets apply to every pod, as in the plain manifests', () => {
    const global = { imageRegistry: 'mirror.internal:5000', imagePullSecrets: [{ name: 'mirror-cred' }], postgresql: { auth: { database: 'x' } } };
    const objs = helmTemplate({ values: { global, imagePullSecrets: [{ name: 'regcred' }] } });
    const specs = objs
      .filter((o) => ['Deployment', 'CronJob', 'Job', 'Pod'].includes(o.kind))
      .flatMap(podSpecs);
    expect(specs.length).toBeGreaterThanOrEqual(7);
    for (const spec of specs) {
      expect(spec.containers[0].image).toMatch(/^mirror\.internal:5000\/kryptovault\/backend:/);
      expect(spec.imagePullSecrets).toEqual([{ name: 'mirror-cred' }, { name: 'regcred' }]);
    }
    // The chart's helper and the synth agree on every repository form.
    for (const repository of ['ghcr.io/kryptovault/backend', 'kryptovault/backend', 'localhost/backend', 'localhost:5000/kv/backend', 'backend']) {
      const values = { global: { imageRegistry: 'mirror.internal:5000' }, image: { repository, tag: 'v1' } };
      const rendered = helmTemplate({ values }).find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].image;
      const config = withOverrides(withOverrides(defaultConfig(), productionExampleSettings()), values);
      expect(rendered).toBe(concreteContext(config, { releaseName: 'kryptovault', namespace: 'default', appVersion: '0.1.0' }).image);
    }
  });

  test('escape hatches reach every app pod: extraEnv, extraEnvFrom, extraVolumes/Mounts, initContainers, sidecars; extraObjects are rendered with tpl', () => {
    const values = {
      extraEnv: [{ name: 'EXTRA', value: '1' }],
      extraEnvFrom: [{ secretRef: { name: 'extra-secret' } }],
      extraVolumes: [{ name: 'certs', secret: { secretName: 'pg-ca' } }],
      extraVolumeMounts: [{ name: 'certs', mountPath: '/certs', readOnly: true }],
      initContainers: [{ name: 'wait', image: 'busybox:1.37', command: ['true'] }],
      sidecars: [{ name: 'proxy', image: 'proxy:2' }],
      extraObjects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '{{ .Release.Name }}-extra' }, data: { a: 'b' } }],
    };
    const objs = helmTemplate({ release: 'rel', values });
    const specs = objs
      .filter((o) => ['Deployment', 'CronJob', 'Job'].includes(o.kind))
      .flatMap(podSpecs);
    expect(specs.length).toBeGreaterThanOrEqual(6);
    for (const spec of specs) {
      const app = spec.containers[0];
      expect(app.env[app.env.length - 1]).toEqual({ name: 'EXTRA', value: '1' });
      expect(app.envFrom[app.envFrom.length - 1]).toEqual({ secretRef: { name: 'extra-secret' } });
      expect(app.volumeMounts).toContainEqual({ name: 'certs', mountPath: '/certs', readOnly: true });
      expect(spec.volumes).toContainEqual({ name: 'certs', secret: { secretName: 'pg-ca' } });
      expect(spec.initContainers.map((c: { name: string }) => c.name)).toEqual(['wait']);
      expect(spec.containers.map((c: { name: string }) => c.name)).toEqual(['app', 'proxy']);
    }
    expect(objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'rel-extra')!.data).toEqual({ a: 'b' });
  });

  test('podLabels/commonLabels and podAnnotations/commonAnnotations never write a key twice; the chart keeps its own annotations', () => {
    const values = { podLabels: { team: 'payments' }, commonLabels: { team: 'platform', env: 'prod' }, podAnnotations: { 'checksum/config': 'hijack', note: 'pod' }, commonAnnotations: { note: 'common' } };
    const raw = helmTemplateRaw({ release: 'rel', values }).stdout;
    const template = raw.slice(raw.indexOf('kind: Deployment'));
    const podMeta = template.slice(template.indexOf('  template:'), template.indexOf('    spec:'));
    expect(podMeta.match(/^ +team: /gm)).toHaveLength(1);
    expect(podMeta.match(/^ +note: /gm)).toHaveLength(1);
    expect(podMeta.match(/^ +checksum\/config: /gm)).toHaveLength(1);
    const dep = helmTemplate({ release: 'rel', values }).find((o) => o.kind === 'Deployment')!;
    expect(dep.spec.template.metadata.labels).toMatchObject({ team: 'payments', env: 'prod' });
    expect(dep.spec.template.metadata.annotations.note).toBe('pod');
    expect(dep.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('no mapping of any rendered object has a duplicate key when common and object-specific labels/annotations overlap; specific beats common, the chart beats both', () => {
    // Every object on (Ingress, HPA, PDB, NetworkPolicy, ServiceMonitor, PrometheusRule, the
    // migration hook's Job/ConfigMap/ServiceAccount, the test Pod), every map naming the same keys.
    const values = {
      commonLabels: { team: 'a' },
      commonAnnotations: { owner: 'common', 'helm.sh/hook-weight': '5' },
      podLabels: { team: 'pod' },
      podAnnotations: { owner: 'pod' },
      serviceAccount: { annotations: { owner: 'sa', 'helm.sh/hook': 'post-install' } },
      api: {
        autoscaling: { enabled: true },
        service: { labels: { team: 'svc' }, annotations: { owner: 'svc', 'helm.sh/hook-delete-policy': 'hook-succeeded' } },
        ingress: { enabled: true, annotations: { owner: 'ing' } },
      },
      networkPolicy: { enabled: true },
      monitoring: {
        serviceMonitor: { enabled: true, labels: { team: 'sm', 'app.kubernetes.io/component': 'hijack', 'app.kubernetes.io/instance': 'other' } },
        prometheusRule: { enabled: true, labels: { team: 'pr', 'helm.sh/chart': 'hijack' } },
      },
    };
    const rendered = helmTemplateRaw({ release: 'rel', values });
    expect(rendered.stderr).toBe('');
    const raw = rendered.stdout;
    // A parser that refuses a key written twice in one mapping (helm template does not complain).
    const docs = YAML.parseAllDocuments(raw, { uniqueKeys: true });
    const problems = docs.flatMap((d) => d.errors.map((e) => `${(d.toJS() as K8sObject | null)?.kind ?? '?'}/${(d.toJS() as K8sObject | null)?.metadata?.name ?? '?'}: ${e.message.split('\n')[0]}`));
    expect(problems).toEqual([]);
    const objs = parseDocs(raw);
    const kinds = new Set(objs.map((o) => o.kind));
    for (const k of ['Service', 'Ingress', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'ServiceMonitor', 'PrometheusRule', 'ServiceAccount', 'Job', 'CronJob', 'Pod']) expect(kinds).toContain(k);
    const get = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)!;

    // Object-specific maps win over the common ones.
    expect(get('Service', 'rel-kryptovault-api').metadata).toMatchObject({ labels: { team: 'svc' }, annotations: { owner: 'svc' } });
    expect(get('Ingress', 'rel-kryptovault-api').metadata.annotations.owner).toBe('ing');
    expect(get('ServiceAccount', 'rel-kryptovault').metadata.annotations.owner).toBe('sa');
    expect(get('ServiceAccount', 'rel-kryptovault-migrate').metadata.annotations.owner).toBe('sa');
    expect(get('ServiceMonitor', 'rel-kryptovault-api').metadata.labels.team).toBe('sm');
    expect(get('PrometheusRule', 'rel-kryptovault').metadata.labels.team).toBe('pr');
    expect(get('Deployment', 'rel-kryptovault-api').metadata).toMatchObject({ labels: { team: 'a' }, annotations: { owner: 'common' } });
    expect(get('Deployment', 'rel-kryptovault-api').spec.template.metadata).toMatchObject({ labels: { team: 'pod' }, annotations: { owner: 'pod' } });

    // The chart's labels win: selector labels stay, whatever a user map says.
    expect(get('ServiceMonitor', 'rel-kryptovault-api').metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'metrics', 'app.kubernetes.io/instance': 'rel' });
    expect(get('PrometheusRule', 'rel-kryptovault').metadata.labels['helm.sh/chart']).toMatch(/^kryptovault-\d/);

    // Hook annotations are the chart's: the migration keeps its order, and no user map makes
    // another object a hook or changes a hook's weight or delete policy.
    const hook = (kind: string, name: string) => get(kind, name).metadata.annotations ?? {};
    expect(hook('Job', 'rel-kryptovault-migrate')).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '-10', 'helm.sh/hook-delete-policy': 'before-hook-creation', owner: 'common' });
    for (const [kind, name] of [['ConfigMap', 'rel-kryptovault-migrate'], ['ServiceAccount', 'rel-kryptovault-migrate']]) {
      expect(hook(kind, name)).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '-20', 'helm.sh/hook-delete-policy': 'before-hook-creation' });
    }
    expect(hook('Pod', 'rel-kryptovault-test')['helm.sh/hook-weight']).toBeUndefined();
    for (const o of objs.filter((x) => !['rel-kryptovault-migrate', 'rel-kryptovault-test'].includes(x.metadata.name))) {
      expect(Object.keys(o.metadata.annotations ?? {}).filter((k) => k.startsWith('helm.sh/hook'))).toEqual([]);
    }

    // The plain manifests of the same config resolve every shared key the same way.
    const config = withOverrides(withOverrides(defaultConfig(), productionExampleSettings()), values as never);
    const fromManifests = new Map((configObjects(config, { releaseName: 'rel', namespace: 'default' }) as K8sObject[]).map((o) => [key(o), normalize(o)]));
    const fromChart = objs.filter((o) => o.metadata.annotations?.['helm.sh/hook'] !== 'test').map(normalize);
    expect(fromChart.map(key).sort()).toEqual([...fromManifests.keys()].sort());
    for (const o of fromChart) expect(o).toEqual(fromManifests.get(key(o)));
  });

  test('podAnnotations may set prometheus.io/* where the chart does not: with scrapeAnnotations off, and on pods that serve no metrics', () => {
    const podAnnotations = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102', 'prometheus.io/path': '/custom' };
    const annotations = (values: object, kind: string, name: string) => {
      const o = helmTemplate({ release: 'rel', values }).find((x) => x.kind === kind && x.metadata.name === `rel-kryptovault-${name}`)!;
      return kind === 'CronJob' ? o.spec.jobTemplate.spec.template.metadata.annotations : o.spec.template.metadata.annotations;
    };
    // The chart's own scrape annotations win while it writes them.
    expect(annotations({ podAnnotations }, 'Deployment', 'api')).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '3000', 'prometheus.io/path': '/metrics' });
    // Scrape annotations off: the user's are kept (they were silently dropped before).
    expect(annotations({ podAnnotations, monitoring: { scrapeAnnotations: false } }, 'Deployment', 'api')).toMatchObject(podAnnotations);
    expect(annotations({ podAnnotations, monitoring: { scrapeAnnotations: false } }, 'Deployment', 'automation')).toMatchObject(podAnnotations);
    // A CronJob pod serves no /metrics, so the chart never writes them there.
    expect(annotations({ podAnnotations }, 'CronJob', 'earnings')).toMatchObject(podAnnotations);
    expect(annotations({}, 'CronJob', 'earnings')['prometheus.io/scrape']).toBeUndefined();
    // checksum/config stays the chart's everywhere.
    expect(annotations({ podAnnotations: { 'checksum/config': 'x' }, monitoring: { scrapeAnnotations: false } }, 'Deployment', 'api')['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('scheduling per component, each empty field falling back to the top-level one', () => {
    const antiAffinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/component': 'api' } } } }] } };
    const spread = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/component': 'api' } } }];
    const values = {
      nodeSelector: { pool: 'general' },
      priorityClassName: 'kv-normal',
      api: { scheduling: { affinity: antiAffinity, topologySpreadConstraints: spread, priorityClassName: 'kv-critical' } },
      depositMonitor: { scheduling: { nodeSelector: { pool: 'batch' }, tolerations: [{ key: 'batch', operator: 'Exists', effect: 'NoSchedule' }] } },
    };
    const objs = helmTemplate({ release: 'rel', values });
    const spec = (kind: string, name: string) => {
      const o = objs.find((x) => x.kind === kind && x.metadata.name === `rel-kryptovault-${name}`)!;
      return podSpecs(o)[0];
    };
    expect(spec('Deployment', 'api')).toMatchObject({ affinity: antiAffinity, topologySpreadConstraints: spread, priorityClassName: 'kv-critical', nodeSelector: { pool: 'general' } });
    expect(spec('CronJob', 'deposit-monitor')).toMatchObject({ nodeSelector: { pool: 'batch' }, tolerations: values.depositMonitor.scheduling.tolerations, priorityClassName: 'kv-normal' });
    // The API's anti-affinity stays on the API.
    for (const [kind, name] of [['CronJob', 'deposit-monitor'], ['CronJob', 'earnings'], ['Job', 'migrate'], ['Deployment', 'automation']] as const) {
      expect(spec(kind, name).affinity).toBeUndefined();
      expect(spec(kind, name).topologySpreadConstraints).toBeUndefined();
    }
    expect(spec('CronJob', 'earnings').nodeSelector).toEqual({ pool: 'general' });
  });

  test('Service, HPA and ServiceMonitor options: annotations, labels, nodePort, source ranges, traffic policy, memory target, behavior, relabelings, namespace', () => {
    const values = {
      api: {
        service: { type: 'LoadBalancer', nodePort: 30080, annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' }, labels: { exposure: 'public' }, loadBalancerSourceRanges: ['203.0.113.0/24'], externalTrafficPolicy: 'Local' },
        autoscaling: { enabled: true, targetMemoryUtilizationPercentage: 80, behavior: { scaleUp: { stabilizationWindowSeconds: 0 } } },
      },
      monitoring: { serviceMonitor: { enabled: true, namespace: 'monitoring', relabelings: [{ targetLabel: 'team', replacement: 'payments' }], metricRelabelings: [{ action: 'drop', regex: 'nodejs_gc.*', sourceLabels: ['__name__'] }] } },
    };
    const objs = helmTemplate({ release: 'rel', namespace: 'apps', values });
    const svc = objs.find((o) => o.kind === 'Service')!;
    expect(svc.metadata.annotations).toEqual({ 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
    expect(svc.metadata.labels.exposure).toBe('public');
    expect(svc.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['203.0.113.0/24'] });
    expect(svc.spec.ports[0]).toMatchObject({ name: 'http', nodePort: 30080 });
    expect(svc.spec.ports[1].nodePort).toBeUndefined();
    const hpa = objs.find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.spec.metrics.map((m: { resource: { name: string } }) => m.resource.name)).toEqual(['cpu', 'memory']);
    // Helm merges maps with the defaults: scaleDown's window stays unless set to null.
    expect(hpa.spec.behavior).toEqual({ scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 300 } });
    const sm = objs.find((o) => o.kind === 'ServiceMonitor')!;
    expect(sm.metadata.namespace).toBe('monitoring');
    expect(sm.spec.namespaceSelector.matchNames).toEqual(['apps']);
    expect(sm.spec.endpoints[0]).toMatchObject({ relabelings: values.monitoring.serviceMonitor.relabelings, metricRelabelings: values.monitoring.serviceMonitor.metricRelabelings });
    // ClusterIP (the default) gets none of the external-only fields.
    const plain = helmTemplate({ values: { api: { service: { nodePort: 30080, externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['203.0.113.0/24'] } } } }).find((o) => o.kind === 'Service')!;
    expect(plain.spec.externalTrafficPolicy).toBeUndefined();
    expect(plain.spec.loadBalancerSourceRanges).toBeUndefined();
    expect(plain.spec.ports[0].nodePort).toBeUndefined();
  });

  test('resources are free-form: limits optional, cpu as a number; bad quantities are refused', () => {
    // Helm merges user maps into the defaults, so dropping the default limits takes an explicit null.
    const dep = helmTemplate({ values: { api: { resources: { requests: { cpu: 2, memory: '1Gi' }, limits: null } } } }).find((o) => o.kind === 'Deployment')!;
    expect(dep.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: 2, memory: '1Gi' } });
    const bad = helmTemplateRaw({ values: { api: { resources: { requests: { cpu: 'lots', memory: '1Gi' } } } } });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('api.resources.requests.cpu');
  });

  test('resources take extended resources (nvidia.com/gpu, hugepages-2Mi) with any quantity; bad names and quantities are refused', () => {
    const values = { api: { resources: { requests: { 'hugepages-2Mi': '64Mi' }, limits: { 'nvidia.com/gpu': 1, 'hugepages-2Mi': '64Mi' } } }, earnings: { resources: { limits: { 'example.com/foo': '500m' } } } };
    const objs = helmTemplate({ values });
    const api = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'kryptovault-api')!.spec.template.spec.containers[0].resources;
    // Helm merges them into the default requests and limits.
    expect(api).toEqual({ requests: { cpu: '250m', memory: '512Mi', 'hugepages-2Mi': '64Mi' }, limits: { cpu: '1', memory: '1Gi', 'nvidia.com/gpu': 1, 'hugepages-2Mi': '64Mi' } });
    expect(objs.find((o) => o.kind === 'CronJob' && o.metadata.name === 'kryptovault-earnings')!.spec.jobTemplate.spec.template.spec.containers[0].resources.limits['example.com/foo']).toBe('500m');
    expect(objs.flatMap(objectProblems)).toEqual([]);
    expect(runOk('helm', ['lint', '--strict', CHART_DIR, '-f', productionExampleValuesFile(), '-f', valuesFile(values)])).toContain('0 chart(s) failed');
    for (const limits of [{ 'nvidia.com/gpu': 'one' }, { 'nvidia.com/gpu': -1 }, { 'not a name': 1 }]) {
      const r = helmTemplateRaw({ values: { api: { resources: { limits } } } });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('api.resources.limits');
    }
  });

  test('nameOverride renames objects and the name label consistently (selectors included), as in the plain manifests', () => {
    const objs = helmTemplate({ release: 'rel', values: { nameOverride: 'vault' } });
    const dep = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'rel-vault-api')!;
    expect(dep.spec.selector.matchLabels['app.kubernetes.io/name']).toBe('vault');
    expect(dep.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('vault');
    expect(objs.find((o) => o.kind === 'Service')!.spec.selector['app.kubernetes.io/name']).toBe('vault');
    const config = withOverrides(withOverrides(defaultConfig(), productionExampleSettings()), { nameOverride: 'vault' });
    expect(concreteContext(config, { releaseName: 'rel', namespace: 'x', appVersion: '0.1.0' })).toMatchObject({ name: 'vault', fullname: 'rel-vault' });
  });

  test('replicaCount 0 scales the API down with the PDB left on: no PDB is rendered, lint passes, as in the plain manifests', () => {
    const values = { api: { replicaCount: 0 } };
    const objs = helmTemplate({ values });
    expect(objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'kryptovault-api')!.spec.replicas).toBe(0);
    expect(objs.map((o) => o.kind)).not.toContain('PodDisruptionBudget');
    expect(runOk('helm', ['lint', '--strict', CHART_DIR, '-f', productionExampleValuesFile(), '-f', valuesFile(values)])).toContain('0 chart(s) failed');
    const config = withOverrides(withOverrides(defaultConfig(), productionExampleSettings()), values);
    expect(configObjects(config).map((o) => o.kind)).not.toContain('PodDisruptionBudget');
    // One replica still needs the PDB off, and autoscaling keeps its PDB.
    expect(helmTemplateRaw({ values: { api: { replicaCount: 1 } } }).stderr).toContain('api.pdb.enabled needs at least 2 API replicas');
    expect(helmTemplate({ values: { api: { replicaCount: 0, autoscaling: { enabled: true } } } }).map((o) => o.kind)).toContain('PodDisruptionBudget');
  });

  test('helm test pod checks /readyz through the Service', () => {
    const pod = find('Pod', 'rel-kryptovault-test');
    expect(pod.metadata.annotations['helm.sh/hook']).toBe('test');
    expect(pod.spec.containers[0].command.join(' ')).toContain('http://rel-kryptovault-api:80/readyz');
  });

  test('image digest pins the image; with a tag too the reference keeps the tag and the version label is the tag', () => {
    const dep = (values: unknown) => helmTemplate({ values }).find((o) => o.kind === 'Deployment')!;
    const img = (values: unknown) => dep(values).spec.template.spec.containers[0].image;
    const digest = `sha256:${'b'.repeat(64)}`;
    expect(img({})).toMatch(/^ghcr\.io\/kryptovault\/backend:\d+\.\d+\.\d+/);
    expect(img({ image: { tag: 'v9' } })).toBe('ghcr.io/kryptovault/backend:v9');
    expect(img({ image: { digest } })).toBe(`ghcr.io/kryptovault/backend@${digest}`);
    const both = dep({ image: { tag: 'v1.4.2', digest } });
    expect(both.spec.template.spec.containers[0].image).toBe(`ghcr.io/kryptovault/backend:v1.4.2@${digest}`);
    expect(both.metadata.labels['app.kubernetes.io/version']).toBe('v1.4.2');
  });

  test('api.service.port may be 3000: the metrics port is a distinct Service port; scrape annotations are on the pods only', () => {
    const objs = helmTemplate({ values: { api: { service: { port: 3000 } } } });
    const svc = objs.find((o) => o.kind === 'Service')!;
    expect(svc.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual([['http', 3000], ['metrics', 9464]]);
    expect(svc.metadata.annotations?.['prometheus.io/scrape']).toBeUndefined();
    const podAnnotations = objs.find((o) => o.kind === 'Deployment')!.spec.template.metadata.annotations;
    expect(podAnnotations['prometheus.io/scrape']).toBe('true');
  });

  test('serviceAccount.automountToken reaches the pods; off by default', () => {
    const pods = (values: unknown) =>
      helmTemplate({ values })
        .filter((o) => o.kind === 'Deployment' || o.kind === 'CronJob')
        .flatMap(podSpecs)
        .map((spec) => spec.automountServiceAccountToken);
    expect(new Set(pods({}))).toEqual(new Set([false]));
    expect(new Set(pods({ serviceAccount: { automountToken: true } }))).toEqual(new Set([true]));
  });

  test('the helm test pod gets the pull secrets and scheduling of every pod', () => {
    const values = { imagePullSecrets: [{ name: 'regcred' }], nodeSelector: { pool: 'apps' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'apps', effect: 'NoSchedule' }] };
    const pod = helmTemplate({ values }).find((o) => o.kind === 'Pod')!;
    expect(pod.spec).toMatchObject({ imagePullSecrets: [{ name: 'regcred' }], nodeSelector: { pool: 'apps' }, tolerations: values.tolerations });
  });

  test('per-asset values become the app\'s variables; a disabled asset needs no address', () => {
    const values = { assets: { SOL: { enabled: false, address: '' }, TRX: { enabled: false, confirmations: 40 } } };
    const data = helmTemplate({ values }).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kryptovault-config')!.data;
    expect(data.ASSETS_ENABLED).toBe('BTC,ETH,USDT,BNB');
    expect(data.DEPOSIT_ADDRESS_SOL).toBe('');
    expect(data.DEPOSIT_CONFIRMATIONS_TRX).toBe('40');
    expect(data.DEPOSIT_MIN_BTC).toBe('0.0001');
    // The same as the synth of the same config.
    const config = withOverrides(withOverrides(defaultConfig(), productionExampleSettings()), values);
    expect(data).toEqual(appConfigData(config));
  });

  test('config changes change the pods\' checksum annotation', () => {
    const sum = (values: unknown) => helmTemplate({ values }).find((o) => o.kind === 'Deployment')!.spec.template.metadata.annotations['checksum/config'];
    expect(sum({})).toMatch(/^[0-9a-f]{64}$/);
    expect(sum({ env: { LOG_LEVEL: 'debug' } })).not.toBe(sum({}));
  });

  test('API docs are off by default and in the production values, on in the dev values', () => {
    const docs = (o: { valuesFiles?: string[]; defaultsOnly?: boolean }) =>
      helmTemplate({ release: 'rel', ...o }).find((x) => x.kind === 'ConfigMap' && x.metadata.name === 'rel-kryptovault-config')!.data.API_DOCS_ENABLED;
    expect(docs({})).toBe('false');
    expect(docs({ valuesFiles: [path.join(CHART_DIR, 'ci', 'production-values.yaml')] })).toBe('false');
    expect(docs({ valuesFiles: [path.join(CHART_DIR, 'ci', 'dev-values.yaml')] })).toBe('true');
    // The chart's own default, not only the production example settings.
    expect((YAML.parse(fs.readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as { env: { API_DOCS_ENABLED: boolean } }).env.API_DOCS_ENABLED).toBe(false);
  });

  test('production values: only the API pods get the anti-affinity, and it selects only this release\'s API pods', () => {
    const objs = helmTemplate({ release: 'kryptovault', namespace: 'kryptovault', valuesFiles: [path.join(CHART_DIR, 'ci', 'production-values.yaml')] });
    const plain = variantObjects(productionVariant()) as K8sObject[];
    for (const set of [objs, plain]) {
      const pods = set.filter((o) => podSpecs(o).length > 0 && o.metadata.labels?.['app.kubernetes.io/instance'] === 'kryptovault');
      expect(pods.length).toBeGreaterThanOrEqual(set === objs ? 8 : 7);
      const withAffinity = pods.filter((o) => podSpecs(o)[0].affinity !== undefined).map(key);
      expect(withAffinity).toEqual(['Deployment/kryptovault-api']);
      const api = pods.find((o) => key(o) === 'Deployment/kryptovault-api')!;
      const terms = podSpecs(api)[0].affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
      expect(terms).toHaveLength(1);
      const selector = terms[0].podAffinityTerm.labelSelector.matchLabels;
      // The API's own selector labels: name, instance (another release is not repelled) and component.
      expect(selector).toEqual(api.spec.selector.matchLabels);
      expect(selector).toEqual({ 'app.kubernetes.io/name': 'kryptovault', 'app.kubernetes.io/instance': 'kryptovault', 'app.kubernetes.io/component': 'api' });
    }
  });

  test('two releases coexist in one namespace', () => {
    const a = helmTemplate({ release: 'blue', namespace: 'shared' });
    const b = helmTemplate({ release: 'green', namespace: 'shared' });
    const ids = (objs: K8sObject[]) => new Set(objs.map((o) => `${o.kind}/${o.metadata.name}`));
    const overlap = [...ids(a)].filter((id) => ids(b).has(id));
    expect(overlap).toEqual([]);
    const selA = a.find((o) => o.kind === 'Service')!.spec.selector;
    const selB = b.find((o) => o.kind === 'Service')!.spec.selector;
    expect(selA).not.toEqual(selB);
  });

  test('no secret value is ever rendered', () => {
    for (const files of matrix.map(([, f]) => f)) {
      const objs = helmTemplate({ valuesFiles: files });
      expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
    }
  });
});

describe('wrong values fail with the schema message', () => {
  test.each([
    ['a string replica count', { api: { replicaCount: 'three' } }, /api\.replicaCount|replicaCount.*[Ii]nvalid type|Expected: integer/],
    ['a fractional replica count', { api: { replicaCount: 1.5 } }, /replicaCount/],
    ['an unknown top-level key', { replicas: 3 }, /Additional property replicas is not allowed/],
    ['an unknown nested key', { api: { ingress: { hostname: 'x' } } }, /Additional property hostname is not allowed/],
    ['an invalid cron schedule', { earnings: { schedule: 'every day' } }, /earnings\.schedule|Does not match pattern/],
    ['a bad pull policy', { image: { pullPolicy: 'Sometimes' } }, /pullPolicy/],
    ['a boolean as string', { api: { autoscaling: { enabled: 'true' } } }, /enabled/],
    ['a CPU quantity with a typo', { api: { resources: { limits: { cpu: '1 core' } } } }, /cpu/],
    ['a chart-owned label', { commonLabels: { 'app.kubernetes.io/name': 'x' } }, /commonLabels/],
    ['an amount as a number', { assets: { BTC: { minDeposit: 0.5 } } }, /minDeposit/],
    ['a tolerance above 50 %', { assets: { ETH: { tolerancePercent: '51' } } }, /tolerancePercent/],
    ['an unknown asset', { assets: { DOGE: { enabled: true } } }, /Additional property DOGE is not allowed/],
  ])('%s', (_name, values, message) => {
    const r = helmTemplateRaw({ values });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('values don\'t meet the specifications of the schema');
    expect(r.stderr).toMatch(message);
  });
});

describe('cross-field rules fail helm with the same message as synth', () => {
  const broken: Record<string, unknown> = BROKEN_BY_RULE;
  test.each(RULES.map((r) => [r.id, r] as const))('%s', (id, rule) => {
    const r = helmTemplateRaw({ values: broken[id] });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(rule.message);
  });
  test('the PDB rule accepts autoscaling with minReplicas >= 2 even with replicaCount 1', () => {
    expect(helmTemplateRaw({ values: { api: { replicaCount: 1, autoscaling: { enabled: true, minReplicas: 2 } } } }).status).toBe(0);
  });
});

/**
 * NOTES.txt as helm would print it after an install: `helm template` does not render it and
 * `helm install --dry-run` needs a cluster, so a copy of the chart renders it as a ConfigMap.
 */
function renderNotes(values: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-notes-'));
  const chart = path.join(dir, 'kryptovault');
  fs.cpSync(CHART_DIR, chart, { recursive: true });
  const notes = fs.readFileSync(path.join(chart, 'templates', 'NOTES.txt'), 'utf8');
  fs.writeFileSync(
    path.join(chart, 'templates', 'zz-notes.yaml'),
    `{{- define "kvtest.notes" -}}\n${notes}{{- end }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "kvtest.notes" . | quote }}\n`,
  );
  const out = helmTemplate({ release: 'rel', values, chartDir: chart });
  fs.rmSync(dir, { recursive: true, force: true });
  return out.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'notes')!.data.notes as string;
}

/** Chart-only and manifest-only fields are dropped so the rest must be identical. */
function normalize(o: K8sObject): K8sObject {
  const c = structuredClone(o);
  const strip = (meta: any) => {
    if (!meta) return;
    for (const l of ['helm.sh/chart', 'app.kubernetes.io/managed-by']) delete meta.labels?.[l];
    for (const k of Object.keys(meta.annotations ?? {})) if (k.startsWith('helm.sh/hook') || k === 'checksum/config') delete meta.annotations[k];
    if (meta.annotations && Object.keys(meta.annotations).length === 0) delete meta.annotations;
  };
  strip(c.metadata);
  strip(c.spec?.template?.metadata);
  strip(c.spec?.jobTemplate?.spec?.template?.metadata);
  return c;
}

const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
const DEV_ONLY_COMPONENTS = ['postgres', 'otel-collector', 'prometheus', 'dev-secrets', 'namespace'];

describe.each(VARIANTS().map((v) => [v.name, v] as const))('parity: helm template with ci/%s-values.yaml equals k8s/', (name, variant) => {
  test('same objects, same content', () => {
    const fromChart = helmTemplate({
      release: variant.releaseName,
      namespace: variant.namespace,
      valuesFiles: [path.join(CHART_DIR, 'ci', `${name}-values.yaml`)],
    })
      .filter((o) => o.metadata.annotations?.['helm.sh/hook'] !== 'test')
      .map(normalize);
    const fromManifests = (variantObjects(variant) as K8sObject[])
      .filter((o) => !DEV_ONLY_COMPONENTS.includes(o.metadata.labels?.['app.kubernetes.io/component']))
      .map(normalize);
    expect(fromChart.map(key).sort()).toEqual(fromManifests.map(key).sort());
    const byKey = new Map(fromManifests.map((o) => [key(o), o]));
    for (const o of fromChart) expect(o).toEqual(byKey.get(key(o)));
  });
});

test('helm is the expected version', () => {
  expect(run('helm', ['version', '--short']).stdout).toMatch(/^v3\.17\./);
});
