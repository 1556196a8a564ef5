import { startMoneyTestEnv, type MoneyTestEnv, type TestUser } from './harness/money';

/** The trade journal: own entries only, every field validated. */
describe('trade journal', () => {
  let env: MoneyTestEnv;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    env = await startMoneyTestEnv();
    [alice, bob] = [await env.newUser(), await env.newUser()];
  });
  afterAll(() => env.close());

  const trade = { coin: 'btc', side: 'BUY', price: '64250.5', size: '0.01', tradedAt: '2026-11-20T14:03:00Z', result: '-12.5', notes: 'breakout', metadata: { strategy: 'momentum', tags: ['swing'] } };

  it('records a trade and lists only the owner\'s, newest first', async () => {
    const created = await env.api.post('/trades', trade, { token: alice.token });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ coin: 'BTC', side: 'BUY', price: '64250.5', size: '0.01', result: '-12.5', notes: 'breakout', metadata: trade.metadata, tradedAt: '2026-11-20T14:03:00.000Z' });
    await env.api.post('/trades', { ...trade, side: 'SELL', result: undefined, metadata: undefined }, { token: alice.token });
    const mine = await env.api.get('/trades?limit=1', { token: alice.token });
    expect(mine.body.items).toHaveLength(1);
    expect(mine.body.items[0].side).toBe('SELL');
    const next = await env.api.get(`/trades?limit=1&cursor=${mine.body.nextCursor}`, { token: alice.token });
    expect(next.body.items[0].id).toBe(created.body.id);
    expect((await env.api.get('/trades', { token: bob.token })).body.items).toEqual([]);
    expect((await env.api.get('/trades')).status).toBe(401);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ coin: 'B' }, 'coin'],
      [{ coin: 'BTC/USDT' }, 'coin'],
      [{ side: 'HOLD' }, 'side'],
      [{ price: '0' }, 'price'],
      [{ price: -1 }, 'price'],
      [{ size: '0.0' }, 'size'],
      [{ size: '1e5' }, 'size'],
      [{ tradedAt: 'yesterday' }, 'tradedAt'],
      [{ tradedAt: '2999-01-01T00:00:00Z' }, 'tradedAt'],
      [{ result: 'lots' }, 'result'],
      [{ notes: 'x'.repeat(501) }, 'notes'],
      [{ metadata: 'not an object' }, 'metadata'],
      [{ metadata: { blob: 'x'.repeat(5000) } }, 'metadata'],
      [{ userId: bob.id }, 'userId'],
    ];
    for (const [override, field] of cases) {
      const res = await env.api.post('/trades', { ...trade, ...override }, { token: alice.token });
      expect({ override: Object.keys(override), status: res.status, fields: res.body.details?.map((d: { field: string }) => d.field) }).toEqual({
        override: Object.keys(override),
        status: 400,
        fields: expect.arrayContaining([field]),
      });
    }
    const count = await env.db.pool.query(`SELECT count(*)::int AS n FROM "Trade" WHERE "userId" = $1`, [bob.id]);
    expect(count.rows[0].n).toBe(0);
  });
});
