/**
 * The local-only companions of k8s/dev (PostgreSQL, OpenTelemetry collector, Prometheus and
 * their dev Secret), written with cdk8s-plus-28: every value here is concrete, so plus's typed
 * constructs (Cpu/Size resources, probes, volumes, the restricted security context) fit.
 * The app's own workloads do not use plus; docs/kubernetes.md ("Where cdk8s-plus-28 is used")
 * says why, and which JSON patches below cover what plus 2.5 cannot express.
 */
import { createHash } from 'node:crypto';
import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { objectMeta, ReleaseContext } from './context';
import type { DevStackProps } from './dev-stack-props';

/** Dev companions are not KryptoVault pods: own app name, so release-wide selectors (NetworkPolicy) skip them. */
function selectorLabels(ctx: ReleaseContext, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': component, 'app.kubernetes.io/instance': ctx.instance };
}

/** Marker every dev secret value carries, so nobody mistakes them for real ones (the policy test checks it). */
export const DEV_SECRET_MARKER = 'dev-only-not-secret';

function devValue(purpose: string): string {
  // Deterministic so `npm run synth` is reproducible; worthless by construction.
  return `${DEV_SECRET_MARKER}-${purpose}-${createHash('sha256').update(`kryptovault-dev-${purpose}`).digest('hex').slice(0, 24)}`;
}

const POSTGRES_IMAGE = 'postgres:16.4-alpine';
const OTEL_IMAGE = 'otel/opentelemetry-collector:0.111.0';
const PROMETHEUS_IMAGE = 'prom/prometheus:v2.54.1';

const POSTGRES_PORT = 5432;
const OTLP_HTTP_PORT = 4318;
const OTLP_GRPC_PORT = 4317;
const OTEL_HEALTH_PORT = 13133;
const PROMETHEUS_PORT = 9090;
const PG_STORAGE = Size.gibibytes(1);

/** The label plus puts on every pod template it renders (not removable through its API). */
const PLUS_ADDRESS_LABEL = kplus.Pod.ADDRESS_LABEL;

/** Restricted Pod Security Standard, container side (the first four are plus's defaults too, spelled out). */
const RESTRICTED_CONTAINER: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  privileged: false,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};

/** Restricted Pod Security Standard, pod side; the pod-level seccompProfile is patched in (see restrictPodTemplate). */
function restrictedPod(uid: number): kplus.PodSecurityContextProps {
  return { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid };
}

const s = (seconds: number) => Duration.seconds(seconds);

/** Props every companion workload shares: own selector labels only, no API token, one replica. */
function workloadProps(ctx: ReleaseContext, name: string, component: string, uid: number) {
  return {
    metadata: objectMeta(ctx, name, component),
    replicas: 1,
    // Select by our labels, not by plus's `cdk8s.io/metadata.addr` (selectors are immutable
    // and the NetworkPolicy/skaffold/other tooling know the app.kubernetes.io ones).
    select: false,
    podMetadata: { labels: selectorLabels(ctx, component) },
    securityContext: restrictedPod(uid),
    automountServiceAccountToken: false,
  };
}

/** Selects by our labels; patches in what plus cannot set on a pod template: pod-level seccompProfile, enableServiceLinks. */
function restrictPodTemplate<T extends kplus.Workload>(ctx: ReleaseContext, component: string, workload: T): T {
  workload.select(kplus.LabelSelector.of({ labels: selectorLabels(ctx, component) }));
  ApiObject.of(workload).addJsonPatch(
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
    JsonPatch.add('/spec/template/spec/enableServiceLinks', false),
  );
  return workload;
}

function devService(scope: Construct, id: string, ctx: ReleaseContext, name: string, component: string, ports: kplus.ServicePort[]): kplus.Service {
  const service = new kplus.Service(scope, id, { metadata: objectMeta(ctx, name, component), ports });
  for (const [key, value] of Object.entries(selectorLabels(ctx, component))) service.selectLabel(key, value);
  return service;
}

const SMALL_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
  memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
};

export class DevStack extends Construct {
  constructor(scope: Construct, id: string, props: DevStackProps) {
    super(scope, id);
    const ctx = props.context;
    const fullname = ctx.fullname;
    const dbPassword = devValue('db');

    // --- Secret (dev only) ---
    const secret = new kplus.Secret(this, 'Secret', {
      metadata: objectMeta(ctx, props.secretName, 'dev-secrets'),
      type: 'Opaque',
      stringData: {
        [props.secretKeys.DATABASE_URL]: `postgresql://kryptovault:${dbPassword}@${fullname}-postgres:${POSTGRES_PORT}/kryptovault?schema=public`,
        [props.secretKeys.JWT_SECRET]: devValue('jwt'),
        [props.secretKeys.BLOCKCHAIN_VERIFIER_SECRET]: devValue('verifier'),
        POSTGRES_PASSWORD: dbPassword,
      },
    });

    // --- PostgreSQL ---
    const pg = `${fullname}-postgres`;
    const pgService = devService(this, 'PostgresService', ctx, pg, 'postgres', [{ name: 'postgres', port: POSTGRES_PORT, targetPort: POSTGRES_PORT }]);
    const postgres = restrictPodTemplate(ctx, 'postgres', new kplus.StatefulSet(this, 'Postgres', {
      ...workloadProps(ctx, pg, 'postgres', 70),
      service: pgService,
      terminationGracePeriod: s(30),
    }));
    const pgReady = ['pg_isready', '-U', 'kryptovault', '-d', 'kryptovault', '-h', '127.0.0.1'];
    postgres.addContainer({
      name: 'postgres',
      image: POSTGRES_IMAGE,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ name: 'postgres', number: POSTGRES_PORT }],
      envVariables: {
        POSTGRES_USER: kplus.EnvValue.fromValue('kryptovault'),
        POSTGRES_DB: kplus.EnvValue.fromValue('kryptovault'),
        PGDATA: kplus.EnvValue.fromValue('/var/lib/postgresql/data/pgdata'),
        POSTGRES_PASSWORD: secret.envValue('POSTGRES_PASSWORD'),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
      },
      securityContext: RESTRICTED_CONTAINER,
      startup: kplus.Probe.fromCommand(pgReady, { periodSeconds: s(5), failureThreshold: 30 }),
      liveness: kplus.Probe.fromCommand(pgReady, { periodSeconds: s(10), failureThreshold: 6 }),
      readiness: kplus.Probe.fromCommand(pgReady, { periodSeconds: s(5) }),
      volumeMounts: [
        // `data` (first) is the volumeClaimTemplate, patched in below.
        { volume: kplus.Volume.fromEmptyDir(postgres, 'RunVolume', 'run'), path: '/var/run/postgresql' },
        { volume: kplus.Volume.fromEmptyDir(postgres, 'TmpVolume', 'tmp'), path: '/tmp' },
      ],
    });
    // plus 2.5 has no volumeClaimTemplates, and a mount needs a pod volume in its API. The patch
    // applies before plus's own k8s conversion, so the template is written in plus's k8s types.
    const dataClaim: kplus.k8s.KubePersistentVolumeClaimProps = {
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: kplus.k8s.Quantity.fromString(`${PG_STORAGE.toGibibytes()}Gi`) } } },
    };
    const dataMount: kplus.k8s.VolumeMount = { name: 'data', mountPath: '/var/lib/postgresql/data' };
    ApiObject.of(postgres).addJsonPatch(
      JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/0', dataMount),
      JsonPatch.add('/spec/volumeClaimTemplates', [dataClaim]),
    );
    // The StatefulSet makes its Service select plus's pod address label too; keep our selector only.
    ApiObject.of(pgService).addJsonPatch(JsonPatch.remove(`/spec/selector/${PLUS_ADDRESS_LABEL.replace(/\//g, '~1')}`));

    // --- OpenTelemetry collector (logs spans to stdout) ---
    const otel = `${fullname}-otel-collector`;
    const otelConfig = {
      receivers: { otlp: { protocols: { http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` }, grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` } } } },
      processors: { batch: {} },
      exporters: { debug: { verbosity: 'basic' } },
      extensions: { health_check: { endpoint: `0.0.0.0:${OTEL_HEALTH_PORT}` } },
      service: { extensions: ['health_check'], pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['debug'] } } },
    };
    const otelConfigMap = new kplus.ConfigMap(this, 'OtelConfig', {
      metadata: objectMeta(ctx, otel, 'otel-collector'),
      data: { 'config.yaml': YAML.stringify(otelConfig, { sortMapEntries: true }) },
    });
    const collector = restrictPodTemplate(ctx, 'otel-collector', new kplus.Deployment(this, 'Otel', workloadProps(ctx, otel, 'otel-collector', 10001)));
    const health = (o: kplus.HttpGetProbeOptions) => kplus.Probe.fromHttpGet('/', { port: OTEL_HEALTH_PORT, ...o });
    collector.addContainer({
      name: 'otel-collector',
      image: OTEL_IMAGE,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: ['--config=/conf/config.yaml'],
      ports: [
        { name: 'otlp-http', number: OTLP_HTTP_PORT },
        { name: 'otlp-grpc', number: OTLP_GRPC_PORT },
      ],
      resources: SMALL_RESOURCES,
      securityContext: RESTRICTED_CONTAINER,
      startup: health({ periodSeconds: s(5), failureThreshold: 24 }),
      liveness: health({ periodSeconds: s(10) }),
      readiness: health({ periodSeconds: s(5) }),
      volumeMounts: [
        { volume: kplus.Volume.fromConfigMap(collector, 'ConfVolume', otelConfigMap, { name: 'conf' }), path: '/conf', readOnly: true },
        { volume: kplus.Volume.fromEmptyDir(collector, 'TmpVolume', 'tmp'), path: '/tmp' },
      ],
    });
    devService(this, 'OtelService', ctx, otel, 'otel-collector', [
      { name: 'otlp-http', port: OTLP_HTTP_PORT, targetPort: OTLP_HTTP_PORT },
      { name: 'otlp-grpc', port: OTLP_GRPC_PORT, targetPort: OTLP_GRPC_PORT },
    ]);

    // --- Prometheus: scrapes the `metrics` port of this namespace's Services, loads the alert rules ---
    const prom = `${fullname}-prometheus`;
    const promConfig = {
      global: { scrape_interval: '15s', evaluation_interval: '15s' },
      rule_files: ['/etc/prometheus/rules.yaml'],
      scrape_configs: [
        {
          job_name: 'kubernetes-service-endpoints',
          kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: [ctx.namespace] } }],
          // Like the ServiceMonitor: the Service port named `metrics` (the Service carries no
          // scrape annotations, so a pods job and this one never scrape a pod twice).
          relabel_configs: [
            { source_labels: ['__meta_kubernetes_endpoint_port_name'], action: 'keep', regex: 'metrics' },
            // Same target labels as the Prometheus Operator, so the alert rules work unchanged.
            { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
            { source_labels: ['__meta_kubernetes_service_name'], target_label: 'job' },
            { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
            { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          ],
        },
      ],
    };
    const promConfigMap = new kplus.ConfigMap(this, 'PrometheusConfig', {
      metadata: objectMeta(ctx, prom, 'prometheus'),
      data: {
        'prometheus.yml': YAML.stringify(promConfig, { sortMapEntries: true }),
        'rules.yaml': YAML.stringify({ groups: props.alertRules }, { sortMapEntries: true }),
      },
    });
    // Prometheus is the one dev pod that calls the API server (service discovery).
    const promAccount = new kplus.ServiceAccount(this, 'PrometheusServiceAccount', {
      metadata: objectMeta(ctx, prom, 'prometheus'),
      automountToken: true,
    });
    const promRole = new kplus.Role(this, 'PrometheusRole', {
      metadata: objectMeta(ctx, prom, 'prometheus'),
      rules: [{ verbs: ['get', 'list', 'watch'], resources: [kplus.ApiResource.SERVICES, kplus.ApiResource.ENDPOINTS, kplus.ApiResource.PODS] }],
    });
    new kplus.RoleBinding(this, 'PrometheusRoleBinding', { metadata: objectMeta(ctx, prom, 'prometheus'), role: promRole }).addSubjects(promAccount);
    const prometheus = restrictPodTemplate(ctx, 'prometheus', new kplus.Deployment(this, 'Prometheus', {
      ...workloadProps(ctx, prom, 'prometheus', 65534),
      serviceAccount: promAccount,
      automountServiceAccountToken: true,
    }));
    const web = (path: string, o: kplus.HttpGetProbeOptions) => kplus.Probe.fromHttpGet(path, { port: PROMETHEUS_PORT, ...o });
    prometheus.addContainer({
      name: 'prometheus',
      image: PROMETHEUS_IMAGE,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=1d'],
      ports: [{ name: 'web', number: PROMETHEUS_PORT }],
      resources: SMALL_RESOURCES,
      securityContext: RESTRICTED_CONTAINER,
      startup: web('/-/ready', { periodSeconds: s(5), failureThreshold: 24 }),
      liveness: web('/-/healthy', { periodSeconds: s(10) }),
      readiness: web('/-/ready', { periodSeconds: s(5) }),
      volumeMounts: [
        { volume: kplus.Volume.fromConfigMap(prometheus, 'ConfVolume', promConfigMap, { name: 'conf' }), path: '/etc/prometheus', readOnly: true },
        { volume: kplus.Volume.fromEmptyDir(prometheus, 'DataVolume', 'data', { sizeLimit: Size.gibibytes(1) }), path: '/prometheus' },
        { volume: kplus.Volume.fromEmptyDir(prometheus, 'TmpVolume', 'tmp'), path: '/tmp' },
      ],
    });
    devService(this, 'PrometheusService', ctx, prom, 'prometheus', [{ name: 'web', port: PROMETHEUS_PORT, targetPort: PROMETHEUS_PORT }]);
  }
}
