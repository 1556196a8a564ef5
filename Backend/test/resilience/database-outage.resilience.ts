/**
 * A database outage, on a PostgreSQL of this file's own (stopped and started again; the run's
 * shared server is never touched):
 * - the API under load: /readyz 503 while the database is down and 200 after, /healthz 200
 *   throughout, every request that needs the database answered 503 DATABASE_UNAVAILABLE (the
 *   one error shape) within DATABASE_CONNECT_TIMEOUT_MS plus slack, never a hang and never a
 *   500 — both when the server is gone (connections refused) and when its address accepts
 *   connections but never answers (where only the connect timeout ends the wait); the process
 *   never exits (same PID, same start time) and serves 2xx again by itself;
 * - a deposit-monitor pass that loses the database halfway: it fails cleanly (the failure
 *   logged, exit 1, no crash), a watching monitor started during the outage logs failed passes
 *   and carries on, then succeeds by itself; after a clean pass every deposit is right:
 *   credited exactly once when the verifier confirmed it, never otherwise, ledger == balances.
 */
import net from 'node:net';
import { insertUserWithToken } from '../harness/auth-client';
import { startLoad } from '../harness/load';
import { insertDueDeposits, randomTxHash, ETH_ADDRESS } from '../harness/money';
import { startDedicatedPostgres, type DedicatedPostgres } from '../harness/postgres';
import { eventually, killAll, logLines, runApi, runNode, statusOf, type RunningProcess } from '../harness/process';
import { startTestVerifier, type TestVerifier } from '../harness/verifier';
import { TEST_JWT_SECRET } from '../harness/app';
import { freePort } from '../../src/local/embedded-postgres';

/** Set low so "fails fast" is measurable (the default is 5000). */
const CONNECT_TIMEOUT_MS = 1000;
/**
 * Time to reach the handler and send the answer, on a 2-core machine shared with other work:
 * refused connections were answered in 20-150 ms, a silent database in 1.0-1.1 s (the connect
 * timeout) when measured; 1.5 s more absorbs scheduling noise while still telling a bounded
 * failure from a hang (the load generator's per-request timeout is this same bound).
 */
const SLACK_MS = 1500;
const BOUND_MS = CONNECT_TIMEOUT_MS + SLACK_MS;
const POOL_SIZE = 5;

/** Polls `url` every `everyMs` until stopped; records every status (undefined: no answer). */
function watch(url: string, everyMs = 100) {
  const statuses: (number | undefined)[] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      statuses.push(await statusOf(url));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
      return statuses;
    },
  };
}

async function startTimeOf(baseUrl: string): Promise<string> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const match = /^process_start_time_seconds (\S+)$/m.exec(text);
  if (!match) throw new Error('no process_start_time_seconds in /metrics');
  return match[1]!;
}

/** A TCP server on `port` that accepts connections and never says a word (a database host that hangs). */
async function silentServer(port: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

interface Probe {
  phase: string;
  path: string;
  status: number;
  error: string;
  ms: number;
}

/** Process output that means a crash rather than a handled failure. */
const CRASH = /fatal:|uncaught|unhandled/i;

describe('database outage', () => {
  let pg: DedicatedPostgres;
  let verifier: TestVerifier | undefined;
  const procs = new Set<RunningProcess>();
  let silent: { close(): Promise<void> } | undefined;
  /** Load generators and pollers still running if a test fails halfway. */
  const running = new Set<{ stop(): Promise<unknown> }>();
  const track = <T extends { stop(): Promise<unknown> }>(thing: T): T => (running.add(thing), thing);

  beforeAll(async () => {
    pg = await startDedicatedPostgres();
  }, 180_000);
  afterAll(async () => {
    for (const thing of running) await thing.stop();
    await killAll(procs);
    await silent?.close();
    await verifier?.close();
    await pg?.close();
  });

  it('the API under load: /readyz 503 then 200, /healthz 200 throughout, fast 503s, no crash, recovers by itself', async () => {
    const user = await insertUserWithToken(pg.pool);
    const api = await runApi({
      DATABASE_URL: pg.url,
      DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      // Small, so a pooled connection lost for good (a transaction cut off by the outage and
      // never given back) would leave the API unable to recover: it must not happen.
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
    });
    procs.add(api);
    const base = api.baseUrl;
    await eventually(async () => ((await statusOf(`${base}/readyz`)) === 200 ? true : undefined), 60_000, 'the API to be ready', 100);
    const startedAt = await startTimeOf(base);
    const health = track(watch(`${base}/healthz`));
    // Reads, and writes in a transaction (PATCH /profile). The load generator's per-request
    // timeout is the bound: a request that hangs longer counts as a timeout.
    const reads = track(startLoad(`${base}/plans`, { connections: 12, timeoutSeconds: BOUND_MS / 1000 }));
    const writes = track(startLoad(`${base}/profile`, {
      connections: 8,
      method: 'PATCH',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Under Load' }),
      timeoutSeconds: BOUND_MS / 1000,
    }));
    await eventually(() => (reads.current().twoXx >= 200 && writes.current().twoXx >= 100 ? true : undefined), 30_000, 'the load to get going');

    /** Requests that need the database, one at a time, each timed; readiness polled between. */
    const probes: Probe[] = [];
    const readinessWhileDown: (number | undefined)[] = [];
    const probe = async (phase: string, rounds: number) => {
      for (let i = 0; i < rounds; i++) {
        for (const [path, headers] of [
          ['/plans', {}],
          ['/auth/me', { authorization: `Bearer ${user.token}` }],
        ] as const) {
          const started = performance.now();
          const res = await fetch(`${base}${path}`, { headers });
          const body = (await res.json()) as { error: string };
          probes.push({ phase, path, status: res.status, error: body.error, ms: Math.round(performance.now() - started) });
        }
        readinessWhileDown.push(await statusOf(`${base}/readyz`));
      }
    };

    // 1. The server goes away: connections are refused.
    await pg.stop();
    await eventually(async () => ((await statusOf(`${base}/readyz`)) === 503 ? true : undefined), 30_000, 'readiness to fail', 50).catch((error: Error) => {
      // What the API said (and whether it is still alive) is the whole story of such a failure.
      throw new Error(`${error.message}; API exit code ${api.child.exitCode}, signal ${api.child.signalCode}; its output:\n${api.output().slice(-4000)}`);
    });
    await probe('refused', 8);
    // 2. Its address accepts connections and never answers: only the connect timeout ends each wait.
    silent = await silentServer(Number(new URL(pg.url).port));
    await probe('silent', 4);
    const outage = { reads: reads.current(), writes: writes.current() };
    await silent.close();
    silent = undefined;

    // 3. It comes back: the same process serves again.
    await pg.start();
    await eventually(async () => ((await statusOf(`${base}/readyz`)) === 200 ? true : undefined), 30_000, 'readiness to come back', 100);
    const okBefore = { reads: reads.current().twoXx, writes: writes.current().twoXx };
    await eventually(
      () => (reads.current().twoXx >= okBefore.reads + 200 && writes.current().twoXx >= okBefore.writes + 100 ? true : undefined),
      30_000,
      'reads and writes to succeed again',
    );
    const report = { reads: await reads.stop(), writes: await writes.stop() };
    const healthStatuses = await health.stop();
    running.clear();
    const me = await fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${user.token}` } });

    const slowest = (phase: string) => Math.max(...probes.filter((p) => p.phase === phase).map((p) => p.ms));
    process.stdout.write(
      `[database-outage] API: reads ${JSON.stringify(report.reads.statuses)} (${outage.reads.statuses[503] ?? 0} 503s during the outage), ` +
        `writes ${JSON.stringify(report.writes.statuses)} (${outage.writes.statuses[503] ?? 0} during the outage), ` +
        `errors ${JSON.stringify([report.reads.errorCodes, report.writes.errorCodes])}, timeouts ${report.reads.timeouts + report.writes.timeouts}; ` +
        `slowest probe: refused ${slowest('refused')} ms, silent ${slowest('silent')} ms (bound ${BOUND_MS} ms)\n`,
    );
    // every request that needed the database: 503 DATABASE_UNAVAILABLE within the bound
    expect(probes.filter((p) => p.status !== 503 || p.error !== 'DATABASE_UNAVAILABLE')).toEqual([]);
    expect(probes.filter((p) => p.ms >= BOUND_MS)).toEqual([]);
    expect(readinessWhileDown.filter((s) => s !== 503)).toEqual([]);
    expect(healthStatuses.filter((s) => s !== 200)).toEqual([]);
    // under load: only 200 and 503, each within the bound (no timeouts), no connection dropped
    for (const r of [report.reads, report.writes]) {
      expect(Object.keys(r.statuses).sort()).toEqual(['200', '503']);
      expect({ timeouts: r.timeouts, errors: r.errorCodes }).toEqual({ timeouts: 0, errors: {} });
    }
    // the same process all along, never a crash, serving again
    expect(api.child.exitCode).toBeNull();
    expect(api.child.signalCode).toBeNull();
    expect(await startTimeOf(base)).toBe(startedAt);
    expect(me.status).toBe(200);
    expect(logLines(api).filter((l) => l.level === 'fatal' || (l.level === 'error' && l.msg !== 'request failed'))).toEqual([]);
    expect(api.output()).not.toMatch(CRASH);
  });

  it('a deposit-monitor pass that loses the database fails cleanly; after the restart a clean pass credits each confirmed deposit exactly once', async () => {
    verifier = await startTestVerifier();
    const user = await insertUserWithToken(pg.pool);
    // 60 deposits the chain confirms (0.995..1.004 ETH received), 20 still confirming, 20 it has
    // never seen, 20 that paid too little (MISMATCH once checked): only the first 60 may ever be credited.
    const confirmed = Array.from({ length: 60 }, () => randomTxHash('ETH'));
    const pending = Array.from({ length: 20 }, () => randomTxHash('ETH'));
    const unknown = Array.from({ length: 20 }, () => randomTxHash('ETH'));
    const short = Array.from({ length: 20 }, () => randomTxHash('ETH'));
    const received = new Map(confirmed.map((hash, i) => [hash, (995 + ((i * 7) % 10)) / 1000]));
    for (const hash of confirmed) verifier.setTx('ETH', hash, { confirmations: 12, amount: received.get(hash)!.toFixed(3), toAddress: ETH_ADDRESS });
    for (const hash of pending) verifier.setTx('ETH', hash, { confirmations: 3, amount: '1', toAddress: ETH_ADDRESS });
    for (const hash of short) verifier.setTx('ETH', hash, { confirmations: 12, amount: '0.5', toAddress: ETH_ADDRESS });
    const all = [...confirmed, ...pending, ...unknown, ...short].sort(() => Math.random() - 0.5);
    // a slow chain, so the pass is still running when the database goes away
    for (const hash of all) verifier.setBehaviour(hash, { kind: 'delay', ms: 100 });
    const ids = await insertDueDeposits(pg.pool, user.id, all);

    const workerEnv = {
      NODE_ENV: 'test',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: pg.url,
      DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      ...verifier.env,
      BLOCKCHAIN_VERIFIER_TIMEOUT_MS: '2000',
      BLOCKCHAIN_VERIFIER_RETRIES: '1',
      DEPOSIT_RECHECK_SECONDS: '1',
      DEPOSIT_RECHECK_MAX_SECONDS: '1',
      DEPOSIT_MONITOR_BATCH_SIZE: '10',
      DEPOSIT_MONITOR_CONCURRENCY: '4',
    };
    const monitor = (extra: Record<string, string> = {}, args: string[] = []) => {
      const proc = runNode('dist/workers/deposit-monitor.js', { ...workerEnv, ...extra }, { args });
      procs.add(proc);
      return proc;
    };
    const creditedCount = async () =>
      (await pg.pool.query(`SELECT count(*)::int AS n FROM "Deposit" WHERE id = ANY($1::uuid[]) AND status = 'CREDITED'`, [ids])).rows[0].n as number;

    // A pass halfway through when the database goes away.
    const pass = monitor();
    await eventually(async () => ((await creditedCount()) >= 10 ? true : undefined), 60_000, 'the pass to credit some deposits', 50);
    await pg.stop();
    const failed = await pass.exited;
    const passLines = logLines(pass);
    // A monitor that starts (--watch) while the database is down keeps running through failed passes.
    const watcher = monitor({ PORT: String(await freePort()), HOST: '127.0.0.1', DEPOSIT_MONITOR_INTERVAL_SECONDS: '1' }, ['--watch']);
    await eventually(() => (logLines(watcher).some((l) => l.msg === 'deposit-monitor pass failed') ? true : undefined), 30_000, 'a failed pass of the watching monitor');

    await pg.start();
    const failuresBeforeRestart = logLines(watcher).filter((l) => l.msg === 'deposit-monitor pass failed').length;
    await eventually(() => (logLines(watcher).some((l) => l.msg === 'deposit-monitor pass finished') ? true : undefined), 60_000, 'a pass of the watching monitor to succeed');
    expect(watcher.child.exitCode).toBeNull();
    watcher.child.kill('SIGTERM');
    const watcherExit = await watcher.exited;
    // The failed pass's claims are leases that expire by themselves (minutes); expire them now.
    await pg.pool.query(`UPDATE "Deposit" SET "nextCheckAt" = now() WHERE id = ANY($1::uuid[]) AND status IN ('SUBMITTED', 'CONFIRMING')`, [ids]);
    for (const hash of all) verifier.setBehaviour(hash, null);
    const clean = monitor();
    const cleanExit = await clean.exited;

    process.stdout.write(
      `[database-outage] monitor: the pass exited ${failed.code} after crediting ${passLines.find((l) => l.msg === 'deposit-monitor pass failed')?.credited} of ${confirmed.length}; the watcher failed ${failuresBeforeRestart} pass(es) during the outage, then succeeded; clean pass exited ${cleanExit.code}\n`,
    );
    // The pass that lost the database: a logged failure and exit 1, not a crash.
    expect(failed).toEqual({ code: 1, signal: null });
    const failure = passLines.find((l) => l.msg === 'deposit-monitor pass failed' && l.level === 'error');
    // logged with what it had done: some credited, not all (it was cut off halfway)
    expect(failure?.credited).toBeGreaterThanOrEqual(10);
    expect(failure?.credited).toBeLessThan(confirmed.length);
    expect(pass.output()).not.toMatch(CRASH);
    expect(watcher.output()).not.toMatch(CRASH);
    expect(watcherExit).toEqual({ code: 0, signal: null });
    expect(cleanExit).toEqual({ code: 0, signal: null });

    const { rows } = await pg.pool.query(
      `SELECT d."txHash", d.status, d."receivedAmount"::float8 AS received,
              (SELECT count(*)::int FROM "LedgerEntry" e WHERE e."depositId" = d.id) AS entries,
              (SELECT COALESCE(SUM(e.amount), 0)::float8 FROM "LedgerEntry" e WHERE e."depositId" = d.id) AS credited
         FROM "Deposit" d WHERE d.id = ANY($1::uuid[])`,
      [ids],
    );
    const byHash = new Map(rows.map((r) => [r.txHash as string, r]));
    const state = (hashes: string[]) => hashes.map((h) => byHash.get(h)!);
    // confirmed: credited once, with what the chain received
    expect(state(confirmed).filter((r) => r.status !== 'CREDITED' || r.entries !== 1 || r.credited !== received.get(r.txHash) || r.received !== received.get(r.txHash))).toEqual([]);
    // everything else: never credited
    expect(state(pending).every((r) => r.status === 'CONFIRMING' && r.entries === 0)).toBe(true);
    expect(state(unknown).every((r) => r.status === 'SUBMITTED' && r.entries === 0)).toBe(true);
    expect(state(short).every((r) => r.status === 'REJECTED' && r.entries === 0)).toBe(true);
    // the balance is the ledger, and the ledger is what the chain confirmed
    const balance = await pg.pool.query(
      `SELECT a.balance::text AS balance, (SELECT SUM(amount)::text FROM "LedgerEntry" WHERE "accountId" = a.id) AS ledger
         FROM "Account" a WHERE a."userId" = $1 AND a.asset = 'ETH'`,
      [user.id],
    );
    const expected = confirmed.reduce((sum, h) => sum + Math.round(received.get(h)! * 1000), 0) / 1000;
    expect(balance.rows).toHaveLength(1);
    expect(balance.rows[0].balance).toBe(balance.rows[0].ledger);
    expect(Number(balance.rows[0].ledger)).toBe(expected);
  });
});
