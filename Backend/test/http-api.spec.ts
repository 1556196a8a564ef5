import net from 'node:net';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { startTestApp, type TestApp } from './harness/app';
import { ProbeModule } from './harness/probe.module';

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('HTTP pipeline: health, metrics, errors, logs', () => {
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp({ DATABASE_URL: db.url, BODY_LIMIT_BYTES: '2048' }, { extraModules: [ProbeModule] });
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  describe('health', () => {
    it('/healthz answers 200 without touching the database', async () => {
      const res = await fetch(`${api.baseUrl}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok' });
    });

    it('/readyz is 200 with database and migrations up', async () => {
      const res = await fetch(`${api.baseUrl}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        status: 'ok',
        info: { database: { status: 'up' }, migrations: { status: 'up' }, shutdown: { status: 'up' } },
      });
    });
  });

  describe('metrics', () => {
    it('counts requests by method, route template and status, with a duration histogram', async () => {
      await fetch(`${api.baseUrl}/__probe/items?limit=5`);
      await fetch(`${api.baseUrl}/__probe/items?limit=6`);
      await fetch(`${api.baseUrl}/no/such/route`);
      const res = await fetch(`${api.baseUrl}/metrics`);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(text).toContain('http_requests_total{method="GET",route="/__probe/items",status_code="200"} 2');
      expect(text).toContain('http_requests_total{method="GET",route="UNMATCHED",status_code="404"} 1');
      expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/__probe\/items",status_code="200"\} \d/);
      expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/__probe/items",status_code="200"} 2');
      expect(text).toContain('process_cpu_seconds_total');
      expect(text).toContain('nodejs_eventloop_lag_seconds');
    });
  });

  describe('bad input gets a 4xx in the error shape', () => {
    const expectError = async (res: Response, status: number, error: string, message?: RegExp) => {
      expect(res.status).toBe(status);
      const body: any = await res.json();
      expect(body).toMatchObject({ statusCode: status, error, requestId: res.headers.get('x-request-id') });
      if (message) expect(body.message).toMatch(message);
      expect(JSON.stringify(body)).not.toMatch(/at .*\.(js|ts):\d+/);
      return body;
    };

    it('unknown route → 404', async () => {
      await expectError(await fetch(`${api.baseUrl}/nope`), 404, 'NOT_FOUND', /GET \/nope/);
    });

    it('malformed JSON → 400', async () => {
      const res = await fetch(`${api.baseUrl}/__probe/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email": ' });
      await expectError(res, 400, 'BAD_REQUEST', /not valid JSON/);
    });

    it('wrong content type → 415', async () => {
      const res = await fetch(`${api.baseUrl}/__probe/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      await expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('oversized body → 413 (limit from BODY_LIMIT_BYTES)', async () => {
      const res = await fetch(`${api.baseUrl}/__probe/echo`, json({ email: 'a@b.co', name: 'x'.repeat(4000), count: 1 }));
      await expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('wrong types and unknown fields in the body → 400 naming each field', async () => {
      const res = await fetch(`${api.baseUrl}/__probe/echo`, json({ email: 'not-an-email', name: 42, count: '3', extra: true }));
      const body = await expectError(res, 400, 'VALIDATION_FAILED');
      const fields = body.details.map((d: { field: string }) => d.field);
      expect(new Set(fields)).toEqual(new Set(['email', 'name', 'count', 'extra']));
      expect(body.message).toContain('email');
    });

    it('wrong types in the query → 400 naming the parameter', async () => {
      const body = await expectError(await fetch(`${api.baseUrl}/__probe/items?limit=lots`), 400, 'VALIDATION_FAILED');
      expect(body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'limit' })]));
      await expectError(await fetch(`${api.baseUrl}/__probe/items?limit=1000`), 400, 'VALIDATION_FAILED', /limit/);
    });

    it('a valid body passes', async () => {
      const res = await fetch(`${api.baseUrl}/__probe/echo`, json({ email: 'a@b.co', name: 'Ann', count: 3 }));
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ email: 'a@b.co', name: 'Ann', count: 3 });
    });

    it('an unexpected error → 500 without internals in the body, details in the log', async () => {
      const res = await fetch(`${api.baseUrl}/__probe/boom`);
      const body = await expectError(res, 500, 'INTERNAL_ERROR', /^Internal server error$/);
      expect(JSON.stringify(body)).not.toContain('internal detail');
      const line = api.logs.find((l) => l.reqId === body.requestId && l.level === 'error');
      expect(line).toBeDefined();
    });
  });

  describe('logs', () => {
    it('every request log line carries the request id, also sent back in X-Request-Id', async () => {
      const res = await fetch(`${api.baseUrl}/healthz`);
      const id = res.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const lines = api.logs.filter((l) => l.reqId === id);
      expect(lines.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
      expect(lines.every((l) => l.level === 'info' && typeof l.time === 'string')).toBe(true);
    });

    it('honours a well-formed incoming X-Request-Id and replaces a malformed one', async () => {
      const ok = await fetch(`${api.baseUrl}/healthz`, { headers: { 'x-request-id': 'edge-123.abc' } });
      expect(ok.headers.get('x-request-id')).toBe('edge-123.abc');
      const bad = await fetch(`${api.baseUrl}/healthz`, { headers: { 'x-request-id': 'evil\u0001id'.replace('\u0001', '%01') + ' x'.repeat(100) } });
      expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('redacts secrets and never logs request bodies or auth headers', async () => {
      const res = await fetch(`${api.baseUrl}/__probe/log-secrets`, {
        ...json({ password: 'BodyPassw0rd!', code: '123456' }),
        headers: { 'content-type': 'application/json', authorization: 'Bearer eyJ.secret.jwt', cookie: 'kv_refresh=cookie-secret' },
      });
      expect(res.status).toBe(201);
      const all = api.rawLogs.join('\n');
      for (const secret of ['BodyPassw0rd!', '123456', 'hunter2', 'tok_123', 'eyJ.secret.jwt', 'cookie-secret']) {
        expect(all).not.toContain(secret);
      }
      const line = api.logs.find((l) => l.msg === 'probe log') as Record<string, any>;
      expect(line.password).toBe('[REDACTED]');
      expect(line.user.token).toBe('[REDACTED]');
      expect(line.body.password).toBe('[REDACTED]');
    });
  });
});

describe('readiness failures', () => {
  it('503 naming migrations when the database has none applied', async () => {
    const empty = await createTestDatabase({ empty: true });
    const api = await startTestApp({ DATABASE_URL: empty.url });
    try {
      const res = await fetch(`${api.baseUrl}/readyz`);
      expect(res.status).toBe(503);
      const body: any = await res.json();
      expect(body).toMatchObject({ statusCode: 503, error: 'NOT_READY' });
      expect(body.details).toEqual([expect.objectContaining({ field: 'migrations' })]);
      expect((await fetch(`${api.baseUrl}/healthz`)).status).toBe(200);
    } finally {
      await api.close();
      await empty.drop();
    }
  });

  it('503 naming the database when it is unreachable, while liveness stays 200', async () => {
    // A port nothing listens on: connection refused.
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    const api = await startTestApp({ DATABASE_URL: `postgresql://kv:pw@127.0.0.1:${port}/kv` });
    try {
      const res = await fetch(`${api.baseUrl}/readyz`);
      expect(res.status).toBe(503);
      const body: any = await res.json();
      expect(body.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['database', 'migrations']));
      expect(JSON.stringify(body)).not.toContain(':pw@');
      expect((await fetch(`${api.baseUrl}/healthz`)).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
