import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { Logger } from 'pino';
// Types only (erased): TypeScript's `node` module resolution cannot see the package's `./light` export.
import type * as SentryLight from '@sentry/node-core/build/types/light/index';
import type { AppConfig } from '../config/config.schema';
import { withoutQueryArguments, withoutSecretQuery } from '../logging/logger';

type Sdk = typeof SentryLight;
type SentryEvent = SentryLight.ErrorEvent;
type Transport = ReturnType<Sdk['makeNodeTransport']>;

/** How long a shutdown waits for reports still on their way. */
const FLUSH_TIMEOUT_MS = 2_000;

let sdk: Sdk | undefined;

/**
 * Reports unhandled errors (5xx answers, failed job passes) to Sentry when SENTRY_DSN is set;
 * without it the SDK is neither loaded nor initialised and nothing is sent.
 *
 * `@sentry/node-core/light`: error reporting without the SDK's OpenTelemetry setup (no tracer
 * provider, context manager or propagator of its own: ours, src/tracing/, stays the only one)
 * and no Sentry tracing (no tracesSampleRate). Every default integration is off: nothing reads
 * requests, headers, cookies, bodies, local variables, breadcrumbs or the environment; events
 * carry the error, the tags set here and the OS/runtime. scrubEvent is the second line.
 */
export function startErrorTracking(config: Pick<AppConfig, 'SENTRY_DSN' | 'SENTRY_ENVIRONMENT' | 'NODE_ENV'>, logger: Logger): boolean {
  if (sdk || !config.SENTRY_DSN) return false;
  const sentry = require('@sentry/node-core/light') as Sdk;
  const environment = config.SENTRY_ENVIRONMENT ?? config.NODE_ENV;
  const release: string = require('../../package.json').version;
  sentry.init({
    dsn: config.SENTRY_DSN,
    environment,
    release,
    sendDefaultPii: false,
    defaultIntegrations: false,
    integrations: [
      sentry.linkedErrorsIntegration(),
      sentry.nodeContextIntegration({ app: false, device: false, culture: false, cloudResource: false }),
    ],
    maxBreadcrumbs: 0,
    sendClientReports: false,
    beforeSend: scrubEvent,
    transport: (options) => untraced(sentry.makeNodeTransport(options)),
  });
  sdk = sentry;
  logger.info({ environment, release }, 'error tracking: reporting to Sentry');
  return true;
}

/** A 5xx answer the app did not choose (see HttpExceptionFilter): tagged with the request id and route template. */
export function reportRequestError(error: unknown, request: { id: string; method: string; routeOptions: { url?: string } }, statusCode: number): void {
  const route = request.routeOptions.url ?? 'UNMATCHED';
  capture(error, `${request.method} ${route}`, {
    request_id: request.id,
    'http.method': request.method,
    'http.route': route,
    'http.status_code': String(statusCode),
  });
}

/** A job pass that failed (src/jobs/job-passes.ts), wherever it ran: CronJob, --watch worker or the API's scheduler. */
export function reportJobFailure(worker: string, error: unknown): void {
  capture(error, `${worker} pass`, { worker });
}

/** Sends what is still queued (at most FLUSH_TIMEOUT_MS), then stops reporting; called on shutdown. */
export async function stopErrorTracking(timeoutMs = FLUSH_TIMEOUT_MS): Promise<void> {
  const current = sdk;
  sdk = undefined;
  await current?.close(timeoutMs).catch(() => undefined);
}

function capture(error: unknown, transaction: string, tags: Record<string, string>): void {
  const sentry = sdk;
  if (!sentry) return;
  // The active OpenTelemetry span (the request's, the pass's) when tracing is on: the event
  // carries the same trace id as the trace and the log lines.
  const span = trace.getActiveSpan()?.spanContext();
  sentry.withScope((scope) => {
    scope.setTags(tags);
    scope.setTransactionName(transaction);
    if (span && isSpanContextValid(span)) {
      scope.setPropagationContext({ traceId: span.traceId, propagationSpanId: span.spanId, sampleRand: Math.random() });
    }
    sentry.captureException(error);
  });
}

/**
 * Sentry's HTTP calls make no spans of ours: the envelope URL carries the DSN's key in its
 * query string, and a report is not part of the request that failed.
 */
function untraced(transport: Transport): Transport {
  return { ...transport, send: (envelope) => context.with(suppressTracing(context.active()), () => transport.send(envelope)) };
}

const CONTEXTS_KEPT = ['os', 'runtime'];
const CENSORED = '[REDACTED]';
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const JWT = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

/**
 * The second line of defence, on every event before it leaves: no request, user, breadcrumbs,
 * extra data, module list, local variables or source lines, only the trace/OS/runtime contexts,
 * and error messages without Prisma's query arguments, credential query parameters, bearer
 * tokens, JWTs or credentials in URLs.
 */
export function scrubEvent(event: SentryEvent): SentryEvent {
  delete event.request;
  delete event.user;
  delete event.breadcrumbs;
  delete event.extra;
  delete event.modules;
  const contexts = event.contexts ?? {};
  const traceContext = contexts.trace;
  event.contexts = Object.fromEntries(Object.entries(contexts).filter(([key]) => CONTEXTS_KEPT.includes(key)));
  if (traceContext) {
    event.contexts.trace = { trace_id: traceContext.trace_id, span_id: traceContext.span_id, ...(traceContext.parent_span_id ? { parent_span_id: traceContext.parent_span_id } : {}) };
  }
  if (event.message) event.message = scrubText(event.message);
  for (const exception of event.exception?.values ?? []) {
    if (exception.value) {
      exception.value = scrubText(exception.type === 'PrismaClientValidationError' ? withoutQueryArguments(exception.value) : exception.value);
    }
    for (const frame of exception.stacktrace?.frames ?? []) {
      delete frame.vars;
      delete frame.pre_context;
      delete frame.context_line;
      delete frame.post_context;
    }
  }
  return event;
}

function scrubText(text: string): string {
  return withoutSecretQuery(text).replace(AUTH_SCHEME, `$1 ${CENSORED}`).replace(JWT, CENSORED).replace(URL_CREDENTIALS, `$1${CENSORED}@`);
}
