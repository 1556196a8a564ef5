import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { schedulingSpec, TMP_MOUNT, TMP_VOLUME } from './app-pod';
import { notEmpty, when } from '../helm/expr';
import { objectMeta } from './context';
import type { HelmTestProps } from './helm-test-props';

/**
 * Uses the app image itself (node, no shell, restricted): nothing else to pull or trust.
 * Chart only; plain-manifest users run `kubectl rollout status` instead.
 */
export class HelmTest extends Construct {
  constructor(scope: Construct, id: string, props: HelmTestProps) {
    super(scope, id);
    if (!props.context.helm) return;
    const ctx = props.context;
    const url = `http://${props.serviceName}:${props.servicePort}/readyz`;
    const script =
      `fetch('${url}').then((r) => { console.log('GET ${url} ->', r.status); process.exit(r.status === 200 ? 0 : 1); })` +
      `.catch((e) => { console.error('GET ${url} failed:', e.message); process.exit(1); })`;
    const pod: IPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: objectMeta(ctx, props.name, 'test', {
        'helm.sh/hook': 'test',
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
      }),
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: props.securityContexts.pod,
        imagePullSecrets: when(notEmpty(props.imagePullSecrets), props.imagePullSecrets),
        ...schedulingSpec(props.scheduling),
        containers: [
          {
            name: 'readyz',
            image: ctx.image,
            imagePullPolicy: props.imagePullPolicy,
            command: ['node', '-e', script],
            resources: props.resources,
            securityContext: props.securityContexts.container,
            volumeMounts: [TMP_MOUNT],
          },
        ],
        volumes: [TMP_VOLUME],
      },
    };
    new ApiObject(this, 'Resource', pod as never);
  }
}
