import { isIP } from 'node:net';
import { z } from 'zod';
import { ASSET_CODES, ASSETS, canonicalAddress, type AssetDefinition } from '../assets/asset-registry';

/**
 * The one configuration schema: every environment variable the service reads is
 * declared here, validated at start, and listed in `.env.example`.
 */

const bool = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(defaultValue ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number, defaultValue?: number) => {
  const base = z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
  return defaultValue === undefined ? base : base.default(String(defaultValue));
};

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || isUrl(v, protocols), `must be a URL (${protocols.join(', ')})`);

function isUrl(value: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
  } catch {
    return false;
  }
}

const duration = z
  .string()
  .regex(/^\d+(s|m|h|d)$/, 'must be a duration like 900s, 15m, 1h or 7d');

/** A positive amount as a decimal string (never a float). */
const decimalString = (defaultValue: string) =>
  z.string().regex(/^\d{1,18}(\.\d{1,18})?$/, 'must be a decimal number like 0.001').default(defaultValue);

/** One variable per asset: `${prefix}_BTC`, `${prefix}_ETH`, ... */
function perAsset<P extends string, T extends z.ZodTypeAny>(prefix: P, make: (asset: AssetDefinition) => T) {
  return Object.fromEntries(ASSET_CODES.map((code) => [`${prefix}_${code}`, make(ASSETS[code])])) as Record<`${P}_${AssetDefinition['code']}`, T>;
}

/** Named subnets proxy-addr (Fastify's trustProxy) understands. */
const NAMED_SUBNETS = ['loopback', 'linklocal', 'uniquelocal'];

function isAddressOrCidr(entry: string): boolean {
  if (NAMED_SUBNETS.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Which peers may set X-Forwarded-For/-Proto: a hop count (1 = the ingress in front of the
 * pod) or the proxies' addresses/CIDRs. Never a boolean: `true` would believe whatever
 * X-Forwarded-For a client sends, handing every request a fresh per-IP rate-limit budget.
 */
const trustProxy = z
  .string()
  .default('0')
  .transform((raw, ctx): number | string[] => {
    const value = raw.trim();
    if (value === 'false') return 0;
    if (/^\d+$/.test(value) && Number(value) <= 10) return Number(value);
    const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
    if (value !== 'true' && entries.length > 0 && entries.every(isAddressOrCidr)) return entries;
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message:
        'must be a hop count (0-10; 1 = one ingress/load balancer in front of the app) or a comma-separated list of proxy IPs/CIDRs (10.0.0.0/8, loopback); true is refused: it trusts any X-Forwarded-For a client sends',
    });
    return z.NEVER;
  });

/** Seconds of a duration like 15m (validated by `duration`). */
export function durationSeconds(value: string): number {
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[value.slice(-1) as 's' | 'm' | 'h' | 'd'];
  return Number(value.slice(0, -1)) * unit;
}

/** Values that must never protect real money (copied from examples, defaults or docs). */
const WEAK_SECRET_MARKERS = ['change-me', 'changeme', 'secret', 'password', 'example', 'default', 'dev-only', 'test'];

export const ENV_SCHEMA = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(1, 65535, 3000),
  CORS_ORIGIN: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.every((o) => o === '*' || isUrl(o, ['http', 'https'])), 'must be a comma-separated list of origins (https://app.example.com) or *'),
  TRUST_PROXY: trustProxy,
  BODY_LIMIT_BYTES: int(1024, 50 * 1024 * 1024, 1024 * 1024),
  // A client must send its whole request (headers and body) within this, or it gets 408 and the
  // connection is closed: slow clients (slowloris: headers or a body trickled a byte at a time,
  // connections that say nothing) cannot hold sockets and buffers forever.
  HTTP_REQUEST_TIMEOUT_MS: int(1000, 600_000, 30_000),
  // The interactive API reference at /docs (/openapi.json is always served); default: on,
  // except with NODE_ENV=production.
  API_DOCS_ENABLED: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1' || v === 'yes')),
  SHUTDOWN_DELAY_MS: int(0, 120_000, 0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),

  DATABASE_URL: z
    .string({ required_error: 'is required (postgresql://user:password@host:5432/database)' })
    .refine((v) => isUrl(v, ['postgres', 'postgresql']), 'must be a postgresql:// URL'),
  // Per process (src/database/pg-adapter.ts). A `connection_limit` or `statement_timeout` in
  // DATABASE_URL wins over these.
  DATABASE_POOL_SIZE: int(1, 200, 10),
  // Also the longest wait for a free pooled connection: a request fails instead of hanging.
  DATABASE_CONNECT_TIMEOUT_MS: int(100, 120_000, 5_000),
  // Server-side limit per statement; 0 = none.
  DATABASE_STATEMENT_TIMEOUT_MS: int(0, 3_600_000, 30_000),

  JWT_SECRET: z.string({ required_error: 'is required (at least 32 random characters)' }).min(32, 'must be at least 32 characters'),
  JWT_EXPIRES_IN: duration.default('15m'),
  REFRESH_TOKEN_TTL_SECONDS: int(60, 365 * 24 * 3600, 30 * 24 * 3600),
  // A rotated refresh token presented again within this many seconds (two tabs refreshing at
  // once) gets a new session of the same family instead of revoking it; 0 turns that off.
  REFRESH_REUSE_GRACE_SECONDS: int(0, 300, 10),
  REFRESH_COOKIE_NAME: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a cookie name ([A-Za-z0-9_-])').default('kv_refresh'),
  REFRESH_COOKIE_DOMAIN: z.string().optional().transform((v) => v || undefined),
  REFRESH_COOKIE_PATH: z.string().startsWith('/', 'must start with /').default('/auth'),
  REFRESH_COOKIE_SAMESITE: z.enum(['strict', 'lax', 'none']).default('lax'),
  VERIFICATION_CODE_TTL_SECONDS: int(60, 24 * 3600, 15 * 60),
  PASSWORD_RESET_TTL_SECONDS: int(300, 24 * 3600, 60 * 60),
  PASSWORD_RESET_URL: z
    .string()
    .default('http://localhost:5173/reset-password')
    .refine((v) => isUrl(v, ['http', 'https']), 'must be an http(s) URL of the frontend reset page'),
  LOGIN_MAX_FAILURES: int(1, 100, 5),
  LOGIN_LOCKOUT_SECONDS: int(1, 24 * 3600, 15 * 60),
  LOGIN_ACCOUNT_MAX_FAILURES: int(1, 100_000, 50),
  RATE_LIMIT_WINDOW_SECONDS: int(1, 24 * 3600, 15 * 60),
  RATE_LIMIT_PER_IP: int(1, 100_000, 50),
  RATE_LIMIT_PER_ACCOUNT: int(1, 10_000, 10),
  AUTH_EVENT_RETENTION_DAYS: int(1, 3650, 365),

  SMTP_HOST: z.string().default('localhost'),
  SMTP_PORT: int(1, 65535, 587),
  SMTP_SECURE: bool(false),
  // STARTTLS is mandatory (nodemailer requireTLS): without it a stripped STARTTLS offer means plain text.
  SMTP_REQUIRE_TLS: bool(false),
  SMTP_USER: z.string().optional().transform((v) => v || undefined),
  SMTP_PASSWORD: z.string().optional().transform((v) => v || undefined),
  SMTP_FROM: z.string().default('KryptoVault <no-reply@kryptovault.local>'),
  // Email outbox (src/mail/email-outbox.sender.ts): every email is a row, delivered with retries.
  EMAIL_OUTBOX_SEND_ON_WRITE: bool(true),
  EMAIL_OUTBOX_INTERVAL_SECONDS: int(1, 3600, 5),
  EMAIL_OUTBOX_BATCH_SIZE: int(1, 1000, 50),
  EMAIL_OUTBOX_MAX_ATTEMPTS: int(1, 100, 8),
  EMAIL_OUTBOX_RETRY_SECONDS: int(1, 3600, 30),

  // Live notifications (src/notifications/stream): comment lines keep proxies from closing an
  // idle stream (nginx's default read timeout is 60 s); a ticket is redeemable once, briefly.
  NOTIFICATION_STREAM_HEARTBEAT_SECONDS: int(1, 300, 15),
  NOTIFICATION_STREAM_TICKET_SECONDS: int(5, 600, 60),
  NOTIFICATION_STREAMS_PER_USER: int(1, 100, 5),

  BLOCKCHAIN_VERIFIER_URL: optionalUrl(['http', 'https']),
  BLOCKCHAIN_VERIFIER_SECRET: z.string().optional().transform((v) => v || undefined),
  BLOCKCHAIN_VERIFIER_TIMEOUT_MS: int(100, 60_000, 5000),
  BLOCKCHAIN_VERIFIER_RETRIES: int(0, 5, 2),

  // Assets and deposits (SPEC §2). Addresses are ours: production refuses a missing one for an enabled asset.
  ASSETS_ENABLED: z
    .string()
    .default(ASSET_CODES.join(','))
    .transform((v) => [...new Set(v.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean))])
    .refine((list) => list.every((a) => (ASSET_CODES as string[]).includes(a)), `must be a comma-separated list of ${ASSET_CODES.join(', ')}`)
    .transform((list) => list as AssetDefinition['code'][]),
  ...perAsset('DEPOSIT_ADDRESS', () => z.string().optional().transform((v) => v || undefined)),
  ...perAsset('DEPOSIT_CONFIRMATIONS', (a) => int(1, 10_000, a.defaults.confirmations)),
  ...perAsset('DEPOSIT_MIN', (a) => decimalString(a.defaults.minDeposit)),
  ...perAsset('WITHDRAWAL_MIN', (a) => decimalString(a.defaults.minWithdrawal)),
  ...perAsset('DEPOSIT_TOLERANCE_PERCENT', (a) =>
    decimalString(a.defaults.tolerancePercent).pipe(z.string().refine((v) => Number(v) <= 50, 'must be at most 50 (percent)')),
  ),
  DEPOSIT_INTENT_TTL_SECONDS: int(300, 30 * 24 * 3600, 24 * 3600),
  DEPOSIT_NOT_FOUND_WINDOW_SECONDS: int(60, 30 * 24 * 3600, 24 * 3600),
  DEPOSIT_RECHECK_SECONDS: int(1, 3600, 30),
  DEPOSIT_RECHECK_MAX_SECONDS: int(1, 24 * 3600, 900),
  DEPOSIT_MONITOR_INTERVAL_SECONDS: int(1, 3600, 30),
  DEPOSIT_MONITOR_BATCH_SIZE: int(1, 5000, 200),
  DEPOSIT_MONITOR_CONCURRENCY: int(1, 64, 8),

  REDIS_URL: optionalUrl(['redis', 'rediss']),
  RUN_SCHEDULED_JOBS: bool(false),
  SENTRY_DSN: optionalUrl(['http', 'https']),
  // Sentry's name for this deployment (production, staging); default: NODE_ENV.
  SENTRY_ENVIRONMENT: z
    .string()
    .optional()
    .transform((v) => v || undefined)
    .refine((v) => v === undefined || /^[A-Za-z0-9._-]{1,64}$/.test(v), 'must be a name like production or staging (letters, digits, . _ -; at most 64)'),

  // Standard OpenTelemetry variables; the SDK reads them itself, they are validated here.
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(['http', 'https']),
  OTEL_SERVICE_NAME: z.string().min(1).default('kryptovault-api'),
  OTEL_RESOURCE_ATTRIBUTES: z.string().optional(),
});

export type EnvInput = z.input<typeof ENV_SCHEMA>;
type ParsedEnv = z.output<typeof ENV_SCHEMA>;
export type AppConfig = Omit<ParsedEnv, 'LOG_FORMAT' | 'API_DOCS_ENABLED'> & { LOG_FORMAT: 'json' | 'pretty'; API_DOCS_ENABLED: boolean };

/** Names of variables whose values are secrets: never printed, never logged. */
export const SECRET_VARIABLES = ['DATABASE_URL', 'JWT_SECRET', 'SMTP_PASSWORD', 'BLOCKCHAIN_VERIFIER_SECRET', 'REDIS_URL', 'SENTRY_DSN'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function productionProblems(config: ParsedEnv): string[] {
  const problems: string[] = [];
  const jwt = config.JWT_SECRET.toLowerCase();
  if (WEAK_SECRET_MARKERS.some((m) => jwt.includes(m)) || new Set(config.JWT_SECRET).size < 10) {
    problems.push('JWT_SECRET: looks like a default or weak value; generate one with `openssl rand -base64 48`');
  }
  if (config.SMTP_PASSWORD && WEAK_SECRET_MARKERS.some((m) => config.SMTP_PASSWORD!.toLowerCase() === m)) {
    problems.push('SMTP_PASSWORD: looks like a default value');
  }
  if (config.BLOCKCHAIN_VERIFIER_URL && !config.BLOCKCHAIN_VERIFIER_SECRET) {
    problems.push('BLOCKCHAIN_VERIFIER_SECRET: is required when BLOCKCHAIN_VERIFIER_URL is set');
  }
  if (!config.BLOCKCHAIN_VERIFIER_URL) {
    problems.push('BLOCKCHAIN_VERIFIER_URL: is required in production (deposits cannot be confirmed without it)');
  }
  for (const asset of config.ASSETS_ENABLED) {
    if (!config[`DEPOSIT_ADDRESS_${asset}`]) problems.push(`DEPOSIT_ADDRESS_${asset}: is required in production for the enabled asset ${asset}`);
  }
  if (config.CORS_ORIGIN.includes('*')) {
    problems.push('CORS_ORIGIN: * is not allowed in production (cookies are sent cross-origin)');
  }
  const resetUrl = new URL(config.PASSWORD_RESET_URL);
  if (resetUrl.protocol !== 'https:' || isLocalHost(resetUrl.hostname)) {
    problems.push('PASSWORD_RESET_URL: must be an https:// URL of the public frontend in production (reset tokens travel in it), not http or localhost');
  }
  if (!config.SMTP_SECURE && !config.SMTP_REQUIRE_TLS) {
    problems.push('SMTP_REQUIRE_TLS: production mail must use TLS (codes and reset links travel in it): set SMTP_REQUIRE_TLS=true (STARTTLS, port 587) or SMTP_SECURE=true (implicit TLS, port 465)');
  }
  if (durationSeconds(config.JWT_EXPIRES_IN) > MAX_PRODUCTION_ACCESS_TOKEN_SECONDS) {
    problems.push('JWT_EXPIRES_IN: must be at most 1h in production (a stolen access token works until it expires)');
  }
  if (hasPlaceholder(config.DATABASE_URL)) {
    problems.push('DATABASE_URL: contains a placeholder (CHANGE_ME, <...> or example): set the real connection URL');
  }
  return problems;
}

const MAX_PRODUCTION_ACCESS_TOKEN_SECONDS = 3600;

function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0' || /^127\./.test(host);
}

/** Markers of a URL copied from .env.example or the docs instead of the real one. */
function hasPlaceholder(url: string): boolean {
  let decoded = url;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    // keep the raw text
  }
  return [url, decoded].some((text) => /change[_-]?me|<[^>]*>|example/i.test(text));
}

/** Parses the environment; throws one ConfigError naming every bad variable (never its value). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const input = Object.fromEntries(
    Object.keys(ENV_SCHEMA.shape).map((key) => [key, env[key] === '' && key !== 'CORS_ORIGIN' ? undefined : env[key]]),
  );
  const result = ENV_SCHEMA.safeParse(input);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const parsed = result.data;
  const addressProblems = ASSET_CODES.flatMap((asset) => {
    const value = parsed[`DEPOSIT_ADDRESS_${asset}`];
    return value !== undefined && canonicalAddress(asset, value) === null ? [`DEPOSIT_ADDRESS_${asset}: must be an address on ${ASSETS[asset].network}`] : [];
  });
  if (addressProblems.length > 0) throw new ConfigError(addressProblems);
  if (parsed.DEPOSIT_RECHECK_MAX_SECONDS < parsed.DEPOSIT_RECHECK_SECONDS) {
    throw new ConfigError(['DEPOSIT_RECHECK_MAX_SECONDS: must be at least DEPOSIT_RECHECK_SECONDS']);
  }
  if (parsed.NODE_ENV === 'production') {
    const problems = productionProblems(parsed);
    if (problems.length > 0) throw new ConfigError(problems);
  }
  const production = parsed.NODE_ENV === 'production';
  return { ...parsed, LOG_FORMAT: parsed.LOG_FORMAT ?? (production ? 'json' : 'pretty'), API_DOCS_ENABLED: parsed.API_DOCS_ENABLED ?? !production };
}
