import type { AppPodProps } from './app-pod-props';
import type { ReleaseContext } from './context';

/** A long-running worker Deployment without a Service (the automation runner). */
export interface BackgroundWorkerProps {
  readonly context: ReleaseContext;
  readonly name: string;
  /** Create it only when this holds. */
  readonly enabled: boolean;
  readonly replicas: number;
  /** Deployment strategy (values `automation.strategy`). */
  readonly strategy: object;
  /** The worker must serve /healthz and /readyz (servesHttp): probes are not optional. */
  readonly pod: AppPodProps;
}
