import pino, { Logger } from 'pino';
import { trace } from '@opentelemetry/api';
import type { LoggerService } from '@nestjs/common';
import type { AppConfig } from '../config/config.schema';

/** Paths pino blanks in every log line, wherever a secret could travel. */
export const REDACTED_PATHS = [
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

/**
 * The one logger: pino, JSON in production and pretty in development. When tracing is
 * on, every line carries the active trace and span ids so logs and traces correlate.
 */
export function createLogger(config: Pick<AppConfig, 'LOG_LEVEL' | 'LOG_FORMAT'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.LOG_LEVEL,
    base: { service: process.env.OTEL_SERVICE_NAME ?? 'kryptovault-api' },
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
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
    return pino({ ...options, transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(options);
}

/** Routes Nest's own log calls into the same pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
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
