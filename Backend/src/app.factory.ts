import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import { AppModule, type ModuleImport } from './app.module';
import type { AppConfig } from './config/config.schema';
import { HttpExceptionFilter } from './errors/http-exception.filter';
import { ScheduledJobsModule } from './jobs/scheduled-jobs.module';
import { createValidationPipe } from './errors/validation.pipe';
import { ShutdownState } from './health/shutdown-state';
import { requestIdFor } from './http/request-id';
import { PinoNestLogger, requestLoggerFactory } from './logging/logger';
import { MetricsService } from './metrics/metrics.service';
import { serveOpenApi } from './openapi/openapi';
import { tracingStarted } from './tracing/tracing';

const UNMATCHED_ROUTE = 'UNMATCHED';

/** Builds the API application (not listening yet); used by main.ts, tests and the OpenAPI writer. */
export async function createApp(
  config: AppConfig,
  logger: Logger,
  options: { extraModules?: ModuleImport[] } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    childLoggerFactory: requestLoggerFactory,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Fastify turns Node's own request timeout (300 s) off by default: a client trickling its
    // headers or body could hold a socket forever. Node answers 408 and closes the connection
    // when a request has not arrived in full after HTTP_REQUEST_TIMEOUT_MS (checked every
    // quarter of it, instead of Node's 30 s). Answers may take as long as they take (streams).
    // The headers' own timeout must not exceed it: with Node's 60 s headersTimeout above a
    // shorter requestTimeout, a body trickle is never cut (Node refuses that pair when both are
    // given to createServer; Fastify sets requestTimeout afterwards).
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(60_000, config.HTTP_REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: Math.min(30_000, Math.ceil(config.HTTP_REQUEST_TIMEOUT_MS / 4)),
    },
    // A hop count or the proxies' addresses (config.schema.ts): never `true`.
    trustProxy: config.TRUST_PROXY,
    genReqId: requestIdFor,
    requestIdHeader: false,
    // On close: idle keep-alive sockets close at once, in-flight requests finish.
    forceCloseConnections: 'idle',
    // A request read while the server closes (on a connection accepted just before the listener
    // closed) is served, with Connection: close, not refused with a 503: the database is still
    // connected until HTTP has closed (src/lifecycle/graceful-shutdown.ts).
    return503OnClosing: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger, [
    ...(config.RUN_SCHEDULED_JOBS ? [ScheduledJobsModule] : []),
    ...(options.extraModules ?? []),
  ]), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  // Refresh tokens travel only in an httpOnly cookie (see src/auth/refresh-cookie.ts).
  await app.register(fastifyCookie);
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);

  // The API speaks JSON only: any other body type (text, forms) is a 415, not a string handed
  // to a DTO. Registering our JSON parser also stops Nest from adding its form parser.
  fastify.removeContentTypeParser(['text/plain']);
  // fetch-based frontends send `Content-Type: application/json` on every call, body-less POSTs
  // (refresh, logout, read-all, cancel) included: an empty body is no body, as Express's
  // body-parser treated it. Any other body goes through fastify's own JSON parser
  // (prototype-poisoning checks included), so invalid JSON is still a 400.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit: config.BODY_LIMIT_BYTES }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    return parseJson(request, body as unknown as string, done);
  });
  // Hooks take a callback rather than returning a promise: they run on every request, and an
  // async hook costs Fastify a promise and its microtask hops (docs/performance.md, "Hot reads").
  if (tracingStarted()) {
    fastify.addHook('onRequest', (request, _reply, done) => {
      // Names the OpenTelemetry server span after the route template, not the raw URL.
      const rpc = getRPCMetadata(context.active());
      if (rpc?.type === RPCType.HTTP && request.routeOptions.url) rpc.route = request.routeOptions.url;
      done();
    });
  }
  const shutdown = app.get(ShutdownState);
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    // From SIGTERM on, every answer tells the client to drop its keep-alive socket: when the
    // listener closes after SHUTDOWN_DELAY_MS, no idle socket is left for a client to write a
    // request into just as the server closes it (the request would be lost).
    if (shutdown.isShuttingDown) reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttp(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.useGlobalFilters(new HttpExceptionFilter(logger));
  app.useGlobalPipes(createValidationPipe());
  if (config.CORS_ORIGIN.length > 0) {
    app.enableCors({ origin: config.CORS_ORIGIN.includes('*') ? true : config.CORS_ORIGIN, credentials: true });
  }
  serveOpenApi(app, { ui: config.API_DOCS_ENABLED });
  await app.init();
  return app;
}
