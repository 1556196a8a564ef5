import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EarningsService } from '../src/investments/earnings.service';
import { runPrisma } from '../src/local/migrate';
import { startTestApp, type TestApp } from './harness/app';
import { ApiClient } from './harness/auth-client';
import { balanceOf, MONEY_TEST_SETTINGS, PASSWORD, startMoneyTestEnv, type MoneyTestEnv, type TestUser } from './harness/money';
import { pgClientTools, runPgTool, type PgClientTools } from './harness/pg-tools';
import { createTestDatabase, type TestDatabase } from './harness/postgres';

const DAY = 86_400_000;
const dateIn = (days: number) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) + days * DAY).toISOString().slice(0, 10);
const DEST = '0x52908400098527886e0f7030069857d2e4169ee7';
const TABLES = ['User', 'Account', 'LedgerEntry', 'Deposit', 'Withdrawal', 'Plan', 'Investment', 'Earning', 'AdminAuditLog', 'Notification', 'RefreshToken', '_prisma_migrations'];

/** Every account whose cached balance differs from the sum of its ledger entries (none, when the ledger holds). */
const LEDGER_MISMATCHES = `
  SELECT a.id, a.balance::text, COALESCE(SUM(e.amount), 0)::text AS ledger
  FROM "Account" a LEFT JOIN "LedgerEntry" e ON e."accountId" = a.id
  GROUP BY a.id HAVING a.balance <> COALESCE(SUM(e.amount), 0)`;

/**
 * Backup and restore as docs/deployment.md describes them: `pg_dump -Fc` of a database with
 * users and ledger activity, `pg_restore --single-transaction --exit-on-error` into a fresh,
 * empty database, and the real API on the restored database serves what it served before.
 */
describe('backup (pg_dump -Fc) and restore (pg_restore) into an empty database', () => {
  let env: MoneyTestEnv;
  let tools: PgClientTools;
  let workDir: string;
  let restored: TestDatabase | undefined;
  let restoredApp: TestApp | undefined;
  let dump: string | undefined;

  beforeAll(async () => {
    env = await startMoneyTestEnv();
    const { rows } = await env.db.pool.query(`SELECT current_setting('server_version_num')::int / 10000 AS major`);
    tools = pgClientTools(rows[0].major);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-backup-'));
  });
  afterAll(async () => {
    await restoredApp?.close();
    await restored?.drop();
    await env.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  const counts = async (db: TestDatabase) =>
    Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, (await db.pool.query(`SELECT count(*)::int AS n FROM "${t}"`)).rows[0].n as number])));

  /** What the API shows one user: balances, the ledger of every asset, investments and withdrawals. */
  async function statement(api: ApiClient, token: string) {
    const accounts = await api.get('/accounts', { token });
    expect(accounts.status).toBe(200);
    const ledgers: Record<string, unknown> = {};
    for (const { asset } of accounts.body.items as { asset: string }[]) {
      const ledger = await api.get(`/accounts/${asset}/ledger?limit=100`, { token });
      expect(ledger.status).toBe(200);
      ledgers[asset] = ledger.body;
    }
    const investments = await api.get('/investments', { token });
    const withdrawals = await api.get('/withdrawals', { token });
    expect([investments.status, withdrawals.status]).toEqual([200, 200]);
    return { accounts: accounts.body, ledgers, investments: investments.body, withdrawals: withdrawals.body };
  }

  it('restores users, balances, ledger and migration history; the API on the restored database serves the same statements', async () => {
    // --- activity: deposits, an investment with paid earnings, withdrawals held, cancelled and rejected
    const admin = await env.newUser({ admin: true, kyc: true });
    const plan = await env.api.post(
      '/admin/plans',
      { name: 'Backup BTC', asset: 'BTC', minAmount: '0.01', maxAmount: '5', returnPercentPer30Days: '3', durationDays: 30 },
      { token: admin.token },
    );
    expect(plan.status).toBe(201);
    const alice = await env.newUser({ kyc: true });
    const bob = await env.newUser({ kyc: true });
    await env.fund(alice.id, 'BTC', '1');
    await env.fund(alice.id, 'ETH', '2');
    await env.fund(bob.id, 'ETH', '0.75');
    await env.fund(bob.id, 'USDT', '250');
    expect((await env.api.post('/investments', { planId: plan.body.id, amount: '0.4' }, { token: alice.token })).status).toBe(201);
    expect((await env.app.app.get(EarningsService).runPass({ asOf: dateIn(2) })).earnings).toBeGreaterThanOrEqual(2);
    const withdraw = (user: TestUser, amount: string) => env.api.post('/withdrawals', { asset: 'ETH', amount, address: DEST }, { token: user.token });
    const pending = await withdraw(alice, '0.5');
    expect(pending.status).toBe(201);
    const cancelled = await withdraw(alice, '0.25');
    expect((await env.api.post(`/withdrawals/${cancelled.body.id}/cancel`, undefined, { token: alice.token })).body).toMatchObject({ status: 'CANCELLED' });
    const rejected = await withdraw(bob, '0.5');
    expect((await env.api.post(`/admin/withdrawals/${rejected.body.id}/reject`, { reason: 'Travel rule data missing' }, { token: admin.token })).body).toMatchObject({ status: 'REJECTED' });
    // 2 − 0.5 held (0.25 held, then released)
    expect(await balanceOf(env.api, alice.token, 'ETH')).toBe('1.500000000000000000');
    expect(await balanceOf(env.api, bob.token, 'ETH')).toBe('0.750000000000000000');

    const users = [admin, alice, bob];
    const before = await Promise.all(users.map((u) => statement(env.api, u.token)));
    const rowsBefore = await counts(env.db);
    expect(rowsBefore.LedgerEntry).toBeGreaterThanOrEqual(10);
    expect(rowsBefore.Earning).toBeGreaterThanOrEqual(2);
    const maxSeqBefore = (await env.db.pool.query(`SELECT max(seq)::bigint::text AS s FROM "LedgerEntry"`)).rows[0].s as string;

    // --- backup, taken while the API is up (pg_dump reads one consistent snapshot)
    dump = path.join(workDir, 'kryptovault.dump');
    await runPgTool(tools.pgDump, ['--format=custom', '--file', dump, '--dbname', env.db.url]);
    // The archive loads table data before it creates the triggers that guard the ledger
    // (they are post-data), so restoring rows cannot trip them.
    const toc = (await runPgTool(tools.pgRestore, ['--list', dump])).stdout.split('\n').filter((l) => /^\d+;/.test(l));
    const lastData = toc.findLastIndex((l) => / TABLE DATA public /.test(l));
    const firstTrigger = toc.findIndex((l) => / TRIGGER public /.test(l));
    expect(toc.some((l) => / TABLE DATA public LedgerEntry /.test(l))).toBe(true);
    expect(toc.some((l) => / TRIGGER public LedgerEntry LedgerEntry_apply /.test(l))).toBe(true);
    expect(firstTrigger).toBeGreaterThan(lastData);

    // --- restore into a fresh, empty database, all or nothing
    restored = await createTestDatabase({ empty: true });
    expect((await restored.pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n).toBe(0);
    await runPgTool(tools.pgRestore, ['--single-transaction', '--exit-on-error', '--no-owner', '--dbname', restored.url, dump]);

    // every row is back, and the cached balances still equal the ledger
    expect(await counts(restored)).toEqual(rowsBefore);
    expect((await restored.pool.query(LEDGER_MISMATCHES)).rows).toEqual([]);
    expect((await restored.pool.query(`SELECT count(*)::int AS n FROM "Account" WHERE balance <> 0`)).rows[0].n).toBeGreaterThanOrEqual(4);

    // the migration history came along: nothing to apply, the schema is up to date
    const migrations = `SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY 1`;
    expect((await restored.pool.query(migrations)).rows).toEqual((await env.db.pool.query(migrations)).rows);
    const status = runPrisma(['migrate', 'status'], restored.url);
    expect(status.output).toContain('Database schema is up to date');
    expect(status.status).toBe(0);
    const deploy = runPrisma(['migrate', 'deploy'], restored.url);
    expect(deploy.output).toContain('No pending migrations to apply');
    expect(deploy.status).toBe(0);

    // the guards were restored and are active again
    await expect(restored.pool.query(`UPDATE "Account" SET balance = balance + 1 WHERE "userId" = $1`, [alice.id])).rejects.toThrow(/changes only through LedgerEntry/);
    const triggers = `SELECT tgrelid::regclass::text AS "table", tgname, tgenabled, tgdeferrable FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`;
    expect((await restored.pool.query(triggers)).rows).toEqual((await env.db.pool.query(triggers)).rows);
    await expect(restored.pool.query(`TRUNCATE "LedgerEntry" CASCADE`)).rejects.toThrow(/append-only/);
    await expect(restored.pool.query(`DELETE FROM "LedgerEntry" WHERE "accountId" IN (SELECT id FROM "Account" WHERE "userId" = $1)`, [bob.id])).rejects.toThrow(/append-only/);
    expect((await restored.pool.query(`SELECT count(*)::int AS n FROM "LedgerEntry"`)).rows[0].n).toBe(rowsBefore.LedgerEntry);

    // --- the real API on the restored database
    restoredApp = await startTestApp({ DATABASE_URL: restored.url, ...env.smtp.env, ...MONEY_TEST_SETTINGS, ...env.verifier.env });
    const api = new ApiClient(restoredApp.baseUrl);
    const ready = await api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ info: { database: { status: 'up' }, migrations: { status: 'up' } } });
    // users log in with their passwords (the password hashes were restored) ...
    const tokens: string[] = [];
    for (const user of users) {
      const login = await api.post('/auth/login', { email: user.email, password: PASSWORD });
      expect(login.status).toBe(200);
      tokens.push(login.body.accessToken);
    }
    // ... and see exactly the balances, ledgers, investments and withdrawals they saw before
    expect(await Promise.all(users.map((_, i) => statement(api, tokens[i]!)))).toEqual(before);
    // an access token issued before the backup still works (same JWT secret, restored session state)
    expect(await statement(api, alice.token)).toEqual(before[1]);

    // --- the restored database keeps working: new money moves on top of the restored ledger
    expect((await api.post(`/withdrawals/${pending.body.id}/cancel`, undefined, { token: tokens[1] })).body).toMatchObject({ status: 'CANCELLED' });
    expect(await balanceOf(api, tokens[1]!, 'ETH')).toBe('2.000000000000000000');
    const newest = await restored.pool.query(`SELECT min(seq)::bigint::text AS s FROM "LedgerEntry" WHERE "withdrawalId" = $1 AND type = 'WITHDRAWAL_RELEASE'`, [pending.body.id]);
    expect(BigInt(newest.rows[0].s)).toBeGreaterThan(BigInt(maxSeqBefore));
    expect((await restored.pool.query(LEDGER_MISMATCHES)).rows).toEqual([]);
    // the original database is untouched by what happened on the copy
    expect(await balanceOf(env.api, alice.token, 'ETH')).toBe('1.500000000000000000');
  });

  it('data alone into a migrated database is refused by the ledger guards, all or nothing: restore into an empty one', async () => {
    expect(dump).toBeDefined();
    const migrated = await createTestDatabase();
    try {
      await expect(runPgTool(tools.pgRestore, ['--data-only', '--single-transaction', '--exit-on-error', '--dbname', migrated.url, dump!])).rejects.toThrow(
        /Account\.balance starts at 0/,
      );
      const { rows } = await migrated.pool.query(`SELECT (SELECT count(*) FROM "User")::int AS users, (SELECT count(*) FROM "LedgerEntry")::int AS entries`);
      expect(rows[0]).toEqual({ users: 0, entries: 0 });
    } finally {
      await migrated.drop();
    }
  });
});
