/**
 * Where rate-limit counters live: PostgreSQL without REDIS_URL (shared by every replica),
 * Redis with it (PostgreSQL while Redis is down), process memory only in development.
 */
import crypto from 'node:crypto';
import { startTestApp, type TestApp } from './harness/app';
import { ApiClient } from './harness/auth-client';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { eventually, runApi, statusOf, type RunningProcess } from './harness/process';
import { startTestRedis } from './harness/redis';
import { RateLimitService } from '../src/rate-limit/rate-limit.service';

const newEmail = () => `store-${crypto.randomBytes(4).toString('hex')}@example.com`;
const PER_ACCOUNT = 4;
const LIMITS = { RATE_LIMIT_PER_ACCOUNT: String(PER_ACCOUNT), RATE_LIMIT_PER_IP: '1000', RATE_LIMIT_WINDOW_SECONDS: '600' };

let db: TestDatabase;
const apps: TestApp[] = [];

async function app(env: Record<string, string>) {
  const started = await startTestApp({ DATABASE_URL: db.url, ...env });
  apps.push(started);
  return started;
}

const resetRequest = (api: ApiClient, email: string) => api.post('/auth/password-reset/request', { email });

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const a of apps) await a.close();
  await db.drop();
});

describe('without REDIS_URL, two API processes on one database', () => {
  const processes: (RunningProcess & { baseUrl: string })[] = [];

  afterAll(async () => {
    for (const p of processes) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });

  it('share one budget, kept in the RateLimit table', async () => {
    for (let i = 0; i < 2; i++) {
      processes.push(await runApi({ NODE_ENV: 'test', DATABASE_URL: db.url, ...LIMITS }));
    }
    for (const p of processes) {
      await eventually(async () => ((await statusOf(`${p.baseUrl}/readyz`)) === 200 ? true : undefined), 60_000, `${p.baseUrl}/readyz`).catch((error) => {
        throw new Error(`${(error as Error).message}\n${p.output()}`);
      });
    }
    const [a, b] = processes.map((p) => new ApiClient(p.baseUrl));
    const email = newEmail();
    // Alternating between the processes: each sees the other's requests.
    const statuses: number[] = [];
    for (let i = 0; i < PER_ACCOUNT + 2; i++) statuses.push((await resetRequest(i % 2 === 0 ? a! : b!, email)).status);
    expect(statuses).toEqual([202, 202, 202, 202, 429, 429]);

    const rows = (await db.pool.query(`SELECT points, expire FROM "RateLimit" WHERE key = $1`, [`kv:rl:password-reset:account:${email}`])).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0].points).toBe(PER_ACCOUNT + 2);
    // expire: epoch milliseconds, about one window ahead
    const left = Number(rows[0].expire) - Date.now();
    expect(left).toBeGreaterThan(500_000);
    expect(left).toBeLessThanOrEqual(600_000);
  });
});

describe('store selection', () => {
  it('NODE_ENV=test and production use PostgreSQL; development without Redis counts in memory', async () => {
    const test = await app(LIMITS);
    expect(test.app.get(RateLimitService).store).toBe('postgres');

    const dev = await app({ ...LIMITS, NODE_ENV: 'development', LOG_FORMAT: 'json' });
    expect(dev.app.get(RateLimitService).store).toBe('memory');
    const email = newEmail();
    const api = new ApiClient(dev.baseUrl);
    for (let i = 0; i < PER_ACCOUNT; i++) expect((await resetRequest(api, email)).status).toBe(202);
    expect((await resetRequest(api, email)).status).toBe(429);
    const rows = await db.pool.query(`SELECT 1 FROM "RateLimit" WHERE key LIKE $1`, [`%${email}`]);
    expect(rows.rowCount).toBe(0);
  });

  it('with REDIS_URL counts in Redis, and in PostgreSQL (still shared) while Redis is down', async () => {
    const redis = await startTestRedis();
    try {
      const env = { ...LIMITS, REDIS_URL: redis.url };
      const [a, b] = [await app(env), await app(env)];
      expect(a.app.get(RateLimitService).store).toBe('redis');
      const [apiA, apiB] = [new ApiClient(a.baseUrl), new ApiClient(b.baseUrl)];

      const inRedis = newEmail();
      expect((await resetRequest(apiA, inRedis)).status).toBe(202);
      expect((await db.pool.query(`SELECT 1 FROM "RateLimit" WHERE key LIKE $1`, [`%${inRedis}`])).rowCount).toBe(0);

      await redis.stop();
      const email = newEmail();
      const statuses: number[] = [];
      for (let i = 0; i < PER_ACCOUNT + 2; i++) statuses.push((await resetRequest(i % 2 === 0 ? apiA : apiB, email)).status);
      expect(statuses).toEqual([202, 202, 202, 202, 429, 429]);
      const row = await db.pool.query(`SELECT points FROM "RateLimit" WHERE key = $1`, [`kv:rl:password-reset:account:${email}`]);
      expect(row.rows).toEqual([{ points: PER_ACCOUNT + 2 }]);
    } finally {
      await redis.stop();
    }
  });

  it('keeps answering (and limiting, per process) when the RateLimit table cannot be used, and says so in the log', async () => {
    const empty = await createTestDatabase({ empty: true });
    const broken = await startTestApp({ DATABASE_URL: empty.url, ...LIMITS });
    try {
      const email = newEmail();
      const api = new ApiClient(broken.baseUrl);
      // No migrations: the request itself fails later (500), but never because of the limiter.
      const statuses: number[] = [];
      for (let i = 0; i < PER_ACCOUNT + 1; i++) statuses.push((await resetRequest(api, email)).status);
      expect(statuses.at(-1)).toBe(429);
      const warning = broken.logs.find((l) => l.msg === 'rate limit store error (counting in memory meanwhile)') as { err: { code: string } } | undefined;
      expect(warning?.err.code).toBe('42P01');
    } finally {
      await broken.close();
      await empty.drop();
    }
  });
});

describe('expired counters', () => {
  it('are deleted an hour after they expire; live ones stay', async () => {
    const limits = (await app(LIMITS)).app.get(RateLimitService);
    const now = Date.now();
    await db.pool.query(
      `INSERT INTO "RateLimit" (key, points, expire) VALUES ('kv:rl:test:old', 3, $1), ('kv:rl:test:recent', 3, $2), ('kv:rl:test:live', 3, $3)`,
      [now - 2 * 3_600_000, now - 60_000, now + 600_000],
    );
    await limits.clearExpired();
    const left = (await db.pool.query(`SELECT key FROM "RateLimit" WHERE key LIKE 'kv:rl:test:%' ORDER BY key`)).rows.map((r) => r.key);
    expect(left).toEqual(['kv:rl:test:live', 'kv:rl:test:recent']);
  });
});
