import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/local/embedded-postgres';
import { migrateDeploy } from '../../src/local/migrate';
import { startPostgresProcess } from './tls-postgres';

/** Built once per run by global-setup with every migration applied. */
export const TEMPLATE_DATABASE = 'kv_test_template';

export interface TestDatabase {
  url: string;
  name: string;
  /** A pg pool on the database, for assertions on rows. */
  pool: pg.Pool;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.TEST_DATABASE_SERVER_URL;
  if (!url) throw new Error('TEST_DATABASE_SERVER_URL is not set: run tests through jest (global-setup starts PostgreSQL)');
  return url;
}

export function databaseUrl(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>, url = serverUrl()): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database for one test file: migrated (cloned from the template) unless `empty`. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `kv_test_${crypto.randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(options.empty ? `CREATE DATABASE "${name}"` : `CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE_DATABASE}"`));
  const url = databaseUrl(name);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle connection closed by the server (a terminated backend) is replaced on the next
  // query; without a listener pg-pool would throw it as an unhandled error into a random test.
  pool.on('error', () => undefined);
  return {
    url,
    name,
    pool,
    drop: async () => {
      await pool.end();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** A PostgreSQL server of one test file's own, which it may stop and start (the run's shared one it must not). */
export interface DedicatedPostgres {
  /** URL of its migrated database. */
  url: string;
  /** A pg pool on that database, for setup and assertions (fails while the server is down). */
  pool: pg.Pool;
  /** Fast shutdown (SIGINT): open sessions are terminated, new connections refused. */
  stop(): Promise<void>;
  /** Starts it again on the same data directory and port. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  close(): Promise<void>;
}

/**
 * Starts an embedded PostgreSQL on its own data directory and port, with one database
 * migrated by `prisma migrate deploy` (as global-setup does for the run's server).
 */
export async function startDedicatedPostgres(): Promise<DedicatedPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-dedicated-pg-'));
  // As root, PostgreSQL runs as an unprivileged user that must reach its data dir.
  fs.chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  // In a child process: embedded-postgres is ESM-only, which jest cannot load in a test file.
  const launch = () => startPostgresProcess(dataDir, [], { persistent: true, port });
  let server: Awaited<ReturnType<typeof launch>> | undefined = await launch();
  await admin((c) => c.query('CREATE DATABASE kv'), server.serverUrl);
  const serverUrl = new URL(server.serverUrl);
  serverUrl.pathname = '/kv';
  const url = serverUrl.toString();
  migrateDeploy(url);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // Idle connections die with the server; the pool replaces them on the next query.
  pool.on('error', () => undefined);
  const stop = async () => {
    const running = server;
    server = undefined;
    await running?.stop();
  };
  return {
    url,
    pool,
    stop,
    start: async () => {
      if (!server) server = await launch();
    },
    close: async () => {
      await pool.end().catch(() => undefined);
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
