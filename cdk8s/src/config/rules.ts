/**
 * Cross-field rules a bad configuration breaks. Each rule is stated once, in two forms
 * that a test keeps equivalent: a TypeScript check (used at synth time for the plain
 * manifests) and a Helm condition (rendered into `kryptovault.validate` so `helm install`
 * fails with the same messages, all broken rules at once, before anything reaches the cluster).
 */
import { ASSET_CODES } from './assets';
import { checkAgainstSchema } from './schema-dsl';
import { configSchema, KryptoVaultConfig, METRICS_SERVICE_PORT } from './values';

export interface Rule {
  readonly id: string;
  readonly message: string;
  /** True when the config breaks the rule. */
  readonly broken: (c: KryptoVaultConfig) => boolean;
  /** The same condition as a Helm template expression over `.Values`. */
  readonly helm: string;
}

/** An http(s) URL whose host is this machine (localhost, 127.x, ::1, 0.0.0.0): never a public page. */
const LOCAL_URL_PATTERN = '^https?://([^/?#@]*@)?(localhost|[^/?#@:]*\\.localhost|127\\.[0-9.]+|0\\.0\\.0\\.0|\\[::1\\])(:[0-9]+)?([/?#]|$)';

/** Seconds of a JWT_EXPIRES_IN value (900s, 15m, 1h, 7d; the schema checks the format). */
function durationSeconds(value: string): number {
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
  return Number(value.slice(0, -1)) * (unit[value.slice(-1)] ?? 1);
}

export const RULES: readonly Rule[] = [
  {
    id: 'alerts-need-api-job',
    message: 'monitoring.prometheusRule.enabled without monitoring.serviceMonitor.enabled: set monitoring.prometheusRule.apiJob to the job label your Prometheus gives the API pods, or the API alerts watch a job that does not exist',
    broken: (c) => c.monitoring.prometheusRule.enabled && !c.monitoring.serviceMonitor.enabled && c.monitoring.prometheusRule.apiJob === '',
    helm: 'and .Values.monitoring.prometheusRule.enabled (not .Values.monitoring.serviceMonitor.enabled) (empty .Values.monitoring.prometheusRule.apiJob)',
  },
  {
    id: 'service-port-not-metrics-port',
    message: `api.service.port must not be ${METRICS_SERVICE_PORT}: the Service exposes metrics on that port`,
    broken: (c) => c.api.service.port === METRICS_SERVICE_PORT,
    helm: `eq (int .Values.api.service.port) ${METRICS_SERVICE_PORT}`,
  },
  {
    id: 'pdb-needs-two-replicas',
    message: 'api.pdb.enabled needs at least 2 API replicas (api.replicaCount, or api.autoscaling.minReplicas when autoscaling): a PDB over one pod either blocks node drains or protects nothing (api.replicaCount=0 is fine: the chart then renders no PDB)',
    // replicaCount 0 without autoscaling scales the API down: no PDB is rendered, nothing to refuse.
    broken: (c) => c.api.pdb.enabled && (c.api.autoscaling.enabled ? c.api.autoscaling.minReplicas < 2 : c.api.replicaCount === 1),
    helm: 'and .Values.api.pdb.enabled (ternary (lt (int .Values.api.autoscaling.minReplicas) 2) (eq (int .Values.api.replicaCount) 1) .Values.api.autoscaling.enabled)',
  },
  {
    id: 'hpa-bounds',
    message: 'api.autoscaling.maxReplicas must be >= api.autoscaling.minReplicas',
    broken: (c) => c.api.autoscaling.enabled && c.api.autoscaling.maxReplicas < c.api.autoscaling.minReplicas,
    helm: 'and .Values.api.autoscaling.enabled (lt (int .Values.api.autoscaling.maxReplicas) (int .Values.api.autoscaling.minReplicas))',
  },
  {
    id: 'scheduled-jobs-single-runner',
    message: 'runScheduledJobs=true makes every API replica run the jobs: it needs api.replicaCount=1, autoscaling off and every CronJob suspended (the CronJobs are the supported way)',
    broken: (c) =>
      c.runScheduledJobs &&
      (c.api.autoscaling.enabled || c.api.replicaCount !== 1 || !c.depositMonitor.suspend || !c.earnings.suspend || !c.housekeeping.suspend || !c.emailSender.suspend),
    helm: 'and .Values.runScheduledJobs (or .Values.api.autoscaling.enabled (ne (int .Values.api.replicaCount) 1) (not .Values.depositMonitor.suspend) (not .Values.earnings.suspend) (not .Values.housekeeping.suspend) (not .Values.emailSender.suspend))',
  },
  {
    id: 'shutdown-delay-exceeds-readiness-period',
    message: 'gracefulShutdown.shutdownDelaySeconds must be greater than probes.readiness.periodSeconds so endpoints drop the pod before the server closes',
    broken: (c) => c.gracefulShutdown.shutdownDelaySeconds <= c.probes.readiness.periodSeconds,
    helm: 'le (int .Values.gracefulShutdown.shutdownDelaySeconds) (int .Values.probes.readiness.periodSeconds)',
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
  {
    id: 'deposit-recheck-bounds',
    message: 'env.DEPOSIT_RECHECK_MAX_SECONDS must be >= env.DEPOSIT_RECHECK_SECONDS (the app refuses to start otherwise)',
    broken: (c) => c.env.DEPOSIT_RECHECK_MAX_SECONDS < c.env.DEPOSIT_RECHECK_SECONDS,
    helm: 'lt (int .Values.env.DEPOSIT_RECHECK_MAX_SECONDS) (int .Values.env.DEPOSIT_RECHECK_SECONDS)',
  },
  {
    // The chart renders ASSETS_ENABLED from the flags, and the app reads an empty list as "every asset".
    id: 'assets-one-enabled',
    message: `at least one of assets.{${ASSET_CODES.join(',')}}.enabled must be true`,
    broken: (c) => ASSET_CODES.every((code) => !c.assets[code].enabled),
    helm: `not (or ${ASSET_CODES.map((code) => `.Values.assets.${code}.enabled`).join(' ')})`,
  },
  // What the app's production start-up check refuses (Backend/src/config/config.schema.ts),
  // as far as the values show it: fail the install rather than crash-loop the pods.
  {
    id: 'production-needs-verifier-url',
    message: 'env.NODE_ENV=production needs env.BLOCKCHAIN_VERIFIER_URL: the app refuses to start without it (deposits cannot be confirmed)',
    broken: (c) => c.env.NODE_ENV === 'production' && c.env.BLOCKCHAIN_VERIFIER_URL === '',
    helm: 'and (eq .Values.env.NODE_ENV "production") (empty .Values.env.BLOCKCHAIN_VERIFIER_URL)',
  },
  {
    id: 'production-needs-verifier-secret',
    message: 'env.NODE_ENV=production needs secrets.keys.BLOCKCHAIN_VERIFIER_SECRET (the key of the verifier secret in your Secret): the app refuses to start without it',
    broken: (c) => c.env.NODE_ENV === 'production' && c.secrets.keys.BLOCKCHAIN_VERIFIER_SECRET === '',
    helm: 'and (eq .Values.env.NODE_ENV "production") (empty .Values.secrets.keys.BLOCKCHAIN_VERIFIER_SECRET)',
  },
  {
    id: 'production-needs-https-reset-url',
    message: 'env.NODE_ENV=production needs env.PASSWORD_RESET_URL to be the https:// address of your frontend\'s reset page (not http, not localhost): the app refuses to start otherwise',
    broken: (c) =>
      c.env.NODE_ENV === 'production' && (!c.env.PASSWORD_RESET_URL.toLowerCase().startsWith('https://') || new RegExp(LOCAL_URL_PATTERN, 'i').test(c.env.PASSWORD_RESET_URL)),
    helm: `and (eq .Values.env.NODE_ENV "production") (or (not (hasPrefix "https://" (lower .Values.env.PASSWORD_RESET_URL))) (regexMatch ${JSON.stringify(`(?i)${LOCAL_URL_PATTERN}`)} .Values.env.PASSWORD_RESET_URL))`,
  },
  {
    id: 'production-needs-smtp-tls',
    message: 'env.NODE_ENV=production needs TLS to the SMTP server: env.SMTP_REQUIRE_TLS=true (STARTTLS, port 587) or env.SMTP_SECURE=true (port 465); the app refuses to start otherwise',
    broken: (c) => c.env.NODE_ENV === 'production' && !c.env.SMTP_SECURE && !c.env.SMTP_REQUIRE_TLS,
    helm: 'and (eq .Values.env.NODE_ENV "production") (not .Values.env.SMTP_SECURE) (not .Values.env.SMTP_REQUIRE_TLS)',
  },
  {
    id: 'production-access-token-max-1h',
    message: 'env.NODE_ENV=production allows env.JWT_EXPIRES_IN of at most 1h (a stolen access token works until it expires); the app refuses to start otherwise',
    broken: (c) => c.env.NODE_ENV === 'production' && durationSeconds(c.env.JWT_EXPIRES_IN) > 3600,
    helm: 'and (eq .Values.env.NODE_ENV "production") (gt (mul (int (regexReplaceAll "[smhd]$" .Values.env.JWT_EXPIRES_IN "")) (int (get (dict "s" 1 "m" 60 "h" 3600 "d" 86400) (regexFind "[smhd]$" .Values.env.JWT_EXPIRES_IN)))) 3600)',
  },
  ...ASSET_CODES.map((code): Rule => ({
    id: `production-needs-deposit-address-${code.toLowerCase()}`,
    message: `env.NODE_ENV=production needs assets.${code}.address (DEPOSIT_ADDRESS_${code}), or assets.${code}.enabled=false: the app refuses to start without a deposit address for every enabled asset`,
    broken: (c) => c.env.NODE_ENV === 'production' && c.assets[code].enabled && c.assets[code].address === '',
    helm: `and (eq .Values.env.NODE_ENV "production") .Values.assets.${code}.enabled (empty .Values.assets.${code}.address)`,
  })),
];

const PROBLEMS_HEADING = 'Invalid KryptoVault configuration:';
const PROBLEM_PREFIX = '\n  - ';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`${PROBLEMS_HEADING}${problems.map((p) => `${PROBLEM_PREFIX}${p}`).join('')}`);
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

/** The `_helpers.tpl` body that fails `helm install` listing every broken rule, like validateConfig. */
export function helmValidateTemplate(): string {
  return [
    '{{- $problems := list }}',
    ...RULES.map((r) => `{{- if ${r.helm} }}\n{{- $problems = append $problems ${JSON.stringify(r.message)} }}\n{{- end }}`),
    `{{- with $problems }}\n{{- fail (printf "%s%s%s" ${JSON.stringify(PROBLEMS_HEADING)} ${JSON.stringify(PROBLEM_PREFIX)} (join ${JSON.stringify(PROBLEM_PREFIX)} .)) }}\n{{- end }}`,
  ].join('\n');
}
