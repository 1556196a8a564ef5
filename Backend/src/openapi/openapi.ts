import type { INestApplication } from '@nestjs/common';
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

/** Serves the document as JSON only (no UI assets in the runtime image). */
export function serveOpenApi(app: INestApplication) {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    ui: false,
    raw: ['json'],
    jsonDocumentUrl: OPENAPI_PATH,
  });
}
