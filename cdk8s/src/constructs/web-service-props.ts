import type { AppPodProps } from './app-pod-props';
import type { ReleaseContext } from './context';

export interface AutoscalingProps {
  /** Create the HPA (a Helm condition in the chart). */
  readonly enabled: boolean;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Average CPU utilisation (percent of requests) the HPA aims for. */
  readonly targetCPUUtilizationPercentage: number;
  /** 0: memory is not a metric. */
  readonly targetMemoryUtilizationPercentage: number;
  readonly behavior: object;
}

export interface DisruptionBudgetProps {
  readonly enabled: boolean;
  /** Pods a voluntary disruption may evict at once (works with any replica count, unlike minAvailable). */
  readonly maxUnavailable: number;
}

export interface IngressProps {
  readonly enabled: boolean;
  /** IngressClass; empty for the cluster default. */
  readonly className: string;
  readonly host: string;
  /** More hosts with the same paths (and, with TLS on, the same certificate). */
  readonly extraHosts: string[];
  readonly extraTls: object[];
  readonly annotations: Record<string, string>;
  readonly tls: { readonly enabled: boolean; readonly secretName: string };
  /** Path prefixes routed to the API; nothing else (metrics, probes) is reachable through it. */
  readonly paths: readonly string[];
}

export interface ServiceProps {
  readonly type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** Port of the API on the Service; the metrics port (METRICS_SERVICE_PORT) is exposed beside it. */
  readonly port: number;
  readonly nodePort: number;
  readonly annotations: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly loadBalancerSourceRanges: string[];
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
}

/** An HTTP workload: Deployment + Service, optional Ingress, HPA and PDB. */
export interface WebServiceProps {
  readonly context: ReleaseContext;
  /** Object name (Deployment, Service, HPA, PDB, Ingress share it). */
  readonly name: string;
  readonly pod: AppPodProps;
  /**
   * Fixed replica count. Leave undefined when autoscaling is on: both at once make the
   * Deployment and the HPA fight over `spec.replicas` (rejected at synth time).
   */
  readonly replicas?: number;
  /** Deployment strategy (values `api.strategy`). */
  readonly strategy: object;
  readonly autoscaling?: AutoscalingProps;
  /** Needs at least 2 replicas (rejected at synth time otherwise). */
  readonly disruptionBudget?: DisruptionBudgetProps;
  readonly service: ServiceProps;
  readonly ingress?: IngressProps;
  /** TLS Secret name used when `ingress.tls.secretName` is empty. */
  readonly defaultTlsSecretName?: string;
}
