import crypto from 'node:crypto';
import { codeHasher } from '../src/auth/one-time-secrets';
import { HousekeepingService } from '../src/housekeeping/housekeeping.service';
import { EmailOutboxSender } from '../src/mail/email-outbox.sender';
import { PasswordHasher } from '../src/users/password-hasher';
import { ApiClient, authRequestsProcessed, expectNoSecrets, refreshCookieOf, registerAndVerify, USER_AGENT, startAuthTestEnv, type AuthTestEnv } from './harness/auth-client';
import { TEST_JWT_SECRET, type TestApp } from './harness/app';
import type { TestDatabase } from './harness/postgres';
import { codeFrom, type TestSmtp } from './harness/smtp';

const PASSWORD = 'Correct-Horse-7-Battery';

let db: TestDatabase;
let smtp: TestSmtp;
let app: TestApp;
let api: ApiClient;
const secrets: string[] = [PASSWORD];

let counter = 0;
const newEmail = () => `user${++counter}-${crypto.randomBytes(3).toString('hex')}@example.com`;

async function userRow(email: string) {
  return (await db.pool.query('SELECT * FROM "User" WHERE email = $1', [email])).rows[0];
}
async function codeRows(userId: string) {
  return (await db.pool.query(`SELECT * FROM "OneTimeCode" WHERE "userId" = $1 AND purpose = 'EMAIL_VERIFICATION' ORDER BY "createdAt"`, [userId])).rows;
}
async function eventsOf(userId: string) {
  return (await db.pool.query('SELECT type, ip, "userAgent", metadata FROM "AuthEvent" WHERE "userId" = $1 ORDER BY "createdAt"', [userId])).rows;
}
async function register(email: string, name = 'Test User', password = PASSWORD) {
  const res = await api.post('/auth/register', { email, password, name });
  expect(res.status).toBe(202);
  const code = codeFrom(await smtp.nextMailTo(email.trim().toLowerCase()));
  secrets.push(code);
  return code;
}
function decodeJwt(token: string) {
  const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')));
  return { header, payload };
}
function otherCode(code: string) {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}
async function outboxRowsTo(email: string) {
  return (await db.pool.query('SELECT * FROM "EmailOutbox" WHERE recipient = $1 ORDER BY "createdAt"', [email])).rows;
}
async function loginStatus(email: string, password: string) {
  const res = await api.post('/auth/login', { email, password });
  if (res.status === 200) secrets.push(res.body.accessToken, refreshCookieOf(res)!.value);
  return res.status;
}
/** An access token as the API signs them (HS256, JWT_SECRET): what a session of this user held. */
function accessTokenFor(userId: string, ver: number) {
  const now = Math.floor(Date.now() / 1000);
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const p = Buffer.from(JSON.stringify({ sub: userId, role: 'USER', typ: 'access', ver, iat: now, exp: now + 600 })).toString('base64url');
  return `${h}.${p}.${crypto.createHmac('sha256', TEST_JWT_SECRET).update(`${h}.${p}`).digest('base64url')}`;
}

let env: AuthTestEnv;
beforeAll(async () => {
  env = await startAuthTestEnv();
  ({ db, smtp, app, api } = env);
});

afterAll(() => env?.close());

describe('registration', () => {
  it('stores an argon2id hash and a normalized email, and emails a 6-digit code (text and HTML)', async () => {
    const res = await api.post('/auth/register', { email: '  Ada.Lovelace@Example.COM ', password: PASSWORD, name: 'Ada' });
    expect(res.status).toBe(202);
    expect(Object.keys(res.body)).toEqual(['message']);
    const mail = await smtp.nextMailTo('ada.lovelace@example.com');
    const row = await userRow('ada.lovelace@example.com');
    expect(row).toBeDefined();
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.passwordHash).not.toContain(PASSWORD);
    expect(row.emailVerifiedAt).toBeNull();
    expect(row.role).toBe('USER');
    secrets.push(row.passwordHash);

    const code = codeFrom(mail);
    secrets.push(code);
    expect(code).toMatch(/^\d{6}$/);
    expect(mail.html).toContain(code);
    expect(mail.text).toContain('15 minutes');

    const codes = await codeRows(row.id);
    expect(codes).toHaveLength(1);
    expect(codes[0].codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(codes[0].codeHash).not.toContain(code);
    expect(codes[0].codeHash).toBe(codeHasher(TEST_JWT_SECRET)('EMAIL_VERIFICATION', row.id, code));
    const ttl = (new Date(codes[0].expiresAt).getTime() - new Date(codes[0].createdAt).getTime()) / 1000;
    expect(Math.round(ttl)).toBe(900);
    expect(codes[0].maxAttempts).toBe(5);
    secrets.push(codes[0].codeHash);
    expect((await eventsOf(row.id)).map((e) => e.type)).toEqual(['REGISTERED']);
  });

  it('escapes user-provided values in the HTML part', async () => {
    const email = newEmail();
    const name = '<img src=x onerror=alert(1)> & "Bobby"';
    await api.post('/auth/register', { email, password: PASSWORD, name });
    const mail = await smtp.nextMailTo(email);
    secrets.push(codeFrom(mail));
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Bobby&quot;');
    expect(mail.text).toContain(name);
  });

  it('answers an existing address exactly like a new one and tells the owner by email instead', async () => {
    const user = { email: newEmail(), password: PASSWORD, name: 'Owner' };
    await registerAndVerify(api, smtp, user).then((s) => secrets.push(s.code, s.accessToken, s.cookie.value));
    const before = await userRow(user.email);

    const again = await api.post('/auth/register', { email: user.email.toUpperCase(), password: 'Another-Pass-123', name: 'Attacker' });
    const fresh = await api.post('/auth/register', { email: newEmail(), password: PASSWORD, name: 'New' });
    expect(again.status).toBe(fresh.status);
    expect(again.body).toEqual(fresh.body);

    const notice = await smtp.nextMailTo(user.email);
    expect(notice.subject).toMatch(/already|tried to register/i);
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
    const after = await userRow(user.email);
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(after.name).toBe('Owner');
    expect(await loginStatus(user.email, 'Another-Pass-123')).toBe(401);
    expect(await loginStatus(user.email, PASSWORD)).toBe(200);
  });

  it('an unverified address registered again: the old code dies, and the second registration’s password and name are the ones that survive', async () => {
    const email = newEmail();
    const first = await register(email, 'First Name', 'First-Password-111');
    const second = await register(email, 'Second Name', 'Second-Password-222');
    secrets.push('First-Password-111', 'Second-Password-222');
    const codes = await codeRows((await userRow(email)).id);
    expect(codes.map((c) => c.invalidatedAt === null)).toEqual([false, true]);
    // (equal codes happen once in a million runs; the old row is dead either way)
    if (first !== second) expect((await api.post('/auth/verify-email', { email, code: first })).status).toBe(400);
    const verified = await api.post('/auth/verify-email', { email, code: second });
    expect(verified.status).toBe(200);
    secrets.push(verified.body.accessToken, refreshCookieOf(verified)!.value);
    expect(verified.body.user.name).toBe('Second Name');
    expect(await loginStatus(email, 'First-Password-111')).toBe(401);
    expect(await loginStatus(email, 'Second-Password-222')).toBe(200);
    expect((await userRow(email)).name).toBe('Second Name');
  });

  it('names every bad field and refuses unknown ones', async () => {
    const res = await api.post('/auth/register', { email: 'not-an-email', password: 'short', name: '' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'name', 'password']);
    const extra = await api.post('/auth/register', { email: newEmail(), password: PASSWORD, name: 'X', role: 'ADMIN' });
    expect(extra.status).toBe(400);
    expect(extra.body.details[0].field).toBe('role');
    const asAdmin = await db.pool.query(`SELECT count(*)::int AS n FROM "User" WHERE role = 'ADMIN'`);
    expect(asAdmin.rows[0].n).toBe(0);
  });
});

describe('email verification', () => {
  it('refuses login before verification with a clear 403', async () => {
    const email = newEmail();
    await register(email);
    const res = await api.post('/auth/login', { email, password: PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('EMAIL_NOT_VERIFIED');
    expect(res.body.message).toMatch(/verify/i);
    expect(refreshCookieOf(res)).toBeUndefined();
  });

  it('verifies with the emailed code and logs the user in', async () => {
    const email = newEmail();
    const code = await register(email);
    const res = await api.post('/auth/verify-email', { email, code });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { email, emailVerified: true, role: 'USER', kycStatus: 'NOT_SUBMITTED' } });
    expect(res.body.refreshToken).toBeUndefined();
    const cookie = refreshCookieOf(res)!;
    expect(cookie.attributes.httponly).toBe(true);
    secrets.push(res.body.accessToken, cookie.value);

    const row = await userRow(email);
    expect(row.emailVerifiedAt).not.toBeNull();
    const codes = await codeRows(row.id);
    expect(codes[0].consumedAt).not.toBeNull();
    const events = await eventsOf(row.id);
    expect(events.map((e) => e.type)).toEqual(['REGISTERED', 'EMAIL_VERIFIED', 'LOGIN_SUCCEEDED']);
    expect(events[1]).toMatchObject({ ip: '127.0.0.1', userAgent: USER_AGENT });

    const me = await api.get('/auth/me', { token: res.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: row.id, email, emailVerified: true });
  });

  it('fails with a wrong code and counts the attempt', async () => {
    const email = newEmail();
    const code = await register(email);
    const res = await api.post('/auth/verify-email', { email, code: otherCode(code) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('INVALID_CODE');
    expect(refreshCookieOf(res)).toBeUndefined();
    const row = await userRow(email);
    expect(row.emailVerifiedAt).toBeNull();
    expect((await codeRows(row.id))[0].attempts).toBe(1);
    expect((await eventsOf(row.id)).at(-1)).toMatchObject({ type: 'EMAIL_VERIFICATION_FAILED', metadata: { reason: 'mismatch' } });
  });

  it('kills a code after 5 attempts, even for the right code', async () => {
    const email = newEmail();
    const code = await register(email);
    for (let i = 0; i < 5; i++) expect((await api.post('/auth/verify-email', { email, code: otherCode(code) })).status).toBe(400);
    const res = await api.post('/auth/verify-email', { email, code });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('INVALID_CODE');
    const row = await userRow(email);
    expect(row.emailVerifiedAt).toBeNull();
    expect((await codeRows(row.id))[0].attempts).toBe(5);
  });

  it('fails with an expired code', async () => {
    const email = newEmail();
    const code = await register(email);
    const row = await userRow(email);
    await db.pool.query(`UPDATE "OneTimeCode" SET "expiresAt" = now() - interval '1 second' WHERE "userId" = $1`, [row.id]);
    const res = await api.post('/auth/verify-email', { email, code });
    expect(res.status).toBe(400);
    expect((await userRow(email)).emailVerifiedAt).toBeNull();
  });

  it('makes the previous code useless when a new one is sent', async () => {
    const email = newEmail();
    const first = await register(email);
    const resend = await api.post('/auth/resend-verification', { email });
    expect(resend.status).toBe(202);
    const second = codeFrom(await smtp.nextMailTo(email));
    secrets.push(second);
    const row = await userRow(email);
    const codes = await codeRows(row.id);
    expect(codes).toHaveLength(2);
    expect(codes[0].invalidatedAt).not.toBeNull();
    expect(codes[1].invalidatedAt).toBeNull();
    expect((await api.post('/auth/verify-email', { email, code: first })).status).toBe(first === second ? 200 : 400);
    expect((await api.post('/auth/verify-email', { email, code: second })).status).toBe(first === second ? 400 : 200);
  });

  it('answers resend the same for unknown and verified addresses and sends them nothing', async () => {
    const unknown = newEmail();
    const verified = { email: newEmail(), password: PASSWORD, name: 'V' };
    const s = await registerAndVerify(api, smtp, verified);
    secrets.push(s.code, s.accessToken, s.cookie.value);
    const outboxBefore = (await outboxRowsTo(verified.email)).length;
    const a = await api.post('/auth/resend-verification', { email: unknown });
    const b = await api.post('/auth/resend-verification', { email: verified.email });
    expect(a.status).toBe(202);
    expect(b.body).toEqual(a.body);
    await authRequestsProcessed(db.pool);
    // Every email is an outbox row written with the request's transaction: none means none is sent.
    expect(await outboxRowsTo(unknown)).toHaveLength(0);
    expect(await outboxRowsTo(verified.email)).toHaveLength(outboxBefore);
    expect(smtp.unreadFor(unknown)).toHaveLength(0);
  });

  it('fails with a used code and with no code at all', async () => {
    const email = newEmail();
    const code = await register(email);
    expect((await api.post('/auth/verify-email', { email, code })).status).toBe(200);
    const reused = await api.post('/auth/verify-email', { email, code });
    expect(reused.status).toBe(400);
    const unknown = await api.post('/auth/verify-email', { email: newEmail(), code });
    expect(unknown.status).toBe(400);
    expect({ ...unknown.body, requestId: undefined }).toEqual({ ...reused.body, requestId: undefined });
    expect((await api.post('/auth/verify-email', { email })).status).toBe(400);
    expect((await api.post('/auth/verify-email', { email, code: '12345a' })).body.error).toBe('VALIDATION_FAILED');
  });

  it('never issues tokens for an already verified account, not even with a live, correct code (old takeover)', async () => {
    const victim = { email: newEmail(), password: PASSWORD, name: 'Victim' };
    const s = await registerAndVerify(api, smtp, victim);
    secrets.push(s.code, s.accessToken, s.cookie.value);
    const row = await userRow(victim.email);
    const tokensBefore = (await db.pool.query('SELECT count(*)::int AS n FROM "RefreshToken" WHERE "userId" = $1', [row.id])).rows[0].n;

    // Even a code that is live and correct in the database must not log anyone in.
    const planted = '424242';
    await db.pool.query(
      `INSERT INTO "OneTimeCode" (id, "userId", purpose, "codeHash", "expiresAt") VALUES (gen_random_uuid(), $1, 'EMAIL_VERIFICATION', $2, now() + interval '10 minutes')`,
      [row.id, codeHasher(TEST_JWT_SECRET)('EMAIL_VERIFICATION', row.id, planted)],
    );
    const attempts = [s.code, planted, '000000', otherCode(s.code)];
    for (const code of attempts) {
      const res = await api.post('/auth/verify-email', { email: victim.email, code });
      expect(res.status).toBe(400);
      expect(res.body.accessToken).toBeUndefined();
      expect(refreshCookieOf(res)).toBeUndefined();
    }
    const noCode = await api.post('/auth/verify-email', { email: victim.email });
    expect(noCode.status).toBe(400);
    expect(noCode.body.accessToken).toBeUndefined();
    const tokensAfter = (await db.pool.query('SELECT count(*)::int AS n FROM "RefreshToken" WHERE "userId" = $1', [row.id])).rows[0].n;
    expect(tokensAfter).toBe(tokensBefore);
  });
});

describe('pre-registration takeover (attacker registers the victim’s address first)', () => {
  const ATTACKER_PASSWORD = 'Attacker-Chose-This-1';
  const OWNER_PASSWORD = 'Owner-Real-Password-2';
  beforeAll(() => secrets.push(ATTACKER_PASSWORD, OWNER_PASSWORD));

  it('the owner who proves the inbox decides password and name; the attacker’s code, password and sessions are dead', async () => {
    const victim = newEmail();
    // 1. The attacker registers the address. The code goes to the victim's inbox, which the attacker cannot read.
    expect((await api.post('/auth/register', { email: victim, password: ATTACKER_PASSWORD, name: 'Mallory' })).status).toBe(202);
    const attackerCode = codeFrom(await smtp.nextMailTo(victim));
    secrets.push(attackerCode);
    const row = await userRow(victim);
    expect(row.emailVerifiedAt).toBeNull();
    // Sessions the attacker might hold on the unverified account: a refresh token and an access token.
    const plantedRefresh = crypto.randomBytes(32).toString('base64url');
    await db.pool.query(
      `INSERT INTO "RefreshToken" (id, "userId", "familyId", "tokenHash", "expiresAt") VALUES (gen_random_uuid(), $1, gen_random_uuid(), $2, now() + interval '1 day')`,
      [row.id, crypto.createHash('sha256').update(plantedRefresh).digest('hex')],
    );
    const plantedAccess = accessTokenFor(row.id, row.tokenVersion);
    secrets.push(plantedRefresh);
    expect((await api.get('/auth/me', { token: plantedAccess })).status).toBe(200);

    // 2. The real owner registers the same address with their own password and name, and verifies with the code they receive.
    expect((await api.post('/auth/register', { email: victim, password: OWNER_PASSWORD, name: 'Victoria' })).status).toBe(202);
    const ownerCode = codeFrom(await smtp.nextMailTo(victim));
    secrets.push(ownerCode);
    if (attackerCode !== ownerCode) expect((await api.post('/auth/verify-email', { email: victim, code: attackerCode })).status).toBe(400);
    const verified = await api.post('/auth/verify-email', { email: victim, code: ownerCode });
    expect(verified.status).toBe(200);
    secrets.push(verified.body.accessToken, refreshCookieOf(verified)!.value);
    expect(verified.body.user).toMatchObject({ email: victim, name: 'Victoria', emailVerified: true });

    // 3. Only the owner's credentials work, the owner's name is on the account, and the attacker's sessions are over.
    expect(await loginStatus(victim, ATTACKER_PASSWORD)).toBe(401);
    expect(await loginStatus(victim, OWNER_PASSWORD)).toBe(200);
    expect((await userRow(victim)).name).toBe('Victoria');
    const me = await api.get('/auth/me', { token: plantedAccess });
    expect(me.status).toBe(401);
    expect(me.body.error).toBe('ACCESS_TOKEN_REVOKED');
    expect((await api.post('/auth/refresh', undefined, { cookie: `kv_refresh=${plantedRefresh}` })).status).toBe(401);
    expect((await api.get('/auth/me', { token: verified.body.accessToken })).status).toBe(200);
    const event = (await eventsOf(row.id)).find((e) => e.type === 'EMAIL_VERIFIED');
    expect(event.metadata).toEqual({ revokedSessions: 1 });
  });

  it('requests processed out of order: the newest registration wins, an older one sends no code', async () => {
    const victim = newEmail();
    const hasher = new PasswordHasher();
    const submit = async (name: string, password: string, createdAt: string) =>
      db.pool.query(
        `INSERT INTO "AuthRequest" (id, kind, email, "passwordHash", name, ip, "createdAt") VALUES (gen_random_uuid(), 'REGISTER', $1, $2, $3, '192.0.2.1', ${createdAt})`,
        [victim, await hasher.hash(password), name],
      );
    const sender = app.app.get(EmailOutboxSender);
    // The owner's (newer) request is processed first...
    await submit('Victoria', OWNER_PASSWORD, 'now()');
    await sender.runPass();
    const ownerCode = codeFrom(await smtp.nextMailTo(victim));
    secrets.push(ownerCode);
    // ...then the attacker's, made a second earlier, whose processing was delayed: no code, no email.
    await submit('Mallory', ATTACKER_PASSWORD, "now() - interval '1 second'");
    await sender.runPass();
    await authRequestsProcessed(db.pool);
    expect(await outboxRowsTo(victim)).toHaveLength(1);
    const verified = await api.post('/auth/verify-email', { email: victim, code: ownerCode });
    expect(verified.status).toBe(200);
    secrets.push(verified.body.accessToken, refreshCookieOf(verified)!.value);
    expect(verified.body.user.name).toBe('Victoria');
    expect(await loginStatus(victim, ATTACKER_PASSWORD)).toBe(401);
    expect(await loginStatus(victim, OWNER_PASSWORD)).toBe(200);
  });

  it('a resend (which anyone can ask for) carries the newest registration’s credentials, not the first registrant’s', async () => {
    const victim = newEmail();
    await register(victim, 'Mallory', ATTACKER_PASSWORD);
    await register(victim, 'Victoria', OWNER_PASSWORD);
    // The attacker asks for another code; it reaches the owner's inbox.
    expect((await api.post('/auth/resend-verification', { email: victim })).status).toBe(202);
    const resent = codeFrom(await smtp.nextMailTo(victim));
    secrets.push(resent);
    const verified = await api.post('/auth/verify-email', { email: victim, code: resent });
    expect(verified.status).toBe(200);
    secrets.push(verified.body.accessToken, refreshCookieOf(verified)!.value);
    expect(verified.body.user.name).toBe('Victoria');
    expect(await loginStatus(victim, ATTACKER_PASSWORD)).toBe(401);
    expect(await loginStatus(victim, OWNER_PASSWORD)).toBe(200);
  });
  it('after housekeeping deleted the expired codes, a resend sends no code: only a new registration binds credentials', async () => {
    const victim = newEmail();
    await register(victim, 'Mallory', ATTACKER_PASSWORD);
    await register(victim, 'Victoria', OWNER_PASSWORD);
    // The owner does not verify in time; housekeeping deletes the expired codes and the credentials they carried.
    const row = await userRow(victim);
    await db.pool.query(`UPDATE "OneTimeCode" SET "createdAt" = now() - interval '2 days', "expiresAt" = now() - interval '1 day' WHERE "userId" = $1`, [row.id]);
    await app.app.get(HousekeepingService).runPass();
    expect(await codeRows(row.id)).toEqual([]);
    // A resend now has no registration's credentials to carry: the row holds the first registrant's, so no code is sent.
    expect((await api.post('/auth/resend-verification', { email: victim })).status).toBe(202);
    const expired = await smtp.nextMailTo(victim);
    expect(expired.subject).toBe('Register again to finish your KryptoVault account');
    expect(expired.text).not.toMatch(/\d{6}/);
    expect(expired.text).not.toContain('Mallory');
    expect(await codeRows(row.id)).toEqual([]);
    // The owner registers again and verifies: their password and name, not the first registrant's.
    const code = await register(victim, 'Victoria', OWNER_PASSWORD);
    const verified = await api.post('/auth/verify-email', { email: victim, code });
    expect(verified.status).toBe(200);
    secrets.push(verified.body.accessToken, refreshCookieOf(verified)!.value);
    expect(verified.body.user.name).toBe('Victoria');
    expect(await loginStatus(victim, ATTACKER_PASSWORD)).toBe(401);
    expect(await loginStatus(victim, OWNER_PASSWORD)).toBe(200);
  });

  it('a verification code issued without credentials (by an older version) verifies nothing', async () => {
    const victim = newEmail();
    const code = await register(victim, 'Mallory', ATTACKER_PASSWORD);
    const row = await userRow(victim);
    await db.pool.query(`UPDATE "OneTimeCode" SET "pendingPasswordHash" = NULL, "pendingName" = NULL WHERE "userId" = $1`, [row.id]);
    expect((await api.post('/auth/verify-email', { email: victim, code })).status).toBe(400);
    expect((await userRow(victim)).emailVerifiedAt).toBeNull();
  });
});

describe('login and access tokens', () => {
  let user: { email: string; password: string; name: string };
  beforeAll(async () => {
    user = { email: newEmail(), password: PASSWORD, name: 'Login User' };
    const s = await registerAndVerify(api, smtp, user);
    secrets.push(s.code, s.accessToken, s.cookie.value);
  });

  it('returns an HS256 access token with sub, role and typ, and the refresh token only as a cookie', async () => {
    const res = await api.post('/auth/login', { email: `  ${user.email.toUpperCase()}`, password: PASSWORD });
    expect(res.status).toBe(200);
    const { header, payload } = decodeJwt(res.body.accessToken);
    expect(header.alg).toBe('HS256');
    const row = await userRow(user.email);
    expect(payload).toMatchObject({ sub: row.id, role: 'USER', typ: 'access', ver: row.tokenVersion });
    expect(payload.exp - payload.iat).toBe(900);
    expect(res.body.refreshToken).toBeUndefined();
    const cookie = refreshCookieOf(res)!;
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.text).not.toContain(cookie.value);
    secrets.push(res.body.accessToken, cookie.value);
    expect(row.lastLoginAt).not.toBeNull();
    expect((await eventsOf(row.id)).at(-1)).toMatchObject({ type: 'LOGIN_SUCCEEDED', ip: '127.0.0.1', userAgent: USER_AGENT });
  });

  it('answers a wrong password and an unknown email the same way, and records both', async () => {
    const wrong = await api.post('/auth/login', { email: user.email, password: 'Wrong-Password-1' });
    const unknown = await api.post('/auth/login', { email: newEmail(), password: 'Wrong-Password-1' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect({ ...wrong.body, requestId: 0 }).toEqual({ ...unknown.body, requestId: 0 });
    expect(wrong.body.error).toBe('INVALID_CREDENTIALS');
    const row = await userRow(user.email);
    expect((await eventsOf(row.id)).at(-1)).toMatchObject({ type: 'LOGIN_FAILED', ip: '127.0.0.1', userAgent: USER_AGENT, metadata: { reason: 'wrong_password' } });
    const anonymous = await db.pool.query(`SELECT * FROM "AuthEvent" WHERE "userId" IS NULL AND type = 'LOGIN_FAILED'`);
    expect(anonymous.rows.length).toBeGreaterThan(0);
    expect(anonymous.rows[0].ip).toBe('127.0.0.1');
    // a success resets the failure counter
    expect((await api.post('/auth/login', { email: user.email, password: PASSWORD })).status).toBe(200);
    expect((await userRow(user.email)).failedLoginCount).toBe(0);
  });

  it('accepts only valid HS256 access tokens of the access type', async () => {
    const login = await api.post('/auth/login', { email: user.email, password: PASSWORD });
    secrets.push(login.body.accessToken, refreshCookieOf(login)!.value);
    const row = await userRow(user.email);
    const sign = (header: object, payload: object, key: string, alg = 'sha256') => {
      const h = Buffer.from(JSON.stringify(header)).toString('base64url');
      const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
      const sig = alg === 'none' ? '' : crypto.createHmac(alg, key).update(`${h}.${p}`).digest('base64url');
      return `${h}.${p}.${sig}`;
    };
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: row.id, role: 'ADMIN', typ: 'access', iat: now, exp: now + 600 };
    const forged = [
      sign({ alg: 'none', typ: 'JWT' }, claims, '', 'none'),
      sign({ alg: 'HS512', typ: 'JWT' }, claims, TEST_JWT_SECRET, 'sha512'),
      sign({ alg: 'HS256', typ: 'JWT' }, claims, 'some-other-secret-that-is-long-enough-123'),
      sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, typ: 'refresh' }, TEST_JWT_SECRET),
      sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: now - 10 }, TEST_JWT_SECRET),
      refreshCookieOf(login)!.value,
    ];
    for (const token of forged) {
      const res = await api.get('/auth/me', { token });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(/^ACCESS_TOKEN_/);
    }
    expect((await api.get('/auth/me')).body.error).toBe('ACCESS_TOKEN_MISSING');
    expect((await api.get('/auth/me', { token: login.body.accessToken })).status).toBe(200);
  });
});

describe('secrets', () => {
  it('never appear in a response body or a log line', async () => {
    const hashes = (await db.pool.query('SELECT "passwordHash" AS h FROM "User" UNION ALL SELECT "codeHash" FROM "OneTimeCode" UNION ALL SELECT "tokenHash" FROM "RefreshToken"')).rows.map((r) => r.h);
    expect(hashes.length).toBeGreaterThan(10);
    const accessTokens = secrets.filter((s) => s.split('.').length === 3);
    const bodySecrets = [...secrets.filter((s) => !accessTokens.includes(s)), ...hashes];
    expectNoSecrets([api.allBodies()], bodySecrets, 'response bodies');
    expectNoSecrets(app.rawLogs, [...secrets, ...hashes], 'logs');
    expect(app.rawLogs.length).toBeGreaterThan(10);
  });
});
