import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Context } from '@opentelemetry/api';
import { withoutSecretQuery } from '../logging/logger';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

let sdk: NodeSDK | undefined;

/**
 * Starts OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set (off otherwise). Must run
 * before @nestjs/core, http or @prisma/client are loaded so their modules get patched:
 * main.ts imports this file first.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): boolean {
  if (sdk || !env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_SDK_DISABLED === 'true') return false;
  sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || 'kryptovault-api',
      [ATTR_SERVICE_VERSION]: require('../../package.json').version,
    }),
    // The exporter reads OTEL_EXPORTER_OTLP_* itself (endpoint + /v1/traces, headers).
    spanProcessors: [new WithoutSecretQuery(new BatchSpanProcessor(new OTLPTraceExporter()))],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === '/healthz' || req.url === '/metrics' }),
      new NestInstrumentation(),
      new PrismaInstrumentation(),
    ],
  });
  sdk.start();
  return true;
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
  const current = sdk;
  sdk = undefined;
  await current?.shutdown().catch(() => undefined);
}
