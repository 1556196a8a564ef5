import type { Resources } from '../config/values';

/** A secret environment variable taken from the release's existing Secret. */
export interface SecretEnvRef {
  /** Variable name (DATABASE_URL). */
  readonly name: string;
  /** Key inside the Secret. */
  readonly key: string;
  /** Optional variables are left out when `key` is empty. */
  readonly optional: boolean;
}

/** Scheduling knobs shared by every pod. */
export interface ProbeTiming {
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

export interface ProbeSettings {
  readonly startup: ProbeTiming;
  readonly liveness: ProbeTiming;
  readonly readiness: ProbeTiming;
}

/** Pod and container securityContext (values `podSecurityContext`, `containerSecurityContext`). */
export interface SecurityContexts {
  readonly pod: object;
  readonly container: object;
}

export interface PodExtras {
  readonly env: object[];
  readonly envFrom: object[];
  readonly volumes: object[];
  readonly volumeMounts: object[];
  readonly initContainers: object[];
  readonly sidecars: object[];
}

export interface SchedulingProps {
  readonly topologySpreadConstraints: object[];
  readonly priorityClassName: string;
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: object[];
  readonly affinity: object;
}

/** How one KryptoVault pod is built; every pod of the release goes through this. */
export interface AppPodProps {
  /** app.kubernetes.io/component of the pod (api, deposit-monitor...). */
  readonly component: string;
  /** Command in the image (working directory /app/Backend). There is no shell in the image. */
  readonly command: string[];
  /** Requests and limits; both are required (the policy test checks every pod). */
  readonly resources: Resources;
  /**
   * The process serves /healthz, /readyz and /metrics on port 3000: it gets the port and
   * liveness/readiness/startup probes. Run-to-completion pods (Jobs) do not serve HTTP; they
   * are bounded by activeDeadlineSeconds instead.
   */
  readonly servesHttp: boolean;
  /** ConfigMap with the non-secret settings, loaded with envFrom. */
  readonly configMapName: string;
  /** Pod annotation value that changes whenever that ConfigMap changes (rolls the pods). */
  readonly configChecksum: string;
  readonly serviceAccountName: string;
  /** Secret variables, by reference only. */
  readonly secretEnv: SecretEnvRef[];
  /** Extra plain variables specific to this workload (RUN_SCHEDULED_JOBS). */
  readonly env?: Record<string, string>;
  /** OTEL_SERVICE_NAME of this workload. */
  readonly otelServiceName: string;
  readonly imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  /** global.imagePullSecrets then imagePullSecrets (concatLists). */
  readonly imagePullSecrets: Array<{ name: string }>;
  /** Pod restart policy: Always for Deployments, Never for Jobs (the Job controller retries). */
  readonly restartPolicy: 'Always' | 'Never';
  /** Seconds between SIGTERM and SIGKILL. Must exceed shutdownDelaySeconds + drain time. */
  readonly terminationGracePeriodSeconds: number;
  readonly scheduling: SchedulingProps;
  readonly podLabels: Record<string, string>;
  readonly podAnnotations: Record<string, string>;
  readonly securityContexts: SecurityContexts;
  /** Timings of the HTTP probes (pods that serve HTTP only). */
  readonly probes: ProbeSettings;
  /** The users' escape hatches (extraEnv, extraEnvFrom, extraVolumes, ...). */
  readonly extras: PodExtras;
  /** Add prometheus.io/* annotations (only for pods that serve /metrics). */
  readonly scrapeAnnotations: boolean;
  /** serviceAccount.automountToken: a token only when asked for (no KryptoVault process calls the API). */
  readonly automountToken: boolean;
}
