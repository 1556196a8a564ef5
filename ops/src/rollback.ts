/**
 * `ops rollback`: what `kubectl rollout undo deployment/<api>` does. The Deployment's pod
 * template goes back to that of an older ReplicaSet (the previous revision by default); the
 * controller then scales that ReplicaSet up again under a new revision number. Helm's record
 * is untouched: the next `helm upgrade` applies the chart's template again (docs/runbook.md).
 */
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { call, OpsError, pollUntil, type Target } from './cluster.js';
import { findDeployment, findRelease } from './release.js';
import { rolloutState, type RolloutState } from './status.js';

export interface RollbackResult {
  deployment: string;
  fromRevision: number;
  toRevision: number;
  fromImages: string[];
  toImages: string[];
  rollout: RolloutState | 'not waited';
}

const revisionOf = (o: { metadata?: { annotations?: Record<string, string> } }) => Number(o.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? NaN);
const imagesOf = (o: V1Deployment | V1ReplicaSet) => (o.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '');

export async function rollback(
  target: Target,
  options: { component: string; toRevision?: number; wait?: { timeoutSeconds: number } },
): Promise<RollbackResult> {
  await findRelease(target);
  const deployment = await findDeployment(target, options.component);
  const name = deployment.metadata!.name!;
  if (deployment.spec?.paused) throw new OpsError(`Deployment ${name} is paused: resume it (kubectl rollout resume deployment/${name}) before rolling back`);
  const current = revisionOf(deployment);
  const selector = Object.entries(deployment.spec!.selector.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const sets = await call(target, `listing the ReplicaSets of ${name}`, () => target.apps.listNamespacedReplicaSet({ namespace: target.namespace, labelSelector: selector }));
  const owned = sets!.items
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === deployment.metadata!.uid))
    .filter((rs) => Number.isInteger(revisionOf(rs)));
  const revisions = owned.map(revisionOf).sort((a, b) => a - b);
  const wanted = options.toRevision ?? revisions.filter((r) => r < current).pop();
  const source = owned.find((rs) => revisionOf(rs) === wanted);
  if (wanted === undefined || !source) {
    throw new OpsError(
      options.toRevision === undefined
        ? `Deployment ${name} has no revision before ${current} to roll back to (revisions kept: ${revisions.join(', ') || 'none'})`
        : `Deployment ${name} has no revision ${options.toRevision} (revisions kept: ${revisions.join(', ')}; the Deployment's revisionHistoryLimit bounds how many)`,
    );
  }
  if (wanted === current) throw new OpsError(`Deployment ${name} already runs revision ${current}`);
  const template = structuredClone(source.spec!.template!);
  // The controller adds this label per ReplicaSet; the Deployment's template never carries it.
  delete template.metadata?.labels?.['pod-template-hash'];
  await call(target, `rolling back Deployment ${name}`, () =>
    target.apps.patchNamespacedDeployment({
      name,
      namespace: target.namespace,
      body: [
        // Refuse to overwrite a Deployment someone changed since it was read.
        { op: 'test', path: '/metadata/resourceVersion', value: deployment.metadata!.resourceVersion },
        { op: 'replace', path: '/spec/template', value: template },
      ],
    }),
  );
  const result: RollbackResult = {
    deployment: name,
    fromRevision: current,
    toRevision: wanted,
    fromImages: imagesOf(deployment),
    toImages: imagesOf(source),
    rollout: 'not waited',
  };
  if (!options.wait) return result;
  const { timeoutSeconds } = options.wait;
  result.rollout = await pollUntil(
    timeoutSeconds,
    async () => {
      const now = await call(target, `reading Deployment ${name}`, () => target.apps.readNamespacedDeployment({ name, namespace: target.namespace }));
      const state = rolloutState(now!);
      return state === 'complete' || state === 'failed' ? state : undefined;
    },
    () => `Deployment ${name} did not finish rolling out within ${timeoutSeconds} s`,
  );
  return result;
}
