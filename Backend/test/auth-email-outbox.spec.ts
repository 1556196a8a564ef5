import crypto from 'node:crypto';
import net from 'node:net';
import { freePort } from '../src/local/embedded-postgres';
import { EmailOutboxSender } from '../src/mail/email-outbox.sender';
import { ApiClient, authRequestsProcessed, expectNoSecrets, refreshCookieOf } from './harness/auth-client';
import { startTestApp, type TestApp } from './harness/app';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { eventually } from './harness/process';
import { codeFrom, startTestSmtp, type TestSmtp } from './harness/smtp';

/**
 * Every email goes through the EmailOutbox table: written with the change that causes it,
 * delivered by EmailOutboxSender with retries. These tests run the sender's passes directly,
 * as the worker and the API's schedule do.
 */
const PASSWORD = 'Outbox-Pass-2026-xy';

let db: TestDatabase;
const apps: TestApp[] = [];
const smtps: TestSmtp[] = [];
const secrets: string[] = [PASSWORD];

let counter = 0;
const newEmail = () => `outbox${++counter}-${crypto.randomBytes(3).toString('hex')}@example.com`;

async function start(env: Record<string, string>) {
  const app = await startTestApp({ DATABASE_URL: db.url, RATE_LIMIT_PER_IP: '100000', RATE_LIMIT_PER_ACCOUNT: '1000', SMTP_FROM: 'KryptoVault <no-reply@kryptovault.test>', ...env });
  apps.push(app);
  return { app, api: new ApiClient(app.baseUrl), sender: app.app.get(EmailOutboxSender) };
}

async function smtpOn(port?: number, refuses?: (address: string) => boolean) {
  const smtp = await startTestSmtp({ port, refuses });
  smtps.push(smtp);
  return smtp;
}

async function outboxRows(recipient: string) {
  return (await db.pool.query('SELECT * FROM "EmailOutbox" WHERE recipient = $1 ORDER BY "createdAt"', [recipient])).rows;
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  for (const app of apps) await app.close();
  for (const smtp of smtps) await smtp.close();
  await db?.drop();
});

describe('email outbox', () => {
  it('SMTP down during registration, then up: the code arrives, exactly once, and verifies the account', async () => {
    const port = await freePort(); // nothing listens here yet
    const { api, sender } = await start({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_SECURE: 'false', EMAIL_OUTBOX_RETRY_SECONDS: '1' });
    const email = newEmail();
    const res = await api.post('/auth/register', { email, password: PASSWORD, name: 'Patient' });
    expect(res.status).toBe(202);

    // The immediate attempt failed and was recorded; the email waits in the outbox.
    const [failed] = await eventually(async () => {
      const rows = await outboxRows(email);
      return rows[0]?.attempts === 1 && rows[0].lastError ? rows : undefined;
    }, 15_000, 'the first delivery attempt');
    expect(failed).toMatchObject({ kind: 'verification-code', sentAt: null, failedAt: null, claimedUntil: null });
    expect(failed.lastError).toMatch(/ECONNREFUSED/);
    expect(failed.text).toMatch(/verification code is: \d{6}/);
    const backoff = (new Date(failed.nextAttemptAt).getTime() - Date.now()) / 1000;
    expect(backoff).toBeLessThanOrEqual(1.2);

    // SMTP comes back on the same port: the next passes deliver the email.
    const smtp = await smtpOn(port);
    const mail = await eventually(async () => {
      await sender.runPass();
      return smtp.unreadFor(email)[0];
    }, 15_000, 'delivery after SMTP came back');
    const code = codeFrom(mail);
    secrets.push(code);
    expect(failed.lastError).not.toContain(code);

    // More passes send nothing again.
    for (let i = 0; i < 3; i++) expect(await sender.runPass()).toEqual({ sent: 0, failed: 0 });
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.messages.filter((m) => m.to.includes(email))).toHaveLength(1);
    const [sent] = await outboxRows(email);
    expect(sent).toMatchObject({ attempts: 2, lastError: null, claimedUntil: null, failedAt: null, text: '', html: '' });
    expect(sent.sentAt).not.toBeNull();

    const verified = await api.post('/auth/verify-email', { email, code });
    expect(verified.status).toBe(200);
    secrets.push(verified.body.accessToken, refreshCookieOf(verified)!.value);
  });

  it('two senders running passes at the same time deliver each email exactly once', async () => {
    const smtp = await smtpOn();
    const env = { ...smtp.env, EMAIL_OUTBOX_SEND_ON_WRITE: 'false', EMAIL_OUTBOX_BATCH_SIZE: '4' };
    const a = await start(env);
    const b = await start(env);
    const emails = Array.from({ length: 24 }, () => newEmail());
    for (const [i, email] of emails.entries()) {
      const api = i % 2 ? a.api : b.api;
      expect((await api.post('/auth/password-reset/request', { email })).status).toBe(202);
      expect((await api.post('/auth/register', { email, password: PASSWORD, name: 'Twin' })).status).toBe(202);
    }
    // Only registrations of new addresses write emails (reset requests for unknown addresses write none).
    await authRequestsProcessed(db.pool);
    const pending = (await db.pool.query('SELECT count(*)::int AS n FROM "EmailOutbox" WHERE recipient = ANY($1) AND "sentAt" IS NULL', [emails])).rows[0].n;
    expect(pending).toBe(24);
    expect(smtp.messages).toHaveLength(0);

    // Two senders, each with two passes in flight at a time, until nothing is due.
    const drain = async (sender: EmailOutboxSender) => {
      let total = 0;
      for (;;) {
        const results = await Promise.all([sender.runPass(), sender.runPass()]);
        const sent = results.reduce((n, r) => n + r.sent + r.failed, 0);
        if (sent === 0) return total;
        total += sent;
      }
    };
    const [sentByA, sentByB] = await Promise.all([drain(a.sender), drain(b.sender)]);
    expect(sentByA + sentByB).toBe(24);
    await new Promise((r) => setTimeout(r, 200));
    const received = smtp.messages.flatMap((m) => m.to);
    expect(received.sort()).toEqual([...emails].sort());
    for (const m of smtp.messages) secrets.push(codeFrom(m));
    const unsent = (await db.pool.query('SELECT count(*)::int AS n FROM "EmailOutbox" WHERE recipient = ANY($1) AND ("sentAt" IS NULL OR attempts <> 1)', [emails])).rows[0].n;
    expect(unsent).toBe(0);
  });

  it('answers without waiting for SMTP, even when the SMTP server hangs', async () => {
    // Accepts connections and never says a word: every delivery attempt waits for its timeout.
    const sockets = new Set<net.Socket>();
    let closing = false;
    const silent = net.createServer((socket) => (closing ? socket.destroy() : sockets.add(socket)));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { api } = await start({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String((silent.address() as net.AddressInfo).port), SMTP_SECURE: 'false' });
      const email = newEmail();
      for (const path of ['/auth/register', '/auth/resend-verification', '/auth/password-reset/request']) {
        const started = performance.now();
        const res = await api.post(path, path === '/auth/register' ? { email, password: PASSWORD, name: 'Hasty' } : { email });
        expect(res.status).toBe(202);
        // Not a performance bound: an answer that waited for this SMTP server would take at least its 10 s greeting timeout.
        expect(performance.now() - started).toBeLessThan(9_000);
      }
      // all three emails are being delivered (and waiting for a greeting that never comes);
      // attempts may queue behind one another's 10 s greeting timeout on a loaded machine
      await eventually(() => (sockets.size >= 3 ? true : undefined), 90_000, 'three delivery attempts');
      await authRequestsProcessed(db.pool);
      const rows = await outboxRows(email);
      expect(rows.map((r) => r.kind)).toEqual(['verification-code', 'verification-code', 'password-reset']);
      expect(rows.every((r) => r.sentAt === null)).toBe(true);
    } finally {
      closing = true;
      // A proper SMTP refusal (a bare reset leaves nodemailer's greeting timers running for 10 s).
      for (const socket of sockets) socket.end('421 4.3.2 test server closing\r\n');
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('an SMTP outage is retried with growing delays past EMAIL_OUTBOX_MAX_ATTEMPTS, never given up; when SMTP is back the code arrives once', async () => {
    const port = await freePort();
    const { api, sender } = await start({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_SECURE: 'false', EMAIL_OUTBOX_MAX_ATTEMPTS: '2', EMAIL_OUTBOX_RETRY_SECONDS: '10' });
    const email = newEmail();
    expect((await api.post('/auth/register', { email, password: PASSWORD, name: 'Unlucky' })).status).toBe(202);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const [row] = await eventually(async () => {
        const rows = await outboxRows(email);
        return rows[0]?.attempts === attempt && rows[0].claimedUntil === null ? rows : undefined;
      }, 15_000, `attempt ${attempt}`);
      expect(row.lastError).toMatch(/ECONNREFUSED/);
      expect(row).toMatchObject({ sentAt: null, failedAt: null });
      expect(row.text).toMatch(/verification code is: \d{6}/);
      delays.push((new Date(row.nextAttemptAt).getTime() - Date.now()) / 1000);
      // not due yet: a pass leaves it alone
      expect(await sender.runPass()).toEqual({ sent: 0, failed: 0 });
      // skip the wait
      await db.pool.query(`UPDATE "EmailOutbox" SET "nextAttemptAt" = now() WHERE id = $1`, [row.id]);
      if (attempt < 4) expect(await sender.runPass()).toEqual({ sent: 0, failed: 1 });
    }
    // base 10 s, doubling per attempt, each ±20%
    [10, 20, 40, 80].forEach((base, i) => {
      expect(delays[i]).toBeGreaterThan(base * 0.8 - 3);
      expect(delays[i]).toBeLessThanOrEqual(base * 1.2);
    });
    const smtp = await smtpOn(port);
    expect(await sender.runPass()).toEqual({ sent: 1, failed: 0 });
    secrets.push(codeFrom(await smtp.nextMailTo(email)));
    expect(await sender.runPass()).toEqual({ sent: 0, failed: 0 });
    expect(smtp.unreadFor(email)).toEqual([]);
    expect((await outboxRows(email))[0]).toMatchObject({ attempts: 5, failedAt: null, text: '', html: '' });
  });

  it('a message the SMTP server refuses (550 to RCPT TO) is given up after EMAIL_OUTBOX_MAX_ATTEMPTS: failedAt set, body blanked, last error kept', async () => {
    const refused = newEmail();
    const smtp = await smtpOn(undefined, (address) => address === refused);
    const { api, sender } = await start({ ...smtp.env, EMAIL_OUTBOX_MAX_ATTEMPTS: '2', EMAIL_OUTBOX_RETRY_SECONDS: '10' });
    expect((await api.post('/auth/register', { email: refused, password: PASSWORD, name: 'Nobody' })).status).toBe(202);
    const [first] = await eventually(async () => {
      const rows = await outboxRows(refused);
      return rows[0]?.attempts === 1 && rows[0].claimedUntil === null ? rows : undefined;
    }, 15_000, 'attempt 1');
    expect(first.lastError).toMatch(/550/);
    expect(first.failedAt).toBeNull();
    await db.pool.query(`UPDATE "EmailOutbox" SET "nextAttemptAt" = now() WHERE id = $1`, [first.id]);
    expect(await sender.runPass()).toEqual({ sent: 0, failed: 1 });
    const [given] = await outboxRows(refused);
    expect(given).toMatchObject({ attempts: 2, sentAt: null, text: '', html: '' });
    expect(given.failedAt).not.toBeNull();
    expect(given.lastError).toMatch(/550/);
    await db.pool.query(`UPDATE "EmailOutbox" SET "nextAttemptAt" = now() WHERE recipient = $1`, [refused]);
    expect(await sender.runPass()).toEqual({ sent: 0, failed: 0 });
    expect(smtp.messages).toEqual([]);
  });
});

describe('secrets', () => {
  it('never appear in a log line', async () => {
    const hashes = (await db.pool.query('SELECT "passwordHash" AS h FROM "User" UNION ALL SELECT "codeHash" FROM "OneTimeCode"')).rows.map((r) => r.h);
    expectNoSecrets(apps.flatMap((a) => a.rawLogs), [...secrets, ...hashes], 'logs');
    const logged = apps.flatMap((a) => a.logs).filter((l) => l.msg === 'email sent' || l.msg === 'email not delivered; will retry');
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(JSON.stringify(line)).not.toMatch(/@example\.com/);
  });
});
