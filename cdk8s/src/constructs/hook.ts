/** Helm hook annotations (chart only: plain manifests have no hooks). */
import type { ReleaseContext } from './context';

export interface HookProps {
  /** Hook events, e.g. ['pre-install', 'pre-upgrade']. */
  readonly events: string[];
  /** Lower weights run first; prerequisites of a hook Job get a lower weight than the Job. */
  readonly weight: number;
  /** Delete policies; before-hook-creation keeps the last run for inspection until the next one. */
  readonly deletePolicy: string[];
}

/** The annotations that make an object a Helm hook: the chart's alone (user maps never set them). */
export const HOOK_ANNOTATION_KEYS = ['helm.sh/hook', 'helm.sh/hook-weight', 'helm.sh/hook-delete-policy'] as const;

export function hookAnnotations(ctx: ReleaseContext, hook: HookProps | undefined): Record<string, string> {
  if (!hook || !ctx.helm) return {};
  return {
    'helm.sh/hook': hook.events.join(','),
    'helm.sh/hook-weight': String(hook.weight),
    'helm.sh/hook-delete-policy': hook.deletePolicy.join(','),
  };
}

/** Hook order of the migration (see docs/kubernetes.md). */
export const MIGRATION_HOOK_EVENTS = ['pre-install', 'pre-upgrade'];
export const MIGRATION_PREREQUISITE_WEIGHT = -20;
export const MIGRATION_JOB_WEIGHT = -10;
