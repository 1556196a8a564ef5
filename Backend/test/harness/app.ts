import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import type { ModuleImport } from '../../src/app.module';
import { loadConfig, type AppConfig } from '../../src/config/config.schema';
import { createLogger } from '../../src/logging/logger';

export const TEST_JWT_SECRET = 'k7Qm2vX9pL4nR8sT1wY6zB3cF5hJ0dGaEiUoPqWe';

/**
 * What NODE_ENV=production requires beyond secrets: a verifier, our address per enabled
 * asset, an https reset page and TLS to the SMTP server.
 */
export function productionRequiredEnv(): Record<string, string> {
  const { ASSET_CODES, ASSETS } = require('../../src/assets/asset-registry') as typeof import('../../src/assets/asset-registry');
  return {
    PASSWORD_RESET_URL: 'https://app.kryptovault.test/reset-password',
    SMTP_REQUIRE_TLS: 'true',
    BLOCKCHAIN_VERIFIER_URL: 'https://verifier.invalid',
    BLOCKCHAIN_VERIFIER_SECRET: 'Vq3nL8xT2mR7kW4pZ9sB6cF1hJ5dG0aE',
    ...Object.fromEntries(ASSET_CODES.map((a) => [`DEPOSIT_ADDRESS_${a}`, ASSETS[a].defaults.devAddress])),
  };
}

/** Environment every test app starts from; tests override what they exercise. */
export function testEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    JWT_SECRET: TEST_JWT_SECRET,
    ...overrides,
  };
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  baseUrl: string;
  /** Every JSON log line the app wrote. */
  logs: Record<string, unknown>[];
  rawLogs: string[];
  close(): Promise<void>;
}

/** Starts the real API (real HTTP listener on a free port) with logs captured as JSON. */
export async function startTestApp(
  env: Record<string, string | undefined>,
  options: { extraModules?: ModuleImport[] } = {},
): Promise<TestApp> {
  const config = loadConfig(testEnv(env));
  const rawLogs: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        rawLogs.push(line);
        logs.push(JSON.parse(line));
      }
      done();
    },
  });
  const app = await createApp(config, createLogger(config, sink), options);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${address.port}`,
    logs,
    rawLogs,
    close: () => app.close(),
  };
}
