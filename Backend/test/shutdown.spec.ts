import { shutDownGracefully } from '../src/lifecycle/graceful-shutdown';
import { createLogger } from '../src/logging/logger';
import { startTestApp } from './harness/app';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { eventually, runApi, statusOf } from './harness/process';
import { Gate, probeGate, ProbeModule } from './harness/probe.module';

describe('graceful shutdown', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('fails readiness at once, lets the in-flight request finish, then closes the listener', async () => {
    const api = await startTestApp({ DATABASE_URL: db.url }, { extraModules: [ProbeModule] });
    probeGate.current = new Gate();
    const inFlight = fetch(`${api.baseUrl}/__probe/slow`);
    await eventually(() => (probeGate.current.entered ? true : undefined), 10_000, 'the slow request to start');

    const logger = createLogger({ LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });
    const shutdown = shutDownGracefully(api.app, 1_000, logger);

    const ready = await fetch(`${api.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ error: 'NOT_READY', details: [{ field: 'shutdown', message: 'shutting down' }] });
    expect((await fetch(`${api.baseUrl}/healthz`)).status).toBe(200);

    probeGate.current.open();
    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(await finished.json()).toEqual({ finished: true });

    await shutdown;
    await expect(fetch(`${api.baseUrl}/healthz`)).rejects.toThrow();
  });

  it('the real process turns not-ready on SIGTERM and exits 0', async () => {
    const proc = await runApi({ DATABASE_URL: db.url, SHUTDOWN_DELAY_MS: '3000' });
    const base = proc.baseUrl;
    try {
      await eventually(async () => ((await statusOf(`${base}/readyz`)) === 200 ? true : undefined), 60_000, 'readiness');
      proc.child.kill('SIGTERM');
      await eventually(async () => ((await statusOf(`${base}/readyz`)) === 503 ? true : undefined), 5_000, 'readiness to fail');
      const { code } = await proc.exited;
      expect(code).toBe(0);
      expect(proc.output()).toContain('shutdown complete');
    } finally {
      proc.child.kill('SIGKILL');
    }
  });
});
