import { runNode, type RunningProcess } from './harness/process';
import { ETH_ADDRESS, randomTxHash, startMoneyTestEnv, type MoneyTestEnv } from './harness/money';

/**
 * Exactly once under concurrency and crashes: several monitor processes over the same
 * backlog, and a monitor SIGKILLed at random points, then a clean pass.
 */
describe('deposit monitor: concurrent passes and crashes', () => {
  let env: MoneyTestEnv;
  let userId: string;

  beforeAll(async () => {
    env = await startMoneyTestEnv();
    userId = (await env.newUser()).id;
  });
  afterAll(() => env.close());

  /** `count` SUBMITTED ETH deposits due now, each CONFIRMED on the chain with a slightly different received amount. */
  async function backlog(count: number): Promise<{ ids: string[]; expectedTotal: string }> {
    const hashes = Array.from({ length: count }, () => randomTxHash('ETH'));
    const { rows } = await env.db.pool.query(
      `INSERT INTO "Deposit" (id, "userId", asset, "expectedAmount", address, "requiredConfirmations", "expiresAt", "updatedAt")
       SELECT gen_random_uuid(), $1, 'ETH', 1, $2, 12, now() + interval '1 day', now() FROM generate_series(1, $3) RETURNING id`,
      [userId, ETH_ADDRESS, count],
    );
    const ids = rows.map((r) => r.id as string);
    await env.db.pool.query(
      `UPDATE "Deposit" d SET status = 'SUBMITTED', "txHash" = h.hash, "submittedAt" = now(), "nextCheckAt" = now()
         FROM unnest($1::uuid[], $2::text[]) AS h(id, hash) WHERE d.id = h.id`,
      [ids, hashes],
    );
    const decimal = (micro: bigint) => `${micro / 1_000_000n}.${String(micro % 1_000_000n).padStart(6, '0')}`;
    let totalMicro = 0n;
    hashes.forEach((hash, i) => {
      // 0.995000 .. 1.004999: inside the 1% tolerance, and not the typed amount
      const micro = 995_000n + BigInt((i * 7919) % 10_000);
      totalMicro += micro;
      env.verifier.setTx('ETH', hash, { confirmations: 12, amount: decimal(micro), toAddress: ETH_ADDRESS });
    });
    return { ids, expectedTotal: decimal(totalMicro) };
  }

  async function assertCreditedExactlyOnce(ids: string[], expectedTotal: string) {
    const { rows } = await env.db.pool.query(
      `SELECT count(*) FILTER (WHERE d.status = 'CREDITED')::int AS credited,
              (SELECT count(*)::int FROM "LedgerEntry" e WHERE e."depositId" = ANY($1::uuid[])) AS entries,
              (SELECT count(*)::int FROM (SELECT "depositId" FROM "LedgerEntry" WHERE "depositId" = ANY($1::uuid[]) GROUP BY 1 HAVING count(*) > 1) t) AS doubled,
              (SELECT COALESCE(SUM(amount), 0)::numeric(36,6)::text FROM "LedgerEntry" e WHERE e."depositId" = ANY($1::uuid[])) AS "entrySum",
              SUM(d."receivedAmount")::numeric(36,6)::text AS "receivedSum"
         FROM "Deposit" d WHERE d.id = ANY($1::uuid[])`,
      [ids],
    );
    expect(rows[0]).toEqual({ credited: ids.length, entries: ids.length, doubled: 0, entrySum: expectedTotal, receivedSum: expectedTotal });
    const balance = await env.db.pool.query(
      `SELECT a.balance = (SELECT SUM(amount) FROM "LedgerEntry" WHERE "accountId" = a.id) AS consistent FROM "Account" a WHERE a."userId" = $1`,
      [userId],
    );
    expect(balance.rows.every((r) => r.consistent)).toBe(true);
  }

  const monitor = (extra: Record<string, string> = {}): RunningProcess =>
    runNode('dist/workers/deposit-monitor.js', { ...env.workerEnv, JWT_SECRET: env.app.config.JWT_SECRET, LOG_LEVEL: 'warn', ...extra });

  it('four monitor processes started at once over the same 1,000 due deposits credit each exactly once', async () => {
    const { ids, expectedTotal } = await backlog(1000);
    const processes = Array.from({ length: 4 }, () => monitor({ DEPOSIT_MONITOR_BATCH_SIZE: '25', DEPOSIT_MONITOR_CONCURRENCY: '8' }));
    const exits = await Promise.all(processes.map((p) => p.exited));
    expect(exits.map((e, i) => ({ code: e.code, output: e.code === 0 ? '' : processes[i]!.output() }))).toEqual(exits.map(() => ({ code: 0, output: '' })));
    await assertCreditedExactlyOnce(ids, expectedTotal);
    expect(env.verifier.requests.length).toBeGreaterThanOrEqual(ids.length);
    const runs = await env.db.pool.query(`SELECT runs::int FROM "JobStatus" WHERE job = 'deposit-monitor'`);
    expect(runs.rows[0].runs).toBeGreaterThanOrEqual(4);
  }, 300_000);

  it('a monitor SIGKILLed at random points (20+ times), then a normal pass: every confirmed deposit credited exactly once, none lost', async () => {
    const { ids, expectedTotal } = await backlog(400);
    // a slow chain makes every kill land mid-pass: claims made, some verdicts applied, some not
    const hashes = (await env.db.pool.query(`SELECT "txHash" FROM "Deposit" WHERE id = ANY($1::uuid[])`, [ids])).rows.map((r) => r.txHash as string);
    for (const hash of hashes) env.verifier.setBehaviour(hash, { kind: 'delay', ms: 15 });
    let killedMidPass = 0;
    for (let round = 0; round < 24; round++) {
      const proc = monitor({ DEPOSIT_MONITOR_BATCH_SIZE: '20', DEPOSIT_MONITOR_CONCURRENCY: '4' });
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 900)));
      if (proc.child.exitCode === null) killedMidPass++;
      proc.child.kill('SIGKILL');
      await proc.exited;
      // the dead process's leases would expire by themselves; expire them now
      await env.db.pool.query(`UPDATE "Deposit" SET "nextCheckAt" = now() WHERE id = ANY($1::uuid[]) AND status IN ('SUBMITTED', 'CONFIRMING')`, [ids]);
    }
    expect(killedMidPass).toBeGreaterThanOrEqual(20);
    const partial = await env.db.pool.query(`SELECT count(*) FILTER (WHERE status = 'CREDITED')::int AS n FROM "Deposit" WHERE id = ANY($1::uuid[])`, [ids]);
    expect(partial.rows[0].n).toBeLessThan(ids.length);
    const clean = monitor();
    expect((await clean.exited).code).toBe(0);
    await assertCreditedExactlyOnce(ids, expectedTotal);
  }, 300_000);
});
