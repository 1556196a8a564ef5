import fs from 'node:fs';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorBodyDto } from '../errors/error-body';

export const OPENAPI_PATH = '/openapi.json';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('KryptoVault API')
    .setDescription('Crypto savings platform API. Errors always use the ErrorBody shape.')
    .setVersion(require('../../package.json').version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'access-token')
    .addApiKey({ type: 'apiKey', in: 'query', name: 'ticket', description: 'One-time notification stream ticket (POST /notifications/stream-ticket)' }, 'stream-ticket')
    // The default name; REFRESH_COOKIE_NAME can change it per deployment.
    .addCookieAuth('kv_refresh', { type: 'apiKey', in: 'cookie', description: 'Opaque refresh token (httpOnly), rotated by POST /auth/refresh' }, 'refresh-cookie')
    .build();
  return SwaggerModule.createDocument(app, config, { extraModels: [ErrorBodyDto] });
}

export const DOCS_PATH = '/docs';

/** The Swagger UI files the page loads, served from swagger-ui-dist (no static-file plugin needed). */
const UI_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const UI_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>KryptoVault API</title>
  <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${DOCS_PATH}/swagger-ui-init.js"></script>
</body>
</html>`;

// "Authorize" takes an access token and keeps it across reloads; "Try it out" sends it.
const UI_INIT = `window.ui = SwaggerUIBundle({ url: '${OPENAPI_PATH}', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true, displayRequestDuration: true });`;

/**
 * The document at /openapi.json, always; with `ui` (API_DOCS_ENABLED) an interactive
 * reference (Swagger UI) at /docs.
 */
export function serveOpenApi(app: NestFastifyApplication, options: { ui: boolean }) {
  SwaggerModule.setup(DOCS_PATH.slice(1), app, () => buildOpenApiDocument(app), { ui: false, raw: ['json'], jsonDocumentUrl: OPENAPI_PATH });
  if (!options.ui) return;
  // swagger-ui-dist ships no type declarations. Only the path helper: the package's main
  // module loads its 1.5 MB browser bundle, 9% of the API's cold start (docs/performance.md).
  const assets = (require('swagger-ui-dist/absolute-path.js') as () => string)();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get(DOCS_PATH, (_request, reply) => reply.type('text/html; charset=utf-8').send(UI_PAGE));
  fastify.get(`${DOCS_PATH}/swagger-ui-init.js`, (_request, reply) => reply.type('application/javascript; charset=utf-8').send(UI_INIT));
  for (const [file, type] of Object.entries(UI_ASSETS)) {
    fastify.get(`${DOCS_PATH}/${file}`, (_request, reply) => reply.type(type).header('cache-control', 'public, max-age=86400').send(fs.createReadStream(path.join(assets, file))));
  }
}
