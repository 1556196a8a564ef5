/** Prometheus Operator objects (CRDs, emitted as plain ApiObjects of monitoring.coreos.com/v1). */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { mayBeOn, notEmpty, orDefault, when } from '../helm/expr';
import { renderOnlyWhen, renderOnlyWhenServed } from '../helm/object-options';
import { alertRuleGroups } from './alert-rules';
import { objectMeta, standardLabels } from './context';
import type { AlertRulesProps, ServiceMonitorProps } from './monitoring-props';

const MONITORING_API_VERSION = 'monitoring.coreos.com/v1';

export class KryptoVaultServiceMonitor extends Construct {
  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    super(scope, id);
    if (!mayBeOn(props.enabled)) return;
    const ctx = props.context;
    const meta = objectMeta(ctx, props.name, 'metrics');
    const obj = new ApiObject(this, 'Resource', {
      apiVersion: MONITORING_API_VERSION,
      kind: 'ServiceMonitor',
      metadata: { ...meta, namespace: orDefault(props.namespace, ctx.namespace, 'str'), labels: standardLabels(ctx, 'metrics', { maps: [props.labels] }) },
      spec: {
        selector: { matchLabels: props.serviceSelector },
        namespaceSelector: { matchNames: [ctx.namespace] },
        endpoints: [
          {
            port: props.port,
            path: '/metrics',
            scheme: 'http',
            interval: props.interval,
            scrapeTimeout: props.scrapeTimeout,
            relabelings: when(notEmpty(props.relabelings), props.relabelings),
            metricRelabelings: when(notEmpty(props.metricRelabelings), props.metricRelabelings),
          },
        ],
      },
    });
    renderOnlyWhen(obj, props.enabled);
    // Without the Prometheus Operator the install would fail with "no matches for kind";
    // the chart skips the object and NOTES.txt says why.
    if (ctx.helm) renderOnlyWhenServed(obj, MONITORING_API_VERSION);
  }
}

export class KryptoVaultPrometheusRule extends Construct {
  constructor(scope: Construct, id: string, props: AlertRulesProps) {
    super(scope, id);
    if (!mayBeOn(props.enabled)) return;
    const ctx = props.context;
    const meta = objectMeta(ctx, props.name, 'alerts');
    const obj = new ApiObject(this, 'Resource', {
      apiVersion: MONITORING_API_VERSION,
      kind: 'PrometheusRule',
      metadata: { ...meta, labels: standardLabels(ctx, 'alerts', { maps: [props.labels] }) },
      spec: { groups: alertRuleGroups(props) },
    });
    renderOnlyWhen(obj, props.enabled);
    if (ctx.helm) renderOnlyWhenServed(obj, MONITORING_API_VERSION);
  }
}
