import { randomBytes } from 'node:crypto';
import { scrubEvent, startErrorTracking, stopErrorTracking } from '../src/error-tracking/error-tracking';
import { createLogger } from '../src/logging/logger';
import { startTestApp, TEST_JWT_SECRET } from './harness/app';
import { startOtlpReceiver } from './harness/otlp';
import { createTestDatabase, databaseUrl } from './harness/postgres';
import { eventually, runApi, runNode, statusOf } from './harness/process';
import { ProbeModule } from './harness/probe.module';
import { startSentryReceiver } from './harness/sentry';

const RELEASE = require('../package.json').version as string;
/** A database the test server does not have: every query fails (a real outage for the app). */
const UNREACHABLE_DATABASE = () => databaseUrl('kv_no_such_database');

/** What a client sends with the request that fails; none of it may reach Sentry. */
const SECRETS = {
  password: `Body-Pa55-${randomBytes(6).toString('hex')}`,
  email: `victim-${randomBytes(4).toString('hex')}@example.com`,
  bearer: `Bearer-Secret-${randomBytes(6).toString('hex')}`,
  cookie: `Cookie-Secret-${randomBytes(6).toString('hex')}`,
  ticket: `Ticket-Secret-${randomBytes(6).toString('hex')}`,
};

/** A login that reaches the database (which is not there): a real 5xx, carrying every kind of secret. */
function failingLogin(baseUrl: string, headers: Record<string, string> = {}) {
  return fetch(`${baseUrl}/auth/login?ticket=${SECRETS.ticket}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${SECRETS.bearer}`,
      cookie: `kv_refresh=${SECRETS.cookie}`,
      ...headers,
    },
    body: JSON.stringify({ email: SECRETS.email, password: SECRETS.password }),
  });
}

const tags = (event: Record<string, unknown>) => event.tags as Record<string, string>;
const traceContext = (event: Record<string, unknown>) => (event.contexts as { trace?: { trace_id: string } }).trace;

describe('error tracking (Sentry)', () => {
  it('reports a 5xx once, with its request id and trace id and without secrets; 4xx answers are not reported', async () => {
    const sentry = await startSentryReceiver();
    const otlp = await startOtlpReceiver();
    const proc = await runApi({
      DATABASE_URL: UNREACHABLE_DATABASE(),
      SENTRY_DSN: sentry.dsn,
      SENTRY_ENVIRONMENT: 'kv-error-tracking-test',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    try {
      const base = proc.baseUrl;
      await eventually(async () => ((await statusOf(`${base}/healthz`)) === 200 ? true : undefined), 60_000, 'the API');

      // 4xx first: bad input, an unknown route, a bad token.
      const invalid = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"not-an-email"}' });
      expect(invalid.status).toBe(400);
      expect(await statusOf(`${base}/no-such-route`)).toBe(404);
      expect((await fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${SECRETS.bearer}` } })).status).toBe(401);

      // The client's trace context: the request's server span (and so the event) belongs to this trace.
      const traceId = randomBytes(16).toString('hex');
      const res = await failingLogin(base, { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` });
      expect(res.status).toBeGreaterThanOrEqual(500);
      const requestId = res.headers.get('x-request-id');
      expect(requestId).toBeTruthy();

      const event = await eventually(() => sentry.events()[0], 30_000, 'the Sentry event');
      expect(tags(event)).toEqual({ request_id: requestId, 'http.method': 'POST', 'http.route': '/auth/login', 'http.status_code': String(res.status) });
      expect(traceContext(event)?.trace_id).toBe(traceId);
      expect(event).toMatchObject({ level: 'error', environment: 'kv-error-tracking-test', release: RELEASE, transaction: 'POST /auth/login' });
      expect((event.exception as { values: { type: string }[] }).values[0].type).toBe('PrismaClientKnownRequestError');
      for (const key of ['request', 'user', 'breadcrumbs', 'extra', 'modules']) expect(event).not.toHaveProperty(key);

      // The log lines of that request carry the same trace id.
      const lines = proc.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      const failed = lines.find((l) => l.reqId === requestId && l.msg === 'request failed');
      expect(failed?.trace_id).toBe(traceId);

      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);

      // Shut down (reports flushed): one event in all, for the 5xx only.
      expect(sentry.events()).toHaveLength(1);
      const received = sentry.allBytes();
      for (const secret of [...Object.values(SECRETS), TEST_JWT_SECRET]) expect(received).not.toContain(secret);
      expect(received).not.toMatch(/authorization|kv_refresh|"cookies?"/i);

      // Our trace has the request; Sentry's own HTTP calls are not in it (their URL carries the DSN's key).
      expect(otlp.spans.some((s) => s.traceId === traceId && s.kind === 2)).toBe(true);
      expect(JSON.stringify(otlp.spans)).not.toContain(sentry.publicKey);
      expect(JSON.stringify(otlp.spans)).not.toContain('/envelope/');
    } finally {
      proc.child.kill('SIGKILL');
      otlp.close();
      await sentry.close();
    }
  });

  it('without SENTRY_DSN, the same 5xx sends nothing and the SDK is not started', async () => {
    const sentry = await startSentryReceiver();
    const proc = await runApi({ DATABASE_URL: UNREACHABLE_DATABASE() });
    try {
      const base = proc.baseUrl;
      await eventually(async () => ((await statusOf(`${base}/healthz`)) === 200 ? true : undefined), 60_000, 'the API');
      expect((await failingLogin(base)).status).toBeGreaterThanOrEqual(500);
      await eventually(() => (proc.output().includes('request failed') ? true : undefined), 10_000, 'the 5xx to be logged');
      // The shutdown is where reports are flushed: after the exit nothing can still be on its way.
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
      expect(sentry.envelopes).toHaveLength(0);
      expect(proc.output()).not.toContain('error tracking: reporting to Sentry');
    } finally {
      proc.child.kill('SIGKILL');
      await sentry.close();
    }
  });

  it('a failed worker pass is reported, tagged with the worker and in the pass trace, and the worker still exits 1', async () => {
    const sentry = await startSentryReceiver();
    const otlp = await startOtlpReceiver();
    const proc = runNode('dist/workers/deposit-monitor.js', {
      DATABASE_URL: UNREACHABLE_DATABASE(),
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_FORMAT: 'json',
      SENTRY_DSN: sentry.dsn,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    });
    try {
      expect((await proc.exited).code).toBe(1);
      expect(proc.output()).toMatch(/deposit-monitor pass failed/);
      // The worker flushed before exiting: the report is already here.
      const events = sentry.events();
      expect(events).toHaveLength(1);
      expect(tags(events[0])).toEqual({ worker: 'deposit-monitor' });
      expect(events[0]).toMatchObject({ transaction: 'deposit-monitor pass', release: RELEASE, environment: 'development' });
      const pass = otlp.spans.find((s) => s.name === 'deposit-monitor.pass');
      expect(pass).toBeDefined();
      expect(traceContext(events[0])?.trace_id).toBe(pass!.traceId);
      expect(sentry.allBytes()).not.toContain(TEST_JWT_SECRET);
    } finally {
      proc.child.kill('SIGKILL');
      otlp.close();
      await sentry.close();
    }
  });

  it("keeps Prisma's query arguments out of a reported validation error", async () => {
    const db = await createTestDatabase();
    const sentry = await startSentryReceiver();
    startErrorTracking({ SENTRY_DSN: sentry.dsn, SENTRY_ENVIRONMENT: undefined, NODE_ENV: 'test' }, createLogger({ LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }));
    const api = await startTestApp({ DATABASE_URL: db.url }, { extraModules: [ProbeModule] });
    try {
      const res = await fetch(`${api.baseUrl}/__probe/prisma-invalid`);
      expect(res.status).toBe(500);
      const event = await eventually(() => sentry.events()[0], 30_000, 'the Sentry event');
      const exception = (event.exception as { values: { type: string; value: string }[] }).values[0];
      expect(exception.type).toBe('PrismaClientValidationError');
      expect(exception.value).toMatch(/Invalid `.*findMany\(\)` invocation/);
      expect(sentry.allBytes()).not.toContain('prisma-arg-secret@example.com');
    } finally {
      await stopErrorTracking();
      await api.close();
      await sentry.close();
      await db.drop();
    }
  });

  it('scrubs every event before it leaves: no request, user, breadcrumbs or extra data, no credentials in messages', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl';
    const event = scrubEvent({
      type: undefined,
      request: { url: 'http://api/x?ticket=T1', headers: { authorization: 'Bearer A1', cookie: 'kv_refresh=C1' }, data: '{"password":"P1"}' },
      user: { email: 'u@example.com', ip_address: '10.0.0.1' },
      breadcrumbs: [{ message: 'GET /x?token=T2' }],
      extra: { env: 'JWT_SECRET=S1' },
      modules: { pg: '8.23.1' },
      contexts: { trace: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16), data: { secret: 'S2' } }, runtime: { name: 'node' }, cloud_resource: { 'cloud.region': 'R1' }, app: { app_memory: 1 } },
      exception: {
        values: [
          {
            type: 'Error',
            value: `failed with Bearer A2, ${jwt}, postgresql://kv:P2@db:5432/kv at GET /notifications/stream?ticket=T3`,
            stacktrace: { frames: [{ function: 'f', vars: { password: 'P3' }, pre_context: ['const password = "P4"'], context_line: 'x', post_context: ['y'] }] },
          },
        ],
      },
    });
    const text = JSON.stringify(event);
    for (const secret of ['T1', 'A1', 'C1', 'P1', 'u@example.com', '10.0.0.1', 'T2', 'S1', 'S2', 'R1', 'T3', 'A2', jwt, 'P2', 'P3', 'P4']) expect(text).not.toContain(secret);
    expect(Object.keys(event.contexts ?? {}).sort()).toEqual(['runtime', 'trace']);
    expect(event.contexts?.trace).toEqual({ trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) });
    expect(event.exception?.values?.[0].value).toBe('failed with Bearer [REDACTED], [REDACTED], postgresql://[REDACTED]@db:5432/kv at GET /notifications/stream?ticket=[REDACTED]');
    expect(event.exception?.values?.[0].stacktrace?.frames).toEqual([{ function: 'f' }]);
  });
});
