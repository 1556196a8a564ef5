import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { ApiClient, expectNoSecrets, refreshCookieOf, registerAndVerify, startAuthTestEnv, type AuthTestEnv } from './harness/auth-client';
import type { TestApp } from './harness/app';
import type { TestDatabase } from './harness/postgres';
import { BACKEND_DIR } from './harness/process';
import { codeFrom, type TestSmtp } from './harness/smtp';

const PASSWORD = 'User-Pass-987-qwe';
const ADMIN_PASSWORD = 'Vault#Keeper-2026-ok';

let db: TestDatabase;
let smtp: TestSmtp;
let app: TestApp;
let api: ApiClient;
const secrets: string[] = [PASSWORD, ADMIN_PASSWORD];

let counter = 0;
const newEmail = () => `member${++counter}-${crypto.randomBytes(3).toString('hex')}@example.com`;

/** Runs the built CLI like an operator would, with the password on stdin or in the environment. */
function createAdminCli(args: string[], env: Record<string, string>, stdin?: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(BACKEND_DIR, 'dist/admin/create-admin.js'), ...args], {
      cwd: BACKEND_DIR,
      env: { PATH: process.env.PATH, DATABASE_URL: db.url, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
    child.stdin.end(stdin ?? '');
  });
}

async function newUser() {
  const user = { email: newEmail(), password: PASSWORD, name: 'Member' };
  const s = await registerAndVerify(api, smtp, user);
  secrets.push(s.code, s.accessToken, s.cookie.value);
  return { ...user, ...s, token: s.accessToken };
}

async function loginAs(email: string, password: string) {
  const res = await api.post('/auth/login', { email, password });
  expect(res.status).toBe(200);
  secrets.push(res.body.accessToken, refreshCookieOf(res)!.value);
  return res.body.accessToken as string;
}

let env: AuthTestEnv;
beforeAll(async () => {
  env = await startAuthTestEnv();
  ({ db, smtp, app, api } = env);
});

afterAll(() => env?.close());

describe('admin:create CLI', () => {
  it('refuses weak passwords and missing input, creating nothing', async () => {
    for (const weak of ['short', 'alllowercaseletters', 'Password-2026-abc!', 'ops-Admin-99-xyz', 'Ops.Example#2026x']) {
      const res = await createAdminCli(['--email', 'ops@example.com'], { ADMIN_PASSWORD: weak });
      expect(res.code).toBe(2);
      expect(res.output).toMatch(/weak password refused/);
      expect(res.output).not.toContain(weak);
    }
    expect((await createAdminCli([], { ADMIN_PASSWORD })).code).toBe(2);
    expect((await createAdminCli(['--email', 'ops@example.com'], {}, '')).code).toBe(2);
    const count = await db.pool.query(`SELECT count(*)::int AS n FROM "User"`);
    expect(count.rows[0].n).toBe(0);
  });

  it('creates a verified ADMIN with an argon2id hash from a password on stdin', async () => {
    const res = await createAdminCli(['--email', ' Ops@Example.com ', '--name', 'Ops Team'], {}, `${ADMIN_PASSWORD}\n`);
    expect(res.output).toMatch(/created ADMIN ops@example.com/);
    expect(res.code).toBe(0);
    expect(res.output).not.toContain(ADMIN_PASSWORD);
    const row = (await db.pool.query(`SELECT * FROM "User" WHERE email = 'ops@example.com'`)).rows[0];
    expect(row).toMatchObject({ role: 'ADMIN', name: 'Ops Team' });
    expect(row.emailVerifiedAt).not.toBeNull();
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    const token = await loginAs('ops@example.com', ADMIN_PASSWORD);
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).role).toBe('ADMIN');
  });

  it('reads ADMIN_EMAIL/ADMIN_PASSWORD, refuses an existing address, and promotes only with --promote', async () => {
    const env = { ADMIN_EMAIL: 'second-admin@example.com', ADMIN_PASSWORD: 'Another#Strong-Key-77' };
    secrets.push(env.ADMIN_PASSWORD);
    expect((await createAdminCli([], env)).code).toBe(0);
    expect((await createAdminCli([], env)).code).toBe(2);

    const member = await newUser();
    const refused = await createAdminCli(['--email', member.email], { ADMIN_PASSWORD });
    expect(refused.code).toBe(2);
    expect(refused.output).toMatch(/--promote/);
    expect((await api.get('/auth/me', { token: member.token })).status).toBe(200);
    expect((await createAdminCli(['--email', member.email, '--promote'], {})).code).toBe(0);
    const row = (await db.pool.query('SELECT role, "passwordHash" FROM "User" WHERE email = $1', [member.email])).rows[0];
    expect(row.role).toBe('ADMIN');
    // A role change ends the access tokens issued before it.
    const old = await api.get('/auth/me', { token: member.token });
    expect(old.status).toBe(401);
    expect(old.body.error).toBe('ACCESS_TOKEN_REVOKED');
    // the password is unchanged, and a new token carries the new role
    const token = await loginAs(member.email, PASSWORD);
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).role).toBe('ADMIN');
    expect((await api.get('/admin/users', { token })).status).toBe(200);
  });

  it('refuses to promote an account whose email is not verified (whoever registered it has not proven the inbox)', async () => {
    const email = newEmail();
    expect((await api.post('/auth/register', { email, password: PASSWORD, name: 'Unverified' })).status).toBe(202);
    secrets.push(codeFrom(await smtp.nextMailTo(email)));
    const res = await createAdminCli(['--email', email, '--promote'], {});
    expect(res.code).toBe(2);
    expect(res.output).toMatch(/not verified/);
    const row = (await db.pool.query('SELECT role FROM "User" WHERE email = $1', [email])).rows[0];
    expect(row.role).toBe('USER');
  });
});

describe('roles', () => {
  it('admin routes need a token (401) and role ADMIN (403); the role is read from the database on every request', async () => {
    const member = await newUser();
    expect((await api.get('/admin/users')).status).toBe(401);
    const forbidden = await api.get('/admin/users', { token: member.token });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toBe('FORBIDDEN_ROLE');
    expect((await api.get('/admin/kyc', { token: member.token })).status).toBe(403);

    const adminToken = await loginAs('ops@example.com', ADMIN_PASSWORD);
    expect((await api.get('/admin/users', { token: adminToken })).status).toBe(200);
    await db.pool.query(`UPDATE "User" SET role = 'USER' WHERE email = 'ops@example.com'`);
    expect((await api.get('/admin/users', { token: adminToken })).status).toBe(403);
    await db.pool.query(`UPDATE "User" SET role = 'ADMIN' WHERE email = 'ops@example.com'`);
  });

  it('lists and shows users without hashes, codes or tokens', async () => {
    const member = await newUser();
    await api.call('PATCH', '/profile', { token: member.token, body: { phone: '+491701234567', city: 'Berlin' } });
    const adminToken = await loginAs('ops@example.com', ADMIN_PASSWORD);
    const list = await api.get(`/admin/users?email=${encodeURIComponent(member.email.toUpperCase())}`, { token: adminToken });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    expect(list.body.items[0]).toMatchObject({ id: member.userId, email: member.email, role: 'USER', kycStatus: 'NOT_SUBMITTED', failedLoginCount: 0 });
    const all = await api.get('/admin/users?limit=100', { token: adminToken });
    expect(all.body.total).toBeGreaterThanOrEqual(4);
    const detail = await api.get(`/admin/users/${member.userId}`, { token: adminToken });
    expect(detail.status).toBe(200);
    expect(detail.body.profile).toMatchObject({ phone: '+491701234567', city: 'Berlin' });

    const hashes = (await db.pool.query('SELECT "passwordHash" AS h FROM "User" UNION ALL SELECT "codeHash" FROM "OneTimeCode" UNION ALL SELECT "tokenHash" FROM "RefreshToken"')).rows.map((r) => r.h);
    for (const res of [list, all, detail]) {
      expect(res.text).not.toMatch(/passwordHash|codeHash|tokenHash|argon2|refreshToken/i);
      expectNoSecrets([res.text], hashes, 'admin responses');
    }
    expect((await api.get(`/admin/users/${crypto.randomUUID()}`, { token: adminToken })).status).toBe(404);
    expect((await api.get('/admin/users/not-a-uuid', { token: adminToken })).status).toBe(400);
    expect((await api.get('/admin/users?limit=1000', { token: adminToken })).status).toBe(400);
  });
});

describe('profile', () => {
  it('reads and updates the caller’s own profile, validating every field', async () => {
    const member = await newUser();
    const empty = await api.get('/profile', { token: member.token });
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ id: member.userId, email: member.email, phone: null, dateOfBirth: null });

    const updated = await api.call('PATCH', '/profile', {
      token: member.token,
      body: { name: '  Grace Hopper ', phone: '+1 (212) 555-0100', addressLine1: '1 Main St', city: 'New York', postalCode: '10001', country: 'us', dateOfBirth: '1990-04-23' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Grace Hopper', phone: '+12125550100', country: 'US', dateOfBirth: '1990-04-23', addressLine2: null });
    const row = (await db.pool.query('SELECT * FROM "Profile" WHERE "userId" = $1', [member.userId])).rows[0];
    expect(row).toMatchObject({ phone: '+12125550100', city: 'New York', country: 'US' });

    const cleared = await api.call('PATCH', '/profile', { token: member.token, body: { city: null } });
    expect(cleared.body).toMatchObject({ city: null, phone: '+12125550100' });

    const bad = await api.call('PATCH', '/profile', { token: member.token, body: { phone: '12345', country: 'Germany', dateOfBirth: '23.04.1990', name: '' } });
    expect(bad.status).toBe(400);
    expect([...new Set(bad.body.details.map((d: { field: string }) => d.field))].sort()).toEqual(['country', 'dateOfBirth', 'name', 'phone']);
    const future = await api.call('PATCH', '/profile', { token: member.token, body: { dateOfBirth: '2999-01-01' } });
    expect(future.status).toBe(400);
    expect(future.body.details[0].field).toBe('dateOfBirth');
    for (const forbidden of [{ role: 'ADMIN' }, { email: 'new@example.com' }, { kycStatus: 'APPROVED' }, { name: null }]) {
      expect((await api.call('PATCH', '/profile', { token: member.token, body: forbidden })).status).toBe(400);
    }
    const after = (await db.pool.query('SELECT role, email, "kycStatus", name FROM "User" WHERE id = $1', [member.userId])).rows[0];
    expect(after).toEqual({ role: 'USER', email: member.email, kycStatus: 'NOT_SUBMITTED', name: 'Grace Hopper' });
    expect((await api.get('/profile')).status).toBe(401);
  });
});

describe('KYC and notifications', () => {
  it('NOT_SUBMITTED → PENDING → APPROVED, with a notification and an email for the user', async () => {
    const member = await newUser();
    expect((await api.get('/kyc', { token: member.token })).body).toEqual({ status: 'NOT_SUBMITTED', latestSubmission: null });
    const submitted = await api.post('/kyc', { documentType: 'PASSPORT', documentNumber: 'c01x00t47' }, { token: member.token });
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({ status: 'PENDING', documentType: 'PASSPORT', documentNumber: '******T47' });
    expect((await api.get('/kyc', { token: member.token })).body.status).toBe('PENDING');
    const again = await api.post('/kyc', { documentType: 'PASSPORT', documentNumber: 'C01X00T47' }, { token: member.token });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('KYC_ALREADY_SUBMITTED');
    expect((await api.post('/kyc', { documentType: 'SELFIE', documentNumber: '!' }, { token: member.token })).status).toBe(400);

    const adminToken = await loginAs('ops@example.com', ADMIN_PASSWORD);
    const queue = await api.get('/admin/kyc', { token: adminToken });
    const item = queue.body.items.find((s: { user: { id: string } }) => s.user.id === member.userId);
    expect(item).toMatchObject({ id: submitted.body.id, documentNumber: 'C01X00T47', status: 'PENDING', user: { email: member.email } });

    const approved = await api.post(`/admin/kyc/${item.id}/approve`, undefined, { token: adminToken });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('APPROVED');
    expect((await api.post(`/admin/kyc/${item.id}/reject`, { reason: 'too late' }, { token: adminToken })).status).toBe(409);
    const user = (await db.pool.query('SELECT "kycStatus" FROM "User" WHERE id = $1', [member.userId])).rows[0];
    expect(user.kycStatus).toBe('APPROVED');
    const submission = (await db.pool.query('SELECT * FROM "KycSubmission" WHERE id = $1', [item.id])).rows[0];
    expect(submission.reviewedById).not.toBeNull();
    const audit = await db.pool.query('SELECT "adminId", action, "targetType", metadata FROM "AdminAuditLog" WHERE "targetId" = $1', [item.id]);
    expect(audit.rows).toEqual([{ adminId: submission.reviewedById, action: 'kyc.approve', targetType: 'KycSubmission', metadata: { userId: member.userId } }]);

    const notes = await api.get('/notifications', { token: member.token });
    expect(notes.status).toBe(200);
    expect(notes.body.unreadCount).toBe(1);
    expect(notes.body.items[0].body).toMatch(/approved/);
    const mail = await smtp.nextMailTo(member.email);
    expect(mail.text).toMatch(/approved/);
    expect((await api.post('/kyc', { documentType: 'PASSPORT', documentNumber: 'C01X00T48' }, { token: member.token })).status).toBe(409);
  });

  it('a rejection carries the reason (escaped in email HTML) and allows a new submission', async () => {
    const member = await newUser();
    const submitted = await api.post('/kyc', { documentType: 'NATIONAL_ID', documentNumber: 'ID-123456' }, { token: member.token });
    const adminToken = await loginAs('ops@example.com', ADMIN_PASSWORD);
    expect((await api.post(`/admin/kyc/${submitted.body.id}/reject`, {}, { token: adminToken })).status).toBe(400);
    const reason = 'Photo unreadable <img src=x onerror=alert(1)>';
    const rejected = await api.post(`/admin/kyc/${submitted.body.id}/reject`, { reason }, { token: adminToken });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'REJECTED', decisionReason: reason });
    const audit = await db.pool.query('SELECT action, metadata FROM "AdminAuditLog" WHERE "targetId" = $1', [submitted.body.id]);
    expect(audit.rows).toEqual([{ action: 'kyc.reject', metadata: { userId: member.userId, reason } }]);
    const status = await api.get('/kyc', { token: member.token });
    expect(status.body).toMatchObject({ status: 'REJECTED', latestSubmission: { decisionReason: reason } });
    const mail = await smtp.nextMailTo(member.email);
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const notes = await api.get('/notifications', { token: member.token });
    expect(notes.body.items[0].body).toContain('Photo unreadable');

    const resubmitted = await api.post('/kyc', { documentType: 'PASSPORT', documentNumber: 'P7654321' }, { token: member.token });
    expect(resubmitted.status).toBe(201);
    expect((await db.pool.query('SELECT "kycStatus" FROM "User" WHERE id = $1', [member.userId])).rows[0].kycStatus).toBe('PENDING');
    expect((await api.post(`/admin/kyc/${crypto.randomUUID()}/approve`, undefined, { token: adminToken })).status).toBe(404);
  });

  it('notifications are visible to and changeable by their owner only', async () => {
    const owner = await newUser();
    const other = await newUser();
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await db.pool.query(`INSERT INTO "Notification" (id, "userId", title, body) VALUES (gen_random_uuid(), $1, 'T', $2) RETURNING id`, [owner.userId, `n${i}`])).rows[0].id);
    }
    expect((await api.get('/notifications', { token: other.token })).body).toEqual({ items: [], unreadCount: 0 });
    expect((await api.post(`/notifications/${ids[0]}/read`, undefined, { token: other.token })).status).toBe(404);
    expect((await api.post('/notifications/read-all', undefined, { token: other.token })).body).toEqual({ updated: 0 });
    const unread = await db.pool.query('SELECT count(*)::int AS n FROM "Notification" WHERE "userId" = $1 AND "readAt" IS NULL', [owner.userId]);
    expect(unread.rows[0].n).toBe(3);

    expect((await api.post(`/notifications/${ids[0]}/read`, undefined, { token: owner.token })).status).toBe(204);
    const list = await api.get('/notifications?unread=true', { token: owner.token });
    expect(list.body.items).toHaveLength(2);
    expect(list.body.unreadCount).toBe(2);
    expect((await api.post('/notifications/read-all', undefined, { token: owner.token })).body).toEqual({ updated: 2 });
    expect((await api.get('/notifications', { token: owner.token })).body.unreadCount).toBe(0);
    expect((await api.get('/notifications')).status).toBe(401);
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
