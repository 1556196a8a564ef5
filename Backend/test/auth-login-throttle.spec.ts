import crypto from 'node:crypto';
import { ApiClient, expectNoSecrets, refreshCookieOf, registerAndVerify, type ApiResponse } from './harness/auth-client';
import { startTestApp, type TestApp } from './harness/app';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { resetLinkFrom, startTestSmtp, type TestSmtp } from './harness/smtp';

/**
 * Login throttling (docs/auth.md): failures count per (account, client IP) with growing
 * delays, and per account only up to LOGIN_MAX_FAILURES per IP, so strangers cannot lock the
 * owner out. Clients are told apart by the address a trusted proxy (TRUST_PROXY=1) reports.
 */
const PASSWORD = 'Owner-Pass-4711-ok';
const WRONG = 'Wrong-Password-1';

let db: TestDatabase;
let smtp: TestSmtp;
const apps: TestApp[] = [];
const secrets: string[] = [PASSWORD];

let counter = 0;
const newEmail = () => `throttle${++counter}-${crypto.randomBytes(3).toString('hex')}@example.com`;

async function start(env: Record<string, string>) {
  const app = await startTestApp({ DATABASE_URL: db.url, ...smtp.env, TRUST_PROXY: '1', RATE_LIMIT_PER_IP: '100000', RATE_LIMIT_PER_ACCOUNT: '3', ...env });
  apps.push(app);
  return new ApiClient(app.baseUrl);
}

async function newUser(api: ApiClient) {
  const user = { email: newEmail(), password: PASSWORD, name: 'Owner' };
  const s = await registerAndVerify(api, smtp, user);
  secrets.push(s.code, s.accessToken, s.cookie.value);
  return { ...user, ...s };
}

function loginFrom(api: ApiClient, ip: string, email: string, password: string) {
  return api.post('/auth/login', { email, password }, { headers: { 'x-forwarded-for': ip } }).then((res) => {
    if (res.status === 200) secrets.push(res.body.accessToken, refreshCookieOf(res)!.value);
    return res;
  });
}

function expectLocked(res: ApiResponse): number {
  expect(res.status).toBe(429);
  expect(res.body.error).toBe('LOGIN_LOCKED');
  expect(refreshCookieOf(res)).toBeUndefined();
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter > 0).toBe(true);
  return retryAfter;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startTestSmtp();
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await smtp?.close();
  await db?.drop();
});

describe('failures count per (account, client IP)', () => {
  let api: ApiClient;
  beforeAll(async () => {
    api = await start({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_SECONDS: '600', LOGIN_ACCOUNT_MAX_FAILURES: '4' });
  });

  it('a stranger’s failures from one IP slow that IP down progressively; the owner still logs in from another IP', async () => {
    const owner = await newUser(api);
    const stranger = '203.0.113.9';
    for (let i = 0; i < 3; i++) expect((await loginFrom(api, stranger, owner.email, WRONG)).status).toBe(401);
    // After LOGIN_MAX_FAILURES failures the stranger's IP waits 1 s, even with the right password.
    expect(expectLocked(await loginFrom(api, stranger, owner.email, PASSWORD))).toBe(1);
    // The owner, from another IP, is not affected.
    expect((await loginFrom(api, '198.51.100.20', owner.email, PASSWORD)).status).toBe(200);

    // The delay doubles with each further failure (1 s, 2 s, 4 s, ... up to LOGIN_LOCKOUT_SECONDS).
    await sleep(1100);
    expect((await loginFrom(api, stranger, owner.email, WRONG)).status).toBe(401);
    expect(expectLocked(await loginFrom(api, stranger, owner.email, WRONG))).toBe(2);
    await sleep(2100);
    expect((await loginFrom(api, stranger, owner.email, WRONG)).status).toBe(401);
    expect(expectLocked(await loginFrom(api, stranger, owner.email, WRONG))).toBe(4);

    // 5 failures from one IP, LOGIN_ACCOUNT_MAX_FAILURES=4: one IP spends at most LOGIN_MAX_FAILURES of
    // the account's budget, so a new IP of the owner still gets in.
    expect((await loginFrom(api, '198.51.100.21', owner.email, PASSWORD)).status).toBe(200);
    const row = (await db.pool.query('SELECT "lockedUntil", "failedLoginCount" FROM "User" WHERE id = $1', [owner.userId])).rows[0];
    expect(row).toEqual({ lockedUntil: null, failedLoginCount: 0 });
    const reasons = (await db.pool.query(`SELECT ip, metadata FROM "AuthEvent" WHERE "userId" = $1 AND type = 'LOGIN_FAILED' ORDER BY "createdAt"`, [owner.userId])).rows;
    expect(reasons.map((r) => r.metadata.reason)).toEqual(['wrong_password', 'wrong_password', 'wrong_password', 'locked', 'wrong_password', 'locked', 'wrong_password', 'locked']);
    expect(reasons.every((r) => r.ip === stranger)).toBe(true);
  });

  it('successful logins spend no budget: the owner logs in more often than RATE_LIMIT_PER_ACCOUNT', async () => {
    const owner = await newUser(api);
    for (let i = 0; i < 6; i++) expect((await loginFrom(api, '198.51.100.30', owner.email, PASSWORD)).status).toBe(200);
    // and the owner's own success forgives that IP's earlier failures
    for (let i = 0; i < 2; i++) expect((await loginFrom(api, '198.51.100.30', owner.email, WRONG)).status).toBe(401);
    expect((await loginFrom(api, '198.51.100.30', owner.email, PASSWORD)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await loginFrom(api, '198.51.100.30', owner.email, WRONG)).status).toBe(401);
    expect((await loginFrom(api, '198.51.100.30', owner.email, PASSWORD)).status).toBe(200);
  });

  it('known and unknown addresses are throttled alike: same statuses, bodies and Retry-After', async () => {
    const owner = await newUser(api);
    const unknown = newEmail();
    const runs: { status: number; body: unknown; retryAfter: string | null }[][] = [];
    for (const email of [owner.email, unknown]) {
      const run = [];
      for (let i = 0; i < 5; i++) {
        const res = await loginFrom(api, '192.0.2.44', email, WRONG);
        run.push({ status: res.status, body: { ...res.body, requestId: undefined }, retryAfter: res.headers.get('retry-after') });
      }
      runs.push(run);
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]!.map((r) => r.status)).toEqual([401, 401, 401, 429, 429]);
  });
});

describe('the account-wide budget (LOGIN_ACCOUNT_MAX_FAILURES)', () => {
  it('once strangers from many IPs spend it, only IPs that logged in before get through; a password reset starts it over', async () => {
    const resetPage = 'https://app.kryptovault.test/reset-password';
    const api = await start({ LOGIN_MAX_FAILURES: '2', LOGIN_LOCKOUT_SECONDS: '600', LOGIN_ACCOUNT_MAX_FAILURES: '4', PASSWORD_RESET_URL: resetPage });
    const owner = await newUser(api);
    const home = '198.51.100.40';
    expect((await loginFrom(api, home, owner.email, PASSWORD)).status).toBe(200);

    for (const ip of ['203.0.113.1', '203.0.113.2']) {
      for (let i = 0; i < 2; i++) expect((await loginFrom(api, ip, owner.email, WRONG)).status).toBe(401);
    }
    // Budget spent: a new IP is refused for the rest of the window (a day), even with the right password...
    const retryAfter = expectLocked(await loginFrom(api, '203.0.113.3', owner.email, PASSWORD));
    expect(retryAfter).toBeGreaterThan(86_000);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    // ...but the owner's usual IP still gets in.
    expect((await loginFrom(api, home, owner.email, PASSWORD)).status).toBe(200);

    const events = (await db.pool.query(`SELECT type, metadata FROM "AuthEvent" WHERE "userId" = $1 AND type = 'ACCOUNT_LOCKED'`, [owner.userId])).rows;
    expect(events).toHaveLength(1);
    expect(events[0].metadata.scope).toBe('new_ips');

    // Proving the inbox (password reset) gives the account a fresh budget.
    expect((await api.post('/auth/password-reset/request', { email: owner.email })).status).toBe(202);
    const { token } = resetLinkFrom(await smtp.nextMailTo(owner.email));
    secrets.push(token);
    const newPassword = 'Fresh-Start-Password-9';
    secrets.push(newPassword);
    expect((await api.post('/auth/password-reset/complete', { email: owner.email, token, password: newPassword })).status).toBe(200);
    expect((await loginFrom(api, '203.0.113.3', owner.email, newPassword)).status).toBe(200);
  });
});

describe('secrets', () => {
  it('never appear in a log line', async () => {
    const hashes = (await db.pool.query('SELECT "passwordHash" AS h FROM "User" UNION ALL SELECT "tokenHash" FROM "RefreshToken"')).rows.map((r) => r.h);
    expectNoSecrets(apps.flatMap((a) => a.rawLogs), [...secrets, ...hashes, WRONG], 'logs');
  });
});
