import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { startOtlpReceiver, type OtlpSpan } from './harness/otlp';
import { eventually, runApi, statusOf } from './harness/process';

const attr = (span: OtlpSpan, key: string) => span.attributes.find((a) => a.key === key)?.value.stringValue;

describe('OpenTelemetry traces exported over OTLP/HTTP', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('a request produces a server span named by its route with a Prisma child span, and log lines carry the trace id', async () => {
    const receiver = await startOtlpReceiver();
    const proc = await runApi({
      DATABASE_URL: db.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'kv-trace-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    try {
      const base = proc.baseUrl;
      await eventually(async () => ((await statusOf(`${base}/healthz`)) === 200 ? true : undefined), 60_000, 'the API');
      // A public route whose handler reads through Prisma (the readiness checks are plain SQL on the pool).
      const res = await fetch(`${base}/plans`);
      expect(res.status).toBe(200);
      const requestId = res.headers.get('x-request-id');

      const server = await eventually(
        () => receiver.spans.find((s) => s.kind === 2 && attr(s, 'http.route') === '/plans'),
        30_000,
        'the server span',
      );
      expect(server.name).toBe('GET /plans');
      const inTrace = () => receiver.spans.filter((s) => s.traceId === server.traceId);
      const prisma = await eventually(() => inTrace().find((s) => s.name.startsWith('prisma:')), 30_000, 'a Prisma span');
      // The Prisma span descends from the server span (through Nest's spans).
      const byId = new Map(inTrace().map((s) => [s.spanId, s]));
      let cursor: OtlpSpan | undefined = prisma;
      const chain: string[] = [];
      while (cursor?.parentSpanId) {
        cursor = byId.get(cursor.parentSpanId);
        if (cursor) chain.push(cursor.name);
      }
      expect(chain).toContain('GET /plans');
      expect(inTrace().some((s) => s.name.includes('PlansController'))).toBe(true);
      expect(receiver.resources[0]).toMatchObject({ 'service.name': 'kv-trace-test', 'service.version': expect.any(String) });

      const lines = proc.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      const requestLines = lines.filter((l) => l.reqId === requestId);
      expect(requestLines.length).toBeGreaterThan(0);
      expect(requestLines.every((l) => l.trace_id === server.traceId)).toBe(true);

      // A stream ticket in the query string is redacted from the span's attributes.
      const ticket = 'T'.repeat(43);
      expect((await fetch(`${base}/notifications/stream?ticket=${ticket}`)).status).toBe(401);
      const streamSpan = await eventually(() => receiver.spans.find((s) => s.kind === 2 && attr(s, 'http.route') === '/notifications/stream'), 30_000, 'the stream span');
      expect(JSON.stringify(streamSpan.attributes)).not.toContain(ticket);
      expect(JSON.stringify(receiver.spans)).not.toContain(ticket);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      receiver.close();
    }
  });
});
