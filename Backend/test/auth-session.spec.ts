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
    const { client } = await start({ TRUST_PROXY: '1' });
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
    // (no grace period here: see "refresh from two tabs" for the grace)
    const { client } = await start({ REFRESH_REUSE_GRACE_SECONDS: '0' });
    const user = await newUser();
    const { cookie: stolen } = await login(client, user.email);
    const { cookie: otherDevice } = await login(client, user.email);
    const r1 = await refresh(cookieHeader(stolen), client);
    const r2 = await refresh(cookieHeader(refreshCookieOf(r1)), client);
    const latest = refreshCookieOf(r2)!;

    const replay = await refresh(cookieHeader(stolen), client);
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

  it('without a grace period (REFRESH_REUSE_GRACE_SECONDS=0), exactly one of several concurrent refreshes with the same token wins', async () => {
    const { client } = await start({ REFRESH_REUSE_GRACE_SECONDS: '0' });
    const user = await newUser();
    const { cookie } = await login(client, user.email);
    const results = await Promise.all(Array.from({ length: 6 }, () => refresh(cookieHeader(cookie), client)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401, 401, 401, 401, 401]);
    const family = await familyRows((await tokenRow(cookie.value)).familyId);
    // the original plus exactly one successor; the losers' replay ended the family
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

describe('refresh from two tabs (REFRESH_REUSE_GRACE_SECONDS)', () => {
  it('tabs refreshing with the same cookie at once all get valid sessions of the same family (default grace, 10 s)', async () => {
    const user = await newUser();
    const { cookie } = await login(api, user.email);
    const results = await Promise.all(Array.from({ length: 4 }, () => refresh(cookieHeader(cookie))));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const familyId = (await tokenRow(cookie.value)).familyId;
    const issued = results.map((r) => refreshCookieOf(r)!.value);
    expect(new Set(issued).size).toBe(4);
    for (const value of issued) {
      const row = await tokenRow(value);
      expect(row).toMatchObject({ familyId, rotatedAt: null, revokedAt: null });
    }
    // every tab's new cookie and access token work
    for (const [i, r] of results.entries()) {
      expect((await api.get('/auth/me', { token: r.body.accessToken })).status).toBe(200);
      expect((await refresh(cookieHeader(refreshCookieOf(results[i]!)))).status).toBe(200);
    }
    expect(await eventTypes(user.userId)).not.toContain('REFRESH_TOKEN_REUSED');
  });

  it('a second tab within the grace period gets a sibling session; a replay after it still revokes the whole family', async () => {
    const { client } = await start({ REFRESH_REUSE_GRACE_SECONDS: '1' });
    const user = await newUser();
    const { cookie: original } = await login(client, user.email);
    const tabA = await refresh(cookieHeader(original), client);
    const tabB = await refresh(cookieHeader(original), client);
    expect([tabA.status, tabB.status]).toEqual([200, 200]);
    const familyId = (await tokenRow(original.value)).familyId;
    expect((await tokenRow(refreshCookieOf(tabB)!.value)).familyId).toBe(familyId);
    const nextA = await refresh(cookieHeader(refreshCookieOf(tabA)), client);
    expect(nextA.status).toBe(200);

    // Past the grace period, presenting the original again is a replay of a stolen copy.
    const rotatedAt = new Date((await tokenRow(original.value)).rotatedAt).getTime();
    await new Promise((r) => setTimeout(r, Math.max(0, rotatedAt + 1100 - Date.now())));
    const replay = await refresh(cookieHeader(original), client);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('REFRESH_TOKEN_REUSED');
    const family = await familyRows(familyId);
    expect(family.length).toBe(4);
    expect(family.every((t) => t.revokedAt !== null)).toBe(true);
    expect((await refresh(cookieHeader(refreshCookieOf(nextA)), client)).status).toBe(401);
    expect((await refresh(cookieHeader(refreshCookieOf(tabB)), client)).status).toBe(401);
    expect(await eventTypes(user.userId)).toContain('REFRESH_TOKEN_REUSED');
  });

  it('a revoked family gets nothing, even within the grace period', async () => {
    const user = await newUser();
    const { cookie } = await login(api, user.email);
    const first = await refresh(cookieHeader(cookie));
    expect(first.status).toBe(200);
    expect((await api.post('/auth/logout', undefined, { cookie: cookieHeader(refreshCookieOf(first)) })).status).toBe(204);
    const late = await refresh(cookieHeader(cookie));
    expect(late.status).toBe(401);
    expect(late.body.error).toBe('INVALID_REFRESH_TOKEN');
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
    for (const token of [a.accessToken, b.accessToken, c.accessToken]) expect((await api.get('/auth/me', { token })).status).toBe(200);
    const res = await api.post('/auth/logout-all', undefined, { token: a.accessToken });
    expect(res.status).toBe(204);
    const live = await db.pool.query('SELECT count(*)::int AS n FROM "RefreshToken" WHERE "userId" = $1 AND "revokedAt" IS NULL', [user.userId]);
    expect(live.rows[0].n).toBe(0);
    expect((await refresh(cookieHeader(a.cookie))).status).toBe(401);
    expect((await refresh(cookieHeader(b.cookie))).status).toBe(401);
    expect((await refresh(cookieHeader(c.cookie))).status).toBe(200);
    expect(await eventTypes(user.userId)).toContain('LOGOUT_ALL');
    // Access tokens issued before are refused at once, not when they expire; the other user's are not.
    for (const token of [a.accessToken, b.accessToken]) {
      const me = await api.get('/auth/me', { token });
      expect(me.status).toBe(401);
      expect(me.body.error).toBe('ACCESS_TOKEN_REVOKED');
    }
    expect((await api.post('/auth/logout-all', undefined, { token: b.accessToken })).status).toBe(401);
    expect((await api.get('/auth/me', { token: c.accessToken })).status).toBe(200);
    // A token issued right after the event (most likely within the same second) works.
    const again = await login(api, user.email);
    expect((await api.get('/auth/me', { token: again.accessToken })).status).toBe(200);
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
