/**
 * A Helm release as the cluster stores it: its revision records (Secrets `sh.helm.release.v1.<release>.v<n>`,
 * helm's default storage driver) and the objects labelled with its instance name.
 */
import { gunzipSync } from 'node:zlib';
import type { V1CronJob, V1Deployment, V1Job } from '@kubernetes/client-node';
import { call, checkNamespace, OpsError, type Target } from './cluster.js';

export interface ReleaseRevision {
  revision: number;
  status: string;
  chart?: string;
  appVersion?: string;
  lastDeployed?: string;
}

/** The release's newest revision; an OpsError naming the releases that do exist when it is absent. */
export async function findRelease(target: Target): Promise<ReleaseRevision> {
  await checkNamespace(target);
  const where = `in namespace "${target.namespace}" (context "${target.context}")`;
  const records = await call(target, `listing Helm release records ${where}`, () =>
    target.core.listNamespacedSecret({ namespace: target.namespace, labelSelector: `owner=helm,name=${target.release}` }),
  );
  const newest = records!.items
    .map((s) => ({ secret: s, revision: Number(s.metadata?.labels?.version) }))
    .filter((r) => Number.isInteger(r.revision))
    .sort((a, b) => b.revision - a.revision)[0];
  if (!newest) {
    const all = await call(target, `listing Helm releases ${where}`, () =>
      target.core.listNamespacedSecret({ namespace: target.namespace, labelSelector: 'owner=helm' }),
    );
    const names = [...new Set(all!.items.map((s) => s.metadata?.labels?.name).filter(Boolean))].sort();
    throw new OpsError(
      `release "${target.release}" not found ${where}; ` +
        (names.length ? `releases there: ${names.join(', ')} (pick one with --release)` : 'no Helm releases there (pick another with --namespace)'),
    );
  }
  const revision: ReleaseRevision = { revision: newest.revision, status: newest.secret.metadata?.labels?.status ?? 'unknown' };
  const payload = newest.secret.data?.release;
  if (payload) {
    try {
      // Kubernetes base64 around helm's own base64 around gzipped JSON.
      const json = JSON.parse(gunzipSync(Buffer.from(Buffer.from(payload, 'base64').toString('utf8'), 'base64')).toString('utf8'));
      const meta = json.chart?.metadata ?? {};
      revision.chart = meta.name && meta.version ? `${meta.name}-${meta.version}` : undefined;
      revision.appVersion = meta.appVersion;
      revision.lastDeployed = json.info?.last_deployed;
    } catch {
      // Details are a bonus; revision and status come from the labels.
    }
  }
  return revision;
}

const instance = (target: Target) => `app.kubernetes.io/instance=${target.release}`;
export const componentOf = (o: { metadata?: { labels?: Record<string, string> } }) => o.metadata?.labels?.['app.kubernetes.io/component'] ?? '';
const byName = <T extends { metadata?: { name?: string } }>(a: T, b: T) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

export async function releaseDeployments(target: Target): Promise<V1Deployment[]> {
  const list = await call(target, 'listing Deployments', () => target.apps.listNamespacedDeployment({ namespace: target.namespace, labelSelector: instance(target) }));
  return list!.items.sort(byName);
}

export async function releaseCronJobs(target: Target): Promise<V1CronJob[]> {
  const list = await call(target, 'listing CronJobs', () => target.batch.listNamespacedCronJob({ namespace: target.namespace, labelSelector: instance(target) }));
  return list!.items.sort(byName);
}

/** The migration hook's Jobs (helm keeps the last one: hook-delete-policy before-hook-creation), newest first. */
export async function migrationJobs(target: Target): Promise<V1Job[]> {
  const list = await call(target, 'listing migration Jobs', () =>
    target.batch.listNamespacedJob({ namespace: target.namespace, labelSelector: `${instance(target)},app.kubernetes.io/component=migrate` }),
  );
  const created = (j: V1Job) => new Date(j.metadata?.creationTimestamp ?? 0).getTime();
  return list!.items.sort((a, b) => created(b) - created(a));
}

/** A CronJob of the release by component (`deposit-monitor`) or full name; an OpsError listing them otherwise. */
export async function findCronJob(target: Target, wanted: string): Promise<V1CronJob> {
  const cronJobs = await releaseCronJobs(target);
  const found = cronJobs.find((c) => componentOf(c) === wanted) ?? cronJobs.find((c) => c.metadata?.name === wanted);
  if (found) return found;
  const names = cronJobs.map((c) => `${componentOf(c) || c.metadata?.name} (${c.metadata?.name})`);
  throw new OpsError(`no CronJob "${wanted}" in release "${target.release}"; its CronJobs: ${names.join(', ') || 'none'}`);
}

/** The release's Deployment of one component (the API unless told otherwise). */
export async function findDeployment(target: Target, component: string): Promise<V1Deployment> {
  const deployments = await releaseDeployments(target);
  const found = deployments.find((d) => componentOf(d) === component) ?? deployments.find((d) => d.metadata?.name === component);
  if (found) return found;
  throw new OpsError(
    `no Deployment "${component}" in release "${target.release}"; its Deployments: ${deployments.map((d) => componentOf(d) || d.metadata?.name).join(', ') || 'none'}`,
  );
}
