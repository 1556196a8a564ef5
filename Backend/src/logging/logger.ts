import pino, { Logger } from 'pino';
import { trace } from '@opentelemetry/api';
import type { LoggerService } from '@nestjs/common';
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../config/config.schema';

/**
 * Paths pino blanks in every log line, wherever a secret could travel. `code` covers
 * verification codes; an error's own `code` (P2002, ECONNREFUSED, 23505) is kept by the
 * censor below, so the `err.code`/`error.code` entries only name those keys for it.
 */
export const REDACTED_PATHS = [
  'err.code',
  'error.code',
  'password',
  'newPassword',
  'code',
  'token',
  'accessToken',
  'refreshToken',
  'passwordHash',
  'codeHash',
  'tokenHash',
  'secret',
  'documentNumber',
  '*.password',
  '*.newPassword',
  '*.code',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.passwordHash',
  '*.codeHash',
  '*.tokenHash',
  '*.secret',
  '*.documentNumber',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-verifier-secret"]',
  'res.headers["set-cookie"]',
];

const CENSORED = '[REDACTED]';
/** Parents whose `code` is an error code (diagnostics), never a secret. */
const ERROR_KEYS = new Set(['err', 'error']);

/**
 * pino calls this for every redacted path with the path as an array. For a top-level
 * wildcard (`*.code`) pino only names the parent when that parent also has a path of its
 * own, hence `err.code` in REDACTED_PATHS.
 */
export function censor(value: unknown, path: (string | symbol)[]): unknown {
  const parent = path[path.length - 2];
  const isErrorCode = path[path.length - 1] === 'code' && typeof parent === 'string' && ERROR_KEYS.has(parent);
  return isErrorCode && (typeof value === 'string' || typeof value === 'number') ? value : CENSORED;
}

const PRISMA_VALIDATION_ERROR = 'PrismaClientValidationError';

/**
 * Prisma's validation errors print the whole query with its argument values (emails,
 * amounts, tokens): keep the operation and the verdict (which argument, what is wrong),
 * never the values.
 */
export function withoutQueryArguments(message: string): string {
  const paragraphs = message.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  const operation = (/Invalid `[^`]+` invocation/.exec(message) ?? ['Invalid Prisma invocation'])[0];
  const verdict = (paragraphs.length > 1 ? paragraphs[paragraphs.length - 1]! : '')
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\bvalue\s+\S+/g, 'value …');
  return verdict ? `${operation}: ${verdict}` : operation;
}

/** pino's error serializer, minus the argument values Prisma puts into validation errors. */
export function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (serialized && serialized.type === PRISMA_VALIDATION_ERROR && typeof serialized.message === 'string') {
    const message = withoutQueryArguments(serialized.message);
    const frames = typeof serialized.stack === 'string' ? serialized.stack.split('\n').filter((l) => /^\s+at /.test(l)) : [];
    return { ...serialized, message, stack: [`${PRISMA_VALIDATION_ERROR}: ${message}`, ...frames].join('\n') };
  }
  return serialized;
}

/** Query parameters that carry a credential (the notification stream's one-time ticket). */
const SECRET_QUERY_PARAMS = /((?:^|[?&])(?:ticket|token)=)[^&#]*/gi;

/** A URL or query string with credential parameters blanked (logs and trace attributes). */
export function withoutSecretQuery(url: string): string {
  return url.replace(SECRET_QUERY_PARAMS, `$1${CENSORED}`);
}

/** Fastify's request serializer (it defers to ours), minus credentials in the query string. */
function serializeRequest(req: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? withoutSecretQuery(req.url) : req.url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * Whether pino-pretty can be loaded. It is a devDependency: the image ships production
 * dependencies only, and production logs are JSON.
 */
export function prettyAvailable(resolve: (id: string) => string = require.resolve): boolean {
  try {
    resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * The one logger: pino, JSON in production and pretty in development. When tracing is
 * on, every line carries the active trace and span ids so logs and traces correlate.
 * LOG_FORMAT=pretty without pino-pretty installed (the container image) logs JSON and
 * says so in a warning, rather than failing at start.
 */
export function createLogger(config: Pick<AppConfig, 'LOG_LEVEL' | 'LOG_FORMAT'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.LOG_LEVEL,
    base: { service: process.env.OTEL_SERVICE_NAME ?? 'kryptovault-api' },
    redact: { paths: REDACTED_PATHS, censor },
    serializers: { err: serializeError, req: serializeRequest },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  };
  if (destination) return pino(options, destination);
  if (config.LOG_FORMAT === 'pretty') {
    if (prettyAvailable()) {
      return pino({ ...options, transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } });
    }
    const logger = pino(options);
    logger.warn('LOG_FORMAT=pretty, but pino-pretty (a devDependency) is not installed: logging JSON');
    return logger;
  }
  return pino(options);
}

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * The per-request logger Fastify hands out as `request.log` (its `childLoggerFactory`): the
 * pino child that carries the request id is made on the first line logged at an enabled
 * level, not for every request. Making a child costs pino 2–3 µs here (the bindings go
 * through the redaction, the level methods are rebound), a tenth of a `/healthz` answer, and
 * at `warn` most requests log nothing (docs/performance.md, "Hot reads").
 */
export class RequestLogger {
  private made?: Logger;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: pino.Bindings,
  ) {}

  private get logger(): Logger {
    return (this.made ??= this.parent.child(this.bindings));
  }

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }
  set level(level: string) {
    this.logger.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }

  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger {
    return this.logger.child(bindings, options);
  }

  fatal(...args: unknown[]) {
    this.log('fatal', args);
  }
  error(...args: unknown[]) {
    this.log('error', args);
  }
  warn(...args: unknown[]) {
    this.log('warn', args);
  }
  info(...args: unknown[]) {
    this.log('info', args);
  }
  debug(...args: unknown[]) {
    this.log('debug', args);
  }
  trace(...args: unknown[]) {
    this.log('trace', args);
  }

  private log(method: LogMethod, args: unknown[]) {
    if (!this.isLevelEnabled(method)) return;
    (this.logger[method] as (...a: unknown[]) => void)(...args);
  }
}

/**
 * Fastify's `childLoggerFactory`: a RequestLogger, or pino's own child when Fastify passes
 * options (a route's logLevel). `logger` is the app's pino logger (the adapter's loggerInstance).
 */
export function requestLoggerFactory(logger: FastifyBaseLogger, bindings: pino.Bindings, options: pino.ChildLoggerOptions): FastifyBaseLogger {
  if (Object.keys(options).length > 0) return logger.child(bindings, options);
  return new RequestLogger(logger as Logger, bindings) as unknown as FastifyBaseLogger;
}

const NEST_BOOTSTRAP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** Routes Nest's own log calls into the same pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    // Nest's start-up chatter (a line per module and per route) is debug, not info.
    if (context && NEST_BOOTSTRAP_CONTEXTS.has(context)) this.logger.debug({ context }, String(message));
    else this.logger.info({ context }, String(message));
  }
  error(message: unknown, stackOrContext?: string, context?: string) {
    this.logger.error({ context: context ?? stackOrContext, stack: context ? stackOrContext : undefined }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
