/**
 * TRUST_PROXY on the wire: a real reverse proxy (like ingress-nginx: it appends the address
 * of the peer it accepted to X-Forwarded-For) sits between clients and the API. Clients and
 * proxy use distinct loopback addresses (127.0.0.2-5, all on `lo` on Linux), so the API can
 * tell them apart by the socket peer alone.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from './harness/app';
import { createTestDatabase, type TestDatabase } from './harness/postgres';

const PROXY_ADDRESS = '127.0.0.2';
const CLIENT_A = '127.0.0.3';
const CLIENT_B = '127.0.0.4';
const CLIENT_DIRECT = '127.0.0.5';
const PER_IP = 3;

interface Answer {
  status: number;
  body: any;
}

/** One HTTP request from a chosen local address (what a client on another host would be). */
function request(url: string, options: { from: string; body: unknown; headers?: Record<string, string> }): Promise<Answer> {
  const payload = JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        localAddress: options.from,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A reverse proxy that connects out from PROXY_ADDRESS and appends the client's address to X-Forwarded-For. */
async function startProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const forwarded = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const out = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        localAddress: PROXY_ADDRESS,
        headers: { ...req.headers, 'x-forwarded-for': forwarded, 'x-forwarded-proto': 'https', connection: 'close' },
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode!, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const login = () => ({ email: `proxy-${crypto.randomBytes(4).toString('hex')}@example.com`, password: 'Wrong-Password-1' });
const forged = (n: number) => ({ 'x-forwarded-for': `198.51.100.${n}, 203.0.113.${n}` });

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

/** Audit rows of failed logins record the client IP the API settled on. */
async function loggedIps(): Promise<string[]> {
  const rows = await db.pool.query(`SELECT DISTINCT ip FROM "AuthEvent" WHERE type = 'LOGIN_FAILED' AND ip IS NOT NULL`);
  return rows.rows.map((r) => r.ip).sort();
}

describe.each([
  ['a hop count', '1'],
  ['the proxy address as a CIDR', `${PROXY_ADDRESS}/32`],
])('behind one trusted proxy (TRUST_PROXY as %s)', (_name, trustProxy) => {
  let app: TestApp;
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    await db.pool.query(`DELETE FROM "RateLimit"`);
    await db.pool.query(`DELETE FROM "AuthEvent"`);
    app = await startTestApp({ DATABASE_URL: db.url, TRUST_PROXY: trustProxy, RATE_LIMIT_PER_IP: String(PER_IP), RATE_LIMIT_PER_ACCOUNT: '1000' });
    proxy = await startProxy(app.baseUrl);
  });
  afterAll(async () => {
    await proxy.close();
    await app.close();
  });

  it('a client that forges X-Forwarded-For gets no fresh per-IP budget; another client keeps its own', async () => {
    for (let i = 1; i <= PER_IP; i++) {
      expect((await request(`${proxy.url}/auth/login`, { from: CLIENT_A, body: login(), headers: forged(i) })).status).toBe(401);
    }
    const limited = await request(`${proxy.url}/auth/login`, { from: CLIENT_A, body: login(), headers: forged(99) });
    expect(limited).toMatchObject({ status: 429, body: { error: 'RATE_LIMITED' } });
    expect((await request(`${proxy.url}/auth/login`, { from: CLIENT_B, body: login(), headers: forged(1) })).status).toBe(401);

    // The budget was counted against the address the proxy saw, never a forged one.
    const keys = (await db.pool.query(`SELECT key, points FROM "RateLimit" WHERE key LIKE 'kv:rl:login:ip:%' ORDER BY key`)).rows;
    expect(keys).toEqual([
      { key: `kv:rl:login:ip:${CLIENT_A}`, points: PER_IP + 1 },
      { key: `kv:rl:login:ip:${CLIENT_B}`, points: 1 },
    ]);
    expect(await loggedIps()).toEqual([CLIENT_A, CLIENT_B]);
  });
});

describe('a client talking to the API directly', () => {
  it('cannot pick its IP with X-Forwarded-For when only the proxy address is trusted', async () => {
    await db.pool.query(`DELETE FROM "RateLimit"`);
    await db.pool.query(`DELETE FROM "AuthEvent"`);
    const app = await startTestApp({ DATABASE_URL: db.url, TRUST_PROXY: PROXY_ADDRESS, RATE_LIMIT_PER_IP: String(PER_IP), RATE_LIMIT_PER_ACCOUNT: '1000' });
    try {
      for (let i = 1; i <= PER_IP; i++) {
        expect((await request(`${app.baseUrl}/auth/login`, { from: CLIENT_DIRECT, body: login(), headers: forged(i) })).status).toBe(401);
      }
      expect((await request(`${app.baseUrl}/auth/login`, { from: CLIENT_DIRECT, body: login(), headers: forged(50) })).status).toBe(429);
      expect(await loggedIps()).toEqual([CLIENT_DIRECT]);
    } finally {
      await app.close();
    }
  });

  it('TRUST_PROXY=0 ignores X-Forwarded-For and X-Forwarded-Proto altogether', async () => {
    await db.pool.query(`DELETE FROM "AuthEvent"`);
    const app = await startTestApp({ DATABASE_URL: db.url, TRUST_PROXY: '0', RATE_LIMIT_PER_IP: '1000', RATE_LIMIT_PER_ACCOUNT: '1000' });
    try {
      expect((await request(`${app.baseUrl}/auth/login`, { from: CLIENT_DIRECT, body: login(), headers: forged(7) })).status).toBe(401);
      expect(await loggedIps()).toEqual([CLIENT_DIRECT]);
    } finally {
      await app.close();
    }
  });
});
