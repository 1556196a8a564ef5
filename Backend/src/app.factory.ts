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
import { requestIdFor } from './http/request-id';
import { PinoNestLogger } from './logging/logger';
import { MetricsService } from './metrics/metrics.service';
import { serveOpenApi } from './openapi/openapi';

const UNMATCHED_ROUTE = 'UNMATCHED';

/** Builds the API application (not listening yet); used by main.ts, tests and the OpenAPI writer. */
export async function createApp(
  config: AppConfig,
  logger: Logger,
  options: { extraModules?: ModuleImport[] } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // A hop count or the proxies' addresses (config.schema.ts): never `true`.
    trustProxy: config.TRUST_PROXY,
    genReqId: requestIdFor,
    requestIdHeader: false,
    // On close: idle keep-alive sockets close at once, in-flight requests finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
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
  fastify.addHook('onRequest', async (request) => {
    // Names the OpenTelemetry server span after the route template, not the raw URL.
    const rpc = getRPCMetadata(context.active());
    if (rpc?.type === RPCType.HTTP && request.routeOptions.url) rpc.route = request.routeOptions.url;
  });
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.observeHttp(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
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
