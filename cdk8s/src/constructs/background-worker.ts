import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { isDeferred, mayBeOn } from '../helm/expr';
import { renderOnlyWhen } from '../helm/object-options';
import { appPodTemplate } from './app-pod';
import type { BackgroundWorkerProps } from './background-worker-props';
import { rollingDeployment } from './rolling-deployment';

export class BackgroundWorker extends Construct {
  constructor(scope: Construct, id: string, props: BackgroundWorkerProps) {
    super(scope, id);
    if (!props.pod.servesHttp) {
      throw new Error(`${props.name}: a long-running worker must serve /healthz and /readyz (servesHttp) so it gets probes`);
    }
    if (!isDeferred(props.replicas) && props.replicas < 1) throw new Error(`${props.name}: replicas must be >= 1`);
    if (!mayBeOn(props.enabled)) return;
    const ctx = props.context;
    const obj = new ApiObject(
      this,
      'Deployment',
      rollingDeployment(ctx, props.name, props.pod.component, appPodTemplate(ctx, props.pod), props.replicas, props.strategy) as never,
    );
    renderOnlyWhen(obj, props.enabled);
  }
}
