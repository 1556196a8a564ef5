import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import { isDeferred, mayBeOn } from '../helm/expr';
import { renderOnlyWhen } from '../helm/object-options';
import { AppConfig } from './app-config';
import { appPodTemplate } from './app-pod';
import { objectMeta } from './context';
import { hookAnnotations, HookProps, MIGRATION_HOOK_EVENTS, MIGRATION_JOB_WEIGHT, MIGRATION_PREREQUISITE_WEIGHT } from './hook';
import type { MigrationJobProps } from './migration-job-props';
import { AppServiceAccount } from './service-account';

export const MIGRATION_CONFIG_TEMPLATE = 'migration-configmap.yaml';

export class MigrationJob extends Construct {
  constructor(scope: Construct, id: string, props: MigrationJobProps) {
    super(scope, id);
    if (!isDeferred(props.backoffLimit) && props.backoffLimit > 3) {
      throw new Error(`${props.name}: backoffLimit must be small (<= 3): repeated half-applied migrations need a person`);
    }
    if (props.pod.servesHttp) throw new Error(`${props.name}: the migration does not serve HTTP`);
    if (!mayBeOn(props.enabled)) return;
    const ctx = props.context;
    const prerequisite: HookProps = {
      events: MIGRATION_HOOK_EVENTS,
      weight: MIGRATION_PREREQUISITE_WEIGHT,
      deletePolicy: ['before-hook-creation'],
    };
    const component = props.pod.component;

    const config = new AppConfig(this, 'Config', {
      context: ctx,
      name: props.name,
      component,
      data: props.configData,
      hook: prerequisite,
      templateFile: MIGRATION_CONFIG_TEMPLATE,
    });
    const sa = new AppServiceAccount(this, 'ServiceAccount', {
      context: ctx,
      name: props.pod.serviceAccountName,
      component,
      annotations: props.serviceAccountAnnotations,
      automountToken: false,
      create: props.createServiceAccount,
      hook: prerequisite,
    });
    const template = appPodTemplate(ctx, {
      ...props.pod,
      configMapName: config.name,
      configChecksum: config.checksum,
    });
    const job: IJob = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: objectMeta(ctx, props.name, component, hookAnnotations(ctx, {
        events: MIGRATION_HOOK_EVENTS,
        weight: MIGRATION_JOB_WEIGHT,
        deletePolicy: ['before-hook-creation'],
      })),
      spec: {
        backoffLimit: props.backoffLimit,
        activeDeadlineSeconds: props.activeDeadlineSeconds,
        ttlSecondsAfterFinished: props.ttlSecondsAfterFinished,
        template,
      },
    };
    const obj = new ApiObject(this, 'Resource', job as never);
    for (const o of [obj, ...config.node.findAll().filter(ApiObject.isApiObject), ...sa.node.findAll().filter(ApiObject.isApiObject)]) {
      renderOnlyWhen(o, props.enabled);
    }
  }
}

