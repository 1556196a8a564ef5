/**
 * Cross-field rules a bad configuration breaks. Each rule is stated once, in two forms
 * that a test keeps equivalent: a TypeScript check (used at synth time for the plain
 * manifests) and a Helm condition (rendered into `kryptovault.validate` so `helm install`
 * fails with the same message before anything reaches the cluster).
 */
import { checkAgainstSchema } from './schema-dsl';
import { configSchema, KryptoVaultConfig, PROBES } from './values';

export interface Rule {
  readonly id: string;
  readonly message: string;
  /** True when the config breaks the rule. */
  readonly broken: (c: KryptoVaultConfig) => boolean;
  /** The same condition as a Helm template expression over `.Values`. */
  readonly helm: string;
}

export const RULES: readonly Rule[] = [
  {
    id: 'pdb-needs-two-replicas',
    message: 'api.pdb.enabled needs at least 2 API replicas (api.replicaCount, or api.autoscaling.minReplicas when autoscaling): a PDB over one pod either blocks node drains or protects nothing',
    broken: (c) => c.api.pdb.enabled && (c.api.autoscaling.enabled ? c.api.autoscaling.minReplicas : c.api.replicaCount) < 2,
    helm: 'and .Values.api.pdb.enabled (lt (int (ternary .Values.api.autoscaling.minReplicas .Values.api.replicaCount .Values.api.autoscaling.enabled)) 2)',
  },
  {
    id: 'hpa-bounds',
    message: 'api.autoscaling.maxReplicas must be >= api.autoscaling.minReplicas',
    broken: (c) => c.api.autoscaling.enabled && c.api.autoscaling.maxReplicas < c.api.autoscaling.minReplicas,
    helm: 'and .Values.api.autoscaling.enabled (lt (int .Values.api.autoscaling.maxReplicas) (int .Values.api.autoscaling.minReplicas))',
  },
  {
    id: 'scheduled-jobs-single-runner',
    message: 'runScheduledJobs=true makes every API replica run the jobs: it needs api.replicaCount=1, autoscaling off and both CronJobs suspended (the CronJobs are the supported way)',
    broken: (c) =>
      c.runScheduledJobs &&
      (c.api.autoscaling.enabled || c.api.replicaCount !== 1 || !c.depositMonitor.suspend || !c.earnings.suspend),
    helm: 'and .Values.runScheduledJobs (or .Values.api.autoscaling.enabled (ne (int .Values.api.replicaCount) 1) (not .Values.depositMonitor.suspend) (not .Values.earnings.suspend))',
  },
  {
    id: 'shutdown-delay-exceeds-readiness-period',
    message: `gracefulShutdown.shutdownDelaySeconds must be greater than the readiness probe period (${PROBES.readinessPeriodSeconds}s) so endpoints drop the pod before the server closes`,
    broken: (c) => c.gracefulShutdown.shutdownDelaySeconds <= PROBES.readinessPeriodSeconds,
    helm: `le (int .Values.gracefulShutdown.shutdownDelaySeconds) ${PROBES.readinessPeriodSeconds}`,
  },
  {
    id: 'grace-period-covers-shutdown',
    message: 'gracefulShutdown.terminationGracePeriodSeconds must be greater than shutdownDelaySeconds + drainTimeoutSeconds, or the kubelet kills requests in flight',
    broken: (c) =>
      c.gracefulShutdown.terminationGracePeriodSeconds <=
      c.gracefulShutdown.shutdownDelaySeconds + c.gracefulShutdown.drainTimeoutSeconds,
    helm: 'le (int .Values.gracefulShutdown.terminationGracePeriodSeconds) (add (int .Values.gracefulShutdown.shutdownDelaySeconds) (int .Values.gracefulShutdown.drainTimeoutSeconds))',
  },
  {
    id: 'service-account-name-when-not-created',
    message: 'serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false',
    broken: (c) => !c.serviceAccount.create && c.serviceAccount.name === '',
    helm: 'and (not .Values.serviceAccount.create) (empty .Values.serviceAccount.name)',
  },
  {
    id: 'production-needs-secure-cookies',
    message: 'env.REFRESH_COOKIE_SAMESITE=none needs HTTPS; with an Ingress keep api.ingress.tls.enabled=true',
    broken: (c) => c.env.REFRESH_COOKIE_SAMESITE === 'none' && c.api.ingress.enabled && !c.api.ingress.tls.enabled,
    helm: 'and (eq .Values.env.REFRESH_COOKIE_SAMESITE "none") .Values.api.ingress.enabled (not .Values.api.ingress.tls.enabled)',
  },
];

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid KryptoVault configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Schema + cross-field rules; throws one error listing every problem. */
export function validateConfig(config: KryptoVaultConfig): void {
  const problems = checkAgainstSchema(configSchema, config);
  if (problems.length === 0) {
    for (const rule of RULES) if (rule.broken(config)) problems.push(rule.message);
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
}

/** The `_helpers.tpl` body that fails `helm install` on a broken rule. */
export function helmValidateTemplate(): string {
  return RULES.map((r) => `{{- if ${r.helm} }}\n{{- fail ${JSON.stringify(r.message)} }}\n{{- end }}`).join('\n');
}
