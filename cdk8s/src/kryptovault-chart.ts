/**
 * The whole KryptoVault deployment as one cdk8s Chart, built from one typed config.
 * The same class produces the plain manifests (concrete config) and the Helm chart
 * (config of Helm tokens); see synth.ts.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { validateConfig } from './config/rules';
import { ASSET_CODES } from './config/assets';
import { PUBLIC_API_PATHS } from './config/public-paths';
import { configSchema, HTTP_PORT, KryptoVaultConfig } from './config/values';
import { AppConfig } from './constructs/app-config';
import type { AppPodProps, SchedulingProps, SecretEnvRef } from './constructs/app-pod-props';
import { alertRuleGroups } from './constructs/alert-rules';
import { BackgroundWorker } from './constructs/background-worker';
import { ReleaseContext, selectorLabels } from './constructs/context';
import { KryptoVaultCronJob } from './constructs/cron-job';
import { DevStack } from './constructs/dev-stack';
import { HelmTest } from './constructs/helm-test';
import { MigrationJob } from './constructs/migration-job';
import { KryptoVaultPrometheusRule, KryptoVaultServiceMonitor } from './constructs/monitoring';
import type { AlertRulesProps } from './constructs/monitoring-props';
import { ReleaseNetworkPolicy } from './constructs/network-policy';
import { AppServiceAccount } from './constructs/service-account';
import { WebService } from './constructs/web-service';
import { and, asString, concatLists, derive, gt0, joinWhere, not, or, orDefault, token, when } from './helm/expr';

export const MAIN_CONFIG_TEMPLATE = 'configmap.yaml';

/** Commands of the one image (working directory /app/Backend). */
export const COMMANDS = {
  api: ['node', 'dist/main.js'],
  depositMonitor: ['node', 'dist/workers/deposit-monitor.js'],
  earnings: ['node', 'dist/workers/earnings.js'],
  housekeeping: ['node', 'dist/workers/housekeeping.js'],
  emailSender: ['node', 'dist/workers/email-sender.js'],
  automation: ['node', 'dist/workers/automation.js', '--watch'],
  migrate: ['node', 'scripts/prisma-offline.js', 'migrate', 'deploy'],
} as const;

export interface KryptoVaultChartProps {
  readonly config: KryptoVaultConfig;
  readonly context: ReleaseContext;
  /** Add the local PostgreSQL, collector and Prometheus (k8s/dev only). */
  readonly devStack?: boolean;
}

/** Non-secret settings: one ConfigMap read by every pod (envFrom). */
function topLevelScheduling(c: KryptoVaultConfig): SchedulingProps {
  return { nodeSelector: c.nodeSelector, tolerations: c.tolerations, affinity: c.affinity, topologySpreadConstraints: c.topologySpreadConstraints, priorityClassName: c.priorityClassName };
}

/** A component's scheduling, each empty field falling back to the top-level one. */
function componentScheduling(c: KryptoVaultConfig, own: SchedulingProps): SchedulingProps {
  const top = topLevelScheduling(c);
  return {
    nodeSelector: orDefault(own.nodeSelector, top.nodeSelector, 'block'),
    tolerations: orDefault(own.tolerations, top.tolerations, 'block'),
    affinity: orDefault(own.affinity, top.affinity, 'block'),
    topologySpreadConstraints: orDefault(own.topologySpreadConstraints, top.topologySpreadConstraints, 'block'),
    priorityClassName: orDefault(own.priorityClassName, top.priorityClassName, 'str'),
  };
}

/** The migration reads only the database settings (DATABASE_URL comes from the Secret). */
export function migrationConfigData(c: KryptoVaultConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(appConfigData(c)).filter(([key]) => key === 'NODE_ENV' || key.startsWith('DATABASE_')));
}

export function appConfigData(c: KryptoVaultConfig): Record<string, string> {
  return {
    ...envData(c.env),
    PORT: String(HTTP_PORT),
    SHUTDOWN_DELAY_MS: derive(c.gracefulShutdown.shutdownDelaySeconds, (s) => String(s * 1000), (x) => `mul ${x} 1000 | toString`, 'str'),
    OTEL_EXPORTER_OTLP_ENDPOINT: c.otel.endpoint,
    ...assetData(c.assets),
  };
}

/** Every `env.*` value is the app variable of the same name. */
function envData(env: KryptoVaultConfig['env']): Record<string, string> {
  return Object.fromEntries(
    Object.entries(configSchema.fields.env.fields).map(([name, node]) => {
      const value = env[name as keyof typeof env];
      return [name, node.kind === 'string' ? (value as string) : asString(value as number | boolean)];
    }),
  );
}

/** `assets.<CODE>.*` as the app's per-asset variables, plus ASSETS_ENABLED from the `enabled` flags. */
function assetData(assets: KryptoVaultConfig['assets']): Record<string, string> {
  return {
    ASSETS_ENABLED: joinWhere(ASSET_CODES.map((code) => [code, assets[code].enabled] as const), ','),
    ...Object.fromEntries(
      ASSET_CODES.flatMap((code) => {
        const a = assets[code];
        return [
          [`DEPOSIT_ADDRESS_${code}`, a.address],
          [`DEPOSIT_CONFIRMATIONS_${code}`, asString(a.confirmations)],
          [`DEPOSIT_MIN_${code}`, a.minDeposit],
          [`WITHDRAWAL_MIN_${code}`, a.minWithdrawal],
          [`DEPOSIT_TOLERANCE_PERCENT_${code}`, a.tolerancePercent],
        ];
      }),
    ),
  };
}

export function appSecretEnv(c: KryptoVaultConfig): SecretEnvRef[] {
  const k = c.secrets.keys;
  return [
    { name: 'DATABASE_URL', key: k.DATABASE_URL, optional: false },
    { name: 'JWT_SECRET', key: k.JWT_SECRET, optional: false },
    { name: 'BLOCKCHAIN_VERIFIER_SECRET', key: k.BLOCKCHAIN_VERIFIER_SECRET, optional: true },
    { name: 'SMTP_PASSWORD', key: k.SMTP_PASSWORD, optional: true },
    { name: 'REDIS_URL', key: k.REDIS_URL, optional: true },
    { name: 'SENTRY_DSN', key: k.SENTRY_DSN, optional: true },
  ];
}

export class KryptoVaultChart extends Chart {
  constructor(scope: Construct, id: string, props: KryptoVaultChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const c = props.config;
    const ctx = props.context;
    if (!ctx.helm) validateConfig(c);
    const name = (suffix: string) => `${ctx.fullname}-${suffix}`;

    new AppServiceAccount(this, 'ServiceAccount', {
      context: ctx,
      name: ctx.serviceAccountName,
      component: 'service-account',
      annotations: c.serviceAccount.annotations,
      automountToken: c.serviceAccount.automountToken,
      create: c.serviceAccount.create,
    });
    const config = new AppConfig(this, 'Config', {
      context: ctx,
      name: name('config'),
      component: 'config',
      data: appConfigData(c),
      templateFile: MAIN_CONFIG_TEMPLATE,
    });

    const pod = (component: string, command: readonly string[], resources: AppPodProps['resources'], extra: Partial<AppPodProps> = {}): AppPodProps => ({
      component,
      command: [...command],
      resources,
      servesHttp: false,
      configMapName: config.name,
      configChecksum: config.checksum,
      serviceAccountName: ctx.serviceAccountName,
      secretEnv: appSecretEnv(c),
      // Only the API may run in-process schedulers, and only when asked to (see rules.ts).
      env: { RUN_SCHEDULED_JOBS: 'false' },
      otelServiceName: `${c.otel.serviceName}-${component}`,
      imagePullPolicy: c.image.pullPolicy,
      imagePullSecrets: concatLists([c.global.imagePullSecrets, c.imagePullSecrets]),
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: c.gracefulShutdown.terminationGracePeriodSeconds,
      scheduling: topLevelScheduling(c),
      securityContexts: { pod: c.podSecurityContext, container: c.containerSecurityContext },
      probes: c.probes,
      podLabels: c.podLabels,
      podAnnotations: c.podAnnotations,
      extras: { env: c.extraEnv, envFrom: c.extraEnvFrom, volumes: c.extraVolumes, volumeMounts: c.extraVolumeMounts, initContainers: c.initContainers, sidecars: c.sidecars },
      scrapeAnnotations: c.monitoring.scrapeAnnotations,
      automountToken: c.serviceAccount.automountToken,
      ...extra,
    });

    const api = new WebService(this, 'Api', {
      context: ctx,
      name: name('api'),
      pod: pod('api', COMMANDS.api, c.api.resources, {
        scheduling: componentScheduling(c, c.api.scheduling),
        servesHttp: true,
        restartPolicy: 'Always',
        env: { RUN_SCHEDULED_JOBS: asString(c.runScheduledJobs) },
      }),
      replicas: when(not(c.api.autoscaling.enabled), c.api.replicaCount),
      strategy: c.api.strategy,
      autoscaling: c.api.autoscaling,
      // Scaled to zero (replicaCount 0, no HPA) there is nothing to protect: no PDB, no second flag to turn.
      disruptionBudget: { ...c.api.pdb, enabled: and(c.api.pdb.enabled, or(c.api.autoscaling.enabled, gt0(c.api.replicaCount))) },
      service: c.api.service,
      ingress: { ...c.api.ingress, paths: PUBLIC_API_PATHS },
    });

    for (const [id, component, cfg, command] of [
      ['DepositMonitor', 'deposit-monitor', c.depositMonitor, COMMANDS.depositMonitor],
      ['Earnings', 'earnings', c.earnings, COMMANDS.earnings],
      ['Housekeeping', 'housekeeping', c.housekeeping, COMMANDS.housekeeping],
      ['EmailSender', 'email-sender', c.emailSender, COMMANDS.emailSender],
    ] as const) {
      new KryptoVaultCronJob(this, id, {
        context: ctx,
        name: name(component),
        schedule: cfg.schedule,
        timeZone: cfg.timeZone,
        suspend: cfg.suspend,
        startingDeadlineSeconds: cfg.startingDeadlineSeconds,
        activeDeadlineSeconds: cfg.activeDeadlineSeconds,
        backoffLimit: cfg.backoffLimit,
        successfulJobsHistoryLimit: cfg.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: cfg.failedJobsHistoryLimit,
        pod: pod(component, command, cfg.resources, { scheduling: componentScheduling(c, cfg.scheduling) }),
      });
    }

    new BackgroundWorker(this, 'Automation', {
      context: ctx,
      name: name('automation'),
      enabled: c.automation.enabled,
      replicas: c.automation.replicaCount,
      strategy: c.automation.strategy,
      pod: pod('automation', COMMANDS.automation, c.automation.resources, { servesHttp: true, restartPolicy: 'Always', scheduling: componentScheduling(c, c.automation.scheduling) }),
    });

    new MigrationJob(this, 'Migration', {
      context: ctx,
      name: name('migrate'),
      enabled: c.migration.enabled,
      backoffLimit: c.migration.backoffLimit,
      activeDeadlineSeconds: c.migration.activeDeadlineSeconds,
      ttlSecondsAfterFinished: c.migration.ttlSecondsAfterFinished,
      configData: migrationConfigData(c),
      createServiceAccount: c.serviceAccount.create,
      serviceAccountAnnotations: c.serviceAccount.annotations,
      pod: {
        ...pod('migrate', COMMANDS.migrate, c.migration.resources, { scheduling: componentScheduling(c, c.migration.scheduling) }),
        serviceAccountName: ctx.migrationServiceAccountName,
        // The migration needs only the database.
        secretEnv: [{ name: 'DATABASE_URL', key: c.secrets.keys.DATABASE_URL, optional: false }],
        // Helm waits for the hook; SIGTERM on a migration is rare, give it the normal grace.
      },
    });

    new ReleaseNetworkPolicy(this, 'NetworkPolicy', {
      context: ctx,
      name: ctx.fullname,
      enabled: c.networkPolicy.enabled,
      ingressFrom: c.networkPolicy.ingressFrom,
      egress: c.networkPolicy.egress,
    });

    new KryptoVaultServiceMonitor(this, 'ServiceMonitor', {
      context: ctx,
      name: name('api'),
      enabled: c.monitoring.serviceMonitor.enabled,
      serviceSelector: selectorLabels(ctx, 'api'),
      port: 'metrics',
      interval: c.monitoring.serviceMonitor.interval,
      scrapeTimeout: c.monitoring.serviceMonitor.scrapeTimeout,
      labels: c.monitoring.serviceMonitor.labels,
      namespace: c.monitoring.serviceMonitor.namespace,
      relabelings: c.monitoring.serviceMonitor.relabelings,
      metricRelabelings: c.monitoring.serviceMonitor.metricRelabelings,
    });

    const alertProps: AlertRulesProps = {
      context: ctx,
      name: ctx.fullname,
      enabled: c.monitoring.prometheusRule.enabled,
      // The ServiceMonitor's job label is the Service name; another scrape setup names its own.
      apiJob: ctx.helm
        ? token<string>('str', `default (printf "%s-api" (include "kryptovault.fullname" .)) (.Values.monitoring.prometheusRule.apiJob)`)
        : c.monitoring.prometheusRule.apiJob || api.serviceName,
      depositMonitorCronJob: name('deposit-monitor'),
      otherCronJobs: [name('earnings'), name('housekeeping'), name('email-sender')],
      migrationJob: name('migrate'),
      podNamePrefix: ctx.fullname,
      // The API Deployment's name; in the chart the fullname is the helper's output, like above.
      apiPodNamePrefix: name('api'),
      thresholds: c.monitoring.prometheusRule,
      labels: c.monitoring.prometheusRule.labels,
    };
    new KryptoVaultPrometheusRule(this, 'PrometheusRule', alertProps);

    new HelmTest(this, 'Test', {
      context: ctx,
      name: name('test'),
      serviceName: api.serviceName,
      servicePort: c.api.service.port,
      imagePullPolicy: c.image.pullPolicy,
      resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
      imagePullSecrets: concatLists([c.global.imagePullSecrets, c.imagePullSecrets]),
      scheduling: topLevelScheduling(c),
      securityContexts: { pod: c.podSecurityContext, container: c.containerSecurityContext },
    });

    if (props.devStack) {
      if (ctx.helm) throw new Error('the dev stack is for plain manifests only');
      new DevStack(this, 'Dev', {
        context: ctx,
        secretName: ctx.secretName,
        secretKeys: c.secrets.keys,
        alertRules: alertRuleGroups({ ...alertProps, enabled: true }),
      });
    }
  }
}
