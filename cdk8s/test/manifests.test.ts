/** The plain manifests in k8s/: schema-valid, policy-compliant, and wired as intended. */
import { devVariant, productionVariant, VARIANTS } from '../src/config/variants';
import { HTTP_PORT, PROBES } from '../src/config/values';
import { variantObjects } from '../src/render/synthesize';
import { objectProblems } from './helpers/k8s-schema';
import { podsOf, policyProblems } from './helpers/policy';

describe.each(VARIANTS().map((v) => [v.name, v] as const))('k8s/%s', (_name, variant) => {
  const objects = variantObjects(variant);

  test('every object is valid against the Kubernetes OpenAPI schema, without unknown fields', () => {
    expect(objects.flatMap(objectProblems)).toEqual([]);
  });

  test('every pod meets the restricted standard, has probes/resources, and no secret is in plain text', () => {
    expect(policyProblems(objects, variant.devStack)).toEqual([]);
  });

  test('every namespaced object is in the variant namespace', () => {
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe(variant.namespace);
  });

  test('app pods: probes on /healthz and /readyz, shutdown delay beyond the readiness period, grace beyond delay + drain', () => {
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kryptovault-config')!;
    const delaySeconds = Number(config.data.SHUTDOWN_DELAY_MS) / 1000;
    expect(delaySeconds).toBeGreaterThan(PROBES.readinessPeriodSeconds);
    for (const o of objects.filter((x) => x.kind === 'Deployment' && x.metadata.labels['app.kubernetes.io/part-of'] === 'kryptovault' && ['api', 'automation'].includes(x.metadata.labels['app.kubernetes.io/component']))) {
      const spec = o.spec.template.spec;
      const c = spec.containers[0];
      expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
      expect(c.startupProbe.httpGet.path).toBe('/healthz');
      expect(c.ports).toEqual([{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }]);
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(delaySeconds + variant.config.gracefulShutdown.drainTimeoutSeconds);
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(o.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      expect(o.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  test('OpenTelemetry variables come from the downward API', () => {
    for (const o of objects.filter((x) => ['api', 'automation', 'deposit-monitor', 'earnings', 'housekeeping', 'email-sender', 'migrate'].includes(x.metadata.labels?.['app.kubernetes.io/component']))) {
      for (const pod of podsOf(o)) {
        const env = Object.fromEntries(pod.spec.containers[0].env.map((e: any) => [e.name, e]));
        expect(env.POD_NAME.valueFrom.fieldRef.fieldPath).toBe('metadata.name');
        expect(env.POD_NAMESPACE.valueFrom.fieldRef.fieldPath).toBe('metadata.namespace');
        expect(env.NODE_NAME.valueFrom.fieldRef.fieldPath).toBe('spec.nodeName');
        expect(env.OTEL_RESOURCE_ATTRIBUTES.value).toContain('k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),k8s.node.name=$(NODE_NAME)');
        expect(env.OTEL_SERVICE_NAME.value).toBe(`kryptovault-${o.metadata.labels['app.kubernetes.io/component']}`);
        // Variables referenced with $(VAR) must be defined earlier in the list.
        const names = pod.spec.containers[0].env.map((e: any) => e.name);
        expect(names.indexOf('NODE_NAME')).toBeLessThan(names.indexOf('OTEL_RESOURCE_ATTRIBUTES'));
      }
    }
  });

  test('only the API may run scheduled jobs, and the CronJobs never overlap', () => {
    for (const o of objects) {
      for (const pod of podsOf(o)) {
        const run = pod.spec.containers[0].env?.find((e: any) => e.name === 'RUN_SCHEDULED_JOBS');
        if (run && o.metadata.labels['app.kubernetes.io/component'] !== 'api') expect(run.value).toBe('false');
      }
    }
    const cronJobs = objects.filter((o) => o.kind === 'CronJob');
    expect(cronJobs.map((c) => c.metadata.name).sort()).toEqual(['kryptovault-deposit-monitor', 'kryptovault-earnings', 'kryptovault-email-sender', 'kryptovault-housekeeping']);
    for (const c of cronJobs) expect(c.spec.concurrencyPolicy).toBe('Forbid');
  });
});

test('dev: one API replica, a dev database and a marked dev Secret; observation stack present', () => {
  const objects = variantObjects(devVariant());
  const api = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'kryptovault-api')!;
  expect(api.spec.replicas).toBe(1);
  expect(objects.find((o) => o.kind === 'StatefulSet')!.metadata.name).toBe('kryptovault-postgres');
  const secret = objects.find((o) => o.kind === 'Secret')!;
  expect(Object.values(secret.stringData).every((v) => String(v).includes('dev-only-not-secret'))).toBe(true);
  expect(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name).sort()).toEqual([
    'kryptovault-api',
    'kryptovault-automation',
    'kryptovault-otel-collector',
    'kryptovault-prometheus',
  ]);
  const ns = objects.find((o) => o.kind === 'Namespace')!;
  expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
});

test('production: no Secret, no database, secrets referenced from the existing Secret', () => {
  const objects = variantObjects(productionVariant());
  expect(objects.filter((o) => o.kind === 'Secret' || o.kind === 'StatefulSet')).toEqual([]);
  const api = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'kryptovault-api')!;
  expect(api.spec.replicas).toBeUndefined();
  const refs = api.spec.template.spec.containers[0].env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => [e.name, e.valueFrom.secretKeyRef.name]);
  expect(refs).toEqual(expect.arrayContaining([['DATABASE_URL', 'kryptovault-secrets'], ['SENTRY_DSN', 'kryptovault-secrets']]));
  expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Ingress', 'NetworkPolicy', 'ServiceMonitor', 'PrometheusRule']));
});

describe('the checkers themselves can fail', () => {
  const api = () => structuredClone(variantObjects(productionVariant()).find((o) => o.kind === 'Deployment' && o.metadata.name === 'kryptovault-api')!);

  test('unknown fields and wrong types are reported', () => {
    const bad = api();
    bad.spec.replica = 3;
    bad.spec.template.spec.containers[0].livenessProbe.httpGet.paht = '/healthz';
    bad.spec.revisionHistoryLimit = '10';
    expect(objectProblems(bad)).toEqual(
      expect.arrayContaining([
        'Deployment/kryptovault-api /spec/replica: unknown field',
        'Deployment/kryptovault-api /spec/template/spec/containers/0/livenessProbe/httpGet/paht: unknown field',
        expect.stringContaining('/spec/revisionHistoryLimit: type'),
      ]),
    );
  });

  test('policy violations and plaintext secrets are reported', () => {
    const bad = api();
    const c = bad.spec.template.spec.containers[0];
    c.securityContext.allowPrivilegeEscalation = true;
    delete c.readinessProbe;
    delete c.resources.limits;
    c.env.push({ name: 'JWT_SECRET', value: 'hunter2' });
    const problems = policyProblems([bad, { kind: 'Secret', metadata: { name: 's' }, stringData: { x: 'real' } }]);
    expect(problems).toEqual(
      expect.arrayContaining([
        'Deployment/kryptovault-api container app: allowPrivilegeEscalation must be false',
        'Deployment/kryptovault-api container app: readinessProbe missing',
        'Deployment/kryptovault-api container app: resources.limits.cpu missing',
        'Deployment/kryptovault-api container app: JWT_SECRET has a plain value',
        'Secret/s: no Secret may be rendered',
      ]),
    );
  });
});
