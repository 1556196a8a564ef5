import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { HTTP_PORT } from '../config/values';
import { derive, mayBeOn, notEmpty, when } from '../helm/expr';
import { renderOnlyWhen } from '../helm/object-options';
import { objectMeta, releaseSelector } from './context';
import type { ReleaseNetworkPolicyProps } from './network-policy-props';

export class ReleaseNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: ReleaseNetworkPolicyProps) {
    super(scope, id);
    if (!mayBeOn(props.enabled)) return;
    const ctx = props.context;
    const body: INetworkPolicy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: objectMeta(ctx, props.name, 'network-policy'),
      spec: {
        podSelector: { matchLabels: releaseSelector(ctx) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          // Pods of the same release (helm test, internal calls).
          { from: [{ podSelector: { matchLabels: releaseSelector(ctx) } }] },
          { ports: [{ port: HTTP_PORT, protocol: 'TCP' }], from: when(notEmpty(props.ingressFrom), props.ingressFrom as never) },
        ],
        // `[{}]` allows all egress: an empty list would deny it.
        egress: derive(props.egress, (e) => (e.length > 0 ? e : [{}]), (e) => `default (list (dict)) ${e}`, 'block') as never,
      },
    };
    renderOnlyWhen(new ApiObject(this, 'Resource', body as never), props.enabled);
  }
}
