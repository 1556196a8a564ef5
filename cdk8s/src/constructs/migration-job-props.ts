import type { AppPodProps } from './app-pod-props';
import type { ReleaseContext } from './context';

/**
 * The database migration Job. In the chart it is a pre-install/pre-upgrade hook: Helm
 * waits for it and a failure fails the release before any Deployment rolls. Its
 * ServiceAccount and ConfigMap are hooks too, with a lower weight, because hooks run
 * before the release's normal objects exist.
 */
export interface MigrationJobProps {
  readonly context: ReleaseContext;
  readonly name: string;
  readonly enabled: boolean;
  /** Retries; 0 or small, a half-applied migration should be looked at by a person. */
  readonly backoffLimit: number;
  readonly activeDeadlineSeconds: number;
  /** Delete the finished Job after this many seconds. */
  readonly ttlSecondsAfterFinished: number;
  /** Non-secret settings for the hook's own ConfigMap. */
  readonly configData: Record<string, string>;
  /** Create the hook ServiceAccount named `pod.serviceAccountName` (false: it must exist). */
  readonly createServiceAccount: boolean;
  readonly serviceAccountAnnotations: Record<string, string>;
  /** Pod settings; configMapName, configChecksum and serviceAccountName are filled in here. */
  readonly pod: Omit<AppPodProps, 'configMapName' | 'configChecksum'>;
}
