import { createTestDatabase, type TestDatabase } from './harness/postgres';

/** The money invariants live in the database (migration SQL), so they hold for every writer. */
describe('ledger and balance constraints in PostgreSQL', () => {
  let db: TestDatabase;
  let accountId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const user = await db.pool.query(
      `INSERT INTO "User" (id, email, "passwordHash", name, "updatedAt") VALUES (gen_random_uuid(), 'ledger@example.com', 'x', 'L', now()) RETURNING id`,
    );
    const account = await db.pool.query(`INSERT INTO "Account" (id, "userId", asset) VALUES (gen_random_uuid(), $1, 'BTC') RETURNING id`, [user.rows[0].id]);
    accountId = account.rows[0].id;
  });
  afterAll(() => db.drop());

  const entry = (amount: string, key: string) =>
    db.pool.query(
      `INSERT INTO "LedgerEntry" (id, "accountId", type, amount, "idempotencyKey") VALUES (gen_random_uuid(), $1, 'ADJUSTMENT', $2, $3) RETURNING "balanceAfter"`,
      [accountId, amount, key],
    );
  const balance = async () => (await db.pool.query(`SELECT balance::text FROM "Account" WHERE id = $1`, [accountId])).rows[0].balance;

  it('an entry moves the cached balance exactly, with 18 decimals', async () => {
    const first = await entry('1.000000000000000001', 'k1');
    expect(first.rows[0].balanceAfter).toBe('1.000000000000000001');
    await entry('-0.000000000000000001', 'k2');
    expect(await balance()).toBe('1.000000000000000000');
  });

  it('refuses a second entry with the same idempotency key', async () => {
    await expect(entry('5', 'k1')).rejects.toMatchObject({ code: '23505' });
    expect(await balance()).toBe('1.000000000000000000');
  });

  it('refuses an entry that would make the balance negative', async () => {
    await expect(entry('-1.5', 'k3')).rejects.toMatchObject({ code: '23514' });
    expect(await balance()).toBe('1.000000000000000000');
  });

  it('refuses zero amounts, edits and deletes of entries, and direct balance writes', async () => {
    await expect(entry('0', 'k4')).rejects.toMatchObject({ code: '23514' });
    await expect(db.pool.query(`UPDATE "LedgerEntry" SET amount = 100`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`DELETE FROM "LedgerEntry"`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`UPDATE "Account" SET balance = 1000 WHERE id = $1`, [accountId])).rejects.toThrow(/only through LedgerEntry/);
    const owner = (await db.pool.query(`SELECT "userId" FROM "Account" WHERE id = $1`, [accountId])).rows[0].userId;
    await expect(db.pool.query(`INSERT INTO "Account" (id, "userId", asset, balance) VALUES (gen_random_uuid(), $1, 'SOL', 5)`, [owner])).rejects.toThrow(
      /starts at 0/,
    );
    expect(await balance()).toBe('1.000000000000000000');
  });

  it('the cached balance equals the sum of the ledger', async () => {
    const { rows } = await db.pool.query(
      `SELECT a.balance::text AS cached, COALESCE(SUM(e.amount), 0)::text AS summed FROM "Account" a LEFT JOIN "LedgerEntry" e ON e."accountId" = a.id WHERE a.id = $1 GROUP BY a.id`,
      [accountId],
    );
    expect(rows[0].cached).toBe(rows[0].summed);
  });

  it('makes (asset, txHash) unique across the platform', async () => {
    const user = (await db.pool.query(`SELECT id FROM "User" LIMIT 1`)).rows[0].id;
    const insert = () =>
      db.pool.query(
        `INSERT INTO "Deposit" (id, "userId", asset, "expectedAmount", address, "txHash", "requiredConfirmations", "expiresAt", "updatedAt")
         VALUES (gen_random_uuid(), $1, 'ETH', 1, '0xabc', '0xdeadbeef', 12, now() + interval '1 day', now())`,
        [user],
      );
    await insert();
    await expect(insert()).rejects.toMatchObject({ code: '23505' });
  });
});
