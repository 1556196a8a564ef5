import { TEST_JWT_SECRET } from './harness/app';
import { createTestDatabase, type TestDatabase } from './harness/postgres';
import { runNode } from './harness/process';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { seedInvestments } = require('../../bench/seed-investments') as { seedInvestments: (pool: unknown, o: Record<string, number>) => Promise<{ planId: string }> };

/** The earnings worker is safe to run twice at once and to kill at any instant. */
describe('earnings worker: concurrent passes and crashes', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const worker = (args: string[] = []) =>
    runNode('dist/workers/earnings.js', { DATABASE_URL: db.url, JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: 'test', LOG_FORMAT: 'json', LOG_LEVEL: 'warn' }, { args });

  async function totals(planId: string) {
    const { rows } = await db.pool.query(
      `SELECT (SELECT count(*)::int FROM "Earning" e JOIN "Investment" i ON i.id = e."investmentId" WHERE i."planId" = $1) AS earnings,
              (SELECT count(*)::int FROM "LedgerEntry" l JOIN "Investment" i ON i.id = l."investmentId" WHERE i."planId" = $1 AND l.type = 'EARNING') AS entries,
              (SELECT COALESCE(SUM(l.amount), 0)::text FROM "LedgerEntry" l JOIN "Investment" i ON i.id = l."investmentId" WHERE i."planId" = $1 AND l.type = 'EARNING') AS paid,
              (SELECT count(*)::int FROM (SELECT e."investmentId" FROM "Earning" e JOIN "Investment" i ON i.id = e."investmentId" WHERE i."planId" = $1 GROUP BY 1 HAVING count(*) <> 10) t) AS uneven,
              (SELECT bool_and(a.balance = (SELECT COALESCE(SUM(amount), 0) FROM "LedgerEntry" WHERE "accountId" = a.id)) FROM "Account" a) AS consistent`,
      [planId],
    );
    return rows[0];
  }

  it('SIGKILLed at random points (10+ times), then a clean pass: every due day paid exactly once', async () => {
    // 2,000 investments with 10 missed days each: 20,000 earnings to catch up
    const { planId } = await seedInvestments(db.pool, { count: 2000, users: 200, durationDays: 30, startedDaysAgo: 10 });
    // A pass is one transaction per batch: a fixed delay races a fast machine (the first pass
    // commits everything and later rounds kill idle no-op passes). So most rounds wait until
    // the worker's transaction has written (it holds a transaction id), then kill it a random
    // moment later; every third round kills at a random point of start-up instead.
    const writing = async () => {
      const { rows } = await db.pool.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()`,
      );
      return rows[0].n > 0;
    };
    let killedMidPass = 0;
    for (let round = 0; round < 12; round++) {
      const proc = worker();
      if (round % 3 === 2) {
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 600)));
      } else {
        const deadline = Date.now() + 60_000;
        while (proc.child.exitCode === null && Date.now() < deadline && !(await writing())) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 200)));
      }
      if (proc.child.exitCode === null) killedMidPass++;
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    expect(killedMidPass).toBeGreaterThanOrEqual(10);
    // Killed mid-transaction: nothing of those passes was committed.
    expect((await totals(planId)).earnings).toBeLessThan(20000);
    const clean = worker();
    expect((await clean.exited).code).toBe(0);
    expect(await totals(planId)).toEqual({ earnings: 20000, entries: 20000, paid: '20.000000000000000000', uneven: 0, consistent: true });
  }, 300_000);

  it('two worker processes at once, with --as-of past maturity: each day paid once, each principal returned once', async () => {
    const { planId } = await seedInvestments(db.pool, { count: 500, users: 50, durationDays: 10, startedDaysAgo: 3 });
    const asOf = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const [a, b] = [worker([`--as-of=${asOf}`]), worker([`--as-of=${asOf}`])];
    expect([(await a.exited).code, (await b.exited).code]).toEqual([0, 0]);
    const { rows } = await db.pool.query(
      `SELECT count(*) FILTER (WHERE i.status = 'COMPLETED')::int AS completed,
              (SELECT count(*)::int FROM "LedgerEntry" l JOIN "Investment" j ON j.id = l."investmentId" WHERE j."planId" = $1 AND l.type = 'PRINCIPAL_RETURN') AS returned,
              (SELECT COALESCE(SUM(l.amount), 0)::text FROM "LedgerEntry" l JOIN "Investment" j ON j.id = l."investmentId" WHERE j."planId" = $1 AND l.type = 'EARNING') AS paid
         FROM "Investment" i WHERE i."planId" = $1`,
      [planId],
    );
    // 500 × 10 days × 0.001
    expect(rows[0]).toEqual({ completed: 500, returned: 500, paid: '5.000000000000000000' });
  }, 300_000);
});
