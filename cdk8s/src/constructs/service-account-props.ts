import type { HookProps } from './hook';
import type { ReleaseContext } from './context';

export interface AppServiceAccountProps {
  readonly context: ReleaseContext;
  readonly name: string;
  readonly component: string;
  /** Annotations such as cloud IAM bindings. */
  readonly annotations: Record<string, string>;
  /** Mount an API token into pods by default. Off: nothing here calls the Kubernetes API. */
  readonly automountToken: boolean;
  /** Create the account only when this holds (false: the user brings one). */
  readonly create: boolean;
  readonly hook?: HookProps;
}
