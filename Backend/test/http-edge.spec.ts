/**
 * The HTTP edge as browsers and operators meet it: body-less POSTs from fetch-based
 * frontends, bounded query numbers, logs that keep error codes but never argument values
 * or verification codes, and a readiness answer that does not leak database errors.
 */
import net from 'node:net';
import { ApiClient, cookieHeader, parseSetCookie, REFRESH_COOKIE, registerAndVerify } from './harness/auth-client';
import { startTestApp, type TestApp } from './harness/app';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { ProbeModule } from './harness/probe.module';
import { startTestSmtp, type TestSmtp } from './harness/smtp';

const PASSWORD = 'Edge-Case-Pass-42';

let db: TestDatabase;
let smtp: TestSmtp;
let app: TestApp;
let api: ApiClient;

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startTestSmtp();
  app = await startTestApp({ DATABASE_URL: db.url, ...smtp.env, RATE_LIMIT_PER_IP: '100000', RATE_LIMIT_PER_ACCOUNT: '1000' }, { extraModules: [ProbeModule] });
  api = new ApiClient(app.baseUrl);
});
afterAll(async () => {
  await app.close();
  await smtp.close();
  await db.drop();
});

/** A POST exactly as `fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'}})` sends it. */
async function emptyJsonPost(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe('Content-Type: application/json with an empty body is no body', () => {
  let session: Awaited<ReturnType<typeof registerAndVerify>>;
  beforeAll(async () => {
    session = await registerAndVerify(api, smtp, { email: 'edge-empty-body@example.com', password: PASSWORD, name: 'Edge' });
  });

  it('POST /auth/refresh rotates the session', async () => {
    const res = await fetch(`${app.baseUrl}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: cookieHeader(session.cookie)! } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accessToken: string }).accessToken).toEqual(expect.any(String));
    const rotated = res.headers.getSetCookie().map(parseSetCookie).find((c) => c.name === REFRESH_COOKIE);
    expect(rotated).toBeDefined();
    session.cookie = rotated!;
  });

  it('POST /notifications/read-all and /withdrawals/:id/cancel reach their handlers', async () => {
    const auth = { authorization: `Bearer ${session.accessToken}` };
    expect((await emptyJsonPost('/notifications/read-all', auth)).status).toBe(200);
    // an unknown withdrawal: the handler ran and answered 404, the body was not refused first
    const cancel = await emptyJsonPost('/withdrawals/00000000-0000-4000-8000-000000000000/cancel', auth);
    expect(cancel).toMatchObject({ status: 404, body: { error: expect.stringMatching(/NOT_FOUND$/) } });
  });

  it('POST /auth/logout and /auth/logout-all answer 204', async () => {
    expect((await emptyJsonPost('/auth/logout', { cookie: cookieHeader(session.cookie)! })).status).toBe(204);
    const again = await api.post('/auth/login', { email: 'edge-empty-body@example.com', password: PASSWORD });
    expect((await emptyJsonPost('/auth/logout-all', { authorization: `Bearer ${again.body.accessToken}` })).status).toBe(204);
  });

  it('a route that needs a body names the missing fields, as for a body-less request', async () => {
    const res = await emptyJsonPost('/__probe/echo');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('VALIDATION_FAILED');
    expect(new Set(res.body.details.map((d: { field: string }) => d.field))).toEqual(new Set(['email', 'name', 'count']));
  });

  it('a form body is a 415: the API reads JSON only', async () => {
    const res = await fetch(`${app.baseUrl}/__probe/echo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a%40b.co&name=x&count=1' });
    expect(res.status).toBe(415);
  });

  it.each([
    ['invalid JSON', '{"email": '],
    ['only whitespace', '   '],
    ['a prototype-poisoning body', '{"__proto__": {"admin": true}}'],
  ])('%s is still a 400', async (_name, body) => {
    const res = await fetch(`${app.baseUrl}/__probe/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('BAD_REQUEST');
  });
});

describe('query numbers are bounded', () => {
  let token: string;
  beforeAll(async () => {
    token = (await registerAndVerify(api, smtp, { email: 'edge-pages@example.com', password: PASSWORD, name: 'Pages' })).accessToken;
  });

  it.each(['99999999999999999999', '1e20', '100001'])('offset=%s is a 400 naming offset, not a 500', async (offset) => {
    const res = await api.get(`/notifications?offset=${offset}`, { token });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'offset' })] });
  });

  it('the largest allowed offset is an empty page', async () => {
    const res = await api.get('/notifications?offset=100000', { token });
    expect(res.status).toBe(200);
  });
});

describe('logs', () => {
  const errorLine = (requestId: string) => app.logs.find((l) => l.reqId === requestId && l.level === 'error') as { err: Record<string, any> } | undefined;

  it('a Prisma validation error is logged with the operation and the verdict, without argument values', async () => {
    const res = await api.get('/__probe/prisma-invalid');
    expect(res.status).toBe(500);
    const line = errorLine(res.body.requestId)!;
    expect(line.err.type).toBe('PrismaClientValidationError');
    expect(line.err.message).toMatch(/^Invalid `[\w.]*user\.findMany\(\)` invocation: .*`skip`/);
    const raw = app.rawLogs.filter((l) => l.includes(res.body.requestId)).join('\n');
    expect(raw).not.toContain('prisma-arg-secret');
    expect(raw).not.toContain('100000000000000000000');
  });

  it.each([
    ['/__probe/duplicate', 'P2002', 500, 'INTERNAL_ERROR'],
    // a database that cannot be reached is a 503 the client may retry, not a bug of the request
    ['/__probe/refused', 'ECONNREFUSED', 503, 'DATABASE_UNAVAILABLE'],
  ] as const)('%s: the 5xx log line keeps err.code %s', async (path, code, status, error) => {
    const res = await api.get(path);
    expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
    expect(errorLine(res.body.requestId)!.err.code).toBe(code);
  });

  it('verification codes stay redacted wherever they travel', async () => {
    const res = await api.post('/__probe/log-codes', { email: 'a@b.co', code: '975310' });
    expect(res.status).toBe(201);
    const line = app.logs.find((l) => l.msg === 'probe codes') as Record<string, any>;
    expect(line.code).toBe('[REDACTED]');
    expect(line.dto.code).toBe('[REDACTED]');
    expect(line.body.code).toBe('[REDACTED]');
    const all = app.rawLogs.join('\n');
    for (const secret of ['246810', '135790', '975310']) expect(all).not.toContain(secret);
  });
});

describe('/readyz with the database down', () => {
  it('answers a generic reason; the database error goes to the log, code included', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    const down = await startTestApp({ DATABASE_URL: `postgresql://kv_reader:pw@127.0.0.1:${port}/kv_private` });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${down.baseUrl}/readyz`);
        expect(res.status).toBe(503);
        const text = await res.text();
        expect(JSON.parse(text).details).toEqual([
          { field: 'database', message: 'unreachable' },
          { field: 'migrations', message: 'cannot read the migration table' },
        ]);
        expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|kv_reader|kv_private|connect/);
      }
      // logged once per change, not once per probe
      const lines = down.logs.filter((l) => l.msg === 'not ready' && l.check === 'database') as { err: { code?: string; message: string } }[];
      expect(lines).toHaveLength(1);
      expect(lines[0]!.err).toMatchObject({ code: 'ECONNREFUSED', message: expect.stringContaining('connect ECONNREFUSED 127.0.0.1') });
    } finally {
      await down.close();
    }
  });
});
