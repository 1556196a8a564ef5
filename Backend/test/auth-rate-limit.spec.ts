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

describe('rate limits in memory (no REDIS_URL)', () => {
  let api: ApiClient;
  beforeAll(async () => {
    api = await start({ RATE_LIMIT_PER_ACCOUNT: '3', RATE_LIMIT_PER_IP: '1000', RATE_LIMIT_WINDOW_SECONDS: '600' });
  });

  it.each([
    ['/auth/login', (email: string) => ({ email, password: 'Wrong-Password-1' })],
    ['/auth/verify-email', (email: string) => ({ email, code: '123456' })],
    ['/auth/resend-verification', (email: string) => ({ email })],
    ['/auth/password-reset/request', (email: string) => ({ email })],
  ])('%s allows RATE_LIMIT_PER_ACCOUNT requests per address, then 429 with Retry-After', async (path, body) => {
    const email = newEmail();
    for (let i = 0; i < 3; i++) expect((await api.post(path, body(email))).status).not.toBe(429);
    const limited = await api.post(path, body(email.toUpperCase()));
    expect(expectLimited(limited)).toBeLessThanOrEqual(600);
    // another address is not affected
    expect((await api.post(path, body(newEmail()))).status).not.toBe(429);
  });

  it('counts per client IP too (X-Forwarded-For from a trusted proxy)', async () => {
    const proxied = await start({ TRUST_PROXY: 'true', RATE_LIMIT_PER_IP: '4', RATE_LIMIT_PER_ACCOUNT: '1000' });
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 4; i++) expect((await proxied.post('/auth/login', { email: newEmail(), password: 'x' }, from('198.51.100.1'))).status).toBe(401);
    expectLimited(await proxied.post('/auth/login', { email: newEmail(), password: 'x' }, from('198.51.100.1')));
    expect((await proxied.post('/auth/login', { email: newEmail(), password: 'x' }, from('198.51.100.2'))).status).toBe(401);
  });
});

describe('login lockout', () => {
  let api: ApiClient;
  beforeAll(async () => {
    api = await start({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_SECONDS: '600', RATE_LIMIT_PER_ACCOUNT: '1000', RATE_LIMIT_PER_IP: '100000' });
  });

  it('locks an account after LOGIN_MAX_FAILURES failures, even for the right password, for LOGIN_LOCKOUT_SECONDS', async () => {
    const user = { email: newEmail(), password: PASSWORD, name: 'Locked' };
    const s = await registerAndVerify(api, smtp, user);
    secrets.push(s.code, s.accessToken, s.cookie.value);
    for (let i = 0; i < 3; i++) expect((await api.post('/auth/login', { email: user.email, password: 'Wrong-Password-1' })).status).toBe(401);
    const locked = await api.post('/auth/login', { email: user.email, password: PASSWORD });
    const retryAfter = expectLimited(locked, 'LOGIN_LOCKED');
    expect(retryAfter).toBeGreaterThan(500);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(refreshCookieOf(locked)).toBeUndefined();

    const row = (await db.pool.query('SELECT "lockedUntil" FROM "User" WHERE id = $1', [s.userId])).rows[0];
    expect(row.lockedUntil).not.toBeNull();
    const events = (await db.pool.query('SELECT type, metadata FROM "AuthEvent" WHERE "userId" = $1 ORDER BY "createdAt"', [s.userId])).rows;
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['ACCOUNT_LOCKED']));
    expect(events.at(-1)).toMatchObject({ type: 'LOGIN_FAILED', metadata: { reason: 'locked' } });

    // when the lock has run out, the right password works again
    await db.pool.query(`UPDATE "User" SET "lockedUntil" = now() - interval '1 second' WHERE id = $1`, [s.userId]);
    const ok = await api.post('/auth/login', { email: user.email, password: PASSWORD });
    expect(ok.status).toBe(200);
    secrets.push(ok.body.accessToken, refreshCookieOf(ok)!.value);
  });

  it('locks unknown addresses the same way (no enumeration through the lockout)', async () => {
    const known = { email: newEmail(), password: PASSWORD, name: 'Known' };
    const s = await registerAndVerify(api, smtp, known);
    secrets.push(s.code, s.accessToken, s.cookie.value);
    const unknown = newEmail();
    const answers: { status: number; error: string }[][] = [[], []];
    for (const [i, email] of [known.email, unknown].entries()) {
      for (let n = 0; n < 4; n++) {
        const res = await api.post('/auth/login', { email, password: 'Wrong-Password-1' });
        answers[i]!.push({ status: res.status, error: res.body.error });
      }
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]!.at(-1)).toEqual({ status: 429, error: 'LOGIN_LOCKED' });
  });
});

describe('rate limits shared through Redis (REDIS_URL) across replicas', () => {
  it('two API replicas count against the same limit', async () => {
    const env = { REDIS_URL: redis.url, RATE_LIMIT_PER_ACCOUNT: '4', RATE_LIMIT_PER_IP: '1000' };
    const replicaA = await start(env);
    const replicaB = await start(env);
    const email = newEmail();
    const body = { email, password: 'Wrong-Password-1' };
    expect((await replicaA.post('/auth/login', body)).status).toBe(401);
    expect((await replicaB.post('/auth/login', body)).status).toBe(401);
    expect((await replicaA.post('/auth/login', body)).status).toBe(401);
    expect((await replicaB.post('/auth/login', body)).status).toBe(401);
    expectLimited(await replicaA.post('/auth/login', body));
    expectLimited(await replicaB.post('/auth/login', body));

    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('kv:rl:login:account*');
      expect(keys.some((k) => k.endsWith(email))).toBe(true);
    } finally {
      client.disconnect();
    }
  });

  it('without Redis, replicas do not share counters (what the shared store fixes)', async () => {
    const env = { RATE_LIMIT_PER_ACCOUNT: '2', RATE_LIMIT_PER_IP: '1000' };
    const replicaA = await start(env);
    const replicaB = await start(env);
    const body = { email: newEmail(), password: 'Wrong-Password-1' };
    for (let i = 0; i < 2; i++) expect((await replicaA.post('/auth/login', body)).status).toBe(401);
    expectLimited(await replicaA.post('/auth/login', body));
    expect((await replicaB.post('/auth/login', body)).status).toBe(401);
  });

  it('shares the unknown-address lockout and keeps answering (from memory) when Redis goes away', async () => {
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
