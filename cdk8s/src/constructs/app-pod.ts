/**
 * The hardened pod every KryptoVault workload runs: restricted Pod Security Standard,
 * probes on the one HTTP port, requests and limits, secrets by reference, OpenTelemetry
 * resource attributes from the downward API, and a config checksum that rolls the pods.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { HTTP_PORT } from '../config/values';
import { isDeferred, notEmpty, spreadList, when, whenItem, withUserMaps } from '../helm/expr';
import type { AppPodProps, ProbeSettings, SchedulingProps } from './app-pod-props';
import { ReleaseContext, standardLabels } from './context';

export const CONTAINER_NAME = 'app';

export function restrictedPodSecurityContext(uid: number) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' as const },
  };
}

export function restrictedContainerSecurityContext() {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' as const },
  };
}

/** The read-only root filesystem leaves /tmp as the only writable path. */
export const TMP_VOLUME = { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } };
export const TMP_MOUNT = { name: 'tmp', mountPath: '/tmp' };

export function httpProbes(probes: ProbeSettings) {
  const get = (path: string) => ({ path, port: 'http', scheme: 'HTTP' as const });
  return {
    // Startup: by default up to 2 minutes to boot before liveness starts counting.
    startupProbe: { httpGet: get('/healthz'), ...probes.startup },
    // Liveness looks at the process only, never the database: a database outage must not restart every pod.
    livenessProbe: { httpGet: get('/healthz'), ...probes.liveness },
    readinessProbe: { httpGet: get('/readyz'), ...probes.readiness, successThreshold: 1 },
  };
}

/** POD_NAME, POD_NAMESPACE, NODE_NAME and the OTel variables that reference them. */
export function telemetryEnv(ctx: ReleaseContext, serviceName: string): IEnvVar[] {
  const field = (name: string, fieldPath: string): IEnvVar => ({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });
  return [
    field('POD_NAME', 'metadata.name'),
    field('POD_NAMESPACE', 'metadata.namespace'),
    field('NODE_NAME', 'spec.nodeName'),
    { name: 'OTEL_SERVICE_NAME', value: serviceName },
    {
      name: 'OTEL_RESOURCE_ATTRIBUTES',
      // $(VAR) expands variables defined earlier in this list.
      value: `k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),k8s.node.name=$(NODE_NAME),k8s.container.name=${CONTAINER_NAME},service.version=${ctx.version}`,
    },
  ];
}

export function validateAppPodProps(props: AppPodProps): void {
  const problems: string[] = [];
  if (props.command.length === 0) problems.push('command must not be empty');
  // Limits are optional (as in Kubernetes); a pod without any request would be BestEffort.
  const r = props.resources as unknown;
  if (!isDeferred(r) && (!props.resources?.requests?.cpu || !props.resources?.requests?.memory)) {
    problems.push('resources need cpu and memory requests');
  }
  if (!isDeferred(props.terminationGracePeriodSeconds) && props.terminationGracePeriodSeconds < 1) {
    problems.push('terminationGracePeriodSeconds must be positive');
  }
  if (problems.length > 0) throw new Error(`${props.component} pod: ${problems.join('; ')}`);
}

/** Pod spec fields of a SchedulingProps, each left out when empty. */
export function schedulingSpec(scheduling: SchedulingProps) {
  return {
    nodeSelector: when(notEmpty(scheduling.nodeSelector), scheduling.nodeSelector),
    tolerations: when(notEmpty(scheduling.tolerations), scheduling.tolerations as never),
    affinity: when(notEmpty(scheduling.affinity), scheduling.affinity),
    topologySpreadConstraints: when(notEmpty(scheduling.topologySpreadConstraints), scheduling.topologySpreadConstraints as never),
    priorityClassName: when(notEmpty(scheduling.priorityClassName), scheduling.priorityClassName),
  };
}

export function appPodTemplate(ctx: ReleaseContext, props: AppPodProps): IPodTemplateSpec {
  validateAppPodProps(props);
  const scrape = props.servesHttp ? props.scrapeAnnotations : false;
  const env: IEnvVar[] = [
    ...telemetryEnv(ctx, props.otelServiceName),
    ...Object.entries(props.env ?? {}).map(([name, value]) => ({ name, value })),
    ...props.secretEnv.flatMap((ref) => {
      const item: IEnvVar = { name: ref.name, valueFrom: { secretKeyRef: { name: ctx.secretName, key: ref.key } } };
      return ref.optional ? whenItem(notEmpty(ref.key), item) : [item];
    }),
  ];
  const container: IContainer = {
    name: CONTAINER_NAME,
    image: ctx.image,
    imagePullPolicy: props.imagePullPolicy,
    command: props.command,
    envFrom: [{ configMapRef: { name: props.configMapName } }, ...spreadList(props.extras.envFrom as never[])],
    env: [...env, ...spreadList(props.extras.env as IEnvVar[])],
    resources: props.resources,
    securityContext: props.securityContexts.container,
    volumeMounts: [TMP_MOUNT, ...spreadList(props.extras.volumeMounts as never[])],
    ...(props.servesHttp ? { ports: [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }], ...httpProbes(props.probes) } : {}),
  };
  return {
    metadata: {
      // podLabels win over commonLabels; each key is written once.
      labels: standardLabels(ctx, props.component, { maps: [props.podLabels] }),
      // podAnnotations win over commonAnnotations; the chart's own annotations win over both
      // (prometheus.io/* only while the chart writes them: scrapeAnnotations off leaves the user's).
      annotations: withUserMaps(
        {
          'checksum/config': props.configChecksum,
          'prometheus.io/scrape': when(scrape, 'true'),
          'prometheus.io/port': when(scrape, String(HTTP_PORT)),
          'prometheus.io/path': when(scrape, '/metrics'),
        },
        [props.podAnnotations, ctx.commonAnnotations],
      ),
    },
    spec: {
      serviceAccountName: props.serviceAccountName,
      // No KryptoVault process talks to the Kubernetes API: off unless serviceAccount.automountToken.
      automountServiceAccountToken: props.automountToken,
      // Service links would add dozens of variables and can clash with PORT/HOST.
      enableServiceLinks: false,
      restartPolicy: props.restartPolicy,
      terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
      securityContext: props.securityContexts.pod,
      imagePullSecrets: when(notEmpty(props.imagePullSecrets), props.imagePullSecrets),
      initContainers: when(notEmpty(props.extras.initContainers), props.extras.initContainers as never),
      ...schedulingSpec(props.scheduling),
      containers: [container, ...spreadList(props.extras.sidecars as IContainer[])],
      volumes: [TMP_VOLUME, ...spreadList(props.extras.volumes as never[])],
    },
  };
}
