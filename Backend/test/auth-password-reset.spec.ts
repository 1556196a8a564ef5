import crypto from 'node:crypto';
import { ApiClient, authRequestsProcessed, cookieHeader, expectNoSecrets, refreshCookieOf, registerAndVerify, startAuthTestEnv, type AuthTestEnv } from './harness/auth-client';
import { startTestApp, type TestApp } from './harness/app';
import type { TestDatabase } from './harness/postgres';
import { codeFrom, resetLinkFrom, type TestSmtp } from './harness/smtp';

const PASSWORD = 'Old-Password-123!';
const NEW_PASSWORD = 'Brand-New-Password-456?';
const RESET_PAGE = 'https://app.kryptovault.test/reset-password';

let db: TestDatabase;
let smtp: TestSmtp;
let app: TestApp;
let api: ApiClient;
const secrets: string[] = [PASSWORD, NEW_PASSWORD];

let counter = 0;
const newEmail = () => `reset${++counter}-${crypto.randomBytes(3).toString('hex')}@example.com`;
const sha256 = (v: string) => crypto.createHash('sha256').update(v).digest('hex');

async function newUser() {
  const user = { email: newEmail(), password: PASSWORD, name: 'Reset User' };
  const s = await registerAndVerify(api, smtp, user);
  secrets.push(s.code, s.accessToken, s.cookie.value);
  return { ...user, ...s };
}

async function requestReset(email: string) {
  const res = await api.post('/auth/password-reset/request', { email });
  expect(res.status).toBe(202);
  const { token, link, email: linkEmail } = resetLinkFrom(await smtp.nextMailTo(email));
  secrets.push(token);
  return { token, link, linkEmail, res };
}

async function resetRows(email: string) {
  return (
    await db.pool.query(
      `SELECT c.* FROM "OneTimeCode" c JOIN "User" u ON u.id = c."userId" WHERE u.email = $1 AND c.purpose = 'PASSWORD_RESET' ORDER BY c."createdAt"`,
      [email],
    )
  ).rows;
}

let env: AuthTestEnv;
beforeAll(async () => {
  env = await startAuthTestEnv({ PASSWORD_RESET_URL: RESET_PAGE });
  ({ db, smtp, app, api } = env);
});

afterAll(() => env?.close());

describe('password reset request', () => {
  it('answers the same for known and unknown addresses; only the owner gets a one-time link, stored hashed', async () => {
    const user = await newUser();
    const unknown = newEmail();
    const a = await api.post('/auth/password-reset/request', { email: unknown });
    const { token, link, linkEmail, res: b } = await requestReset(user.email);
    expect(a.status).toBe(b.status);
    expect(a.body).toEqual(b.body);
    expect(Object.keys(b.body)).toEqual(['message']);

    expect(`${link.origin}${link.pathname}`).toBe(RESET_PAGE);
    expect(linkEmail).toBe(user.email);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await resetRows(user.email);
    expect(rows).toHaveLength(1);
    expect(rows[0].codeHash).toBe(sha256(token));
    expect(Math.round((new Date(rows[0].expiresAt).getTime() - new Date(rows[0].createdAt).getTime()) / 1000)).toBe(3600);

    await authRequestsProcessed(db.pool);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM "EmailOutbox" WHERE recipient = $1', [unknown])).rows[0].n).toBe(0);
    expect(smtp.unreadFor(unknown)).toHaveLength(0);
    const events = await db.pool.query(`SELECT "userId", ip FROM "AuthEvent" WHERE type = 'PASSWORD_RESET_REQUESTED'`);
    expect(events.rows.map((e) => e.userId === null).sort()).toEqual([false, true]);
    expect(events.rows.every((e) => e.ip === '127.0.0.1')).toBe(true);
  });
});

describe('password reset completion', () => {
  it('sets the new password, revokes every refresh token of the user, records the event and emails a notice', async () => {
    const user = await newUser();
    const device1 = await api.post('/auth/login', { email: user.email, password: PASSWORD });
    const device2 = await api.post('/auth/login', { email: user.email, password: PASSWORD });
    secrets.push(device1.body.accessToken, device2.body.accessToken, refreshCookieOf(device1)!.value, refreshCookieOf(device2)!.value);
    const { token } = await requestReset(user.email);
    const accessTokens = [user.accessToken, device1.body.accessToken, device2.body.accessToken];
    for (const t of accessTokens) expect((await api.get('/auth/me', { token: t })).status).toBe(200);

    const res = await api.post('/auth/password-reset/complete', { email: user.email, token, password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['message']);

    // Access tokens issued before the reset are refused at once (not when they expire).
    for (const t of accessTokens) {
      const me = await api.get('/auth/me', { token: t });
      expect(me.status).toBe(401);
      expect(me.body.error).toBe('ACCESS_TOKEN_REVOKED');
    }
    expect((await api.get('/profile', { token: device1.body.accessToken })).status).toBe(401);

    const live = await db.pool.query('SELECT count(*)::int AS n FROM "RefreshToken" WHERE "userId" = $1 AND "revokedAt" IS NULL', [user.userId]);
    expect(live.rows[0].n).toBe(0);
    for (const device of [device1, device2]) {
      expect((await api.post('/auth/refresh', undefined, { cookie: cookieHeader(refreshCookieOf(device)) })).status).toBe(401);
    }
    expect((await api.post('/auth/login', { email: user.email, password: PASSWORD })).status).toBe(401);
    const login = await api.post('/auth/login', { email: user.email, password: NEW_PASSWORD });
    expect(login.status).toBe(200);
    secrets.push(login.body.accessToken, refreshCookieOf(login)!.value);
    expect((await api.get('/auth/me', { token: login.body.accessToken })).status).toBe(200);

    const event = await db.pool.query(`SELECT * FROM "AuthEvent" WHERE "userId" = $1 AND type = 'PASSWORD_RESET_COMPLETED'`, [user.userId]);
    expect(event.rows).toHaveLength(1);
    expect(event.rows[0]).toMatchObject({ ip: '127.0.0.1', metadata: { revokedSessions: 3 } });
    const notice = await smtp.nextMailTo(user.email);
    expect(notice.subject).toMatch(/password was changed/i);

    // single use
    const again = await api.post('/auth/password-reset/complete', { email: user.email, token, password: 'Third-Password-789' });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('INVALID_RESET_TOKEN');
  });

  it('fails with a wrong token, a token of another address, an expired token or a replaced token', async () => {
    const user = await newUser();
    const other = await newUser();
    const { token: first } = await requestReset(user.email);
    const { token: otherToken } = await requestReset(other.email);
    const complete = (email: string, token: string) => api.post('/auth/password-reset/complete', { email, token, password: NEW_PASSWORD });

    expect((await complete(user.email, crypto.randomBytes(32).toString('base64url'))).status).toBe(400);
    expect((await complete(user.email, otherToken)).status).toBe(400);
    expect((await complete(newEmail(), first)).status).toBe(400);

    const { token: second } = await requestReset(user.email);
    expect((await complete(user.email, first)).status).toBe(400);
    await db.pool.query(`UPDATE "OneTimeCode" SET "expiresAt" = now() - interval '1 second' WHERE "codeHash" = $1`, [sha256(second)]);
    const expired = await complete(user.email, second);
    expect(expired.status).toBe(400);
    expect(expired.body.error).toBe('INVALID_RESET_TOKEN');

    const failures = await db.pool.query(`SELECT metadata FROM "AuthEvent" WHERE "userId" = $1 AND type = 'PASSWORD_RESET_FAILED'`, [user.userId]);
    expect(failures.rows.map((r) => r.metadata.reason)).toEqual(expect.arrayContaining(['mismatch', 'expired']));
    // nothing changed
    const login = await api.post('/auth/login', { email: user.email, password: PASSWORD });
    expect(login.status).toBe(200);
    secrets.push(login.body.accessToken, refreshCookieOf(login)!.value);
  });

  it('strangers’ wrong tokens neither burn the owner’s link nor block the owner (no attempt or per-account limit on a 256-bit token)', async () => {
    // A tight per-account limit, and clients told apart by the IP a trusted proxy reports.
    const strict = await startTestApp({ DATABASE_URL: db.url, ...smtp.env, PASSWORD_RESET_URL: RESET_PAGE, TRUST_PROXY: '1', RATE_LIMIT_PER_ACCOUNT: '2', RATE_LIMIT_PER_IP: '1000' });
    try {
      const client = new ApiClient(strict.baseUrl);
      const user = await newUser();
      const { token } = await requestReset(user.email);
      const stranger = { headers: { 'x-forwarded-for': '203.0.113.66' } };
      for (let i = 0; i < 8; i++) {
        const wrong = await client.post('/auth/password-reset/complete', { email: user.email, token: crypto.randomBytes(32).toString('base64url'), password: 'Stranger-Password-0' }, stranger);
        expect(wrong.status).toBe(400);
        expect(wrong.body.error).toBe('INVALID_RESET_TOKEN');
      }
      expect((await resetRows(user.email))[0]).toMatchObject({ attempts: 0, consumedAt: null, invalidatedAt: null });
      const owner = await client.post('/auth/password-reset/complete', { email: user.email, token, password: NEW_PASSWORD }, { headers: { 'x-forwarded-for': '198.51.100.5' } });
      expect(owner.status).toBe(200);
      const login = await api.post('/auth/login', { email: user.email, password: NEW_PASSWORD });
      expect(login.status).toBe(200);
      secrets.push(login.body.accessToken, refreshCookieOf(login)!.value);
      expectNoSecrets(strict.rawLogs, [token, PASSWORD, NEW_PASSWORD], 'logs');
    } finally {
      await strict.close();
    }
  });

  it('validates the new password and the token format', async () => {
    const res = await api.post('/auth/password-reset/complete', { email: 'x@example.com', token: 'short', password: 'short' });
    expect(res.status).toBe(400);
    expect([...new Set(res.body.details.map((d: { field: string }) => d.field))].sort()).toEqual(['password', 'token']);
  });

  it('also proves the address of an account that was never verified', async () => {
    const email = newEmail();
    await api.post('/auth/register', { email, password: PASSWORD, name: 'Unverified' });
    secrets.push(codeFrom(await smtp.nextMailTo(email)));
    const { token } = await requestReset(email);
    expect((await api.post('/auth/password-reset/complete', { email, token, password: NEW_PASSWORD })).status).toBe(200);
    const login = await api.post('/auth/login', { email, password: NEW_PASSWORD });
    expect(login.status).toBe(200);
    secrets.push(login.body.accessToken, refreshCookieOf(login)!.value);
  });
});

describe('secrets', () => {
  it('never appear in a response body or a log line', async () => {
    const hashes = (await db.pool.query('SELECT "passwordHash" AS h FROM "User" UNION ALL SELECT "tokenHash" FROM "RefreshToken" UNION ALL SELECT "codeHash" FROM "OneTimeCode"')).rows.map((r) => r.h);
    const accessTokens = secrets.filter((s) => s.split('.').length === 3);
    expectNoSecrets([api.allBodies()], [...secrets.filter((s) => !accessTokens.includes(s)), ...hashes], 'response bodies');
    expectNoSecrets(app.rawLogs, [...secrets, ...hashes], 'logs');
  });
});
