import crypto from 'node:crypto';
import { ApiClient, cookieHeader, expectNoSecrets, refreshCookieOf, registerAndVerify, type ApiResponse } from './harness/auth-client';
import { productionRequiredEnv, startTestApp, type TestApp } from './harness/app';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { startTestSmtp, type TestSmtp } from './harness/smtp';

const PASSWORD = 'Session-Pass-42-xyz';

let db: TestDatabase;
let smtp: TestSmtp;
const apps: TestApp[] = [];
const clients: ApiClient[] = [];
let api: ApiClient;
const secrets: string[] = [PASSWORD];

let counter = 0;
const newEmail = () => `session${++counter}-${crypto.randomBytes(3).toString('hex')}@example.com`;

async function start(env: Record<string, string> = {}) {
  const app = await startTestApp({ DATABASE_URL: db.url, ...smtp.env, RATE_LIMIT_PER_IP: '100000', RATE_LIMIT_PER_ACCOUNT: '1000', ...env });
  apps.push(app);
  const client = new ApiClient(app.baseUrl);
  clients.push(client);
  return { app, client };
}

async function newUser() {
  const user = { email: newEmail(), password: PASSWORD, name: 'Session User' };
  const s = await registerAndVerify(api, smtp, user);
  secrets.push(s.code, s.accessToken, s.cookie.value);
  return { ...user, ...s };
}

async function login(client: ApiClient, email: string, headers: Record<string, string> = {}) {
  const res = await client.post('/auth/login', { email, password: PASSWORD }, { headers });
  expect(res.status).toBe(200);
  const cookie = refreshCookieOf(res)!;
  secrets.push(res.body.accessToken, cookie.value);
  return { res, cookie, accessToken: res.body.accessToken as string };
}

async function refresh(cookie: string | undefined, client = api): Promise<ApiResponse> {
  const res = await client.post('/auth/refresh', undefined, { cookie });
  if (res.status === 200) secrets.push(res.body.accessToken, refreshCookieOf(res)!.value);
  return res;
}

const sha256 = (v: string) => crypto.createHash('sha256').update(v).digest('hex');
async function tokenRow(value: string) {
  return (await db.pool.query('SELECT * FROM "RefreshToken" WHERE "tokenHash" = $1', [sha256(value)])).rows[0];
}
async function familyRows(familyId: string) {
  return (await db.pool.query('SELECT * FROM "RefreshToken" WHERE "familyId" = $1 ORDER BY "createdAt"', [familyId])).rows;
}
async function eventTypes(userId: string) {
  return (await db.pool.query('SELECT type FROM "AuthEvent" WHERE "userId" = $1 ORDER BY "createdAt"', [userId])).rows.map((r) => r.type);
}

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startTestSmtp();
  api = (await start()).client;
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await smtp?.close();
  await db?.drop();
});

describe('refresh cookie attributes', () => {
  let email: string;
  beforeAll(async () => {
    email = (await newUser()).email;
  });

  it('over plain HTTP: HttpOnly, SameSite=Lax, Path=/auth, Max-Age of the refresh TTL, not Secure, host-only', async () => {
    const { cookie } = await login(api, email);
    expect(cookie.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/auth', 'max-age': '2592000' });
    expect(cookie.attributes.secure).toBeUndefined();
    expect(cookie.attributes.domain).toBeUndefined();
  });

  it('ignores X-Forwarded-Proto from an untrusted client', async () => {
    const { cookie } = await login(api, email, { 'x-forwarded-proto': 'https' });
    expect(cookie.attributes.secure).toBeUndefined();
  });

  it('is Secure when a trusted proxy says the request was HTTPS', async () => {
    const { client } = await start({ TRUST_PROXY: 'true' });
    const https = await login(client, email, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' });
    expect(https.cookie.attributes.secure).toBe(true);
    expect(https.cookie.attributes.httponly).toBe(true);
    const http = await login(client, email, { 'x-forwarded-proto': 'http' });
    expect(http.cookie.attributes.secure).toBeUndefined();
    // the audit row carries the client IP the trusted proxy reported
    const row = await tokenRow(https.cookie.value);
    expect(row.ip).toBe('203.0.113.7');
    // a rotated cookie keeps the attributes
    const rotated = await client.post('/auth/refresh', undefined, { cookie: cookieHeader(https.cookie), headers: { 'x-forwarded-proto': 'https' } });
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.accessToken, refreshCookieOf(rotated)!.value);
    expect(refreshCookieOf(rotated)!.attributes.secure).toBe(true);
  });

  it('is Secure in production even over HTTP', async () => {
    const { client } = await start({ NODE_ENV: 'production', ...productionRequiredEnv() });
    const { cookie } = await login(client, email);
    expect(cookie.attributes.secure).toBe(true);
  });

  it('follows REFRESH_COOKIE_* settings, and SameSite=None forces Secure', async () => {
    const { client } = await start({ REFRESH_COOKIE_SAMESITE: 'none', REFRESH_COOKIE_NAME: 'kv_rt', REFRESH_COOKIE_DOMAIN: 'kryptovault.test', REFRESH_COOKIE_PATH: '/', REFRESH_TOKEN_TTL_SECONDS: '3600' });
    const res = await client.post('/auth/login', { email, password: PASSWORD });
    const cookie = res.cookies.find((c) => c.name === 'kv_rt')!;
    secrets.push(res.body.accessToken, cookie.value);
    expect(cookie.attributes).toMatchObject({ httponly: true, secure: true, samesite: 'None', path: '/', domain: 'kryptovault.test', 'max-age': '3600' });
  });
});

describe('refresh rotation', () => {
  it('rotates: the old token dies, a new one of the same family is set, and a new access token comes back', async () => {
    const user = await newUser();
    const { cookie: first } = await login(api, user.email);
    const res = await refresh(cookieHeader(first));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { email: user.email } });
    expect(res.body.refreshToken).toBeUndefined();
    const second = refreshCookieOf(res)!;
    expect(second.value).not.toBe(first.value);
    expect(res.text).not.toContain(second.value);
    expect((await api.get('/auth/me', { token: res.body.accessToken })).status).toBe(200);

    const oldRow = await tokenRow(first.value);
    const newRow = await tokenRow(second.value);
    expect(oldRow.rotatedAt).not.toBeNull();
    expect(newRow.rotatedAt).toBeNull();
    expect(newRow.familyId).toBe(oldRow.familyId);
    expect((await refresh(cookieHeader(second))).status).toBe(200);
  });

  it('revokes the whole family when a rotated token is presented again, and leaves other logins alone', async () => {
    const user = await newUser();
    const { cookie: stolen } = await login(api, user.email);
    const { cookie: otherDevice } = await login(api, user.email);
    const r1 = await refresh(cookieHeader(stolen));
    const r2 = await refresh(cookieHeader(refreshCookieOf(r1)));
    const latest = refreshCookieOf(r2)!;

    const replay = await refresh(cookieHeader(stolen));
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('REFRESH_TOKEN_REUSED');
    const cleared = refreshCookieOf(replay)!;
    expect(cleared.value).toBe('');

    const family = await familyRows((await tokenRow(stolen.value)).familyId);
    expect(family).toHaveLength(3);
    expect(family.every((t) => t.revokedAt !== null)).toBe(true);
    const latestTry = await refresh(cookieHeader(latest));
    expect(latestTry.status).toBe(401);

    const other = await refresh(cookieHeader(otherDevice));
    expect(other.status).toBe(200);
    expect(await eventTypes(user.userId)).toContain('REFRESH_TOKEN_REUSED');
  });

  it('lets exactly one of several concurrent refreshes with the same token win', async () => {
    const user = await newUser();
    const { cookie } = await login(api, user.email);
    const results = await Promise.all(Array.from({ length: 6 }, () => refresh(cookieHeader(cookie))));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401, 401, 401, 401, 401]);
    const family = await familyRows((await tokenRow(cookie.value)).familyId);
    // the original plus exactly one successor
    expect(family).toHaveLength(2);
    expect(family.filter((t) => t.rotatedAt !== null)).toHaveLength(1);
  });

  it('refuses a missing, unknown or expired refresh token and clears the cookie', async () => {
    const missing = await refresh(undefined);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toBe('REFRESH_TOKEN_MISSING');
    const unknown = await refresh('kv_refresh=' + crypto.randomBytes(32).toString('base64url'));
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('INVALID_REFRESH_TOKEN');
    expect(refreshCookieOf(unknown)!.value).toBe('');

    const user = await newUser();
    const { cookie } = await login(api, user.email);
    await db.pool.query(`UPDATE "RefreshToken" SET "expiresAt" = now() - interval '1 second' WHERE "tokenHash" = $1`, [sha256(cookie.value)]);
    const expired = await refresh(cookieHeader(cookie));
    expect(expired.status).toBe(401);
    expect(expired.body.error).toBe('INVALID_REFRESH_TOKEN');
  });
});

describe('logout', () => {
  it('revokes only the current family and clears the cookie', async () => {
    const user = await newUser();
    const a = await login(api, user.email);
    const b = await login(api, user.email);
    const res = await api.post('/auth/logout', undefined, { cookie: cookieHeader(a.cookie) });
    expect(res.status).toBe(204);
    const cleared = refreshCookieOf(res)!;
    expect(cleared.value).toBe('');
    expect(cleared.attributes.path).toBe('/auth');
    expect(cleared.attributes.httponly).toBe(true);
    expect(cleared.attributes.expires && new Date(cleared.attributes.expires as string).getTime()).toBeLessThan(Date.now());

    expect((await tokenRow(a.cookie.value)).revokedAt).not.toBeNull();
    expect((await tokenRow(b.cookie.value)).revokedAt).toBeNull();
    expect((await refresh(cookieHeader(a.cookie))).status).toBe(401);
    expect((await refresh(cookieHeader(b.cookie))).status).toBe(200);
    expect(await eventTypes(user.userId)).toContain('LOGOUT');
    // without a session it still answers 204
    expect((await api.post('/auth/logout')).status).toBe(204);
  });

  it('logs out everywhere: every refresh token of the user dies', async () => {
    const user = await newUser();
    const a = await login(api, user.email);
    const b = await login(api, user.email);
    const other = await newUser();
    const c = await login(api, other.email);
    expect((await api.post('/auth/logout-all')).status).toBe(401);
    const res = await api.post('/auth/logout-all', undefined, { token: a.accessToken });
    expect(res.status).toBe(204);
    const live = await db.pool.query('SELECT count(*)::int AS n FROM "RefreshToken" WHERE "userId" = $1 AND "revokedAt" IS NULL', [user.userId]);
    expect(live.rows[0].n).toBe(0);
    expect((await refresh(cookieHeader(a.cookie))).status).toBe(401);
    expect((await refresh(cookieHeader(b.cookie))).status).toBe(401);
    expect((await refresh(cookieHeader(c.cookie))).status).toBe(200);
    expect(await eventTypes(user.userId)).toContain('LOGOUT_ALL');
  });
});

describe('secrets', () => {
  it('never appear in a response body or a log line', async () => {
    const hashes = (await db.pool.query('SELECT "passwordHash" AS h FROM "User" UNION ALL SELECT "tokenHash" FROM "RefreshToken" UNION ALL SELECT "codeHash" FROM "OneTimeCode"')).rows.map((r) => r.h);
    const accessTokens = secrets.filter((s) => s.split('.').length === 3);
    expectNoSecrets(clients.map((c) => c.allBodies()), [...secrets.filter((s) => !accessTokens.includes(s)), ...hashes], 'response bodies');
    expectNoSecrets(apps.flatMap((a) => a.rawLogs), [...secrets, ...hashes], 'logs');
  });
});
