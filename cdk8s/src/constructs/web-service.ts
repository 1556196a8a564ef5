import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IService } from 'kubernetes-models/v1/Service';
import { METRICS_SERVICE_PORT } from '../config/values';
import { and, equals, gt0, isDeferred, mayBeOn, notEmpty, or, spreadList, token, when, whenItem } from '../helm/expr';
import { renderOnlyWhen } from '../helm/object-options';
import { appPodTemplate } from './app-pod';
import { annotationsWith, objectMeta, type ReleaseContext, selectorLabels, standardLabels } from './context';
import { rollingDeployment } from './rolling-deployment';
import type { IngressProps, WebServiceProps } from './web-service-props';

const concrete = (v: unknown): boolean => v !== undefined && !isDeferred(v);

export function validateWebServiceProps(props: WebServiceProps): void {
  const problems: string[] = [];
  const hpa = props.autoscaling;
  const hpaOn = hpa !== undefined && hpa.enabled === true;
  if (props.replicas !== undefined && hpaOn) {
    problems.push('replicas and autoscaling are mutually exclusive (the HPA owns spec.replicas)');
  }
  if (props.replicas === undefined && !(hpa && mayBeOn(hpa.enabled))) {
    problems.push('set replicas or enable autoscaling');
  }
  if (hpaOn && concrete(hpa.minReplicas) && concrete(hpa.maxReplicas) && hpa.maxReplicas < hpa.minReplicas) {
    problems.push('autoscaling.maxReplicas must be >= minReplicas');
  }
  if (props.disruptionBudget?.enabled === true) {
    const floor = hpaOn ? hpa.minReplicas : props.replicas;
    if (concrete(floor) && (floor as number) < 2) {
      problems.push('a PodDisruptionBudget needs at least 2 replicas (with 1 it blocks drains or protects nothing)');
    }
  }
  if (props.ingress?.enabled === true && concrete(props.ingress.host) && props.ingress.host === '') {
    problems.push('ingress.host is required');
  }
  if (props.ingress && props.ingress.paths.some((p) => p === '/' || !/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(p))) {
    problems.push('ingress.paths must be API path prefixes (/auth), never / (that would expose /metrics and the probes)');
  }
  if (problems.length > 0) throw new Error(`${props.name}: ${problems.join('; ')}`);
}

/** The API: Deployment, Service, and the optional Ingress, HPA and PDB. */
/** One host's rule: the API paths (Prefix) to the Service's http port, nothing else. */
export function ingressRule(host: string, service: string, paths: readonly string[]) {
  return { host, http: { paths: paths.map((path) => ({ path, pathType: 'Prefix', backend: { service: { name: service, port: { name: 'http' } } } })) } };
}

/** Rules of ingress.extraHosts; in the chart the `kryptovault.extraIngressRules` helper builds the same. */
function extraIngressRules(ctx: ReleaseContext, ing: IngressProps, service: string): object[] {
  if (!isDeferred(ing.extraHosts)) return ing.extraHosts.map((host) => ingressRule(host, service, ing.paths));
  return spreadList(token<object[]>('block', '(include "kryptovault.extraIngressRules" . | fromYamlArray)'));
}

export class WebService extends Construct {
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    validateWebServiceProps(props);
    const ctx = props.context;
    const component = props.pod.component;
    this.serviceName = props.name;

    new ApiObject(this, 'Deployment', rollingDeployment(ctx, props.name, component, appPodTemplate(ctx, props.pod), props.replicas, props.strategy) as never);

    const svc = props.service;
    const isLoadBalancer = equals(svc.type, 'LoadBalancer');
    const externallyReachable = or(equals(svc.type, 'NodePort'), isLoadBalancer);
    // Scrape annotations live on the pods only: on the Service too, an annotation-based
    // Prometheus (pods + service endpoints jobs) would scrape every pod twice.
    const service: IService = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        ...objectMeta(ctx, props.name, component),
        labels: standardLabels(ctx, component, { maps: [svc.labels] }),
        annotations: annotationsWith([svc.annotations, ctx.commonAnnotations]),
      },
      spec: {
        type: svc.type,
        selector: selectorLabels(ctx, component),
        externalTrafficPolicy: when(externallyReachable, svc.externalTrafficPolicy),
        loadBalancerSourceRanges: when(and(isLoadBalancer, notEmpty(svc.loadBalancerSourceRanges)), svc.loadBalancerSourceRanges),
        ports: [
          { name: 'http', port: svc.port, targetPort: 'http', protocol: 'TCP', nodePort: when(and(externallyReachable, gt0(svc.nodePort)), svc.nodePort) },
          // Same container port under its own Service port and name (ServiceMonitors select it).
          { name: 'metrics', port: METRICS_SERVICE_PORT, targetPort: 'http', protocol: 'TCP' },
        ],
      },
    };
    new ApiObject(this, 'Service', service as never);

    if (props.autoscaling && mayBeOn(props.autoscaling.enabled)) {
      const a = props.autoscaling;
      const hpa: IHorizontalPodAutoscaler = {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: objectMeta(ctx, props.name, component),
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.name },
          minReplicas: a.minReplicas,
          maxReplicas: a.maxReplicas,
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.targetCPUUtilizationPercentage } } },
            ...whenItem(gt0(a.targetMemoryUtilizationPercentage), {
              type: 'Resource' as const,
              resource: { name: 'memory', target: { type: 'Utilization' as const, averageUtilization: a.targetMemoryUtilizationPercentage } },
            }),
          ],
          behavior: when(notEmpty(a.behavior), a.behavior as never),
        },
      };
      renderOnlyWhen(new ApiObject(this, 'Hpa', hpa as never), a.enabled);
    }

    if (props.disruptionBudget && mayBeOn(props.disruptionBudget.enabled)) {
      const pdb: IPodDisruptionBudget = {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: objectMeta(ctx, props.name, component),
        spec: {
          maxUnavailable: props.disruptionBudget.maxUnavailable,
          selector: { matchLabels: selectorLabels(ctx, component) },
        },
      };
      renderOnlyWhen(new ApiObject(this, 'Pdb', pdb as never), props.disruptionBudget.enabled);
    }

    if (props.ingress && mayBeOn(props.ingress.enabled)) {
      const ing = props.ingress;
      const ingress: IIngress = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          ...objectMeta(ctx, props.name, component),
          annotations: annotationsWith([ing.annotations, ctx.commonAnnotations]),
        },
        spec: {
          ingressClassName: when(notEmpty(ing.className), ing.className),
          tls: when(or(ing.tls.enabled, notEmpty(ing.extraTls)), [
            ...whenItem(ing.tls.enabled, { hosts: [ing.host, ...spreadList(ing.extraHosts)], secretName: ctx.tlsSecretName }),
            ...spreadList(ing.extraTls as never[]),
          ]),
          rules: [ingressRule(ing.host, props.name, ing.paths), ...extraIngressRules(ctx, ing, props.name)],
        },
      };
      if (ingress.metadata!.annotations === undefined) delete ingress.metadata!.annotations;
      renderOnlyWhen(new ApiObject(this, 'Ingress', ingress as never), ing.enabled);
    }
  }
}
