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
  TRUST_PROXY: bool(false),
  BODY_LIMIT_BYTES: int(1024, 50 * 1024 * 1024, 1024 * 1024),
  SHUTDOWN_DELAY_MS: int(0, 120_000, 0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),

  DATABASE_URL: z
    .string({ required_error: 'is required (postgresql://user:password@host:5432/database)' })
    .refine((v) => isUrl(v, ['postgres', 'postgresql']), 'must be a postgresql:// URL'),

  JWT_SECRET: z.string({ required_error: 'is required (at least 32 random characters)' }).min(32, 'must be at least 32 characters'),
  JWT_EXPIRES_IN: duration.default('15m'),
  REFRESH_TOKEN_TTL_SECONDS: int(60, 365 * 24 * 3600, 30 * 24 * 3600),
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
  RATE_LIMIT_WINDOW_SECONDS: int(1, 24 * 3600, 15 * 60),
  RATE_LIMIT_PER_IP: int(1, 100_000, 50),
  RATE_LIMIT_PER_ACCOUNT: int(1, 10_000, 10),

  SMTP_HOST: z.string().default('localhost'),
  SMTP_PORT: int(1, 65535, 587),
  SMTP_SECURE: bool(false),
  SMTP_USER: z.string().optional().transform((v) => v || undefined),
  SMTP_PASSWORD: z.string().optional().transform((v) => v || undefined),
  SMTP_FROM: z.string().default('KryptoVault <no-reply@kryptovault.local>'),

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

  // Standard OpenTelemetry variables; the SDK reads them itself, they are validated here.
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(['http', 'https']),
  OTEL_SERVICE_NAME: z.string().min(1).default('kryptovault-api'),
  OTEL_RESOURCE_ATTRIBUTES: z.string().optional(),
});

export type EnvInput = z.input<typeof ENV_SCHEMA>;
type ParsedEnv = z.output<typeof ENV_SCHEMA>;
export type AppConfig = Omit<ParsedEnv, 'LOG_FORMAT'> & { LOG_FORMAT: 'json' | 'pretty' };

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
  return problems;
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
  return { ...parsed, LOG_FORMAT: parsed.LOG_FORMAT ?? (parsed.NODE_ENV === 'production' ? 'json' : 'pretty') };
}
