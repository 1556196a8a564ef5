import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/local/embedded-postgres';
import { createTestDatabase } from './harness/postgres';
import { launchChromium } from './harness/browser';
import { eventually, runNode, statusOf } from './harness/process';

/** Free loopback ports for everything start-local opens, so runs never collide. */
async function localPorts(): Promise<Record<string, string>> {
  const [api, pg, smtp, mailbox, chain] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  return { PORT: String(api), LOCAL_POSTGRES_PORT: String(pg), LOCAL_SMTP_PORT: String(smtp), LOCAL_MAILBOX_PORT: String(mailbox), LOCAL_CHAIN_PORT: String(chain) };
}

/**
 * The README's start command: embedded PostgreSQL + migrations + demo data + local mailbox +
 * simulated chain + the API with every job; `npm run demo` passes against it; Ctrl-C stops it all.
 */
describe('npm start (start-local)', () => {
  it('runs the whole platform: the demo passes, /docs and the mailbox work in a browser, data survives a restart, Ctrl-C stops everything', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-local-'));
    fs.chmodSync(dataDir, 0o755);
    const run = async (inside: (ports: Record<string, string>, output: () => string) => Promise<void>) => {
      const ports = await localPorts();
      // detached: its own process group, so a group SIGINT is exactly what Ctrl-C sends.
      const proc = runNode('dist/local/start-local.js', { LOCAL_DATA_DIR: dataDir, LOG_FORMAT: 'json', LOCAL_CHAIN_SECONDS_PER_CONFIRMATION: '1', ...ports }, { detached: true });
      try {
        await eventually(() => (proc.output().includes('KryptoVault is running') ? true : undefined), 120_000, `the start-up block\n${proc.output()}`);
        await inside(ports, proc.output);
        process.kill(-proc.child.pid!, 'SIGINT');
        const { code } = await proc.exited;
        expect(code).toBe(0);
        expect(proc.output()).toContain('[start-local] stopped (API exit code 0)');
        // Nothing is left listening: API, mailbox, chain.
        for (const port of [ports.PORT, ports.LOCAL_MAILBOX_PORT, ports.LOCAL_CHAIN_PORT]) expect(await statusOf(`http://127.0.0.1:${port}/`)).toBeUndefined();
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
      const first = await run(async (ports, output) => {
        const api = `http://localhost:${ports.PORT}`;
        const mailbox = `http://127.0.0.1:${ports.LOCAL_MAILBOX_PORT}`;
        const admin = /Admin +(admin@kryptovault\.local) \/ (\S+)/.exec(output());
        expect(admin).not.toBeNull();
        for (const line of [`API       ${api}`, `API docs  ${api}/docs`, `Mailbox   ${mailbox}`, `Chain     http://127.0.0.1:${ports.LOCAL_CHAIN_PORT}`, `Metrics   ${api}/metrics`]) {
          expect(output()).toContain(line);
        }
        // The printed admin login works.
        const login = await fetch(`${api}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: admin![1], password: admin![2] }) });
        expect(login.status).toBe(200);
        expect(((await login.json()) as { user: { role: string } }).user.role).toBe('ADMIN');

        const demo = runNode('dist/local/demo.js', { LOCAL_DATA_DIR: dataDir });
        const { code } = await demo.exited;
        expect({ code, output: demo.output() }).toMatchObject({ code: 0, output: expect.stringContaining('Demo passed') });
        expect(demo.output()).toMatch(/CREDITED, \d+\/3 confirmations/);

        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          await page.goto(`${api}/docs`);
          await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
          expect(await page.locator('.opblock').count()).toBeGreaterThan(50);
          expect(await page.locator('.opblock-summary-path', { hasText: '/notifications/stream' }).count()).toBeGreaterThan(0);
          expect(await page.locator('button.authorize').count()).toBe(1);

          await page.goto(mailbox);
          await page.getByText('Your KryptoVault verification code').first().waitFor({ timeout: 30_000 });
        } finally {
          await browser.close();
        }
      });
      expect(first).toMatch(/initialising an embedded PostgreSQL/);
      expect(first).toContain('seed: admin admin@kryptovault.local created with password');
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
      expect(fs.statSync(path.join(dataDir, 'dev-secrets.json')).mode & 0o077).toBe(0);
      expect(fs.statSync(path.join(dataDir, 'admin.json')).mode & 0o077).toBe(0);

      // Second run reuses the data directory (no initdb, no new admin); the demo data is there once.
      const second = await run(async () => undefined);
      expect(second).toContain('starting embedded PostgreSQL');
      expect(second).toContain('seed: 0 plan(s) created (4 already there)');
      expect(second).toContain('seed: admin admin@kryptovault.local already exists (unchanged)');
      // The password was printed once, on the run that created the admin.
      const password = JSON.parse(fs.readFileSync(path.join(dataDir, 'admin.json'), 'utf8')).password;
      expect(first).toContain(password);
      expect(second).not.toContain(password);
      expect(second).toMatch(/Admin +admin@kryptovault\.local \(password in \S*admin\.json\)/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses the development stand-ins with NODE_ENV=production, before starting anything', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-local-prod-'));
    try {
      const refused = runNode('dist/local/start-local.js', { NODE_ENV: 'production', LOCAL_DATA_DIR: dataDir });
      expect((await refused.exited).code).toBe(1);
      expect(refused.output()).toContain('SMTP_HOST is required with NODE_ENV=production: the local mailbox is for development only');
      expect(refused.output()).toContain('BLOCKCHAIN_VERIFIER_URL is required with NODE_ENV=production: the simulated chain is for development only');
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses bad local settings with one error naming each, before starting anything', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-local-bad-'));
    try {
      const refused = runNode('dist/local/start-local.js', { LOCAL_DATA_DIR: dataDir, PORT: '70000', LOCAL_CHAIN_SECONDS_PER_CONFIRMATION: 'soon' });
      expect((await refused.exited).code).toBe(1);
      expect(refused.output()).toContain('PORT must be a port (1-65535), got "70000"');
      expect(refused.output()).toContain('LOCAL_CHAIN_SECONDS_PER_CONFIRMATION must be a number of seconds (> 0, at most 3600), got "soon"');
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('uses DATABASE_URL when it is set (no embedded server), applying migrations there', async () => {
    const db = await createTestDatabase({ empty: true });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-local-url-'));
    const ports = await localPorts();
    const port = ports.PORT;
    const proc = runNode('dist/local/start-local.js', { DATABASE_URL: db.url, LOCAL_DATA_DIR: dataDir, LOG_FORMAT: 'json', ...ports });
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
