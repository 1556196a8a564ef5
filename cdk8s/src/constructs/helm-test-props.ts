import type { ReleaseContext } from './context';
import type { Resources } from '../config/values';

/** The `helm test` pod: asks /readyz through the Service. */
export interface HelmTestProps {
  readonly context: ReleaseContext;
  readonly name: string;
  readonly serviceName: string;
  readonly servicePort: number;
  readonly imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  readonly resources: Resources;
}
