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
      'PASSWORD_RESET_URL',
      'SMTP_REQUIRE_TLS',
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

  describe('TRUST_PROXY: which peers may set X-Forwarded-For', () => {
    it.each([
      ['0', 0],
      ['false', 0],
      ['1', 1],
      [' 2 ', 2],
      ['10.0.0.0/8', ['10.0.0.0/8']],
      ['10.0.0.0/8,', ['10.0.0.0/8']],
      ['10.0.0.0/8, 192.168.1.7 ,fd00::/8,loopback', ['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback']],
    ])('%s → %j (fastify trustProxy)', (value, expected) => {
      expect(loadConfig({ ...VALID, TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
    });

    it('defaults to trusting no proxy', () => {
      expect(loadConfig(VALID).TRUST_PROXY).toBe(0);
    });

    it.each(['true', 'yes', '11', '10.0.0.0/33', '300.1.1.1', 'example.com', '1.2.3.4/8/8', ','])('refuses %s, naming the accepted formats', (value) => {
      expect(problemsOf({ ...VALID, TRUST_PROXY: value })).toEqual([
        expect.stringMatching(/^TRUST_PROXY: must be a hop count .* or a comma-separated list of proxy IPs\/CIDRs/),
      ]);
    });

    it('true is refused with a message that says why', () => {
      expect(problemsOf({ ...VALID, TRUST_PROXY: 'true' })[0]).toContain('true is refused: it trusts any X-Forwarded-For a client sends');
    });
  });

  describe('database connection settings', () => {
    it('have defaults and bounds', () => {
      expect(loadConfig(VALID)).toMatchObject({ DATABASE_POOL_SIZE: 10, DATABASE_CONNECT_TIMEOUT_MS: 5000, DATABASE_STATEMENT_TIMEOUT_MS: 30000 });
      expect(loadConfig({ ...VALID, DATABASE_STATEMENT_TIMEOUT_MS: '0' }).DATABASE_STATEMENT_TIMEOUT_MS).toBe(0);
      const names = problemsOf({ ...VALID, DATABASE_POOL_SIZE: '0', DATABASE_CONNECT_TIMEOUT_MS: '10', DATABASE_STATEMENT_TIMEOUT_MS: 'forever' }).map((p) => p.split(':')[0]);
      expect(names.sort()).toEqual(['DATABASE_CONNECT_TIMEOUT_MS', 'DATABASE_POOL_SIZE', 'DATABASE_STATEMENT_TIMEOUT_MS']);
    });
  });

  describe('production refuses unsafe settings, one clear error each', () => {
    const production = { ...VALID, ...productionRequiredEnv(), NODE_ENV: 'production' };

    it('accepts the safe baseline', () => {
      expect(() => loadConfig(production)).not.toThrow();
      expect(() => loadConfig({ ...production, SMTP_REQUIRE_TLS: 'false', SMTP_SECURE: 'true' })).not.toThrow();
      expect(() => loadConfig({ ...production, JWT_EXPIRES_IN: '1h' })).not.toThrow();
      expect(() => loadConfig({ ...production, JWT_EXPIRES_IN: '3600s' })).not.toThrow();
    });

    it.each([
      ['an http reset page', { PASSWORD_RESET_URL: 'http://app.kryptovault.test/reset' }, 'PASSWORD_RESET_URL'],
      ['a localhost reset page', { PASSWORD_RESET_URL: 'https://localhost:5173/reset-password' }, 'PASSWORD_RESET_URL'],
      ['a loopback reset page', { PASSWORD_RESET_URL: 'https://127.0.0.1/reset' }, 'PASSWORD_RESET_URL'],
      ['an IPv6 loopback reset page', { PASSWORD_RESET_URL: 'https://[::1]:8443/reset' }, 'PASSWORD_RESET_URL'],
      ['a *.localhost reset page', { PASSWORD_RESET_URL: 'https://app.localhost/reset' }, 'PASSWORD_RESET_URL'],
      ['SMTP without TLS', { SMTP_REQUIRE_TLS: 'false', SMTP_SECURE: 'false' }, 'SMTP_REQUIRE_TLS'],
      ['access tokens of 61 minutes', { JWT_EXPIRES_IN: '61m' }, 'JWT_EXPIRES_IN'],
      ['access tokens of a day', { JWT_EXPIRES_IN: '1d' }, 'JWT_EXPIRES_IN'],
      ['CHANGE_ME in DATABASE_URL', { DATABASE_URL: 'postgresql://kryptovault:CHANGE_ME@db:5432/kryptovault' }, 'DATABASE_URL'],
      ['changeme in DATABASE_URL', { DATABASE_URL: 'postgresql://kv:changeme@db:5432/kv' }, 'DATABASE_URL'],
      ['<...> in DATABASE_URL', { DATABASE_URL: 'postgresql://kv:<password>@db:5432/kv' }, 'DATABASE_URL'],
      ['an encoded <...> in DATABASE_URL', { DATABASE_URL: 'postgresql://kv:%3Cpassword%3E@db:5432/kv' }, 'DATABASE_URL'],
      ['example in DATABASE_URL', { DATABASE_URL: 'postgresql://kv:Zq8vN3xK5mW1pR7t@db.example.com:5432/kv' }, 'DATABASE_URL'],
    ])('%s', (_name, override, variable) => {
      const problems = problemsOf({ ...production, ...override });
      expect(problems).toHaveLength(1);
      expect(problems[0]!.split(':')[0]).toBe(variable);
      // the value is never echoed
      for (const value of Object.values(override)) if (value.length > 5) expect(problems[0]).not.toContain(value);
    });

    it('development accepts the same settings', () => {
      expect(() => loadConfig({ ...VALID, PASSWORD_RESET_URL: 'http://localhost:5173/reset-password', JWT_EXPIRES_IN: '1d', DATABASE_URL: 'postgresql://kv:CHANGE_ME@localhost/kv' })).not.toThrow();
    });
  });

  it('a real process refuses TRUST_PROXY=true at start, naming the variable and the new format', async () => {
    const proc = runNode('dist/main.js', { ...VALID, TRUST_PROXY: 'true' });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    expect(proc.output()).toMatch(/- TRUST_PROXY: must be a hop count/);
    expect(proc.output()).not.toContain('s3cr3t-db-pass');
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
