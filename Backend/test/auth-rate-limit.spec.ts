import crypto from 'node:crypto';
import Redis from 'ioredis';
import { ApiClient, expectNoSecrets, refreshCookieOf, registerAndVerify } from './harness/auth-client';
import { startTestApp, type TestApp } from './harness/app';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { startTestRedis, type TestRedis } from './harness/redis';
import { startTestSmtp, type TestSmtp } from './harness/smtp';

const PASSWORD = 'Limit-Pass-321-abc';

let db: TestDatabase;
let smtp: TestSmtp;
let redis: TestRedis;
const apps: TestApp[] = [];
const secrets: string[] = [PASSWORD];

let counter = 0;
const newEmail = () => `limit${++counter}-${crypto.randomBytes(3).toString('hex')}@example.com`;

async function start(env: Record<string, string>) {
  const app = await startTestApp({ DATABASE_URL: db.url, ...smtp.env, LOGIN_MAX_FAILURES: '100', ...env });
  apps.push(app);
  return new ApiClient(app.baseUrl);
}

function expectLimited(res: { status: number; body: any; headers: Headers }, error = 'RATE_LIMITED') {
  expect(res.status).toBe(429);
  expect(res.body.error).toBe(error);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  return retryAfter;
}

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startTestSmtp();
  redis = await startTestRedis();
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await redis?.stop();
  await smtp?.close();
  await db?.drop();
});

describe('rate limits in PostgreSQL (no REDIS_URL)', () => {
  let api: ApiClient;
  beforeAll(async () => {
    api = await start({ RATE_LIMIT_PER_ACCOUNT: '3', RATE_LIMIT_PER_IP: '1000', RATE_LIMIT_WINDOW_SECONDS: '600' });
  });

  // (login counts failures only, per account and IP: test/auth-login-throttle.spec.ts)
  it.each([
    ['/auth/register', (email: string) => ({ email, password: PASSWORD, name: 'Limited' }), 202],
    ['/auth/verify-email', (email: string) => ({ email, code: '123456' }), 400],
    ['/auth/resend-verification', (email: string) => ({ email }), 202],
    ['/auth/password-reset/request', (email: string) => ({ email }), 202],
  ] as const)('%s allows RATE_LIMIT_PER_ACCOUNT requests per address, then 429 with Retry-After', async (path, body, below) => {
    const email = newEmail();
    // Below the limit each request gets its normal answer...
    for (let i = 0; i < 3; i++) {
      const res = await api.post(path, body(email));
      expect(res.status).toBe(below);
      expect(res.headers.get('retry-after')).toBeNull();
    }
    // ...the one above it (same address in another case) is refused for the rest of the window.
    const retryAfter = expectLimited(await api.post(path, body(email.toUpperCase())));
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // another address is not affected
    expect((await api.post(path, body(newEmail()))).status).toBe(below);
  });

  it('counts per client IP too (X-Forwarded-For from a trusted proxy)', async () => {
    // One trusted hop: X-Forwarded-For's last entry is the client (a forged one: test/trust-proxy.spec.ts).
    const proxied = await start({ TRUST_PROXY: '1', RATE_LIMIT_PER_IP: '4', RATE_LIMIT_PER_ACCOUNT: '1000' });
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 4; i++) expect((await proxied.post('/auth/login', { email: newEmail(), password: 'x' }, from('198.51.100.1'))).status).toBe(401);
    expectLimited(await proxied.post('/auth/login', { email: newEmail(), password: 'x' }, from('198.51.100.1')));
    expect((await proxied.post('/auth/login', { email: newEmail(), password: 'x' }, from('198.51.100.2'))).status).toBe(401);
  });
});

// Login lockout and throttling: test/auth-login-throttle.spec.ts.

describe('rate limits shared through Redis (REDIS_URL) across replicas', () => {
  it('two API replicas count against the same limit', async () => {
    const env = { REDIS_URL: redis.url, RATE_LIMIT_PER_ACCOUNT: '4', RATE_LIMIT_PER_IP: '1000' };
    const replicaA = await start(env);
    const replicaB = await start(env);
    const email = newEmail();
    const body = { email };
    expect((await replicaA.post('/auth/password-reset/request', body)).status).toBe(202);
    expect((await replicaB.post('/auth/password-reset/request', body)).status).toBe(202);
    expect((await replicaA.post('/auth/password-reset/request', body)).status).toBe(202);
    expect((await replicaB.post('/auth/password-reset/request', body)).status).toBe(202);
    expectLimited(await replicaA.post('/auth/password-reset/request', body));
    expectLimited(await replicaB.post('/auth/password-reset/request', body));

    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('kv:rl:password-reset:account*');
      expect(keys.some((k) => k.endsWith(email))).toBe(true);
    } finally {
      client.disconnect();
    }
  });

  it('without Redis, replicas still share counters, through PostgreSQL (separate processes: test/rate-limit-store.spec.ts)', async () => {
    const env = { RATE_LIMIT_PER_ACCOUNT: '2', RATE_LIMIT_PER_IP: '1000' };
    const replicaA = await start(env);
    const replicaB = await start(env);
    const body = { email: newEmail() };
    expect((await replicaA.post('/auth/password-reset/request', body)).status).toBe(202);
    expect((await replicaB.post('/auth/password-reset/request', body)).status).toBe(202);
    expectLimited(await replicaA.post('/auth/password-reset/request', body));
    expectLimited(await replicaB.post('/auth/password-reset/request', body));
  });

  it('shares the unknown-address lockout and keeps answering (counting in PostgreSQL) when Redis goes away', async () => {
    const env = { REDIS_URL: redis.url, LOGIN_MAX_FAILURES: '2', RATE_LIMIT_PER_ACCOUNT: '1000', RATE_LIMIT_PER_IP: '100000' };
    const replicaA = await start(env);
    const replicaB = await start(env);
    const body = { email: newEmail(), password: 'Wrong-Password-1' };
    expect((await replicaA.post('/auth/login', body)).status).toBe(401);
    expect((await replicaB.post('/auth/login', body)).status).toBe(401);
    expectLimited(await replicaA.post('/auth/login', body), 'LOGIN_LOCKED');

    await redis.stop();
    const res = await replicaB.post('/auth/login', { email: newEmail(), password: 'Wrong-Password-1' });
    expect(res.status).toBe(401);
  });
});

describe('secrets', () => {
  it('never appear in a log line', async () => {
    const hashes = (await db.pool.query('SELECT "passwordHash" AS h FROM "User" UNION ALL SELECT "tokenHash" FROM "RefreshToken"')).rows.map((r) => r.h);
    expectNoSecrets(apps.flatMap((a) => a.rawLogs), [...secrets, ...hashes, redis.url], 'logs');
  });
});
