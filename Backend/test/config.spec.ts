import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, ENV_SCHEMA, loadConfig } from '../src/config/config.schema';
import { runNode } from './harness/process';

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
    expect(loadConfig({ ...VALID, NODE_ENV: 'production' }).LOG_FORMAT).toBe('json');
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
    expect(problemsOf({ ...VALID, NODE_ENV: 'production', JWT_SECRET: 'change-me-change-me-change-me-change-me' })).toEqual([
      expect.stringMatching(/^JWT_SECRET: looks like a default or weak value/),
    ]);
    expect(problemsOf({ ...VALID, NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(40) })[0]).toMatch(/^JWT_SECRET/);
    expect(problemsOf({ ...VALID, NODE_ENV: 'production', BLOCKCHAIN_VERIFIER_URL: 'https://verifier.example' })[0]).toMatch(/^BLOCKCHAIN_VERIFIER_SECRET/);
    expect(problemsOf({ ...VALID, NODE_ENV: 'production', CORS_ORIGIN: '*' })[0]).toMatch(/^CORS_ORIGIN/);
    expect(() => loadConfig({ ...VALID, NODE_ENV: 'production' })).not.toThrow();
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
