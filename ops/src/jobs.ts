/** `ops run-job`, `ops suspend|resume`, `ops migrations`: the release's CronJobs and its migration hook Job. */
import type { V1Job } from '@kubernetes/client-node';
import { call, describeFailure, OpsError, pollUntil, type Target } from './cluster.js';
import { findCronJob, findRelease, migrationJobs } from './release.js';

export type JobOutcome = 'complete' | 'failed' | 'running';

export function jobOutcome(job: V1Job): JobOutcome {
  const done = (type: string) => job.status?.conditions?.some((c) => c.type === type && c.status === 'True');
  if (done('Complete')) return 'complete';
  if (done('Failed')) return 'failed';
  return 'running';
}

export interface RunJobResult {
  job: string;
  cronJob: string;
  outcome: JobOutcome;
  alsoRunning: number;
}

/**
 * What `kubectl create job --from=cronjob/<name>` does: a Job from the CronJob's template,
 * owned by it and marked as a manual run. With `wait`, polls until it completes or fails.
 */
export async function runJob(target: Target, wanted: string, wait: { timeoutSeconds: number } | undefined): Promise<RunJobResult> {
  await findRelease(target);
  const cronJob = await findCronJob(target, wanted);
  const cronName = cronJob.metadata!.name!;
  const template = cronJob.spec!.jobTemplate;
  // Job names end up in a 63-character label (job-name): keep room for the suffix.
  const name = `${cronName.slice(0, 63 - 14)}-manual-${Date.now().toString(36).slice(-6)}`;
  const created = await call(target, `creating Job ${name}`, () =>
    target.batch.createNamespacedJob({
      namespace: target.namespace,
      body: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name,
          namespace: target.namespace,
          labels: { ...template.metadata?.labels },
          annotations: { ...template.metadata?.annotations, 'cronjob.kubernetes.io/instantiate': 'manual' },
          ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronName, uid: cronJob.metadata!.uid!, controller: true }],
        },
        spec: template.spec,
      },
    }),
  );
  const result: RunJobResult = { job: created!.metadata!.name!, cronJob: cronName, outcome: 'running', alsoRunning: cronJob.status?.active?.length ?? 0 };
  if (!wait) return result;
  result.outcome = await pollUntil(
    wait.timeoutSeconds,
    async () => {
      const job = await call(target, `reading Job ${name}`, () => target.batch.readNamespacedJob({ name, namespace: target.namespace }));
      const outcome = jobOutcome(job!);
      return outcome === 'running' ? undefined : outcome;
    },
    () => `Job ${name} still running after ${wait.timeoutSeconds} s (it keeps running; follow it with \`kubectl -n ${target.namespace} get job ${name}\`)`,
  );
  return result;
}

export interface SuspendResult {
  cronJob: string;
  suspended: boolean;
  changed: boolean;
}

/** Sets spec.suspend; running Jobs finish. */
export async function setSuspended(target: Target, wanted: string, suspend: boolean): Promise<SuspendResult> {
  await findRelease(target);
  const cronJob = await findCronJob(target, wanted);
  const name = cronJob.metadata!.name!;
  const was = cronJob.spec?.suspend ?? false;
  if (was !== suspend) {
    await call(target, `patching CronJob ${name}`, () =>
      // A JSON patch (the client's default content type) with a test: refuses to act on a CronJob changed meanwhile.
      target.batch.patchNamespacedCronJob({
        name,
        namespace: target.namespace,
        body: [
          { op: 'test', path: '/metadata/resourceVersion', value: cronJob.metadata!.resourceVersion },
          { op: 'add', path: '/spec/suspend', value: suspend },
        ],
      }),
    );
  }
  return { cronJob: name, suspended: suspend, changed: was !== suspend };
}

export interface MigrationRun {
  job: string;
  outcome: JobOutcome;
  hook: string | null;
  created: string | null;
  started: string | null;
  completed: string | null;
  failedPods: number;
  pods: { name: string; phase: string; logs?: string; logsError?: string }[];
}

/** The migration hook Job of the last install/upgrade, its pods and their logs. */
export async function lastMigration(target: Target, tailLines: number): Promise<MigrationRun> {
  await findRelease(target);
  const [job] = await migrationJobs(target);
  if (!job) {
    throw new OpsError(
      `no migration Job of release "${target.release}" in namespace "${target.namespace}": helm replaces it at each install/upgrade, so it was deleted by hand (or the release predates the hook)`,
    );
  }
  const name = job.metadata!.name!;
  const pods = await call(target, `listing the pods of Job ${name}`, () =>
    target.core.listNamespacedPod({ namespace: target.namespace, labelSelector: `batch.kubernetes.io/job-name=${name}` }),
  );
  const iso = (t: Date | undefined) => (t ? new Date(t).toISOString() : null);
  const run: MigrationRun = {
    job: name,
    outcome: jobOutcome(job),
    hook: job.metadata?.annotations?.['helm.sh/hook'] ?? null,
    created: iso(job.metadata?.creationTimestamp),
    started: iso(job.status?.startTime),
    completed: iso(job.status?.completionTime),
    failedPods: job.status?.failed ?? 0,
    pods: [],
  };
  for (const pod of pods!.items) {
    const podName = pod.metadata!.name!;
    const entry: MigrationRun['pods'][number] = { name: podName, phase: pod.status?.phase ?? 'Unknown' };
    try {
      entry.logs = await target.core.readNamespacedPodLog({ name: podName, namespace: target.namespace, container: 'app', tailLines });
    } catch (e) {
      // The kubelet serves logs; a deleted node or a pod that never started has none.
      entry.logsError = describeFailure(target, e);
    }
    run.pods.push(entry);
  }
  return run;
}
