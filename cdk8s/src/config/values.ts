/**
 * The one typed configuration of a KryptoVault deployment. `values.yaml`,
 * `values.schema.json`, the plain-manifest variants and the chart templates all come
 * from this definition (see schema-dsl.ts).
 */
import { perAsset } from './assets';
import { blockSchemas, defaults, Infer, s } from './schema-dsl';
import { CRON_PATTERN } from '../constructs/cron';

/** Kubernetes resource requests/limits (quantities as strings or numbers). */
type Quantity = string | number;
/** cpu, memory, ephemeral-storage, and extended resources by name (nvidia.com/gpu). */
export type ResourceList = { [resource: string]: Quantity };
export interface Resources {
  requests?: ResourceList;
  limits?: ResourceList;
}

const resources = (description: string, def: Resources) =>
  s.block<Resources>(description, def, blockSchemas.resources);

/**
 * The API Service's metrics port (the OpenTelemetry Prometheus exporter's usual port), apart
 * from the http port so `api.service.port` may be any other value, 3000 included.
 */
export const METRICS_SERVICE_PORT = 9464;

/** Amounts are decimal strings, as in the app (never floats): quote them in YAML. */
const DECIMAL_PATTERN = '^[0-9]{1,18}(\\.[0-9]{1,18})?$';
/** A DECIMAL_PATTERN value of at most 50. */
const PERCENT_PATTERN = '^(50(\\.0{1,18})?|[1-4]?[0-9](\\.[0-9]{1,18})?)$';

/** Default probe timings (values under `probes`; the shutdown rule reads the readiness period). */
export const PROBES = {
  readinessPeriodSeconds: 5,
  livenessPeriodSeconds: 10,
  startupPeriodSeconds: 5,
  startupFailureThreshold: 24,
} as const;

/** uid/gid the image runs as (non-root, fixed by the Dockerfile). */
export const APP_UID = 10001;

const PRIORITY_CLASS_PATTERN = '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$';

const PULL_SECRETS_SCHEMA = {
  type: 'array',
  items: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
};

/** Label/annotation keys the chart owns; users may not override them (selectors are immutable). */
const userLabelMap = {
  type: 'object',
  additionalProperties: { type: 'string' },
  propertyNames: { not: { pattern: '^(app\\.kubernetes\\.io/|helm\\.sh/)' } },
};


const probe = (what: string, d: { periodSeconds: number; timeoutSeconds: number; failureThreshold: number }) =>
  s.object(`The ${what} probe.`, {
    periodSeconds: s.int('Seconds between probes.', { default: d.periodSeconds, minimum: 1, maximum: 300 }),
    timeoutSeconds: s.int('Seconds before a probe times out.', { default: d.timeoutSeconds, minimum: 1, maximum: 60 }),
    failureThreshold: s.int('Failures in a row that count.', { default: d.failureThreshold, minimum: 1, maximum: 100 }),
  });

const DEFAULT_STRATEGY = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };

/** Per-component scheduling; an empty field falls back to the top-level one. */
const scheduling = (what: string) =>
  s.object(`Scheduling of the ${what} pods; an empty field uses the top-level one of the same name.`, {
    nodeSelector: s.block<Record<string, string>>('Node selector.', {}, blockSchemas.stringMap),
    tolerations: s.block<object[]>('Tolerations.', [], blockSchemas.objectList),
    affinity: s.block<object>('Affinity (e.g. pod anti-affinity for the API only).', {}, blockSchemas.object),
    topologySpreadConstraints: s.block<object[]>("Topology spread constraints (set their labelSelector, e.g. this component's app.kubernetes.io/component label).", [], blockSchemas.objectList),
    priorityClassName: s.string('PriorityClass of the pods.', { default: '', pattern: PRIORITY_CLASS_PATTERN }),
  });

const cronJob = (what: string, d: {
  schedule: string;
  startingDeadlineSeconds: number;
  activeDeadlineSeconds: number;
  backoffLimit: number;
  resources: Resources;
}) =>
  s.object(`The ${what} CronJob.`, {
    schedule: s.string('Cron schedule (5 fields, cluster time zone unless timeZone is set).', {
      default: d.schedule,
      pattern: CRON_PATTERN,
    }),
    timeZone: s.string('IANA time zone for the schedule (empty: the controller\'s time zone).', {
      default: '',
      pattern: '^([A-Za-z_]+(/[A-Za-z0-9_+-]+)*)?$',
    }),
    suspend: s.bool('Suspend the CronJob (no new runs; running Jobs finish).', false),
    startingDeadlineSeconds: s.int('A run that could not start within this many seconds of its time is skipped.', {
      default: d.startingDeadlineSeconds,
      minimum: 10,
    }),
    activeDeadlineSeconds: s.int('A run is killed (and counts as failed) after this many seconds.', {
      default: d.activeDeadlineSeconds,
      minimum: 30,
    }),
    backoffLimit: s.int('Retries of a failed pod within one run.', { default: d.backoffLimit, minimum: 0, maximum: 10 }),
    successfulJobsHistoryLimit: s.int('Finished successful Jobs kept.', { default: 3, minimum: 0, maximum: 20 }),
    failedJobsHistoryLimit: s.int('Failed Jobs kept (for logs).', { default: 3, minimum: 0, maximum: 20 }),
    resources: resources('Requests and limits of the job container.', d.resources),
    scheduling: scheduling(what),
  });

export const configSchema = s.object('KryptoVault deployment configuration.', {
  nameOverride: s.string('The app.kubernetes.io/name label and the name part of object names (default: kryptovault). Changing it on an installed release changes immutable selectors: uninstall first.', {
    default: '',
    pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$',
    maxLength: 30,
  }),
  fullnameOverride: s.string('Base name of every object (default: release name + "-kryptovault", or the release name when it contains "kryptovault"). Max 36 characters so suffixed names stay valid.', {
    default: '',
    pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$',
    maxLength: 36,
  }),
  image: s.object('The one image for the API, workers and migrations.', {
    repository: s.string('Image repository.', { default: 'ghcr.io/kryptovault/backend', minLength: 1 }),
    tag: s.string('Image tag (default: the chart appVersion).', { default: '', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$|^$' }),
    digest: s.string('Image digest (sha256:...); when set it pins the image. With a tag too, the reference is repository:tag@digest and the version label is the tag.', {
      default: '',
      pattern: '^(sha256:[a-f0-9]{64})?$',
    }),
    pullPolicy: s.enum('Image pull policy.', ['IfNotPresent', 'Always', 'Never'] as const, 'IfNotPresent'),
  }),
  imagePullSecrets: s.block<Array<{ name: string }>>('Pull secrets (existing Secrets) for private registries.', [], PULL_SECRETS_SCHEMA),
  global: s.object(
    'Values an umbrella chart shares with its subcharts (other keys are allowed and ignored).',
    {
      imageRegistry: s.string('Registry that replaces the one in image.repository (a mirror): registry.internal:5000 makes ghcr.io/kryptovault/backend registry.internal:5000/kryptovault/backend.', {
        default: '',
        pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?)?$',
      }),
      imagePullSecrets: s.block<Array<{ name: string }>>('Pull secrets added before imagePullSecrets.', [], PULL_SECRETS_SCHEMA),
    },
    { open: true },
  ),
  extraEnv: s.block<object[]>("Extra environment variables (EnvVar objects) for every app container, after the chart's own.", [], blockSchemas.objectList),
  extraEnvFrom: s.block<object[]>('Extra envFrom sources (configMapRef/secretRef) for every app container, after the chart ConfigMap (later sources win).', [], blockSchemas.objectList),
  extraVolumes: s.block<object[]>('Extra volumes on every app pod (with extraVolumeMounts).', [], blockSchemas.objectList),
  extraVolumeMounts: s.block<object[]>('Extra volume mounts in every app container.', [], blockSchemas.objectList),
  initContainers: s.block<object[]>('Init containers of every app pod.', [], blockSchemas.objectList),
  sidecars: s.block<object[]>('Extra containers in every app pod (they share its lifetime: a sidecar that never exits keeps Job pods running).', [], blockSchemas.objectList),
  extraObjects: s.block<object[]>('Extra Kubernetes objects released with the chart; string values may use templates (rendered with tpl).', [], blockSchemas.objectList),
  commonLabels: s.block<Record<string, string>>('Extra labels on every object.', {}, userLabelMap),
  commonAnnotations: s.block<Record<string, string>>('Extra annotations on every object.', {}, blockSchemas.stringMap),
  podLabels: s.block<Record<string, string>>('Extra labels on every pod.', {}, userLabelMap),
  podAnnotations: s.block<Record<string, string>>('Extra annotations on every pod.', {}, blockSchemas.stringMap),
  nodeSelector: s.block<Record<string, string>>("Node selector of every pod whose component's scheduling.nodeSelector is empty.", {}, blockSchemas.stringMap),
  tolerations: s.block<object[]>("Tolerations of every pod whose component's scheduling.tolerations is empty.", [], blockSchemas.objectList),
  affinity: s.block<object>("Affinity of every pod whose component's scheduling.affinity is empty.", {}, blockSchemas.object),
  topologySpreadConstraints: s.block<object[]>("Topology spread constraints of every pod whose component's are empty.", [], blockSchemas.objectList),
  priorityClassName: s.string("PriorityClass of every pod whose component's is empty.", { default: '', pattern: PRIORITY_CLASS_PATTERN }),
  podSecurityContext: s.block<object>(
    'Pod securityContext of every pod (restricted Pod Security Standard by default). Helm merges your map with it: on OpenShift, which assigns its own uid, set runAsUser, runAsGroup and fsGroup to null.',
    { runAsNonRoot: true, runAsUser: APP_UID, runAsGroup: APP_UID, fsGroup: APP_UID, seccompProfile: { type: 'RuntimeDefault' } },
    blockSchemas.object,
  ),
  containerSecurityContext: s.block<object>(
    'Container securityContext of every app container (restricted by default).',
    { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
    blockSchemas.object,
  ),
  probes: s.object('HTTP probes of the pods that serve HTTP (API, automation runner); paths and port are fixed.', {
    startup: probe('startup (/healthz; liveness waits for it)', { periodSeconds: PROBES.startupPeriodSeconds, timeoutSeconds: 2, failureThreshold: PROBES.startupFailureThreshold }),
    liveness: probe('liveness (/healthz: the process only, never the database)', { periodSeconds: PROBES.livenessPeriodSeconds, timeoutSeconds: 2, failureThreshold: 3 }),
    readiness: probe('readiness (/readyz: database and migrations)', { periodSeconds: PROBES.readinessPeriodSeconds, timeoutSeconds: 2, failureThreshold: 2 }),
  }),
  serviceAccount: s.object('The ServiceAccount the pods run as.', {
    create: s.bool('Create it (otherwise `name` must exist).', true),
    name: s.string('Its name (default: the release fullname).', { default: '', pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$' }),
    annotations: s.block<Record<string, string>>('Annotations (e.g. cloud IAM bindings).', {}, blockSchemas.stringMap),
    automountToken: s.bool('Mount an API token into pods. No KryptoVault process calls the Kubernetes API, so off.', false),
  }),
  env: s.object('Non-secret application settings, rendered into the ConfigMap (see Backend/.env.example).', {
    NODE_ENV: s.enum('Runtime mode; production enables the strict secret checks.', ['production', 'development'] as const, 'production'),
    HOST: s.string('Listen address.', { default: '0.0.0.0', minLength: 1 }),
    CORS_ORIGIN: s.string('Comma-separated allowed origins of the frontend (https://app.example.com).', { default: '' }),
    LOG_LEVEL: s.enum('Log level.', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    LOG_FORMAT: s.enum('Log format.', ['json', 'pretty'] as const, 'json'),
    JWT_EXPIRES_IN: s.string('Access token lifetime (900s, 15m, 1h).', { default: '15m', pattern: '^[0-9]+(s|m|h|d)$' }),
    REFRESH_TOKEN_TTL_SECONDS: s.int('Refresh token lifetime in seconds.', { default: 2592000, minimum: 60, maximum: 31536000 }),
    REFRESH_REUSE_GRACE_SECONDS: s.int('A rotated refresh token presented again within this many seconds (two tabs refreshing at once) gets a new session of the same family; later replays revoke the family. 0: off.', { default: 10, minimum: 0, maximum: 300 }),
    REFRESH_COOKIE_NAME: s.string('Refresh cookie name.', { default: 'kv_refresh', pattern: '^[A-Za-z0-9_-]+$' }),
    REFRESH_COOKIE_DOMAIN: s.string('Refresh cookie domain (empty: host only).', { default: '' }),
    REFRESH_COOKIE_PATH: s.string('Refresh cookie path.', { default: '/auth', pattern: '^/' }),
    REFRESH_COOKIE_SAMESITE: s.enum('Refresh cookie SameSite.', ['strict', 'lax', 'none'] as const, 'lax'),
    VERIFICATION_CODE_TTL_SECONDS: s.int('Lifetime of an email verification code.', { default: 900, minimum: 60, maximum: 86400 }),
    PASSWORD_RESET_TTL_SECONDS: s.int('Lifetime of a password reset link.', { default: 3600, minimum: 300, maximum: 86400 }),
    PASSWORD_RESET_URL: s.string('Frontend page the reset email links to (?email=&token= are appended).', { default: 'http://localhost:5173/reset-password', pattern: '^https?://.+' }),
    LOGIN_MAX_FAILURES: s.int('Failed logins from one client IP on one account before that IP has to wait (1 s, 2 s, 4 s, ...).', { default: 5, minimum: 1, maximum: 100 }),
    LOGIN_LOCKOUT_SECONDS: s.int('Longest wait between failed logins of one client IP on one account.', { default: 900, minimum: 1, maximum: 86400 }),
    LOGIN_ACCOUNT_MAX_FAILURES: s.int('Failed logins on one account per day from all IPs (each IP counts at most LOGIN_MAX_FAILURES); then only IPs that logged in to it before may try.', { default: 50, minimum: 1, maximum: 100000 }),
    RATE_LIMIT_WINDOW_SECONDS: s.int('Window of the auth rate limits.', { default: 900, minimum: 1, maximum: 86400 }),
    RATE_LIMIT_PER_IP: s.int('Auth requests per IP per window and action.', { default: 50, minimum: 1, maximum: 100000 }),
    RATE_LIMIT_PER_ACCOUNT: s.int('Auth requests per email address per window and action.', { default: 10, minimum: 1, maximum: 10000 }),
    AUTH_EVENT_RETENTION_DAYS: s.int('The housekeeping job deletes auth audit rows older than this many days.', { default: 365, minimum: 1, maximum: 3650 }),
    TRUST_PROXY: s.string('Proxies whose X-Forwarded-For/-Proto the app believes: a hop count ("1": the ingress controller in front of the pods; "2" with an L7 load balancer before it) or a comma-separated list of proxy IPs/CIDRs ("10.0.0.0/8"). Quote it. "0" when nothing is in front. Never true (any client could pick its IP).', {
      default: '1',
      pattern: '^([0-9]|10|(loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]+(/[0-9]{1,3})?)( *, *(loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]+(/[0-9]{1,3})?))*)$',
      patternHint: 'a quoted hop count ("1") or proxy IPs/CIDRs ("10.0.0.0/8,192.168.0.0/16")',
    }),
    API_DOCS_ENABLED: s.bool('Serve the interactive API reference at /docs (never routed by the Ingress; /openapi.json is always served). Off by default (production); the dev values turn it on.', false),
    BODY_LIMIT_BYTES: s.int('Maximum request body size.', { default: 1048576, minimum: 1024, maximum: 52428800 }),
    HTTP_REQUEST_TIMEOUT_MS: s.int('A client must send its whole request (headers and body) within this, or it gets 408 and the connection is closed (slow clients cannot hold connections).', { default: 30000, minimum: 1000, maximum: 600000 }),
    DATABASE_POOL_SIZE: s.int('PostgreSQL connections per process (plus 4 for rate limits on API pods); replicas x this must fit the server\'s max_connections.', { default: 10, minimum: 1, maximum: 200 }),
    DATABASE_CONNECT_TIMEOUT_MS: s.int('Connecting to PostgreSQL, and waiting for a free pooled connection, fails after this.', { default: 5000, minimum: 100, maximum: 120000 }),
    DATABASE_STATEMENT_TIMEOUT_MS: s.int('Server-side limit per SQL statement (0: none).', { default: 30000, minimum: 0, maximum: 3600000 }),
    SMTP_HOST: s.string('SMTP server host.', { default: 'localhost', minLength: 1 }),
    SMTP_PORT: s.int('SMTP server port.', { default: 587, minimum: 1, maximum: 65535 }),
    SMTP_SECURE: s.bool('Use implicit TLS for SMTP (port 465).', false),
    SMTP_REQUIRE_TLS: s.bool('Require STARTTLS (port 587); production needs this or SMTP_SECURE.', true),
    SMTP_USER: s.string('SMTP user (password comes from the Secret).', { default: '' }),
    SMTP_FROM: s.string('Sender of outgoing mail.', { default: 'KryptoVault <no-reply@kryptovault.local>', minLength: 1 }),
    EMAIL_OUTBOX_SEND_ON_WRITE: s.bool('The process that writes an email (API) also tries to deliver it at once, in the background; the email sender retries what fails.', true),
    EMAIL_OUTBOX_INTERVAL_SECONDS: s.int('Seconds between passes of a looping email sender (--watch, or the API with RUN_SCHEDULED_JOBS).', { default: 5, minimum: 1, maximum: 3600 }),
    EMAIL_OUTBOX_BATCH_SIZE: s.int('Emails claimed per sender pass.', { default: 50, minimum: 1, maximum: 1000 }),
    EMAIL_OUTBOX_MAX_ATTEMPTS: s.int('Attempts the SMTP server refuses (5xx to RCPT TO or DATA) before an email is given up (its body is then blanked); an SMTP outage is retried until it ends.', { default: 8, minimum: 1, maximum: 100 }),
    EMAIL_OUTBOX_RETRY_SECONDS: s.int('First retry delay of an undelivered email; doubles per attempt, at most 1 hour.', { default: 30, minimum: 1, maximum: 3600 }),
    NOTIFICATION_STREAM_HEARTBEAT_SECONDS: s.int('Seconds between heartbeat comments on an idle notification stream (SSE); keep it below the ingress read timeout (nginx: 60 s).', { default: 15, minimum: 1, maximum: 300 }),
    NOTIFICATION_STREAM_TICKET_SECONDS: s.int('Lifetime of a one-time notification stream ticket (EventSource clients).', { default: 60, minimum: 5, maximum: 600 }),
    NOTIFICATION_STREAMS_PER_USER: s.int('Open notification streams per user per API pod; more get 429.', { default: 5, minimum: 1, maximum: 100 }),
    BLOCKCHAIN_VERIFIER_URL: s.string('Base URL of the blockchain verifier; required when NODE_ENV=production (its secret: secrets.keys.BLOCKCHAIN_VERIFIER_SECRET).', { default: '', pattern: '^(https?://.+)?$' }),
    BLOCKCHAIN_VERIFIER_TIMEOUT_MS: s.int('Timeout of one verifier request; a slow verifier leaves deposits waiting.', { default: 5000, minimum: 100, maximum: 60000 }),
    BLOCKCHAIN_VERIFIER_RETRIES: s.int('Retries of a verifier request on network errors and 5xx only, with jitter.', { default: 2, minimum: 0, maximum: 5 }),
    DEPOSIT_INTENT_TTL_SECONDS: s.int('An open deposit intent without a transaction hash expires after this.', { default: 86400, minimum: 300, maximum: 2592000 }),
    DEPOSIT_NOT_FOUND_WINDOW_SECONDS: s.int('A transaction hash the chain does not show for this long is rejected.', { default: 86400, minimum: 60, maximum: 2592000 }),
    DEPOSIT_RECHECK_SECONDS: s.int('Wait before re-checking a pending deposit; verifier errors back off from here.', { default: 30, minimum: 1, maximum: 3600 }),
    DEPOSIT_RECHECK_MAX_SECONDS: s.int('Longest backoff between checks (at least DEPOSIT_RECHECK_SECONDS).', { default: 900, minimum: 1, maximum: 86400 }),
    DEPOSIT_MONITOR_INTERVAL_SECONDS: s.int('Seconds between passes of a looping monitor (--watch, or the API with RUN_SCHEDULED_JOBS); the CronJob runs one pass per schedule instead.', { default: 30, minimum: 1, maximum: 3600 }),
    DEPOSIT_MONITOR_BATCH_SIZE: s.int('Deposits claimed per batch.', { default: 200, minimum: 1, maximum: 5000 }),
    DEPOSIT_MONITOR_CONCURRENCY: s.int('Verifier calls in flight per monitor process.', { default: 8, minimum: 1, maximum: 64 }),
    SENTRY_ENVIRONMENT: s.string('Sentry environment of the reports (production, staging); empty: NODE_ENV. Reporting is on when the Secret has SENTRY_DSN (secrets.keys.SENTRY_DSN).', { default: '', pattern: '^[A-Za-z0-9._-]{0,64}$' }),
  }),
  assets: s.object('Per-asset deposit settings, rendered into the ConfigMap (ASSETS_ENABLED, DEPOSIT_*_<ASSET>, WITHDRAWAL_MIN_<ASSET>). Addresses are public: they belong here, not in the Secret.', perAsset((code, a) =>
    s.object(`${code} on ${a.network}.`, {
      enabled: s.bool('Accept this asset (listed in ASSETS_ENABLED). At least one asset must be enabled.', true),
      address: s.string(`Our ${a.network} deposit address (DEPOSIT_ADDRESS_${code}); required when enabled and NODE_ENV=production. The app checks its format at start.`, { default: '' }),
      confirmations: s.int(`Confirmations before a deposit is credited (DEPOSIT_CONFIRMATIONS_${code}).`, { default: a.defaults.confirmations, minimum: 1, maximum: 10000 }),
      minDeposit: s.string(`Smallest deposit intent accepted, a quoted decimal in ${code} (DEPOSIT_MIN_${code}).`, { default: a.defaults.minDeposit, pattern: DECIMAL_PATTERN }),
      minWithdrawal: s.string(`Smallest withdrawal accepted, a quoted decimal in ${code} (WITHDRAWAL_MIN_${code}).`, { default: a.defaults.minWithdrawal, pattern: DECIMAL_PATTERN }),
      tolerancePercent: s.string(`How far (percent, at most 50, quoted) a received amount may differ from the intent's expected amount (DEPOSIT_TOLERANCE_PERCENT_${code}).`, { default: a.defaults.tolerancePercent, pattern: PERCENT_PATTERN }),
    }),
  )),
  runScheduledJobs: s.bool('RUN_SCHEDULED_JOBS on the API pods. Keep false: the CronJobs run the jobs. true needs one API replica and the CronJob of every job suspended (deposit monitor, earnings, email sender, housekeeping).', false),
  gracefulShutdown: s.object('How pods stop without dropping requests.', {
    shutdownDelaySeconds: s.int('After SIGTERM, /readyz answers 503 for this long before the server closes (SHUTDOWN_DELAY_MS), so endpoints and load balancers stop sending traffic. Must exceed the readiness period (5s).', {
      default: 10,
      minimum: 0,
      maximum: 120,
    }),
    drainTimeoutSeconds: s.int('Time in-flight requests get after the delay (the app\'s own timeout is 30s).', { default: 30, minimum: 1, maximum: 300 }),
    terminationGracePeriodSeconds: s.int('Kubelet SIGKILLs after this; must exceed delay + drain.', { default: 45, minimum: 1, maximum: 600 }),
  }),
  secrets: s.object('Secret values come only from an existing Secret; the chart never renders one.', {
    existingSecret: s.string('Name of the existing Secret (default: <fullname>-secrets).', { default: '', pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$' }),
    keys: s.object('Key names inside that Secret. Empty means the variable is not set (only for optional ones).', {
      DATABASE_URL: s.string('postgresql:// URL (required).', { default: 'DATABASE_URL', minLength: 1 }),
      JWT_SECRET: s.string('JWT signing secret, 32+ random characters (required).', { default: 'JWT_SECRET', minLength: 1 }),
      BLOCKCHAIN_VERIFIER_SECRET: s.string('Verifier shared secret (optional).', { default: 'BLOCKCHAIN_VERIFIER_SECRET' }),
      SMTP_PASSWORD: s.string('SMTP password (optional).', { default: '' }),
      REDIS_URL: s.string('Redis URL (optional).', { default: '' }),
      SENTRY_DSN: s.string('Sentry DSN (optional).', { default: '' }),
    }),
  }),
  otel: s.object('OpenTelemetry.', {
    endpoint: s.string('OTLP/HTTP collector endpoint (http://collector:4318); empty disables tracing.', { default: '', pattern: '^(https?://.+)?$' }),
    serviceName: s.string('OTEL_SERVICE_NAME prefix; each workload appends its component (kryptovault-api).', { default: 'kryptovault', minLength: 1 }),
  }),
  api: s.object('The HTTP API Deployment.', {
    replicaCount: s.int('Replicas when autoscaling is off (0 scales the API down; the PDB is then left out).', { default: 2, minimum: 0, maximum: 100 }),
    scheduling: scheduling('API'),
    strategy: s.block<object>('Deployment strategy (default: one extra pod at a time, never one fewer).', DEFAULT_STRATEGY, blockSchemas.object),
    // Memory from `npm run bench -- memory` (docs/performance.md): request ≥ 1.25 × RSS after load, limit ≥ 1.5 × peak.
    resources: resources('Requests and limits.', { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } }),
    autoscaling: s.object('HorizontalPodAutoscaler (replaces replicaCount).', {
      enabled: s.bool('Create the HPA.', false),
      minReplicas: s.int('Minimum replicas.', { default: 2, minimum: 1, maximum: 100 }),
      maxReplicas: s.int('Maximum replicas.', { default: 6, minimum: 1, maximum: 100 }),
      targetCPUUtilizationPercentage: s.int('Average CPU utilisation target.', { default: 70, minimum: 10, maximum: 100 }),
      targetMemoryUtilizationPercentage: s.int('Average memory utilisation target (0: memory does not scale the API).', { default: 0, minimum: 0, maximum: 100 }),
      behavior: s.block<object>('HPA behavior (scaleUp/scaleDown policies); default: scale down after a 5-minute stabilisation window.', { scaleDown: { stabilizationWindowSeconds: 300 } }, blockSchemas.object),
    }),
    pdb: s.object('PodDisruptionBudget.', {
      enabled: s.bool('Create the PDB (needs at least 2 replicas; none is rendered while api.replicaCount is 0 without autoscaling).', true),
      maxUnavailable: s.int('Pods a voluntary disruption may take down at once.', { default: 1, minimum: 1 }),
    }),
    service: s.object('The API Service.', {
      type: s.enum('Service type.', ['ClusterIP', 'NodePort', 'LoadBalancer'] as const, 'ClusterIP'),
      port: s.int(`Service port of the API (any but ${METRICS_SERVICE_PORT}, the Service's metrics port).`, { default: 80, minimum: 1, maximum: 65535 }),
      nodePort: s.int('Node port of the http port with type NodePort or LoadBalancer (0: assigned by the cluster).', { default: 0, minimum: 0, maximum: 32767 }),
      annotations: s.block<Record<string, string>>('Service annotations (cloud load balancer settings).', {}, blockSchemas.stringMap),
      labels: s.block<Record<string, string>>('Extra Service labels.', {}, userLabelMap),
      loadBalancerSourceRanges: s.block<string[]>('Client CIDRs a LoadBalancer Service admits (empty: any).', [], { type: 'array', items: { type: 'string' } }),
      externalTrafficPolicy: s.enum('Cluster or Local (keeps client IPs, with TRUST_PROXY set accordingly); NodePort and LoadBalancer only.', ['Cluster', 'Local'] as const, 'Cluster'),
    }),
    ingress: s.object('Ingress for the API.', {
      enabled: s.bool('Create the Ingress.', false),
      className: s.string('IngressClass name (empty: the cluster default).', { default: '' }),
      host: s.string('Public host name.', { default: 'api.kryptovault.example', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' }),
      extraHosts: s.block<string[]>('More host names serving the same API paths (they share tls.secretName when TLS is on).', [], {
        type: 'array',
        items: { type: 'string', pattern: '^(\\*\\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' },
      }),
      extraTls: s.block<object[]>('More TLS entries ({hosts, secretName}), e.g. a host with its own certificate.', [], {
        type: 'array',
        items: { type: 'object', additionalProperties: false, required: ['hosts'], properties: { hosts: { type: 'array', items: { type: 'string' } }, secretName: { type: 'string' } } },
      }),
      annotations: s.block<Record<string, string>>('Ingress annotations (controller settings, cert-manager issuer).', {}, blockSchemas.stringMap),
      tls: s.object('TLS on the Ingress.', {
        enabled: s.bool('Terminate TLS (strongly recommended: refresh cookies are Secure).', true),
        secretName: s.string('TLS Secret (created by you or cert-manager; default: <fullname>-tls).', { default: '', pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$' }),
      }),
    }),
  }),
  depositMonitor: cronJob('deposit monitor (one pass over due deposits, then exit)', {
    schedule: '*/2 * * * *',
    startingDeadlineSeconds: 60,
    activeDeadlineSeconds: 300,
    backoffLimit: 1,
    // A pass peaks at 242–274 MiB RSS (docs/performance.md, memory): request ≥ 1.25 × peak, limit ≥ 1.5 × peak.
    resources: { requests: { cpu: '100m', memory: '384Mi' }, limits: { cpu: '500m', memory: '768Mi' } },
  }),
  earnings: cronJob('daily earnings accrual (catches up missed days, completes matured investments)', {
    schedule: '15 0 * * *',
    startingDeadlineSeconds: 3600,
    activeDeadlineSeconds: 3600,
    backoffLimit: 2,
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  }),
  housekeeping: cronJob('daily housekeeping (deletes expired refresh tokens and one-time codes, prunes old auth events)', {
    schedule: '30 3 * * *',
    startingDeadlineSeconds: 3600,
    activeDeadlineSeconds: 1800,
    backoffLimit: 2,
    resources: { requests: { cpu: '50m', memory: '192Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
  }),
  emailSender: cronJob('email sender (delivers the email outbox: retries what the API could not send at once)', {
    schedule: '* * * * *',
    startingDeadlineSeconds: 60,
    activeDeadlineSeconds: 300,
    backoffLimit: 1,
    resources: { requests: { cpu: '50m', memory: '192Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
  }),
  automation: s.object('The automation runner Deployment (paper-trading sessions).', {
    enabled: s.bool('Run it (node dist/workers/automation.js --watch: serves /healthz, /readyz and /metrics on port 3000).', true),
    replicaCount: s.int('Replicas (work is claimed with database locks, so more than one is safe; 0 pauses it).', { default: 1, minimum: 0, maximum: 10 }),
    resources: resources('Requests and limits.', { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } }),
    scheduling: scheduling('automation runner'),
    strategy: s.block<object>('Deployment strategy.', DEFAULT_STRATEGY, blockSchemas.object),
  }),
  migration: s.object('The database migration Job (Helm pre-install/pre-upgrade hook).', {
    enabled: s.bool('Run migrations before install/upgrade.', true),
    backoffLimit: s.int('Retries; a failed migration fails the release.', { default: 0, minimum: 0, maximum: 3 }),
    activeDeadlineSeconds: s.int("Kill the migration after this long. Below helm's default --timeout (5m) so the Job's own failure is what helm reports; raise both together for long migrations.", { default: 270, minimum: 30 }),
    ttlSecondsAfterFinished: s.int('Delete the finished Job after this long.', { default: 3600, minimum: 0 }),
    resources: resources('Requests and limits.', { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } }),
    scheduling: scheduling('migration'),
  }),
  networkPolicy: s.object('NetworkPolicy for all KryptoVault pods.', {
    enabled: s.bool('Create it.', false),
    ingressFrom: s.block<object[]>('Peers allowed to reach port 3000 (ingress controller, Prometheus). Empty: any source, port 3000 only. Pods of the same release are always allowed.', [], blockSchemas.objectList),
    egress: s.block<object[]>('Egress rules. Empty: egress is not restricted.', [], blockSchemas.objectList),
  }),
  monitoring: s.object('Prometheus integration.', {
    scrapeAnnotations: s.bool('Add prometheus.io/* scrape annotations to the pods that serve /metrics (API, automation); not to the Service, so an annotation-based Prometheus scrapes each pod once.', true),
    serviceMonitor: s.object('ServiceMonitor (Prometheus Operator CRD).', {
      enabled: s.bool('Create it.', false),
      interval: s.string('Scrape interval.', { default: '30s', pattern: '^[0-9]+(ms|s|m|h)$' }),
      scrapeTimeout: s.string('Scrape timeout.', { default: '10s', pattern: '^[0-9]+(ms|s|m|h)$' }),
      labels: s.block<Record<string, string>>('Labels your Prometheus selects ServiceMonitors by (e.g. release: kube-prometheus-stack).', {}, blockSchemas.stringMap),
      namespace: s.string("Namespace of the ServiceMonitor (empty: the release's), e.g. the one your Prometheus watches.", { default: '', pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$' }),
      relabelings: s.block<object[]>('Relabelings applied before the scrape.', [], blockSchemas.objectList),
      metricRelabelings: s.block<object[]>('Relabelings applied to the scraped samples.', [], blockSchemas.objectList),
    }),
    prometheusRule: s.object('PrometheusRule with the alerts (Prometheus Operator CRD; the job-failure and pod-restart alerts need kube-state-metrics).', {
      enabled: s.bool('Create it.', false),
      labels: s.block<Record<string, string>>('Labels your Prometheus selects rules by.', {}, blockSchemas.stringMap),
      errorRatePercent: s.int('Alert when 5xx responses exceed this percentage over 5 minutes.', { default: 5, minimum: 1, maximum: 100 }),
      p99LatencyMilliseconds: s.int('Alert when p99 latency exceeds this over 5 minutes.', { default: 1000, minimum: 10 }),
      depositMonitorStaleMinutes: s.int('Alert when no deposit-monitor pass succeeded for this long, or none ever did.', { default: 15, minimum: 2 }),
      verifierErrorPercent: s.int("Alert when more than this percentage of the deposit monitor's blockchain verifier calls failed over 30 minutes (deposits then wait, never credited or rejected).", {
        default: 50,
        minimum: 1,
        maximum: 100,
      }),
      podRestartsPerHour: s.int('Alert when a pod restarts more than this per hour.', { default: 3, minimum: 1 }),
      apiJob: s.string("The `job` label your Prometheus gives the API's targets (empty: the ServiceMonitor's, which is the API Service's name). Set it when the API is scraped another way.", {
        default: '',
        pattern: '^[^"\\\\]*$',
      }),
      runbookUrl: s.string("Each alert's runbook_url is this page plus #<alert name in lower case> (the sections of docs/runbook.md).", {
        default: 'https://github.com/kryptovault/kryptovault/blob/main/docs/runbook.md',
        pattern: '^https?://.+',
      }),
    }),
  }),
});

export type KryptoVaultConfig = Infer<typeof configSchema>;

export const defaultConfig = (): KryptoVaultConfig => defaults(configSchema);

export const HTTP_PORT = 3000;

/** Variables whose values are secrets (same list as Backend/src/config/config.schema.ts): only ever secretKeyRef. */
export const SECRET_VARIABLES = ['DATABASE_URL', 'JWT_SECRET', 'SMTP_PASSWORD', 'BLOCKCHAIN_VERIFIER_SECRET', 'REDIS_URL', 'SENTRY_DSN'] as const;
