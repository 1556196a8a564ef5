/** The constructs and the config: snapshots of the synthesized objects and synth-time validation. */
import { Testing } from 'cdk8s';
import { ConfigValidationError, RULES, validateConfig } from '../src/config/rules';
import { checkAgainstSchema } from '../src/config/schema-dsl';
import { configSchema, defaultConfig, KryptoVaultConfig } from '../src/config/values';
import { devVariant, productionExampleSettings, productionVariant, withOverrides } from '../src/config/variants';
import type { AppPodProps } from '../src/constructs/app-pod-props';
import { concreteContext, fullnameOf } from '../src/constructs/context';
import { cronProblems } from '../src/constructs/cron';
import { KryptoVaultCronJob } from '../src/constructs/cron-job';
import { WebService } from '../src/constructs/web-service';
import { configObjects, variantObjects } from '../src/render/synthesize';
import { BROKEN_BY_RULE } from './helpers/broken-configs';

const ctx = concreteContext(defaultConfig(), { releaseName: 'kv', namespace: 'test', appVersion: '1.0.0' });
/** The defaults plus what production mode requires of every install. */
const installable = () => withOverrides(defaultConfig(), productionExampleSettings());

const pod = (over: Partial<AppPodProps> = {}): AppPodProps => ({
  component: 'api',
  command: ['node', 'dist/main.js'],
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
  servesHttp: true,
  configMapName: 'cfg',
  configChecksum: 'abc',
  serviceAccountName: 'sa',
  secretEnv: [{ name: 'DATABASE_URL', key: 'DATABASE_URL', optional: false }],
  otelServiceName: 'kv-api',
  imagePullPolicy: 'IfNotPresent',
  imagePullSecrets: [],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 45,
  scheduling: { nodeSelector: {}, tolerations: [], affinity: {}, topologySpreadConstraints: [], priorityClassName: '' },
  podLabels: {},
  podAnnotations: {},
  scrapeAnnotations: true,
  automountToken: false,
  extras: { env: [], envFrom: [], volumes: [], volumeMounts: [], initContainers: [], sidecars: [] },
  securityContexts: { pod: defaultConfig().podSecurityContext, container: defaultConfig().containerSecurityContext },
  probes: defaultConfig().probes,
  ...over,
});

const service = { type: 'ClusterIP' as const, port: 80, nodePort: 0, annotations: {}, labels: {}, loadBalancerSourceRanges: [], externalTrafficPolicy: 'Cluster' as const };
const hpa = { enabled: true, minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 70, targetMemoryUtilizationPercentage: 0, behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } };

function webService(props: Partial<ConstructorParameters<typeof WebService>[2]>) {
  const chart = Testing.chart();
  new WebService(chart, 'api', { context: ctx, name: 'kv-api', pod: pod(), service, strategy: defaultConfig().api.strategy, ...props });
  return Testing.synth(chart);
}

describe('snapshots of the synthesized objects', () => {
  test.each([devVariant(), productionVariant()])('$name variant', (variant) => {
    expect(variantObjects(variant)).toMatchSnapshot();
  });
});

describe('WebService validation', () => {
  test('fixed replicas with autoscaling is rejected', () => {
    expect(() => webService({ replicas: 3, autoscaling: hpa })).toThrow(/replicas and autoscaling are mutually exclusive/);
  });
  test('a PDB over one replica is rejected', () => {
    expect(() => webService({ replicas: 1, disruptionBudget: { enabled: true, maxUnavailable: 1 } })).toThrow(/at least 2 replicas/);
    expect(() => webService({ autoscaling: { ...hpa, minReplicas: 1 }, disruptionBudget: { enabled: true, maxUnavailable: 1 } })).toThrow(/at least 2 replicas/);
  });
  test('HPA bounds are checked', () => {
    expect(() => webService({ autoscaling: { ...hpa, minReplicas: 5, maxReplicas: 3 } })).toThrow(/maxReplicas must be >= minReplicas/);
  });
  test('neither replicas nor autoscaling is rejected', () => {
    expect(() => webService({})).toThrow(/set replicas or enable autoscaling/);
  });
  test('pods without cpu and memory requests are rejected; limits are optional', () => {
    expect(() => webService({ replicas: 2, pod: pod({ resources: { limits: { cpu: '1', memory: '1Gi' } } }) })).toThrow(/cpu and memory requests/);
    expect(() => webService({ replicas: 2, pod: pod({ resources: { requests: { cpu: 2, memory: '1Gi' } } }) })).not.toThrow();
  });
  test('a valid service renders Deployment, Service, HPA and PDB with matching selectors', () => {
    const objs = webService({ autoscaling: hpa, disruptionBudget: { enabled: true, maxUnavailable: 1 } });
    expect(objs.map((o) => o.kind).sort()).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']);
    const dep = objs.find((o) => o.kind === 'Deployment')!;
    expect(dep.spec.replicas).toBeUndefined();
    expect(dep.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const selector = dep.spec.selector.matchLabels;
    expect(Object.keys(selector).sort()).toEqual(['app.kubernetes.io/component', 'app.kubernetes.io/instance', 'app.kubernetes.io/name']);
    expect(objs.find((o) => o.kind === 'Service')!.spec.selector).toEqual(selector);
    expect(objs.find((o) => o.kind === 'PodDisruptionBudget')!.spec.selector.matchLabels).toEqual(selector);
    expect(dep.spec.template.metadata.labels).toMatchObject(selector);
  });
});

describe('CronJob validation', () => {
  const base = {
    context: ctx,
    name: 'kv-deposit-monitor',
    timeZone: '',
    suspend: false,
    startingDeadlineSeconds: 60,
    activeDeadlineSeconds: 300,
    backoffLimit: 1,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    pod: pod({ component: 'deposit-monitor', servesHttp: false, restartPolicy: 'Never' }),
  };
  const make = (over: object) => new KryptoVaultCronJob(Testing.chart(), 'cj', { ...base, schedule: '*/2 * * * *', ...over });

  test.each(['61 * * * *', '* * * *', '*/2 * * * * *', 'every minute', '* 24 * * *', '* * 0 * *', '5-1 * * * *'])('schedule "%s" is rejected', (schedule) => {
    expect(() => make({ schedule })).toThrow(/schedule/);
  });
  test.each(['*/2 * * * *', '15 0 * * *', '0 9-17/2 * jan-mar mon-fri', '@daily', '0,30 * * * 0'])('schedule "%s" is accepted', (schedule) => {
    expect(cronProblems(schedule)).toEqual([]);
  });
  test('a too small startingDeadlineSeconds is rejected', () => {
    expect(() => make({ startingDeadlineSeconds: 5 })).toThrow(/startingDeadlineSeconds/);
  });
  test('job pods must not restart in place', () => {
    expect(() => make({ pod: { ...base.pod, restartPolicy: 'Always' } })).toThrow(/restartPolicy/);
  });
  test('renders Forbid, deadlines and history limits', () => {
    const chart = Testing.chart();
    new KryptoVaultCronJob(chart, 'cj', { ...base, schedule: '*/2 * * * *' });
    const [cj] = Testing.synth(chart);
    expect(cj.spec).toMatchObject({
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 60,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { spec: { activeDeadlineSeconds: 300, backoffLimit: 1 } },
    });
  });
});

describe('config rules', () => {
  const broken = BROKEN_BY_RULE as Record<string, Parameters<typeof withOverrides>[1]>;
  test('every rule has a breaking example', () => {
    expect(Object.keys(broken).sort()).toEqual(RULES.map((r) => r.id).sort());
  });
  test.each(RULES.map((r) => [r.id, r] as const))('%s is reported at synth time', (id, rule) => {
    const config = withOverrides(installable(), broken[id]);
    expect(rule.broken(config)).toBe(true);
    expect(() => configObjects(config)).toThrow(rule.message);
  });
  test('the defaults plus the production settings, and both variants, pass', () => {
    for (const c of [installable(), devVariant().config, productionVariant().config]) expect(() => validateConfig(c)).not.toThrow();
  });
  test('the defaults alone lack the verifier URL, the https reset page and every deposit address, all reported at once', () => {
    let problems: string[] = [];
    try {
      validateConfig(defaultConfig());
    } catch (e) {
      problems = (e as ConfigValidationError).problems;
    }
    const expected = (id: string) => ['production-needs-verifier-url', 'production-needs-https-reset-url'].includes(id) || id.startsWith('production-needs-deposit-address-');
    expect(problems).toEqual(RULES.filter((r) => expected(r.id)).map((r) => r.message));
  });
  test('schema problems are reported by path', () => {
    const bad = { ...defaultConfig(), extra: 1, api: { ...defaultConfig().api, replicaCount: 1.5 } } as unknown as KryptoVaultConfig;
    expect(checkAgainstSchema(configSchema, bad)).toEqual(expect.arrayContaining(['(root).extra: unknown key', 'api.replicaCount: must be an integer']));
  });
  test('the CronJob schedule pattern in values.schema.json agrees with the synth-time check', () => {
    const pattern = new RegExp((configSchema.fields.depositMonitor.fields.schedule as { pattern: string }).pattern);
    for (const ok of ['*/2 * * * *', '15 0 * * *', '@daily', '0,30 1-5 * * 1']) expect(pattern.test(ok)).toBe(true);
    for (const bad of ['* * * *', 'every minute', '*/2 * * * * *']) expect(pattern.test(bad)).toBe(false);
  });
});

describe('names', () => {
  test('fullname follows the Helm convention and stays short', () => {
    const c = defaultConfig();
    expect(fullnameOf(c, 'kryptovault')).toBe('kryptovault');
    expect(fullnameOf(c, 'blue')).toBe('blue-kryptovault');
    expect(fullnameOf({ ...c, fullnameOverride: 'kv' }, 'blue')).toBe('kv');
    expect(fullnameOf(c, 'a-very-long-release-name-for-testing-limits').length).toBeLessThanOrEqual(36);
  });
  test('no object name exceeds what its kind allows', () => {
    const objs = configObjects(installable(), { releaseName: 'a-very-long-release-name-for-testing-limits', namespace: 'ns' });
    for (const o of objs) expect(o.metadata.name.length).toBeLessThanOrEqual(o.kind === 'CronJob' ? 52 : 63);
  });
});

describe('cron syntax: one definition for synth and for the chart schema', () => {
  const { CRON_PATTERN } = require('../src/constructs/cron');
  const pattern = new RegExp(CRON_PATTERN);
  const samples = [
    '*/2 * * * *', '15 0 * * *', '30 3 * * 1-5', '0 9 * * MON-FRI', '0 9 * * mon-fri', '0 0 1 JAN,jul *', '@daily', '0,30 8-18/2 * * *', '07 05 * * 0',
    '60 * * * *', '* 24 * * *', '* * 0 * *', '* * 32 * *', '* * * 13 *', '* * * * 8', '* * * * FUNDAY', 'every day', '* * * *', '*  * * * *', '@fortnightly', '* * * * * *',
  ];

  test.each(samples)('%s: the pattern and cronProblems agree', (sample) => {
    expect(pattern.test(sample)).toBe(cronProblems(sample).length === 0);
  });

  test('the one known difference: a reversed range passes the pattern, synth refuses it', () => {
    expect(pattern.test('* * * * 5-1')).toBe(true);
    expect(cronProblems('* * * * 5-1')).toEqual(['day of week range 5-1 is reversed']);
  });
});
