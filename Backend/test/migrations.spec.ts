import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import { createMigrationAdapterFactory, parseDatabaseUrl } from '../src/database/pg-adapter';
import { runPrisma } from '../src/local/migrate';
import { shippedMigrations } from '../src/database/migration-state';
import { createTestDatabase, type TestDatabase } from './harness/postgres';

const EXPECTED_TABLES = [
  'Account', 'AdminAuditLog', 'AuthEvent', 'AutomationRun', 'AutomationSession', 'Deposit', 'Earning', 'Investment', 'JobStatus', 'KycSubmission', 'LedgerEntry',
  'Notification', 'NotificationStreamTicket', 'OneTimeCode', 'Plan', 'Profile', 'RefreshToken', 'Trade', 'User', 'Withdrawal', '_prisma_migrations',
  // rate-limiter-flexible's PostgreSQL store (src/rate-limit)
  'RateLimit',
  // auth requests answered alike for every address, and the email outbox (src/auth, src/mail)
  'AuthRequest', 'EmailOutbox',
];

describe('migrations through the WebAssembly schema engine', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db.drop());

  it('migrate deploy creates every table of the domain model on a fresh database', async () => {
    const { status, output } = runPrisma(['migrate', 'deploy'], db.url);
    expect(output).toContain('All migrations have been successfully applied');
    expect(status).toBe(0);
    const { rows } = await db.pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
    expect(rows.map((r) => r.table_name).sort()).toEqual([...EXPECTED_TABLES].sort());
    const applied = await db.pool.query(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL`);
    expect(applied.rows.map((r) => r.migration_name).sort()).toEqual(shippedMigrations());
  });

  it('migrate status reports the database up to date', () => {
    const { status, output } = runPrisma(['migrate', 'status'], db.url);
    expect(output).toContain('Database schema is up to date');
    expect(status).toBe(0);
  });

  it('migrate status fails on a database that lacks migrations', async () => {
    const empty = await createTestDatabase({ empty: true });
    try {
      const { status, output } = runPrisma(['migrate', 'status'], empty.url);
      expect(status).not.toBe(0);
      expect(output).toMatch(/not yet been applied|have not yet been applied/);
    } finally {
      await empty.drop();
    }
  });
});

describe('migrations match schema.prisma (drift check)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db.drop());

  const shadowDatabases = async () =>
    (await db.pool.query(`SELECT datname FROM pg_database WHERE datname LIKE 'prisma_shadow_%'`)).rows.length;

  it('the committed migrations produce exactly the committed schema', async () => {
    const before = await shadowDatabases();
    const { status, output } = runPrisma(
      ['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema-datamodel', 'prisma/schema.prisma', '--exit-code'],
      db.url,
    );
    expect(output).toContain('No difference detected');
    expect(status).toBe(0);
    // The shadow database is dropped afterwards.
    expect(await shadowDatabases()).toBe(before);
  });

  it('detects a schema change that has no migration (exit code 2, names the change)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-drift-'));
    const schema = fs.readFileSync(path.join(__dirname, '..', 'prisma', 'schema.prisma'), 'utf8').replace('  notes     String?\n', '  notes     String?\n  venue     String?\n');
    expect(schema).toContain('venue');
    fs.writeFileSync(path.join(dir, 'schema.prisma'), schema);
    const { status, output } = runPrisma(
      ['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema-datamodel', path.join(dir, 'schema.prisma'), '--exit-code'],
      db.url,
    );
    expect(output).toMatch(/Added column `venue`/);
    expect(status).toBe(2);
  });
});

describe('catalog types workaround (prisma/orm#27403)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const catalogQuery = {
    sql: `SELECT c.relname, c.relkind FROM pg_class c WHERE c.relname = 'User'`,
    args: [],
    argTypes: [],
  };

  it('plain adapter-pg cannot read `name` and `"char"` columns', async () => {
    const adapter = await new PrismaPg(parseDatabaseUrl(db.url)).connect();
    try {
      await expect(adapter.queryRaw(catalogQuery)).rejects.toThrow();
    } finally {
      await adapter.dispose();
    }
  });

  it('the migration adapter reads them as Text and Character', async () => {
    const adapter = await createMigrationAdapterFactory(db.url).connect();
    try {
      const result = await adapter.queryRaw(catalogQuery);
      expect(result.columnTypes).toEqual([ColumnTypeEnum.Text, ColumnTypeEnum.Character]);
      expect(Array.from(result.rows)).toEqual([['User', 'r']]);
    } finally {
      await adapter.dispose();
    }
  });

  it('runs a script with dollar-quoted bodies whole, and atomically', async () => {
    const adapter = await createMigrationAdapterFactory(db.url).connect();
    try {
      await adapter.executeScript(`CREATE FUNCTION kv_probe() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$; SELECT kv_probe();`);
      await expect(adapter.executeScript(`CREATE TABLE kv_half (id int); SELECT * FROM no_such_table;`)).rejects.toThrow();
      const half = await db.pool.query(`SELECT to_regclass('kv_half') AS t`);
      expect(half.rows[0].t).toBeNull();
    } finally {
      await adapter.dispose();
    }
  });
});
