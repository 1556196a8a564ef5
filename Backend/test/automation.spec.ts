import { Decimal } from '../src/assets/amounts';
import { simulateRun, type Strategy } from '../src/automation/simulation';
import { eventually, runNode } from './harness/process';
import { startMoneyTestEnv, type MoneyTestEnv, type TestUser } from './harness/money';

/** Paper trading: sessions resume exactly after any crash, and no money moves. */
describe('automation sessions', () => {
  let env: MoneyTestEnv;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    env = await startMoneyTestEnv();
    [alice, bob] = [await env.newUser(), await env.newUser()];
  });
  afterAll(() => env.close());

  const start = (user: TestUser, body: unknown) => env.api.post('/automation/sessions', body, { token: user.token });
  const worker = () => runNode('dist/workers/automation.js', { ...env.workerEnv, JWT_SECRET: env.app.config.JWT_SECRET, LOG_LEVEL: 'warn' });

  it('refuses bad input naming the field; other users get 404; stop ends a running session once', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ strategy: 'YOLO' }, 'strategy'],
      [{ currencies: [] }, 'currencies'],
      [{ currencies: ['BTC', 'DOGE'] }, 'currencies'],
      [{ runs: 0 }, 'runs'],
      [{ runs: 10001 }, 'runs'],
      [{ stakePerRun: '0' }, 'stakePerRun'],
      [{ stakePerRun: 5 }, 'stakePerRun'],
    ];
    const valid = { strategy: 'MOMENTUM', currencies: ['BTC', 'ETH'], runs: 100, stakePerRun: '10' };
    for (const [override, field] of cases) {
      const res = await start(alice, { ...valid, ...override });
      expect({ override, status: res.status, fields: res.body.details?.map((d: { field: string }) => d.field) }).toEqual({ override, status: 400, fields: expect.arrayContaining([field]) });
    }
    const session = await start(alice, valid);
    expect(session.status).toBe(201);
    expect(session.body).toMatchObject({ status: 'RUNNING', totalRuns: 100, completedRuns: 0, currencies: ['BTC', 'ETH'], results: { wins: 0, losses: 0 } });
    expect((await env.api.get(`/automation/sessions/${session.body.id}`, { token: bob.token })).status).toBe(404);
    expect((await env.api.post(`/automation/sessions/${session.body.id}/stop`, undefined, { token: bob.token })).status).toBe(404);
    expect((await env.api.post(`/automation/sessions/${session.body.id}/stop`, undefined, { token: alice.token })).body.status).toBe('CANCELLED');
    expect((await env.api.post(`/automation/sessions/${session.body.id}/stop`, undefined, { token: alice.token })).body.error).toBe('SESSION_NOT_RUNNING');
    expect((await env.api.get('/automation/sessions', { token: bob.token })).body.items).toEqual([]);
    expect((await env.api.get('/automation/sessions')).status).toBe(401);
  });

  it('a worker SIGKILLed at random points (10+ times), then run to the end, gives exactly the runs of uninterrupted sessions; no money moves', async () => {
    const ids: string[] = [];
    for (const strategy of ['BREAKOUT', 'MOMENTUM', 'MEAN_REVERSION', 'BREAKOUT', 'MOMENTUM']) {
      ids.push((await start(alice, { strategy, currencies: ['BTC', 'SOL', 'TRX'], runs: 10000, stakePerRun: '2.5' })).body.id);
    }
    const ledgerBefore = (await env.db.pool.query(`SELECT count(*)::int AS n FROM "LedgerEntry"`)).rows[0].n;
    const progress = async () => (await env.db.pool.query(`SELECT COALESCE(SUM("completedRuns"), 0)::int AS n FROM "AutomationSession" WHERE id = ANY($1::uuid[])`, [ids])).rows[0].n as number;
    let killedMidway = 0;
    for (let round = 0; round < 14; round++) {
      const before = await progress();
      const proc = worker();
      // once the worker has made progress, kill it at a random point of the steps that follow
      await eventually(async () => ((await progress()) > before || proc.child.exitCode !== null ? true : undefined), 30_000, 'worker progress');
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
      proc.child.kill('SIGKILL');
      const exit = await proc.exited;
      // a worker that ended by itself must have ended well (a crash would fake "progress")
      if (exit.signal !== 'SIGKILL' && exit.code !== 0) throw new Error(`worker failed: ${proc.output()}`);
      const after = await progress();
      if (after > before && after < ids.length * 10000) killedMidway++;
    }
    expect(killedMidway).toBeGreaterThanOrEqual(10);
    const finish = worker();
    expect((await finish.exited).code).toBe(0);

    for (const id of ids) {
      const session = (await env.db.pool.query(`SELECT seed, strategy, currencies, "stakePerRun"::text AS stake FROM "AutomationSession" WHERE id = $1`, [id])).rows[0];
      const terms = { seed: session.seed as number, strategy: session.strategy as Strategy, currencies: session.currencies.replace(/[{}]/g, '').split(','), stakePerRun: session.stake as string };
      const expected = Array.from({ length: 10000 }, (_, i) => simulateRun(terms, i));
      const stored = (await env.db.pool.query(`SELECT index, currency, won, pnl::text AS pnl FROM "AutomationRun" WHERE "sessionId" = $1 ORDER BY index`, [id])).rows;
      expect(stored.map((r) => `${r.index}:${r.currency}:${r.won}:${new Decimal(r.pnl).toFixed(8)}`)).toEqual(expected.map((r) => `${r.index}:${r.currency}:${r.won}:${r.pnl.toFixed(8)}`));
      const detail = await env.api.get(`/automation/sessions/${id}`, { token: alice.token });
      const wins = expected.filter((r) => r.won).length;
      const net = expected.reduce((sum, r) => sum.add(r.pnl), new Decimal(0));
      expect(detail.body).toMatchObject({ status: 'COMPLETED', completedRuns: 10000, results: { wins, losses: 10000 - wins, netPnl: net.toFixed(8) } });
      expect(detail.body.latestRuns).toHaveLength(50);
    }
    expect((await env.db.pool.query(`SELECT count(*)::int AS n FROM "LedgerEntry"`)).rows[0].n).toBe(ledgerBefore);
  }, 300_000);
});
