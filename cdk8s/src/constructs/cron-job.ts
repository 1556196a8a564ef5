import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import { isDeferred, notEmpty, when } from '../helm/expr';
import { appPodTemplate } from './app-pod';
import { objectMeta, selectorLabels } from './context';
import { cronProblems } from './cron';
import type { CronJobProps } from './cron-job-props';

const known = (v: unknown) => !isDeferred(v);

export function validateCronJobProps(props: CronJobProps): void {
  const problems: string[] = [];
  if (known(props.schedule)) problems.push(...cronProblems(props.schedule).map((p) => `schedule ${p}`));
  if (known(props.name) && props.name.length > 52) problems.push('name must be at most 52 characters');
  if (known(props.startingDeadlineSeconds) && props.startingDeadlineSeconds < 10) {
    problems.push('startingDeadlineSeconds must be >= 10 (the controller may otherwise never start a run)');
  }
  if (known(props.activeDeadlineSeconds) && props.activeDeadlineSeconds < 1) problems.push('activeDeadlineSeconds must be positive');
  if (known(props.backoffLimit) && props.backoffLimit < 0) problems.push('backoffLimit must be >= 0');
  if (props.pod.servesHttp) problems.push('job pods do not serve HTTP (no probes); set pod.servesHttp=false');
  if (props.pod.restartPolicy !== 'Never') problems.push("pod.restartPolicy must be 'Never' (the Job controller retries)");
  if (problems.length > 0) throw new Error(`CronJob ${props.name}: ${problems.join('; ')}`);
}

/** A CronJob with no overlapping runs, bounded runtime and bounded history. */
export class KryptoVaultCronJob extends Construct {
  constructor(scope: Construct, id: string, props: CronJobProps) {
    super(scope, id);
    validateCronJobProps(props);
    const ctx = props.context;
    const template = appPodTemplate(ctx, props.pod);
    const body: ICronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: objectMeta(ctx, props.name, props.pod.component),
      spec: {
        schedule: props.schedule,
        timeZone: when(notEmpty(props.timeZone), props.timeZone),
        suspend: props.suspend,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: props.startingDeadlineSeconds,
        successfulJobsHistoryLimit: props.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: props.failedJobsHistoryLimit,
        jobTemplate: {
          metadata: { labels: selectorLabels(ctx, props.pod.component) },
          spec: {
            backoffLimit: props.backoffLimit,
            activeDeadlineSeconds: props.activeDeadlineSeconds,
            template,
          },
        },
      },
    };
    new ApiObject(this, 'Resource', body as never);
  }
}
