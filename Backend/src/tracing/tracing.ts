import { diag, DiagConsoleLogger, type Context, type TextMapPropagator } from '@opentelemetry/api';
import {
  CompositePropagator,
  diagLogLevelFromString,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import type { ResourceDetector } from '@opentelemetry/resources';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { withoutSecretQuery } from '../logging/logger';

// The SDK, exporter and instrumentations are required inside startTracing, only when tracing
// is on: loading them costs about 0.3 s of every cold start (docs/performance.md).
/* eslint-disable @typescript-eslint/no-require-imports */
const sdk = () => ({
  ...(require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')),
  ...(require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation')),
  ...(require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http')),
  ...(require('@opentelemetry/instrumentation-nestjs-core') as typeof import('@opentelemetry/instrumentation-nestjs-core')),
  ...(require('@opentelemetry/resources') as typeof import('@opentelemetry/resources')),
  ...(require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base')),
  ...(require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node')),
  ...(require('@opentelemetry/semantic-conventions') as typeof import('@opentelemetry/semantic-conventions')),
  ...(require('@prisma/instrumentation') as typeof import('@prisma/instrumentation')),
});
/* eslint-enable @typescript-eslint/no-require-imports */

let provider: NodeTracerProvider | undefined;

/** Whether startTracing() turned tracing on in this process. */
export function tracingStarted(): boolean {
  return provider !== undefined;
}

/**
 * Starts OpenTelemetry tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set (off otherwise). Must
 * run before @nestjs/core, http or @prisma/client are loaded so their modules get patched:
 * main.ts imports this file first.
 *
 * Traces only: what `@opentelemetry/sdk-node`'s NodeSDK did for them, without the SDK's
 * bundled metrics and logs exporters (grpc, protobuf, zipkin, prometheus: most of the
 * image's OpenTelemetry weight). Metrics are Prometheus' (`/metrics`); logs are pino's.
 * As before: the instrumentations registered first, the AsyncLocalStorage context manager,
 * W3C trace context + baggage propagation (or OTEL_PROPAGATORS), the sampler and span
 * limits from OTEL_TRACES_SAMPLER / OTEL_SPAN_* (read by the provider), OTEL_LOG_LEVEL, and
 * the resource: ours, then the env (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES), process
 * and host detectors (or OTEL_NODE_RESOURCE_DETECTORS) on top.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): boolean {
  if (provider || !env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const {
    registerInstrumentations,
    HttpInstrumentation,
    NestInstrumentation,
    PrismaInstrumentation,
    resourceFromAttributes,
    detectResources,
    NodeTracerProvider,
    BatchSpanProcessor,
    OTLPTraceExporter,
    ATTR_SERVICE_NAME,
    ATTR_SERVICE_VERSION,
  } = sdk();
  if (env.OTEL_LOG_LEVEL) diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(env.OTEL_LOG_LEVEL) });
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === '/healthz' || req.url === '/metrics' }),
      new NestInstrumentation(),
      new PrismaInstrumentation(),
    ],
  });
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || 'kryptovault-api',
    [ATTR_SERVICE_VERSION]: require('../../package.json').version,
  }).merge(detectResources({ detectors: resourceDetectors(env) }));
  provider = new NodeTracerProvider({
    resource,
    // The exporter reads OTEL_EXPORTER_OTLP_* itself (endpoint + /v1/traces, headers).
    spanProcessors: [new WithoutSecretQuery(new BatchSpanProcessor(new OTLPTraceExporter()))],
  });
  const propagator = propagatorFromEnv(env);
  // Global tracer provider, AsyncLocalStorage context manager, and the propagator
  // (undefined: W3C trace context + baggage; null: none).
  provider.register({ propagator });
  return true;
}

/** NodeSDK's defaults: env, process, host; OTEL_NODE_RESOURCE_DETECTORS picks others (all, none, a list). */
function resourceDetectors(env: NodeJS.ProcessEnv): ResourceDetector[] {
  const { hostDetector, osDetector, serviceInstanceIdDetector, processDetector, envDetector } = sdk();
  const DETECTORS: Record<string, ResourceDetector> = {
    host: hostDetector,
    os: osDetector,
    serviceinstance: serviceInstanceIdDetector,
    process: processDetector,
    env: envDetector,
  };
  const names = listFromEnv(env.OTEL_NODE_RESOURCE_DETECTORS);
  if (!names) return [envDetector, processDetector, hostDetector];
  if (names.includes('all')) return Object.values(DETECTORS);
  if (names.includes('none')) return [];
  return names.flatMap((name) => {
    if (!DETECTORS[name]) diag.warn(`Invalid resource detector "${name}" specified in the environment variable OTEL_NODE_RESOURCE_DETECTORS`);
    return DETECTORS[name] ?? [];
  });
}

/**
 * OTEL_PROPAGATORS as NodeSDK reads it, for the propagators this image ships: tracecontext
 * and baggage (b3 and jaeger are not bundled any more: a warning names them). Unset: the
 * default (undefined); `none`, or nothing usable: no propagation (null).
 */
function propagatorFromEnv(env: NodeJS.ProcessEnv): TextMapPropagator | null | undefined {
  const names = listFromEnv(env.OTEL_PROPAGATORS);
  if (!names) return undefined;
  if (names.includes('none')) return null;
  const available: Record<string, () => TextMapPropagator> = {
    tracecontext: () => new W3CTraceContextPropagator(),
    baggage: () => new W3CBaggagePropagator(),
  };
  const unique = [...new Set(names)];
  const propagators = unique.flatMap((name) => {
    if (!available[name]) diag.warn(`Propagator "${name}" requested through environment variable is unavailable.`);
    return available[name]?.() ?? [];
  });
  if (propagators.length === 0) return null;
  return propagators.length === 1 ? propagators[0] : new CompositePropagator({ propagators });
}

/** A comma-separated list; empty and unset are the same (undefined), as in @opentelemetry/core. */
function listFromEnv(value: string | undefined): string[] | undefined {
  const list = (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  return list.length > 0 ? list : undefined;
}

/** Attributes where instrumentations put the request URL (http's and Nest's). */
const URL_ATTRIBUTES = ['url.full', 'url.query', 'http.target', 'http.url'];

/**
 * Blanks credentials in URL attributes before export, whichever instrumentation wrote them
 * (the notification stream's one-time ticket travels in the query string): the same rule as the logs.
 */
class WithoutSecretQuery implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context) {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan) {
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of URL_ATTRIBUTES) {
      const value = attributes[key];
      if (typeof value === 'string') attributes[key] = withoutSecretQuery(value);
    }
    this.next.onEnd(span);
  }

  forceFlush() {
    return this.next.forceFlush();
  }

  shutdown() {
    return this.next.shutdown();
  }
}

/** Flushes pending spans; called on shutdown. */
export async function stopTracing(): Promise<void> {
  const current = provider;
  provider = undefined;
  await current?.shutdown().catch(() => undefined);
}
