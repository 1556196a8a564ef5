import type { ReleaseContext } from './context';
import type { SchedulingProps, SecurityContexts } from './app-pod-props';
import type { Resources } from '../config/values';

/** The `helm test` pod: asks /readyz through the Service. */
export interface HelmTestProps {
  readonly context: ReleaseContext;
  readonly name: string;
  readonly serviceName: string;
  readonly servicePort: number;
  readonly imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  readonly resources: Resources;
  /** Like every pod of the release: a private registry and tainted nodes apply to the test too. */
  readonly imagePullSecrets: Array<{ name: string }>;
  readonly scheduling: SchedulingProps;
  readonly securityContexts: SecurityContexts;
}
