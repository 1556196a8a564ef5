import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './app-pod';
import { objectMeta, ReleaseContext } from './context';

/** Dev companions are not KryptoVault pods: own app name, so release-wide selectors (NetworkPolicy) skip them. */
function selectorLabels(ctx: ReleaseContext, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': component, 'app.kubernetes.io/instance': ctx.instance };
}
import type { DevStackProps } from './dev-stack-props';

/** Marker every dev secret value carries, so nobody mistakes them for real ones (the policy test checks it). */
export const DEV_SECRET_MARKER = 'dev-only-not-secret';

function devValue(purpose: string): string {
  // Deterministic so `npm run synth` is reproducible; worthless by construction.
  return `${DEV_SECRET_MARKER}-${purpose}-${createHash('sha256').update(`kryptovault-dev-${purpose}`).digest('hex').slice(0, 24)}`;
}

const POSTGRES_IMAGE = 'postgres:16.4-alpine';
const OTEL_IMAGE = 'otel/opentelemetry-collector:0.111.0';
const PROMETHEUS_IMAGE = 'prom/prometheus:v2.54.1';

export class DevStack extends Construct {
  constructor(scope: Construct, id: string, props: DevStackProps) {
    super(scope, id);
    const ctx = props.context;
    const fullname = ctx.fullname;
    const dbPassword = devValue('db');

    // --- Secret (dev only) ---
    new ApiObject(this, 'Secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: objectMeta(ctx, props.secretName, 'dev-secrets'),
      type: 'Opaque',
      stringData: {
        [props.secretKeys.DATABASE_URL]: `postgresql://kryptovault:${dbPassword}@${fullname}-postgres:5432/kryptovault?schema=public`,
        [props.secretKeys.JWT_SECRET]: devValue('jwt'),
        [props.secretKeys.BLOCKCHAIN_VERIFIER_SECRET]: devValue('verifier'),
        POSTGRES_PASSWORD: dbPassword,
      },
    });

    // --- PostgreSQL ---
    const pg = `${fullname}-postgres`;
    new ApiObject(this, 'PostgresService', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: objectMeta(ctx, pg, 'postgres'),
      spec: { selector: selectorLabels(ctx, 'postgres'), ports: [{ name: 'postgres', port: 5432, targetPort: 'postgres' }] },
    });
    const pgReady = { exec: { command: ['pg_isready', '-U', 'kryptovault', '-d', 'kryptovault', '-h', '127.0.0.1'] } };
    new ApiObject(this, 'Postgres', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: objectMeta(ctx, pg, 'postgres'),
      spec: {
        serviceName: pg,
        replicas: 1,
        selector: { matchLabels: selectorLabels(ctx, 'postgres') },
        template: {
          metadata: { labels: selectorLabels(ctx, 'postgres') },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 30,
            securityContext: restrictedPodSecurityContext(70),
            containers: [
              {
                name: 'postgres',
                image: POSTGRES_IMAGE,
                ports: [{ name: 'postgres', containerPort: 5432 }],
                env: [
                  { name: 'POSTGRES_USER', value: 'kryptovault' },
                  { name: 'POSTGRES_DB', value: 'kryptovault' },
                  { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
                  { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: props.secretName, key: 'POSTGRES_PASSWORD' } } },
                ],
                resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
                securityContext: restrictedContainerSecurityContext(),
                startupProbe: { ...pgReady, periodSeconds: 5, failureThreshold: 30 },
                livenessProbe: { ...pgReady, periodSeconds: 10, failureThreshold: 6 },
                readinessProbe: { ...pgReady, periodSeconds: 5 },
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/postgresql/data' },
                  { name: 'run', mountPath: '/var/run/postgresql' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'run', emptyDir: {} },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    });

    // --- OpenTelemetry collector (logs spans to stdout) ---
    const otel = `${fullname}-otel-collector`;
    const otelConfig = {
      receivers: { otlp: { protocols: { http: { endpoint: '0.0.0.0:4318' }, grpc: { endpoint: '0.0.0.0:4317' } } } },
      processors: { batch: {} },
      exporters: { debug: { verbosity: 'basic' } },
      extensions: { health_check: { endpoint: '0.0.0.0:13133' } },
      service: { extensions: ['health_check'], pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['debug'] } } },
    };
    new ApiObject(this, 'OtelConfig', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: objectMeta(ctx, otel, 'otel-collector'),
      data: { 'config.yaml': YAML.stringify(otelConfig, { sortMapEntries: true }) },
    });
    const health = { httpGet: { path: '/', port: 13133 } };
    new ApiObject(this, 'Otel', devDeployment(ctx, otel, 'otel-collector', {
      name: 'otel-collector',
      image: OTEL_IMAGE,
      args: ['--config=/conf/config.yaml'],
      ports: [
        { name: 'otlp-http', containerPort: 4318 },
        { name: 'otlp-grpc', containerPort: 4317 },
      ],
      startupProbe: { ...health, periodSeconds: 5, failureThreshold: 24 },
      livenessProbe: { ...health, periodSeconds: 10 },
      readinessProbe: { ...health, periodSeconds: 5 },
      volumeMounts: [{ name: 'conf', mountPath: '/conf', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
    }, [{ name: 'conf', configMap: { name: otel } }, { name: 'tmp', emptyDir: {} }], 10001));
    new ApiObject(this, 'OtelService', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: objectMeta(ctx, otel, 'otel-collector'),
      spec: {
        selector: selectorLabels(ctx, 'otel-collector'),
        ports: [
          { name: 'otlp-http', port: 4318, targetPort: 'otlp-http' },
          { name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc' },
        ],
      },
    });

    // --- Prometheus: discovers annotated Services of this namespace, loads the alert rules ---
    const prom = `${fullname}-prometheus`;
    const promConfig = {
      global: { scrape_interval: '15s', evaluation_interval: '15s' },
      rule_files: ['/etc/prometheus/rules.yaml'],
      scrape_configs: [
        {
          job_name: 'kubernetes-service-endpoints',
          kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: [ctx.namespace] } }],
          relabel_configs: [
            { source_labels: ['__meta_kubernetes_service_annotation_prometheus_io_scrape'], action: 'keep', regex: 'true' },
            { source_labels: ['__meta_kubernetes_endpoint_port_name'], action: 'keep', regex: 'metrics' },
            { source_labels: ['__meta_kubernetes_service_annotation_prometheus_io_path'], action: 'replace', target_label: '__metrics_path__', regex: '(.+)' },
            // Same target labels as the Prometheus Operator, so the alert rules work unchanged.
            { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
            { source_labels: ['__meta_kubernetes_service_name'], target_label: 'job' },
            { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
            { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          ],
        },
      ],
    };
    new ApiObject(this, 'PrometheusConfig', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: objectMeta(ctx, prom, 'prometheus'),
      data: {
        'prometheus.yml': YAML.stringify(promConfig, { sortMapEntries: true }),
        'rules.yaml': YAML.stringify({ groups: props.alertRules }, { sortMapEntries: true }),
      },
    });
    new ApiObject(this, 'PrometheusServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: objectMeta(ctx, prom, 'prometheus'),
      // Prometheus is the one dev pod that calls the API server (service discovery).
      automountServiceAccountToken: true,
    });
    new ApiObject(this, 'PrometheusRole', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: objectMeta(ctx, prom, 'prometheus'),
      rules: [{ apiGroups: [''], resources: ['services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] }],
    });
    new ApiObject(this, 'PrometheusRoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: objectMeta(ctx, prom, 'prometheus'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: prom },
      subjects: [{ kind: 'ServiceAccount', name: prom, namespace: ctx.namespace }],
    });
    const promHealth = (path: string) => ({ httpGet: { path, port: 'web' } });
    const promDeployment = devDeployment(ctx, prom, 'prometheus', {
      name: 'prometheus',
      image: PROMETHEUS_IMAGE,
      args: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=1d'],
      ports: [{ name: 'web', containerPort: 9090 }],
      startupProbe: { ...promHealth('/-/ready'), periodSeconds: 5, failureThreshold: 24 },
      livenessProbe: { ...promHealth('/-/healthy'), periodSeconds: 10 },
      readinessProbe: { ...promHealth('/-/ready'), periodSeconds: 5 },
      volumeMounts: [
        { name: 'conf', mountPath: '/etc/prometheus', readOnly: true },
        { name: 'data', mountPath: '/prometheus' },
        { name: 'tmp', mountPath: '/tmp' },
      ],
    }, [
      { name: 'conf', configMap: { name: prom } },
      { name: 'data', emptyDir: { sizeLimit: '1Gi' } },
      { name: 'tmp', emptyDir: {} },
    ], 65534);
    promDeployment.spec.template.spec.serviceAccountName = prom;
    promDeployment.spec.template.spec.automountServiceAccountToken = true;
    new ApiObject(this, 'Prometheus', promDeployment);
    new ApiObject(this, 'PrometheusService', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: objectMeta(ctx, prom, 'prometheus'),
      spec: { selector: selectorLabels(ctx, 'prometheus'), ports: [{ name: 'web', port: 9090, targetPort: 'web' }] },
    });
  }
}

function devDeployment(
  ctx: DevStackProps['context'],
  name: string,
  component: string,
  container: Record<string, unknown>,
  volumes: object[],
  uid: number,
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(ctx, name, component),
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorLabels(ctx, component) },
      template: {
        metadata: { labels: selectorLabels(ctx, component) },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: restrictedPodSecurityContext(uid),
          containers: [
            {
              ...container,
              resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
              securityContext: restrictedContainerSecurityContext(),
            },
          ],
          volumes,
        } as Record<string, unknown>,
      },
    },
  };
}
