import fs from 'node:fs';
import path from 'node:path';
import { createApp } from '../app.factory';
import { loadConfig } from '../config/config.schema';
import { createLogger } from '../logging/logger';
import { buildOpenApiDocument } from './openapi';

export const OPENAPI_FILE = path.join(__dirname, '..', '..', 'openapi.json');

/** The committed document: built from the app's decorators, no database needed. */
export async function renderOpenApi(): Promise<string> {
  // Placeholders only: the document depends on routes, never on configuration values.
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgresql://openapi@127.0.0.1:1/openapi',
    JWT_SECRET: 'openapi-document-generation-placeholder-key',
    LOG_LEVEL: 'silent',
  });
  const app = await createApp(config, createLogger({ ...config, LOG_FORMAT: 'json' }));
  try {
    return `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  renderOpenApi()
    .then((text) => {
      fs.writeFileSync(OPENAPI_FILE, text);
      process.stdout.write(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}\n`);
    })
    .catch((error) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    });
}
