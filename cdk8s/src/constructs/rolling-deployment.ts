/** Deployment body shared by the API and the automation runner. */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { objectMeta, ReleaseContext, selectorLabels } from './context';

export function rollingDeployment(
  ctx: ReleaseContext,
  name: string,
  component: string,
  template: IPodTemplateSpec,
  replicas: number | undefined,
  strategy: object,
): IDeployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(ctx, name, component),
    spec: {
      ...(replicas !== undefined ? { replicas } : {}),
      revisionHistoryLimit: 10,
      // Keep `kubectl rollout undo` and `helm rollback` meaningful, and surface stuck rollouts.
      progressDeadlineSeconds: 600,
      // Selectors are immutable: only name/instance/component, never version or user labels.
      selector: { matchLabels: selectorLabels(ctx, component) },
      strategy: strategy as never,
      template,
    },
  };
}
