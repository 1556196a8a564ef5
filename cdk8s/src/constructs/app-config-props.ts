import type { HookProps } from './hook';
import type { ReleaseContext } from './context';

export interface AppConfigProps {
  readonly context: ReleaseContext;
  /** ConfigMap name. */
  readonly name: string;
  /** app.kubernetes.io/component label. */
  readonly component: string;
  /** Non-secret environment variables (strings; secrets never go here). */
  readonly data: Record<string, string>;
  /** Make it a Helm hook (the migration Job's copy must exist before the release's objects). */
  readonly hook?: HookProps;
  /** Chart template file, hashed by the checksum annotation of the pods using it. */
  readonly templateFile: string;
}
