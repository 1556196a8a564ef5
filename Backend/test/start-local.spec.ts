import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/local/embedded-postgres';
import { createTestDatabase } from './harness/postgres';
import { eventually, runNode, statusOf } from './harness/process';

/** The README's start command: embedded PostgreSQL + migrations + API, Ctrl-C stops it all. */
describe('npm start (start-local)', () => {
  it('serves /readyz 200 on the embedded database, keeps data between runs, and stops cleanly on Ctrl-C', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-local-'));
    fs.chmodSync(dataDir, 0o755);
    const run = async () => {
      const port = await freePort();
      const pgPort = await freePort();
      // detached: its own process group, so a group SIGINT is exactly what Ctrl-C sends.
      const proc = runNode('dist/local/start-local.js', { LOCAL_DATA_DIR: dataDir, PORT: String(port), LOCAL_POSTGRES_PORT: String(pgPort), LOG_FORMAT: 'json' }, { detached: true });
      try {
        await eventually(async () => ((await statusOf(`http://127.0.0.1:${port}/readyz`)) === 200 ? true : undefined), 120_000, 'readiness');
        // the local platform runs the jobs too
        await eventually(() => (proc.output().includes('deposit-monitor pass finished') ? true : undefined), 60_000, 'a deposit monitor pass');
        process.kill(-proc.child.pid!, 'SIGINT');
        const { code } = await proc.exited;
        expect(code).toBe(0);
        expect(proc.output()).toContain('[start-local] stopped (API exit code 0)');
        // The database went down with it.
        expect(await statusOf(`http://127.0.0.1:${port}/healthz`)).toBeUndefined();
        return proc.output();
      } finally {
        try {
          process.kill(-proc.child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    };
    try {
      await run();
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
      expect(fs.statSync(path.join(dataDir, 'dev-secrets.json')).mode & 0o077).toBe(0);
      // Second run reuses the data directory (no initdb) and the migrations are already applied.
      const second = await run();
      expect(second).toContain('applying migrations');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('uses DATABASE_URL when it is set (no embedded server), applying migrations there', async () => {
    const db = await createTestDatabase({ empty: true });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-local-url-'));
    const port = await freePort();
    const proc = runNode('dist/local/start-local.js', { DATABASE_URL: db.url, LOCAL_DATA_DIR: dataDir, PORT: String(port), LOG_FORMAT: 'json' });
    try {
      await eventually(async () => ((await statusOf(`http://127.0.0.1:${port}/readyz`)) === 200 ? true : undefined), 120_000, 'readiness');
      expect(proc.output()).toContain('[start-local] using DATABASE_URL');
      expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false);
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL`);
      expect(rows[0].n).toBeGreaterThan(0);
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    } finally {
      proc.child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
      await db.drop();
    }
  });
});
