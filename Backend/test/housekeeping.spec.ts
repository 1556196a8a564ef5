import { TEST_JWT_SECRET } from './harness/app';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { runNode } from './harness/process';

/** The housekeeping worker deletes what is expired or past retention, and nothing else. */
describe('housekeeping worker', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('deletes expired refresh tokens and one-time codes and auth events older than the retention, then records its pass', async () => {
    const user = (
      await db.pool.query(`INSERT INTO "User" (id, email, "passwordHash", name, "updatedAt") VALUES (gen_random_uuid(), 'hk@example.com', 'x', 'H', now()) RETURNING id`)
    ).rows[0].id;
    const token = (hash: string, expires: string) =>
      db.pool.query(`INSERT INTO "RefreshToken" (id, "userId", "familyId", "tokenHash", "expiresAt") VALUES (gen_random_uuid(), $1, gen_random_uuid(), $2, now() + $3::interval)`, [
        user,
        hash,
        expires,
      ]);
    const code = (hash: string, expires: string) =>
      db.pool.query(`INSERT INTO "OneTimeCode" (id, "userId", purpose, "codeHash", "expiresAt") VALUES (gen_random_uuid(), $1, 'EMAIL_VERIFICATION', $2, now() + $3::interval)`, [
        user,
        hash,
        expires,
      ]);
    const event = (age: string) => db.pool.query(`INSERT INTO "AuthEvent" (id, "userId", type, "createdAt") VALUES (gen_random_uuid(), $1, 'LOGIN_SUCCEEDED', now() - $2::interval)`, [user, age]);
    await token('expired', '-1 minute');
    await token('live', '1 day');
    await code('expired', '-1 second');
    await code('live', '10 minutes');
    await event('400 days');
    await event('20 days');
    const ticket = (hash: string, expires: string) =>
      db.pool.query(`INSERT INTO "NotificationStreamTicket" ("tokenHash", "userId", "tokenVersion", "expiresAt", "sessionEndsAt") VALUES ($2, $1, 0, now() + $3::interval, now() + interval '15 minutes')`, [
        user,
        hash,
        expires,
      ]);
    await ticket('expired', '-1 second');
    await ticket('live', '1 minute');

    const proc = runNode('dist/workers/housekeeping.js', { DATABASE_URL: db.url, JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: 'test', LOG_FORMAT: 'json', AUTH_EVENT_RETENTION_DAYS: '30' });
    const exit = await proc.exited;
    expect({ exit, output: proc.output() }).toMatchObject({ exit: { code: 0 } });
    const line = JSON.parse(proc.output().split('\n').find((l) => l.includes('housekeeping pass finished'))!);
    expect(line).toMatchObject({ worker: 'housekeeping', refreshTokens: 1, oneTimeCodes: 1, authEvents: 1, streamTickets: 1 });

    expect((await db.pool.query(`SELECT "tokenHash" FROM "RefreshToken"`)).rows).toEqual([{ tokenHash: 'live' }]);
    expect((await db.pool.query(`SELECT "codeHash" FROM "OneTimeCode"`)).rows).toEqual([{ codeHash: 'live' }]);
    expect((await db.pool.query(`SELECT "tokenHash" FROM "NotificationStreamTicket"`)).rows).toEqual([{ tokenHash: 'live' }]);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM "AuthEvent" WHERE "createdAt" > now() - interval '30 days'`)).rows[0].n).toBe(1);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM "AuthEvent"`)).rows[0].n).toBe(1);
    const status = await db.pool.query(`SELECT runs::int, failures::int, "lastSuccessAt" IS NOT NULL AS ok FROM "JobStatus" WHERE job = 'housekeeping'`);
    expect(status.rows).toEqual([{ runs: 1, failures: 0, ok: true }]);

    // a second pass finds nothing more to delete
    const again = runNode('dist/workers/housekeeping.js', { DATABASE_URL: db.url, JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: 'test', LOG_FORMAT: 'json', AUTH_EVENT_RETENTION_DAYS: '30' });
    expect((await again.exited).code).toBe(0);
    expect(JSON.parse(again.output().split('\n').find((l) => l.includes('housekeeping pass finished'))!)).toMatchObject({ refreshTokens: 0, oneTimeCodes: 0, authEvents: 0 });
  });
});
