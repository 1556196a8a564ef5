import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, ENV_SCHEMA, loadConfig } from '../src/config/config.schema';
import { runNode } from './harness/process';
import { productionRequiredEnv } from './harness/app';

const VALID = {
  DATABASE_URL: 'postgresql://kv:s3cr3t-db-pass@db:5432/kv',
  JWT_SECRET: 'k7Qm2vX9pL4nR8sT1wY6zB3cF5hJ0dGaEiUoPqWe',
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration schema', () => {
  it('applies documented defaults', () => {
    const config = loadConfig(VALID);
    expect(config).toMatchObject({
      PORT: 3000,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'pretty',
      JWT_EXPIRES_IN: '15m',
      REFRESH_COOKIE_SAMESITE: 'lax',
      RUN_SCHEDULED_JOBS: false,
      BODY_LIMIT_BYTES: 1048576,
      CORS_ORIGIN: [],
    });
    expect(loadConfig({ ...VALID, ...productionRequiredEnv(), NODE_ENV: 'production' }).LOG_FORMAT).toBe('json');
  });

  it('parses typed values', () => {
    const config = loadConfig({ ...VALID, PORT: '8080', RUN_SCHEDULED_JOBS: 'true', CORS_ORIGIN: 'https://a.example, https://b.example' });
    expect(config.PORT).toBe(8080);
    expect(config.RUN_SCHEDULED_JOBS).toBe(true);
    expect(config.CORS_ORIGIN).toEqual(['https://a.example', 'https://b.example']);
  });

  it('lists every bad or missing variable in one error', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', JWT_EXPIRES_IN: 'forever', RUN_SCHEDULED_JOBS: 'maybe', REDIS_URL: 'http://x' });
    const names = problems.map((p) => p.split(':')[0]).sort();
    expect(names).toEqual(['DATABASE_URL', 'JWT_EXPIRES_IN', 'JWT_SECRET', 'LOG_LEVEL', 'PORT', 'REDIS_URL', 'RUN_SCHEDULED_JOBS']);
  });

  it('never echoes secret values in its messages', () => {
    const error = (() => {
      try {
        loadConfig({ DATABASE_URL: 'mysql://root:TopSecretDbPw@db/kv', JWT_SECRET: 'short-TopSecretJwt' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain('DATABASE_URL');
    expect(error!.message).toContain('JWT_SECRET');
    expect(error!.message).not.toContain('TopSecret');
  });

  it('refuses weak or default secrets in production', () => {
    expect(problemsOf({ ...VALID, ...productionRequiredEnv(), NODE_ENV: 'production', JWT_SECRET: 'change-me-change-me-change-me-change-me' })).toEqual([
      expect.stringMatching(/^JWT_SECRET: looks like a default or weak value/),
    ]);
    expect(problemsOf({ ...VALID, NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(40) })[0]).toMatch(/^JWT_SECRET/);
    expect(problemsOf({ ...VALID, ...productionRequiredEnv(), NODE_ENV: 'production', BLOCKCHAIN_VERIFIER_SECRET: '' })[0]).toMatch(/^BLOCKCHAIN_VERIFIER_SECRET/);
    expect(problemsOf({ ...VALID, ...productionRequiredEnv(), NODE_ENV: 'production', CORS_ORIGIN: '*' })[0]).toMatch(/^CORS_ORIGIN/);
    expect(() => loadConfig({ ...VALID, ...productionRequiredEnv(), NODE_ENV: 'production' })).not.toThrow();
  });

  it('production refuses to run without a verifier or without our address for an enabled asset', () => {
    const names = (env: NodeJS.ProcessEnv) => problemsOf(env).map((p) => p.split(':')[0]);
    expect(names({ ...VALID, NODE_ENV: 'production' })).toEqual([
      'BLOCKCHAIN_VERIFIER_URL',
      'DEPOSIT_ADDRESS_BTC',
      'DEPOSIT_ADDRESS_ETH',
      'DEPOSIT_ADDRESS_USDT',
      'DEPOSIT_ADDRESS_SOL',
      'DEPOSIT_ADDRESS_BNB',
      'DEPOSIT_ADDRESS_TRX',
    ]);
    const onlyBtc = { ...VALID, ...productionRequiredEnv(), NODE_ENV: 'production', ASSETS_ENABLED: 'btc', DEPOSIT_ADDRESS_ETH: '' };
    expect(() => loadConfig(onlyBtc)).not.toThrow();
    expect(names({ ...onlyBtc, DEPOSIT_ADDRESS_BTC: '' })).toEqual(['DEPOSIT_ADDRESS_BTC']);
  });

  it('refuses addresses of the wrong chain, unknown assets and bad per-asset settings, naming each', () => {
    const problems = problemsOf({
      ...VALID,
      DEPOSIT_ADDRESS_ETH: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh',
      ASSETS_ENABLED: 'BTC,DOGE',
      DEPOSIT_MIN_BTC: '-1',
      DEPOSIT_TOLERANCE_PERCENT_SOL: '1e3',
      DEPOSIT_CONFIRMATIONS_TRX: '0',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['ASSETS_ENABLED', 'DEPOSIT_CONFIRMATIONS_TRX', 'DEPOSIT_MIN_BTC', 'DEPOSIT_TOLERANCE_PERCENT_SOL']);
    expect(problemsOf({ ...VALID, DEPOSIT_ADDRESS_ETH: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh' })).toEqual(['DEPOSIT_ADDRESS_ETH: must be an address on ethereum']);
    // Development runs with harmless defaults; a configured EVM address is stored lower-cased.
    expect(loadConfig({ ...VALID, DEPOSIT_ADDRESS_ETH: '0x52908400098527886E0F7030069857D2E4169EE7' }).DEPOSIT_ADDRESS_ETH).toBe('0x52908400098527886E0F7030069857D2E4169EE7');
  });

  it('.env.example lists exactly the variables of the schema', () => {
    const example = fs.readFileSync(path.join(__dirname, '..', '..', '.env.example'), 'utf8');
    const listed = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(Object.keys(ENV_SCHEMA.shape).sort());
  });

  it('stops the real process with one clear message and exit code 1', async () => {
    const proc = runNode('dist/main.js', { PORT: '-1', JWT_SECRET: 'TopSecretButShort' });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    expect(proc.output()).toContain('Invalid configuration:');
    expect(proc.output()).toMatch(/- PORT: /);
    expect(proc.output()).toMatch(/- DATABASE_URL: is required/);
    expect(proc.output()).toMatch(/- JWT_SECRET: must be at least 32 characters/);
    expect(proc.output()).not.toContain('TopSecret');
  });
});
