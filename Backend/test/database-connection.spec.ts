/**
 * DATABASE_URL is read as node-postgres reads it, TLS is never weakened, and no query waits
 * forever: against a real PostgreSQL that speaks TLS with a certificate from our own CA.
 */
import net from 'node:net';
import pg from 'pg';
import { PrismaService } from '../src/database/prisma.service';
import { createPgPool, inTransaction, parseDatabaseUrl } from '../src/database/pg-adapter';
import { migrateDeploy } from '../src/local/migrate';
import { startTestApp } from './harness/app';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { startTlsPostgres, type TlsPostgres } from './harness/tls-postgres';

const tls = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`;

/** Connects with the app's own pg settings for `url`; resolves with the session's TLS state. */
async function sslInUse(url: string): Promise<boolean> {
  const client = new pg.Client(parseDatabaseUrl(url, { connectTimeoutMs: 5000 }));
  await client.connect();
  try {
    const { rows } = await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0].ssl;
  } finally {
    await client.end();
  }
}

async function connectionError(url: string): Promise<Error & { code?: string }> {
  const client = new pg.Client(parseDatabaseUrl(url, { connectTimeoutMs: 5000 }));
  try {
    await client.connect();
  } catch (error) {
    return error as Error;
  } finally {
    await client.end().catch(() => undefined);
  }
  throw new Error('expected the connection to be refused');
}

describe('TLS to PostgreSQL', () => {
  let server: TlsPostgres;
  const DATABASE = 'kv_tls';

  beforeAll(async () => {
    server = await startTlsPostgres();
    const admin = new pg.Client(parseDatabaseUrl(server.url('postgres') + tls({ sslmode: 'verify-full', sslrootcert: server.caFile })));
    await admin.connect();
    await admin.query(`CREATE DATABASE "${DATABASE}"`);
    await admin.end();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('verify-full with sslrootcert: migrations apply and the API is ready, over TLS', async () => {
    const url = server.url(DATABASE) + tls({ sslmode: 'verify-full', sslrootcert: server.caFile, application_name: 'kv-tls-test' });
    migrateDeploy(url);
    const app = await startTestApp({ DATABASE_URL: url });
    try {
      const ready = await fetch(`${app.baseUrl}/readyz`);
      expect(ready.status).toBe(200);
      // Every connection of the app (found by the application_name from the URL) is encrypted.
      const sessions = await app.app.get(PrismaService).$queryRaw<{ ssl: boolean }[]>`
        SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'kv-tls-test'`;
      expect(sessions.length).toBeGreaterThan(0);
      expect(sessions.every((s) => s.ssl)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('a certificate from another CA is refused; /readyz says only "unreachable", the log says why', async () => {
    const url = server.url(DATABASE) + tls({ sslmode: 'verify-full', sslrootcert: server.wrongCaFile });
    expect((await connectionError(url)).message).toMatch(/self[- ]signed certificate|unable to (get local issuer|verify)/);
    const app = await startTestApp({ DATABASE_URL: url });
    try {
      const res = await fetch(`${app.baseUrl}/readyz`);
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text).details).toEqual(expect.arrayContaining([{ field: 'database', message: 'unreachable' }]));
      expect(text).not.toMatch(/certificate|localhost|postgres|SELF_SIGNED/i);
      const line = app.logs.find((l) => l.msg === 'not ready' && l.check === 'database') as { err: { message: string; code?: string } } | undefined;
      expect(line?.err.message).toMatch(/certificate/);
    } finally {
      await app.close();
    }
  });

  it('sslmode=require verifies too (node-postgres semantics): no silent fallback to an unverified connection', async () => {
    const error = await connectionError(server.url(DATABASE) + tls({ sslmode: 'require' }));
    expect(error.message).toMatch(/self[- ]signed certificate|unable to (get local issuer|verify)/);
  });

  it('verify-full checks the host name: the certificate names localhost, not 127.0.0.1', async () => {
    const error = await connectionError(server.url(DATABASE, '127.0.0.1') + tls({ sslmode: 'verify-full', sslrootcert: server.caFile }));
    expect(error.message).toMatch(/does not match certificate's altnames|Hostname\/IP does not match/);
    expect(await sslInUse(server.url(DATABASE, 'localhost') + tls({ sslmode: 'verify-full', sslrootcert: server.caFile }))).toBe(true);
  });

  it('the explicit opt-outs do what they say: libpq verify-ca skips the host name, no-verify skips verification, disable skips TLS', async () => {
    expect(await sslInUse(server.url(DATABASE, '127.0.0.1') + tls({ uselibpqcompat: 'true', sslmode: 'verify-ca', sslrootcert: server.caFile }))).toBe(true);
    expect(await sslInUse(server.url(DATABASE) + tls({ sslmode: 'no-verify' }))).toBe(true);
    expect(await sslInUse(server.url(DATABASE) + tls({ sslmode: 'disable' }))).toBe(false);
  });
});

describe('session settings and timeouts', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const withParams = (params: Record<string, string>) => `${db.url}${db.url.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}`;

  it('honours options and application_name from the URL, keeps TimeZone=UTC, applies the statement timeout', async () => {
    const url = withParams({ options: '-c lock_timeout=1234 -c TimeZone=Europe/Paris', application_name: 'kv-options-test' });
    const app = await startTestApp({ DATABASE_URL: url, DATABASE_STATEMENT_TIMEOUT_MS: '4321' });
    try {
      const prisma = app.app.get(PrismaService);
      const [row] = await prisma.$queryRaw<Record<string, string>[]>`
        SELECT current_setting('lock_timeout') AS lock, current_setting('TimeZone') AS tz,
               current_setting('application_name') AS name, current_setting('statement_timeout') AS stmt`;
      expect(row).toEqual({ lock: '1234ms', tz: 'UTC', name: 'kv-options-test', stmt: '4321ms' });
    } finally {
      await app.close();
    }
  });

  it('a statement_timeout in the URL wins over DATABASE_STATEMENT_TIMEOUT_MS', async () => {
    const app = await startTestApp({ DATABASE_URL: withParams({ statement_timeout: '2500' }), DATABASE_STATEMENT_TIMEOUT_MS: '4321' });
    try {
      const [row] = await app.app.get(PrismaService).$queryRaw<{ stmt: string }[]>`SELECT current_setting('statement_timeout') AS stmt`;
      expect(row!.stmt).toBe('2500ms');
    } finally {
      await app.close();
    }
  });

  it('a statement longer than DATABASE_STATEMENT_TIMEOUT_MS is cancelled by the server', async () => {
    const app = await startTestApp({ DATABASE_URL: db.url, DATABASE_STATEMENT_TIMEOUT_MS: '200' });
    try {
      await expect(app.app.get(PrismaService).$queryRaw`SELECT pg_sleep(5)`).rejects.toThrow(/statement timeout/);
    } finally {
      await app.close();
    }
  });

  it('waiting for a free pooled connection ends after DATABASE_CONNECT_TIMEOUT_MS', async () => {
    const app = await startTestApp({ DATABASE_URL: db.url, DATABASE_POOL_SIZE: '1', DATABASE_CONNECT_TIMEOUT_MS: '300', DATABASE_STATEMENT_TIMEOUT_MS: '0' });
    const prisma = app.app.get(PrismaService);
    try {
      // The pool's only connection is busy for 3 s; a second query must not queue behind it.
      // (a Prisma query starts when awaited or then-ed: start it now)
      const busy = prisma.$queryRaw`SELECT pg_sleep(3)::text`.then((rows) => rows);
      await new Promise((r) => setTimeout(r, 200));
      await expect(prisma.$queryRaw`SELECT 1`).rejects.toThrow(/timeout/i);
      await busy;
      // once the connection is free again, queries go through
      await expect(prisma.$queryRaw`SELECT 1 AS ok`).resolves.toEqual([{ ok: 1 }]);
    } finally {
      await app.close();
    }
  });

  it('a transaction whose connection dies gives the connection back to the pool (Prisma 6.19 kept it when its ROLLBACK failed)', async () => {
    const app = await startTestApp({ DATABASE_URL: db.url, DATABASE_POOL_SIZE: '1', DATABASE_CONNECT_TIMEOUT_MS: '1000' });
    const prisma = app.app.get(PrismaService);
    try {
      for (let i = 0; i < 3; i++) {
        // the backend of the transaction's connection is terminated (a restart, a failover) mid-transaction
        await expect(
          prisma.$transaction(async (tx) => {
            const [{ pid }] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
            await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
            await tx.$queryRaw`SELECT 1`;
          }),
        ).rejects.toThrow();
        // the pool's only connection is usable again: a leaked one would make this wait out the connect timeout and fail
        await expect(prisma.$queryRaw`SELECT 1 AS ok`).resolves.toEqual([{ ok: 1 }]);
      }
    } finally {
      await app.close();
    }
  });

  it('a pool connection that dies while checked out, between two statements, fails that transaction only: no unhandled error, the pool recovers', async () => {
    // createPgPool: the pool under Prisma (PrismaService), sqlTransaction and the rate limits.
    const pool = createPgPool(db.url, { poolSize: 1 });
    pool.on('error', () => undefined);
    const unhandled: Error[] = [];
    const record = (error: Error) => unhandled.push(error);
    process.on('uncaughtException', record);
    try {
      await expect(
        inTransaction(pool, async (client) => {
          const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
          // the server's "terminating connection" arrives while no statement is running
          await new Promise((r) => setTimeout(r, 300));
          await client.query('SELECT 1');
        }),
      ).rejects.toThrow();
      expect(unhandled).toEqual([]);
      await expect(inTransaction(pool, async (client) => (await client.query('SELECT 1 AS ok')).rows)).resolves.toEqual([{ ok: 1 }]);
    } finally {
      process.removeListener('uncaughtException', record);
      await pool.end();
    }
  });

  it('a server that accepts but never answers fails the connection after DATABASE_CONNECT_TIMEOUT_MS', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    const app = await startTestApp({ DATABASE_URL: `postgresql://kv:pw@127.0.0.1:${port}/kv`, DATABASE_CONNECT_TIMEOUT_MS: '300' });
    try {
      await expect(app.app.get(PrismaService).$queryRaw`SELECT 1`).rejects.toThrow(/timeout/i);
      const ready = await fetch(`${app.baseUrl}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await app.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
