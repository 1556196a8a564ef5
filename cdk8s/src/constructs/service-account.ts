import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { mayBeOn } from '../helm/expr';
import { renderOnlyWhen } from '../helm/object-options';
import { annotationsWith, objectMeta } from './context';
import { hookAnnotations } from './hook';
import type { AppServiceAccountProps } from './service-account-props';

/** The identity pods run as; no token is mounted unless asked for. */
export class AppServiceAccount extends Construct {
  constructor(scope: Construct, id: string, props: AppServiceAccountProps) {
    super(scope, id);
    if (!mayBeOn(props.create)) return;
    const meta = objectMeta(props.context, props.name, props.component);
    const body: IServiceAccount = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        ...meta,
        annotations: annotationsWith([props.annotations, props.context.commonAnnotations], hookAnnotations(props.context, props.hook)),
      },
      automountServiceAccountToken: props.automountToken,
    };
    if (body.metadata!.annotations === undefined) delete body.metadata!.annotations;
    renderOnlyWhen(new ApiObject(this, 'Resource', body as never), props.create);
  }
}
