import crypto from 'node:crypto';
import { PasswordHasher } from '../src/users/password-hasher';
import { ApiClient, expectNoSecrets, type ApiResponse } from './harness/auth-client';
import { startTestApp, type TestApp } from './harness/app';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { startTestSmtp, type TestSmtp } from './harness/smtp';

/**
 * Nobody can tell from register, resend-verification, a failed login or a reset request
 * whether an address has an account: same status, body and headers, and comparable timing
 * (argon2 on every path; every email goes through the outbox, never on the request's path).
 */
const PASSWORD = 'Enumerate-Me-Not-42';
const SAMPLES = 41;
const WARMUP = 5;

let db: TestDatabase;
let smtp: TestSmtp;
const apps: TestApp[] = [];
const secrets: string[] = [PASSWORD];

let counter = 0;
const newEmail = () => `enum${++counter}-${crypto.randomBytes(3).toString('hex')}@example.com`;

async function start(env: Record<string, string>) {
  const app = await startTestApp({ DATABASE_URL: db.url, ...smtp.env, ...env });
  apps.push(app);
  return new ApiClient(app.baseUrl);
}

/** Everything a client sees except what differs per request anyway. */
function visible(res: ApiResponse) {
  const headers = Object.fromEntries([...res.headers.entries()].filter(([name]) => !['x-request-id', 'date'].includes(name)));
  const body = res.body && typeof res.body === 'object' ? { ...res.body, requestId: res.body.requestId === undefined ? undefined : 'id' } : res.body;
  return { status: res.status, body, headers };
}

/** Every request processed and every email sent (polled tightly: this runs before every sample). */
async function quiet() {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { rows } = await db.pool.query(
      `SELECT (SELECT count(*) FROM "AuthRequest" WHERE "processedAt" IS NULL) + (SELECT count(*) FROM "EmailOutbox" WHERE "sentAt" IS NULL AND "failedAt" IS NULL) AS n`,
    );
    if (Number(rows[0].n) === 0) return;
    if (Date.now() > deadline) throw new Error('the API did not become quiet (requests or emails pending)');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Probe {
  name: string;
  path: string;
  /** Which kind of existing account is the interesting "known" case. */
  known: 'verified' | 'unverified';
  /** A fresh unknown address per request (register would otherwise create it). */
  freshUnknown: boolean;
  body: (email: string) => object;
}

const probes: Probe[] = [
  // A verified address gets an "account exists" email, a new one an account and a code.
  { name: 'register', path: '/auth/register', known: 'verified', freshUnknown: true, body: (email) => ({ email, password: PASSWORD, name: 'Someone' }) },
  // An unverified address gets a new code; an unknown one nothing.
  { name: 'resend-verification', path: '/auth/resend-verification', known: 'unverified', freshUnknown: false, body: (email) => ({ email }) },
  { name: 'login failure', path: '/auth/login', known: 'verified', freshUnknown: false, body: (email) => ({ email, password: 'Not-The-Password-1' }) },
  // A known address gets a code row and a link by email; an unknown one nothing.
  { name: 'password reset request', path: '/auth/password-reset/request', known: 'verified', freshUnknown: false, body: (email) => ({ email }) },
];

/** Accounts written straight to the database, so no rate-limit counter has seen their address yet. */
async function insertAccounts(): Promise<Record<'verified' | 'unverified', string>> {
  const hash = await new PasswordHasher().hash(PASSWORD);
  const accounts = { verified: newEmail(), unverified: newEmail() };
  for (const [kind, email] of Object.entries(accounts)) {
    await db.pool.query(
      `INSERT INTO "User" (id, email, "passwordHash", name, "emailVerifiedAt", "updatedAt") VALUES (gen_random_uuid(), $1, $2, 'Known', $3, now())`,
      [email, hash, kind === 'verified' ? new Date() : null],
    );
  }
  return accounts;
}

let api: ApiClient;
let accounts: Record<'verified' | 'unverified', string>;

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startTestSmtp();
  api = await start({ RATE_LIMIT_PER_IP: '100000', RATE_LIMIT_PER_ACCOUNT: '10000', LOGIN_MAX_FAILURES: '100', LOGIN_ACCOUNT_MAX_FAILURES: '100000' });
  accounts = await insertAccounts();
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await smtp?.close();
  await db?.drop();
});

describe.each(probes)('$name', (probe) => {
  it('answers known and unknown addresses with the same status, body and headers, in comparable time', async () => {
    const unknownAddress = newEmail();
    const emailFor = (kind: 'known' | 'unknown') => (kind === 'known' ? accounts[probe.known] : probe.freshUnknown ? newEmail() : unknownAddress);
    const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      // Alternate which goes first so drift (caches, background email) hits both alike.
      const order: ('known' | 'unknown')[] = i % 2 ? ['known', 'unknown'] : ['unknown', 'known'];
      const seen: Partial<Record<'known' | 'unknown', ReturnType<typeof visible>>> = {};
      for (const kind of order) {
        const body = probe.body(emailFor(kind));
        // Measure each answer on a quiet API: the previous request's background work (processing,
        // email) is done, so it cannot slow this one down.
        await quiet();
        const started = performance.now();
        const res = await api.post(probe.path, body);
        const elapsed = performance.now() - started;
        seen[kind] = visible(res);
        if (i >= WARMUP) times[kind].push(elapsed);
      }
      expect(seen.known).toEqual(seen.unknown);
      expect([202, 401]).toContain(seen.known!.status);
    }
    const known = median(times.known);
    const unknown = median(times.unknown);
    // Medians within 20% of each other.
    const ratio = Math.max(known, unknown) / Math.min(known, unknown);
    if (process.env.KV_SHOW_TIMINGS) process.stdout.write(`${probe.name}: known ${known.toFixed(1)} ms, unknown ${unknown.toFixed(1)} ms\n`);
    if (ratio > 1.2) throw new Error(`${probe.name}: median ${known.toFixed(1)} ms (known) vs ${unknown.toFixed(1)} ms (unknown), ratio ${ratio.toFixed(2)} > 1.2`);
  });
});

describe('rate limited', () => {
  it('known and unknown addresses get the same answers up to and including the 429, Retry-After included', async () => {
    const strict = await start({ RATE_LIMIT_PER_IP: '100000', RATE_LIMIT_PER_ACCOUNT: '2', LOGIN_MAX_FAILURES: '2' });
    const fresh = await insertAccounts();
    for (const probe of probes) {
      const answers: ReturnType<typeof visible>[][] = [];
      const unknownEmail = newEmail();
      for (const email of [fresh[probe.known], unknownEmail]) {
        const run = [];
        for (let i = 0; i < 3; i++) run.push(visible(await strict.post(probe.path, probe.body(email))));
        answers.push(run);
      }
      expect(answers[0]).toEqual(answers[1]);
      expect(answers[0]!.at(-1)!.status).toBe(429);
      expect(answers[0]!.at(-1)!.headers['retry-after']).toMatch(/^\d+$/);
    }
  });
});

describe('secrets', () => {
  it('never appear in a log line', async () => {
    const hashes = (await db.pool.query('SELECT "passwordHash" AS h FROM "User" UNION ALL SELECT "codeHash" FROM "OneTimeCode"')).rows.map((r) => r.h);
    expectNoSecrets(apps.flatMap((a) => a.rawLogs), [...secrets, ...hashes], 'logs');
  });
});
