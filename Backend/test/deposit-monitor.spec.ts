import { JobStatusRepository } from '../src/jobs/job-status.repository';
import { DepositMonitorService } from '../src/deposits/deposit-monitor.service';
import { DepositsRepository } from '../src/deposits/deposits.repository';
import { startTestApp } from './harness/app';
import { eventually, runNode, statusOf } from './harness/process';
import { freePort } from '../src/local/embedded-postgres';
import { ETH_ADDRESS, randomTxHash, startMoneyTestEnv, type MoneyTestEnv, type TestUser } from './harness/money';

/**
 * The deposit monitor against the verifier double, faults included: outages leave deposits
 * waiting (never rejected or credited), verdicts are applied once.
 */
describe('deposit monitor', () => {
  let env: MoneyTestEnv;
  let user: TestUser;

  beforeAll(async () => {
    env = await startMoneyTestEnv({ DEPOSIT_NOT_FOUND_WINDOW_SECONDS: '60' });
    user = await env.newUser();
  });
  afterAll(() => env.close());

  /** A SUBMITTED ETH deposit expecting `amount`, due now. */
  async function submitted(amount = '1'): Promise<{ id: string; txHash: string }> {
    const opened = await env.api.post('/deposits', { asset: 'ETH', amount }, { token: user.token });
    const txHash = randomTxHash('ETH');
    const res = await env.api.post(`/deposits/${opened.body.id}/tx`, { txHash }, { token: user.token });
    if (res.status !== 200) throw new Error(res.text);
    return { id: opened.body.id, txHash };
  }
  const row = async (id: string) =>
    (
      await env.db.pool.query(
        `SELECT status, confirmations, "receivedAmount"::text AS received, "rejectionReason" AS reason, "lastCheckResult" AS result, "consecutiveErrors" AS errors,
                "notFoundSince" IS NOT NULL AS "notFound", "nextCheckAt" > now() AS "deferred"
           FROM "Deposit" WHERE id = $1`,
        [id],
      )
    ).rows[0];
  /** Makes every waiting deposit due now (instead of sleeping through backoffs). */
  const makeDue = () => env.db.pool.query(`UPDATE "Deposit" SET "nextCheckAt" = now() - interval '1 second' WHERE status IN ('SUBMITTED', 'CONFIRMING')`);
  const entries = async (id: string) => (await env.db.pool.query(`SELECT count(*)::int AS n FROM "LedgerEntry" WHERE "depositId" = $1`, [id])).rows[0].n;

  it.each([
    ['HTTP 500 (after every retry)', { kind: 'status', status: 500 }, 'http_5xx'],
    ['a timeout', { kind: 'delay', ms: 2500 }, 'timeout'],
    ['malformed JSON', { kind: 'malformed' }, 'invalid_response'],
    ['a reset connection', { kind: 'reset' }, 'network'],
  ] as const)('%s leaves the deposit waiting with backoff, never rejected or credited', async (_name, behaviour, kind) => {
    const { id, txHash } = await submitted();
    env.verifier.setTx('ETH', txHash, { confirmations: 12, amount: '1', toAddress: ETH_ADDRESS });
    env.verifier.setBehaviour(txHash, behaviour);
    await makeDue();
    const summary = await env.monitorPass();
    expect(summary.verifierErrors).toBeGreaterThanOrEqual(1);
    expect(await row(id)).toMatchObject({ status: 'SUBMITTED', errors: 1, result: `verifier ${kind}`, deferred: true, received: null });
    const metrics = await (await fetch(`${env.app.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`kryptovault_verifier_errors_total\\{kind="${kind}"\\} [1-9]`));
    // the verifier recovers: credited once
    env.verifier.setBehaviour(txHash, null);
    await makeDue();
    await env.monitorPass();
    expect(await row(id)).toMatchObject({ status: 'CREDITED', received: '1.000000000000000000', errors: 0 });
    expect(await entries(id)).toBe(1);
  });

  it('a wrong verifier secret (401) is an error the deposit waits through, counted as unauthorized', async () => {
    const { id, txHash } = await submitted();
    env.verifier.setTx('ETH', txHash, { confirmations: 12, amount: '1', toAddress: ETH_ADDRESS });
    const wrong = await startTestApp({ ...env.workerEnv, BLOCKCHAIN_VERIFIER_SECRET: 'not-the-verifier-secret-at-all' });
    try {
      await makeDue();
      await wrong.app.get(DepositMonitorService).runPass();
      expect(await row(id)).toMatchObject({ status: 'SUBMITTED', result: 'verifier unauthorized', received: null });
      expect(await (await fetch(`${wrong.baseUrl}/metrics`)).text()).toMatch(/kryptovault_verifier_errors_total\{kind="unauthorized"\} [1-9]/);
    } finally {
      await wrong.close();
    }
  });

  it('money sent to another address, or an amount outside the tolerance, is REJECTED with the reason and nothing is credited', async () => {
    const elsewhere = await submitted('1');
    env.verifier.setTx('ETH', elsewhere.txHash, { confirmations: 12, amount: '1', toAddress: '0x1111111111111111111111111111111111111111' });
    const tooLittle = await submitted('1');
    env.verifier.setTx('ETH', tooLittle.txHash, { confirmations: 12, amount: '0.98', toAddress: ETH_ADDRESS });
    const tooMuch = await submitted('1');
    env.verifier.setTx('ETH', tooMuch.txHash, { confirmations: 12, amount: '1.02', toAddress: ETH_ADDRESS });
    const chainSays = await submitted('1');
    env.verifier.setTx('ETH', chainSays.txHash, { status: 'MISMATCH', confirmations: 0, amount: null, toAddress: null, reason: 'token transfer of another contract' });
    await makeDue();
    await env.monitorPass();
    for (const d of [elsewhere, tooLittle, tooMuch, chainSays]) {
      expect(await row(d.id)).toMatchObject({ status: 'REJECTED', received: null, result: 'MISMATCH' });
      expect(await entries(d.id)).toBe(0);
    }
    expect((await row(elsewhere.id)).reason).toMatch(/another address/i);
    expect((await row(tooLittle.id)).reason).toMatch(/0\.98/);
    expect((await row(chainSays.id)).reason).toMatch(/another contract/);
    const notes = await env.api.get('/notifications', { token: user.token });
    expect(notes.body.items.filter((n: { title: string }) => n.title === 'Deposit rejected').length).toBeGreaterThanOrEqual(4);
  });

  it('CONFIRMED with fewer confirmations than the asset needs is only PENDING', async () => {
    const { id, txHash } = await submitted();
    env.verifier.setTx('ETH', txHash, { status: 'CONFIRMED', confirmations: 5, amount: '1', toAddress: ETH_ADDRESS });
    await makeDue();
    await env.monitorPass();
    expect(await row(id)).toMatchObject({ status: 'CONFIRMING', confirmations: 5, received: null });
  });

  it('NOT_FOUND waits, then the transaction appears and is credited', async () => {
    const { id, txHash } = await submitted();
    await makeDue();
    await env.monitorPass();
    expect(await row(id)).toMatchObject({ status: 'SUBMITTED', result: 'NOT_FOUND', notFound: true });
    env.verifier.setTx('ETH', txHash, { confirmations: 12, amount: '1', toAddress: ETH_ADDRESS });
    await makeDue();
    await env.monitorPass();
    expect(await row(id)).toMatchObject({ status: 'CREDITED', notFound: false });
  });

  it('NOT_FOUND for longer than the window is REJECTED; a hash seen PENDING that disappears goes back to waiting under the same window', async () => {
    const never = await submitted();
    const dropped = await submitted();
    env.verifier.setTx('ETH', dropped.txHash, { confirmations: 2, amount: '1', toAddress: ETH_ADDRESS });
    await makeDue();
    await env.monitorPass();
    expect(await row(dropped.id)).toMatchObject({ status: 'CONFIRMING', confirmations: 2 });
    // the transaction is dropped from the mempool / reorganized away
    env.verifier.setTx('ETH', dropped.txHash, { status: 'NOT_FOUND', confirmations: 0, amount: null, toAddress: null });
    await makeDue();
    await env.monitorPass();
    expect(await row(dropped.id)).toMatchObject({ status: 'SUBMITTED', confirmations: 0, notFound: true });
    // an hour later (the window is 60 s here) both are rejected
    await env.db.pool.query(`UPDATE "Deposit" SET "notFoundSince" = now() - interval '61 seconds' WHERE id = ANY($1::uuid[])`, [[never.id, dropped.id]]);
    await makeDue();
    await env.monitorPass();
    for (const d of [never, dropped]) expect(await row(d.id)).toMatchObject({ status: 'REJECTED', reason: expect.stringMatching(/not found on the chain/) });
  });

  describe('credits in batches (one transaction per group of CONFIRMED verdicts)', () => {
    const credited = async (ids: string[]) =>
      (
        await env.db.pool.query(
          `SELECT d.id, d.status, (SELECT count(*)::int FROM "LedgerEntry" e WHERE e."depositId" = d.id) AS entries
             FROM "Deposit" d WHERE d.id = ANY($1::uuid[]) ORDER BY d.id`,
          [ids],
        )
      ).rows;
    const creditNotices = async () =>
      (await env.db.pool.query(`SELECT body FROM "Notification" WHERE "userId" = $1 AND title = 'Deposit credited'`, [user.id])).rows.map((r) => r.body as string);
    const balanceMatchesLedger = async () =>
      (await env.db.pool.query(`SELECT bool_and(a.balance = (SELECT COALESCE(SUM(amount), 0) FROM "LedgerEntry" WHERE "accountId" = a.id)) AS ok FROM "Account" a`)).rows[0].ok;

    it('one deposit the database refuses holds back no other, and is not half-written; the next pass credits it', async () => {
      const deposits = await Promise.all(Array.from({ length: 6 }, (_, i) => submitted(`1.00000${i}`)));
      for (const [i, d] of deposits.entries()) env.verifier.setTx('ETH', d.txHash, { confirmations: 12, amount: `1.00000${i}`, toAddress: ETH_ADDRESS });
      const refused = deposits[2]!;
      const noticesBefore = (await creditNotices()).length;
      // fault injection: PostgreSQL refuses this one DEPOSIT entry (as a constraint would)
      await env.db.pool.query(`CREATE FUNCTION test_refuse_entry() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
      await env.db.pool.query(
        `CREATE TRIGGER test_refuse_entry BEFORE INSERT ON "LedgerEntry" FOR EACH ROW WHEN (NEW."depositId" = '${refused.id}') EXECUTE FUNCTION test_refuse_entry()`,
      );
      try {
        await makeDue();
        await expect(env.monitorPass()).rejects.toThrow(/refused by the test/);
      } finally {
        await env.db.pool.query(`DROP TRIGGER test_refuse_entry ON "LedgerEntry"; DROP FUNCTION test_refuse_entry()`);
      }
      const rows = await credited(deposits.map((d) => d.id));
      expect(rows.filter((r) => r.id !== refused.id)).toEqual(rows.filter((r) => r.id !== refused.id).map((r) => ({ id: r.id, status: 'CREDITED', entries: 1 })));
      expect(rows.find((r) => r.id === refused.id)).toEqual({ id: refused.id, status: 'SUBMITTED', entries: 0 });
      expect((await creditNotices()).length).toBe(noticesBefore + 5);
      expect(await balanceMatchesLedger()).toBe(true);

      await makeDue();
      expect((await env.monitorPass()).credited).toBe(1);
      expect(await row(refused.id)).toMatchObject({ status: 'CREDITED', received: '1.000002000000000000' });
      expect(await entries(refused.id)).toBe(1);
      const notices = await creditNotices();
      expect(notices.length).toBe(noticesBefore + 6);
      expect(notices).toContain('Your deposit of 1.000002000000000000 ETH was credited to your balance.');
    });

    it('creditMany credits only deposits still waiting: one already credited or rejected by someone else is left out, nothing doubled', async () => {
      const [waiting, done, rejected] = await Promise.all([submitted(), submitted(), submitted()]);
      const repo = env.app.app.get(DepositsRepository);
      const verdict = (id: string) => ({ id, receivedAmount: '1', confirmations: 12, result: 'CONFIRMED 12/12' });
      await repo.sqlTransaction((client) => repo.creditMany([verdict(done!.id)], client));
      await env.db.pool.query(`UPDATE "Deposit" SET status = 'REJECTED', "rejectionReason" = 'by an admin', "nextCheckAt" = NULL WHERE id = $1`, [rejected!.id]);
      const out = await repo.sqlTransaction((client) => repo.creditMany([verdict(waiting!.id), verdict(done!.id), verdict(rejected!.id)], client));
      expect(out.map((d) => d.id)).toEqual([waiting!.id]);
      expect(await credited([waiting!.id, done!.id, rejected!.id])).toEqual(
        [
          { id: waiting!.id, status: 'CREDITED', entries: 1 },
          { id: done!.id, status: 'CREDITED', entries: 1 },
          { id: rejected!.id, status: 'REJECTED', entries: 0 },
        ].sort((a, b) => a.id.localeCompare(b.id)),
      );
      expect(await balanceMatchesLedger()).toBe(true);
    });
  });

  it('expires OPEN intents past expiresAt', async () => {
    const opened = await env.api.post('/deposits', { asset: 'ETH', amount: '1' }, { token: user.token });
    await env.db.pool.query(`UPDATE "Deposit" SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [opened.body.id]);
    expect((await env.monitorPass()).expired).toBeGreaterThanOrEqual(1);
    expect((await row(opened.body.id)).status).toBe('EXPIRED');
    const late = await env.api.post(`/deposits/${opened.body.id}/tx`, { txHash: randomTxHash('ETH') }, { token: user.token });
    expect(late).toMatchObject({ status: 409, body: { error: 'DEPOSIT_EXPIRED' } });
  });

  it('publishes pass metrics, and the database-backed last-success gauge the stale alert reads', async () => {
    await env.monitorPass();
    const metrics = await (await fetch(`${env.app.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/kryptovault_deposit_monitor_passes_total\{outcome="success"\} [1-9]/);
    expect(metrics).toMatch(/kryptovault_deposit_monitor_deposits_total\{result="credited"\} [1-9]/);
    expect(metrics).toMatch(/kryptovault_verifier_request_duration_seconds_count\{outcome="confirmed"\} [1-9]/);
    const last = Number(/kryptovault_job_last_success_timestamp_seconds\{worker="deposit-monitor"\} (\S+)/.exec(metrics)?.[1]);
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(120);
    expect(metrics).toMatch(/kryptovault_job_runs_total\{worker="deposit-monitor",outcome="success"\} [1-9]/);
  });

  it('job totals add up exactly when passes of several processes record at the same time', async () => {
    const repo = env.app.app.get(JobStatusRepository);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => repo.recordRun('totals-test', { ok: i % 2 === 0, startedAt: new Date(), durationMs: 1, counts: { a: 1, b: i, ...(i === 7 ? { late: 3 } : {}) }, error: i % 2 ? 'boom' : undefined })),
    );
    const { rows } = await env.db.pool.query(`SELECT runs::int, failures::int, totals, "lastSuccessAt" IS NOT NULL AS succeeded FROM "JobStatus" WHERE job = 'totals-test'`);
    expect(rows).toEqual([{ runs: 20, failures: 10, totals: { a: 20, b: 190, late: 3 }, succeeded: true }]);
  });

  it('the gauge is 0 while no pass ever succeeded, so the stale alert fires on a fresh install', async () => {
    const fresh = await startMoneyTestEnv();
    try {
      const metrics = await (await fetch(`${fresh.app.baseUrl}/metrics`)).text();
      expect(metrics).toContain('kryptovault_job_last_success_timestamp_seconds{worker="deposit-monitor"} 0');
    } finally {
      await fresh.close();
    }
  });

  describe('as a process (the CronJob command)', () => {
    const worker = (extra: Record<string, string> = {}, args: string[] = [], script = 'dist/workers/deposit-monitor.js') =>
      runNode(script, { ...env.workerEnv, JWT_SECRET: env.app.config.JWT_SECRET, ...extra }, { args });

    it('node dist/workers/deposit-monitor.js does one pass, logs its counts and exits 0; main.js --worker= is the same', async () => {
      for (const [script, args] of [
        ['dist/workers/deposit-monitor.js', []],
        ['dist/main.js', ['--worker=deposit-monitor']],
      ] as const) {
        const { id, txHash } = await submitted('2');
        env.verifier.setTx('ETH', txHash, { confirmations: 12, amount: '2', toAddress: ETH_ADDRESS });
        await makeDue();
        const proc = worker({}, [...args], script);
        const exit = await proc.exited;
        expect({ script, exit, output: proc.output() }).toMatchObject({ script, exit: { code: 0 } });
        const line = proc.output().split('\n').find((l) => l.includes('deposit-monitor pass finished'))!;
        expect(JSON.parse(line)).toMatchObject({ worker: 'deposit-monitor', credited: 1, checked: expect.any(Number) });
        expect(await row(id)).toMatchObject({ status: 'CREDITED' });
      }
    });

    it('what a CronJob pass did is counted on the API’s /metrics (kryptovault_job_items_total from the database), though nobody scraped the pod', async () => {
      const items = async () => {
        const text = await (await fetch(`${env.app.baseUrl}/metrics`)).text();
        const value = (item: string) => Number(new RegExp(`kryptovault_job_items_total\\{worker="deposit-monitor",item="${item}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
        return { checked: value('checked'), credited: value('credited'), verifierErrors: value('verifierErrors') };
      };
      const before = await items();
      const good = await submitted('4');
      env.verifier.setTx('ETH', good.txHash, { confirmations: 12, amount: '4', toAddress: ETH_ADDRESS });
      const failing = await submitted('5');
      env.verifier.setBehaviour(failing.txHash, { kind: 'status', status: 401 });
      await makeDue();
      const proc = worker();
      expect((await proc.exited).code).toBe(0);
      const pass = JSON.parse(proc.output().split('\n').find((l) => l.includes('deposit-monitor pass finished'))!);
      expect(pass).toMatchObject({ credited: 1, verifierErrors: 1 });
      const after = await items();
      expect({ checked: after.checked - before.checked, credited: after.credited - before.credited, verifierErrors: after.verifierErrors - before.verifierErrors }).toEqual({
        checked: pass.checked,
        credited: 1,
        verifierErrors: 1,
      });
      env.verifier.setBehaviour(failing.txHash, null);
    });

    it('exits 1 with a clear message on bad configuration, and 1 when the pass fails', async () => {
      const bad = worker({ DEPOSIT_MONITOR_BATCH_SIZE: '0' });
      expect((await bad.exited).code).toBe(1);
      expect(bad.output()).toMatch(/DEPOSIT_MONITOR_BATCH_SIZE: must be at least 1/);
      const unreachable = worker({ DATABASE_URL: env.db.url.replace(/\/[^/]+$/, '/kv_no_such_database') });
      expect((await unreachable.exited).code).toBe(1);
      expect(unreachable.output()).toMatch(/deposit-monitor pass failed/);
    });

    it('--watch runs a pass every interval and serves probes and /metrics until SIGTERM, then exits 0', async () => {
      const { id, txHash } = await submitted('3');
      const port = await freePort();
      const proc = worker({ DEPOSIT_MONITOR_INTERVAL_SECONDS: '1', PORT: String(port), HOST: '127.0.0.1' }, ['--watch']);
      const base = `http://127.0.0.1:${port}`;
      await eventually(async () => ((await statusOf(`${base}/readyz`)) === 200 ? true : undefined), 30_000, 'worker readiness');
      expect(await statusOf(`${base}/healthz`)).toBe(200);
      await eventually(async () => ((await (await fetch(`${base}/metrics`)).text()).includes('kryptovault_deposit_monitor_passes_total{outcome="success"}') ? true : undefined), 30_000, 'pass metrics');
      // not on chain yet: the watcher keeps checking; once it appears, a later pass credits it
      await new Promise((r) => setTimeout(r, 2500));
      env.verifier.setTx('ETH', txHash, { confirmations: 12, amount: '3', toAddress: ETH_ADDRESS });
      const deadline = Date.now() + 30_000;
      while ((await row(id)).status !== 'CREDITED' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect((await row(id)).status).toBe('CREDITED');
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
      expect(proc.output().split('\n').filter((l) => l.includes('deposit-monitor pass finished')).length).toBeGreaterThanOrEqual(2);
    });
  });
});
