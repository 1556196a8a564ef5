/** `ops status`: the release revision, each Deployment's rollout and each CronJob's runs. */
import type { V1CronJob, V1Deployment } from '@kubernetes/client-node';
import type { Target } from './cluster.js';
import { componentOf, findRelease, releaseCronJobs, releaseDeployments, type ReleaseRevision } from './release.js';

export type RolloutState = 'complete' | 'progressing' | 'paused' | 'failed';

export interface DeploymentStatus {
  name: string;
  component: string;
  revision: number | null;
  rollout: RolloutState;
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  images: string[];
}

export interface CronJobStatus {
  name: string;
  component: string;
  schedule: string;
  suspended: boolean;
  active: number;
  lastScheduleTime: string | null;
  lastSuccessfulTime: string | null;
}

export interface ReleaseStatus {
  context: string;
  namespace: string;
  release: string;
  revision: ReleaseRevision;
  deployments: DeploymentStatus[];
  cronJobs: CronJobStatus[];
}

/** The rules of `kubectl rollout status`, read from the Deployment's status. */
export function rolloutState(d: V1Deployment): RolloutState {
  const spec = d.spec!;
  const st = d.status ?? {};
  if (spec.paused) return 'paused';
  if ((d.metadata?.generation ?? 0) > (st.observedGeneration ?? 0)) return 'progressing';
  if (st.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded')) return 'failed';
  const desired = spec.replicas ?? 1;
  const updated = st.updatedReplicas ?? 0;
  if (updated < desired || (st.replicas ?? 0) > updated || (st.availableReplicas ?? 0) < updated) return 'progressing';
  return 'complete';
}

const revisionOf = (o: { metadata?: { annotations?: Record<string, string> } }) => {
  const value = Number(o.metadata?.annotations?.['deployment.kubernetes.io/revision']);
  return Number.isInteger(value) ? value : null;
};

function deploymentStatus(d: V1Deployment): DeploymentStatus {
  return {
    name: d.metadata!.name!,
    component: componentOf(d),
    revision: revisionOf(d),
    rollout: rolloutState(d),
    replicas: d.spec?.replicas ?? 1,
    readyReplicas: d.status?.readyReplicas ?? 0,
    updatedReplicas: d.status?.updatedReplicas ?? 0,
    images: (d.spec?.template.spec?.containers ?? []).map((c) => c.image ?? ''),
  };
}

const iso = (t: Date | undefined) => (t ? new Date(t).toISOString() : null);

function cronJobStatus(c: V1CronJob): CronJobStatus {
  return {
    name: c.metadata!.name!,
    component: componentOf(c),
    schedule: c.spec!.schedule,
    suspended: c.spec?.suspend ?? false,
    active: c.status?.active?.length ?? 0,
    lastScheduleTime: iso(c.status?.lastScheduleTime),
    lastSuccessfulTime: iso(c.status?.lastSuccessfulTime),
  };
}

export async function releaseStatus(target: Target): Promise<ReleaseStatus> {
  const revision = await findRelease(target);
  const [deployments, cronJobs] = await Promise.all([releaseDeployments(target), releaseCronJobs(target)]);
  return {
    context: target.context,
    namespace: target.namespace,
    release: target.release,
    revision,
    deployments: deployments.map(deploymentStatus),
    cronJobs: cronJobs.map(cronJobStatus),
  };
}

/** Fixed-width columns, as kubectl prints them. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('   ').trimEnd()).join('\n');
}

export function formatStatus(s: ReleaseStatus): string {
  const r = s.revision;
  const lines = [
    `Release ${s.release} in namespace ${s.namespace} (context ${s.context})`,
    `  revision ${r.revision} (${r.status})${r.chart ? `, chart ${r.chart}` : ''}${r.appVersion ? `, app version ${r.appVersion}` : ''}${r.lastDeployed ? `, last deployed ${r.lastDeployed}` : ''}`,
    '',
    table(
      ['DEPLOYMENT', 'REVISION', 'ROLLOUT', 'READY', 'IMAGE'],
      s.deployments.map((d) => [d.name, String(d.revision ?? '-'), d.rollout, `${d.readyReplicas}/${d.replicas}`, d.images.join(',')]),
    ),
    '',
    table(
      ['CRONJOB', 'SCHEDULE', 'SUSPENDED', 'ACTIVE', 'LAST SCHEDULE', 'LAST SUCCESS'],
      s.cronJobs.map((c) => [c.name, c.schedule, c.suspended ? 'yes' : 'no', String(c.active), c.lastScheduleTime ?? 'never', c.lastSuccessfulTime ?? 'never']),
    ),
  ];
  return lines.join('\n');
}
