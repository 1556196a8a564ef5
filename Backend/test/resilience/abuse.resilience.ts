/**
 * Abuse of the real API process (`node dist/main.js`, the documented default limits):
 * - brute force on login, email verification and password reset meets the limits of
 *   docs/auth.md ("Rate limits and lockout"), with the documented status, error code and
 *   Retry-After, at the documented thresholds;
 * - a flood of oversized bodies gets 413 (BODY_LIMIT_BYTES), and slow clients (slowloris:
 *   headers that never end, a body trickled a byte at a time, a connection that says nothing)
 *   are cut off by HTTP_REQUEST_TIMEOUT_MS (408, or the connection closed);
 * - neither flood makes the process keep memory: its resident set after a forced settle (full
 *   garbage collections) stays within a bound of what it was before.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { ApiClient, registerAndVerify, type ApiResponse } from '../harness/auth-client';
import { createTestDatabase, type TestDatabase } from '../harness/postgres';
import { eventually, killAll, runApi, statusOf, type RunningProcess } from '../harness/process';
import { startTestSmtp, codeFrom, type TestSmtp } from '../harness/smtp';

/** The documented defaults (docs/auth.md, src/config/config.schema.ts): the API runs with them. */
const RATE_LIMIT_PER_IP = 50;
const RATE_LIMIT_PER_ACCOUNT = 10;
const RATE_LIMIT_WINDOW_SECONDS = 900;
const LOGIN_MAX_FAILURES = 5;
const LOGIN_ACCOUNT_MAX_FAILURES = 50;
const BODY_LIMIT_BYTES = 1024 * 1024;
/** Short here so slow clients are cut off within seconds (the default is 30 s). */
const REQUEST_TIMEOUT_MS = 2000;
/**
 * The resident set may grow this much across the floods (after a settle). The floods push
 * 100 × 4 MiB of oversized bodies and 120 slow connections through the process: keeping even
 * a sixth of those bodies, or a per-connection buffer that is never freed, shows up as more
 * than this; what a healthy process keeps after such a burst (a larger V8 heap, malloc arenas
 * that glibc does not hand back, JIT code) stays well below it.
 */
const RSS_GROWTH_BOUND = 64 * 1024 * 1024;

const PASSWORD = 'Abuse-Test-Pass-42';
let ipCounter = 0;
/** A fresh client address (TEST-NET-2), sent as X-Forwarded-For through the one trusted proxy hop. */
const newIp = () => `198.51.100.${++ipCounter}`;

function expectLimited(res: ApiResponse, error: 'RATE_LIMITED' | 'LOGIN_LOCKED', maxRetryAfter: number) {
  const retryAfter = Number(res.headers.get('retry-after'));
  expect({ status: res.status, error: res.body?.error, retryAfterValid: Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= maxRetryAfter }).toEqual({
    status: 429,
    error,
    retryAfterValid: true,
  });
  return retryAfter;
}

/** VmRSS of a process, in bytes (Linux). */
function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

/** Full garbage collections in the API (harness/settle-on-signal.js), then its resident set. */
async function settledRss(proc: RunningProcess): Promise<number> {
  const settles = () => (proc.output().match(/^settled \d+$/gm) ?? []).length;
  const before = settles();
  proc.child.kill('SIGUSR2');
  await eventually(() => (settles() > before ? true : undefined), 15_000, 'the API to settle', 20);
  return rssOf(proc.child.pid!);
}

/**
 * POSTs `bytes` of body (declared by Content-Length, or chunked without one) and keeps sending
 * until the server answers or closes: resolves with the status, or the error the client saw.
 */
function oversizedPost(port: number, bytes: number, chunked: boolean): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/auth/login',
      agent: false,
      headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(bytes) }) },
    });
    let settled = false;
    const finish = (outcome: { status?: number; error?: string }) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => finish({ status: res.statusCode }));
      res.on('error', () => finish({ status: res.statusCode }));
    });
    req.on('error', (error: Error & { code?: string }) => finish({ error: error.code ?? error.message }));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (!settled && !req.destroyed && sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!settled && !req.destroyed) req.end();
    };
    req.write('{"email":"');
    pump();
  });
}

type SlowKind = 'slow-headers' | 'slow-body' | 'silent';

/**
 * A slowloris client: `slow-headers` sends a request line and then one more header every tick,
 * never ending the headers; `slow-body` sends complete headers announcing 100 kB and then one
 * byte every tick; `silent` connects and says nothing. Resolves when the server has closed the
 * connection, with what it answered first (its status line, if any).
 */
function slowClient(port: number, kind: SlowKind, tickMs: number): { closed: Promise<{ kind: SlowKind; status?: number }>; destroy(): void } {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('data', (d) => (received += d.toString('latin1')));
  socket.on('error', () => undefined);
  socket.on('connect', () => {
    if (kind === 'silent') return;
    if (kind === 'slow-headers') socket.write('POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    else socket.write('POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
    let n = 0;
    timer = setInterval(() => {
      if (socket.destroyed || !socket.writable) return;
      socket.write(kind === 'slow-headers' ? `X-Slow-${n++}: x\r\n` : ' ');
    }, tickMs);
  });
  const closed = new Promise<{ kind: SlowKind; status?: number }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      resolve({ kind, ...(status ? { status: Number(status) } : {}) });
    }),
  );
  return { closed, destroy: () => socket.destroy() };
}

describe('abuse', () => {
  let db: TestDatabase;
  let smtp: TestSmtp;
  let api: Awaited<ReturnType<typeof runApi>>;
  let client: ApiClient;
  const procs = new Set<RunningProcess>();
  const slowClients: { destroy(): void }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await startTestSmtp();
    api = await runApi({
      DATABASE_URL: db.url,
      ...smtp.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      // The chart's default: one proxy in front, whose X-Forwarded-For names the client.
      TRUST_PROXY: '1',
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      NODE_OPTIONS: `--expose-gc --require ${path.join(__dirname, '..', 'harness', 'settle-on-signal.js')}`,
    });
    procs.add(api);
    await eventually(async () => ((await statusOf(`${api.baseUrl}/readyz`)) === 200 ? true : undefined), 60_000, 'the API to be ready', 100);
    client = new ApiClient(api.baseUrl);
  });
  afterAll(async () => {
    for (const slow of slowClients) slow.destroy();
    await killAll(procs);
    await smtp?.close();
    await db?.drop();
  });

  const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
  const newUser = async () => {
    const email = `abuse-${++ipCounter}@example.com`;
    await registerAndVerify(client, smtp, { email, password: PASSWORD, name: 'Abuse Test' });
    return email;
  };

  it(`login from one IP: ${LOGIN_MAX_FAILURES} free failures, then 429 LOGIN_LOCKED with a doubling Retry-After (even for the right password), ${RATE_LIMIT_PER_IP} requests per IP; the owner elsewhere is not locked out`, async () => {
    const email = await newUser();
    const attacker = newIp();
    const wrong = () => client.post('/auth/login', { email, password: 'Wrong-Guess-0000' }, from(attacker));
    for (let i = 0; i < LOGIN_MAX_FAILURES; i++) {
      const res = await wrong();
      expect({ status: res.status, error: res.body.error, retryAfter: res.headers.get('retry-after') }).toEqual({ status: 401, error: 'INVALID_CREDENTIALS', retryAfter: null });
    }
    const firstWait = expectLimited(await wrong(), 'LOGIN_LOCKED', 1);
    expect(firstWait).toBe(1);
    expectLimited(await client.post('/auth/login', { email, password: PASSWORD }, from(attacker)), 'LOGIN_LOCKED', 1);
    expect((await client.post('/auth/login', { email, password: PASSWORD }, from(newIp()))).status).toBe(200);
    // A client that waits as told (Retry-After) gets one more guess, then twice the wait.
    await new Promise((r) => setTimeout(r, firstWait * 1000));
    expect((await wrong()).status).toBe(401);
    expect(expectLimited(await wrong(), 'LOGIN_LOCKED', 2)).toBeGreaterThan(1);
    // One that does not wait: refused without a guess, until the per-IP budget of the window is spent.
    let requests = LOGIN_MAX_FAILURES + 4;
    const burst: number[] = [];
    while (requests < RATE_LIMIT_PER_IP) {
      burst.push((await wrong()).status);
      requests++;
    }
    // (the 2 s wait may end during the burst on a slow machine: then one more guess, and 4 s)
    expect(burst.filter((s) => s === 401).length).toBeLessThanOrEqual(2);
    expect(burst.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    const overBudget = expectLimited(await wrong(), 'RATE_LIMITED', RATE_LIMIT_WINDOW_SECONDS);
    expect(overBudget).toBeGreaterThan(RATE_LIMIT_WINDOW_SECONDS - 120);
  });

  it(`login from many IPs: after ${LOGIN_ACCOUNT_MAX_FAILURES} failures (at most ${LOGIN_MAX_FAILURES} per IP) new IPs get 429 LOGIN_LOCKED for the rest of the day; the owner's known IP still logs in`, async () => {
    const email = await newUser();
    const ownerIp = newIp();
    expect((await client.post('/auth/login', { email, password: PASSWORD }, from(ownerIp))).status).toBe(200);
    const attackers = Array.from({ length: LOGIN_ACCOUNT_MAX_FAILURES / LOGIN_MAX_FAILURES }, newIp);
    const statuses = await Promise.all(
      attackers.map(async (ip) => {
        const seen: number[] = [];
        for (let i = 0; i < LOGIN_MAX_FAILURES; i++) seen.push((await client.post('/auth/login', { email, password: `Wrong-${ip}-${i}` }, from(ip))).status);
        return seen;
      }),
    );
    expect(statuses.flat().filter((s) => s !== 401)).toEqual([]);
    const retryAfter = expectLimited(await client.post('/auth/login', { email, password: PASSWORD }, from(newIp())), 'LOGIN_LOCKED', 24 * 3600);
    expect(retryAfter).toBeGreaterThan(23 * 3600);
    expect((await client.post('/auth/login', { email, password: PASSWORD }, from(ownerIp))).status).toBe(200);
  });

  it(`email verification: a code dies after 5 attempts (the right one included); ${RATE_LIMIT_PER_ACCOUNT} attempts per address per window from any IPs, then 429 RATE_LIMITED`, async () => {
    const email = `abuse-verify-${++ipCounter}@example.com`;
    expect((await client.post('/auth/register', { email, password: PASSWORD, name: 'Abuse Test' })).status).toBe(202);
    const code = codeFrom(await smtp.nextMailTo(email));
    const wrongCode = code === '000000' ? '000001' : '000000';
    const statuses: { status: number; error: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await client.post('/auth/verify-email', { email, code: wrongCode }, from(newIp()));
      statuses.push({ status: res.status, error: res.body.error });
    }
    const right = await client.post('/auth/verify-email', { email, code }, from(newIp()));
    statuses.push({ status: right.status, error: right.body.error });
    for (let i = statuses.length; i < RATE_LIMIT_PER_ACCOUNT; i++) {
      const res = await client.post('/auth/verify-email', { email, code: wrongCode }, from(newIp()));
      statuses.push({ status: res.status, error: res.body.error });
    }
    expect(statuses).toEqual(Array.from({ length: RATE_LIMIT_PER_ACCOUNT }, () => ({ status: 400, error: 'INVALID_CODE' })));
    // every further attempt on the address, from any IP, is refused for the rest of the window
    expectLimited(await client.post('/auth/verify-email', { email, code }, from(newIp())), 'RATE_LIMITED', RATE_LIMIT_WINDOW_SECONDS);
  });

  it(`password reset: ${RATE_LIMIT_PER_ACCOUNT} requests per address (known or not) then 429; token guessing ${RATE_LIMIT_PER_IP} per IP then 429`, async () => {
    const known = await newUser();
    const unknown = `nobody-${++ipCounter}@example.com`;
    for (const email of [known, unknown]) {
      for (let i = 0; i < RATE_LIMIT_PER_ACCOUNT; i++) expect((await client.post('/auth/password-reset/request', { email }, from(newIp()))).status).toBe(202);
      expectLimited(await client.post('/auth/password-reset/request', { email }, from(newIp())), 'RATE_LIMITED', RATE_LIMIT_WINDOW_SECONDS);
    }
    const guesser = newIp();
    const guesses: number[] = [];
    for (let i = 0; i < RATE_LIMIT_PER_IP; i++) {
      const res = await client.post('/auth/password-reset/complete', { email: known, token: `${'ab'.repeat(20)}${i}`, password: 'New-Password-123' }, from(guesser));
      guesses.push(res.status === 400 && res.body.error === 'INVALID_RESET_TOKEN' ? 400 : res.status);
    }
    expect(guesses.filter((s) => s !== 400)).toEqual([]);
    expectLimited(
      await client.post('/auth/password-reset/complete', { email: known, token: 'cd'.repeat(21), password: 'New-Password-123' }, from(guesser)),
      'RATE_LIMITED',
      RATE_LIMIT_WINDOW_SECONDS,
    );
  });

  /** `rounds` × 20 concurrent 4 MiB bodies (half declared by Content-Length, half chunked), then `slow` slowloris connections at once. */
  async function flood(port: number, rounds: number, slow: number) {
    const oversized: { status?: number; error?: string }[] = [];
    for (let round = 0; round < rounds; round++) {
      oversized.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => oversizedPost(port, 4 * BODY_LIMIT_BYTES, i % 2 === 1)))));
    }
    const kinds: SlowKind[] = ['slow-headers', 'slow-body', 'silent'];
    const clients = Array.from({ length: slow }, (_, i) => slowClient(port, kinds[i % 3]!, 200));
    slowClients.push(...clients);
    // How long they get before a connection counts as left open by the server (then we close it).
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<'open'>((r) => (timer = setTimeout(() => r('open'), REQUEST_TIMEOUT_MS + 15_000)));
    const startedAt = Date.now();
    let lastClosedMs = 0;
    const outcomes = await Promise.all(
      clients.map(async (client, i) => {
        const outcome = await Promise.race([client.closed, patience]);
        if (outcome !== 'open') {
          lastClosedMs = Math.max(lastClosedMs, Date.now() - startedAt);
          return outcome;
        }
        client.destroy();
        return { kind: kinds[i % 3]!, leftOpen: true };
      }),
    );
    clearTimeout(timer);
    return { oversized, slow: outcomes, lastClosedMs };
  }

  it('a flood of oversized bodies and slow clients is refused (413; 408 or closed) and leaves no memory behind', async () => {
    const port = Number(new URL(api.baseUrl).port);
    // A first, smaller flood before the baseline: the process reaches the heap and allocator
    // sizes such a burst needs once, so the bound measures what it keeps, not what it grew to.
    await flood(port, 1, 30);
    const baseline = await settledRss(api);
    const { oversized, slow, lastClosedMs } = await flood(port, 5, 120);
    const after = await settledRss(api);

    const tally = (list: object[]) => list.reduce<Record<string, number>>((acc, o) => ((acc[JSON.stringify(o)] = (acc[JSON.stringify(o)] ?? 0) + 1), acc), {});
    process.stdout.write(
      `[abuse] oversized: ${JSON.stringify(tally(oversized))}; slow: ${JSON.stringify(tally(slow))}, all closed after ${lastClosedMs} ms; ` +
        `RSS after a settle ${Math.round(baseline / 1048576)} → ${Math.round(after / 1048576)} MiB\n`,
    );
    // Oversized: 413, or the connection closed by the server before the client finished sending.
    expect(oversized.filter((o) => o.status !== 413 && !(o.status === undefined && ['ECONNRESET', 'EPIPE'].includes(o.error!)))).toEqual([]);
    expect(oversized.filter((o) => o.status === 413).length).toBeGreaterThan(0);
    // Slow clients: every connection closed by the server, with a 408 or nothing.
    expect(slow.filter((o) => 'leftOpen' in o || (o.status !== undefined && o.status !== 408))).toEqual([]);
    expect(after - baseline).toBeLessThan(RSS_GROWTH_BOUND);
    // and the API still serves
    expect(await statusOf(`${api.baseUrl}/healthz`)).toBe(200);
    expect(api.child.exitCode).toBeNull();
  });
});
