import crypto from 'node:crypto';
import { balanceOf, ETH_ADDRESS, randomTxHash, startMoneyTestEnv, type MoneyTestEnv, type TestUser } from './harness/money';

/** Deposits through the HTTP API against a real PostgreSQL and a verifier speaking the contract. */
describe('deposits API', () => {
  let env: MoneyTestEnv;
  let alice: TestUser;
  let bob: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    env = await startMoneyTestEnv();
    [alice, bob, admin] = [await env.newUser(), await env.newUser(), await env.newUser({ admin: true })];
  });
  afterAll(() => env.close());

  const open = (user: TestUser, body: unknown) => env.api.post('/deposits', body, { token: user.token });

  it('GET /assets lists every asset with decimals, network, confirmations and minimums (public)', async () => {
    const res = await env.api.get('/assets');
    expect(res.status).toBe(200);
    expect(res.body.items.map((a: { code: string }) => a.code)).toEqual(['BTC', 'ETH', 'USDT', 'SOL', 'BNB', 'TRX']);
    expect(res.body.items[0]).toEqual({ code: 'BTC', decimals: 8, network: 'bitcoin', requiredConfirmations: 3, minDeposit: '0.0001', minWithdrawal: '0.0005' });
  });

  it('the journey: open → submit hash → PENDING (confirmations recorded) → CONFIRMED → credited once, with balance, ledger and notification', async () => {
    const opened = await open(alice, { asset: 'ETH', amount: '1.5' });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ asset: 'ETH', expectedAmount: '1.500000000000000000', address: ETH_ADDRESS, requiredConfirmations: 12, status: 'OPEN' });
    expect(Date.parse(opened.body.expiresAt)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const id = opened.body.id as string;

    // the user pastes the hash in upper case with spaces: stored canonical
    const txHash = randomTxHash('ETH');
    const submitted = await env.api.post(`/deposits/${id}/tx`, { txHash: `  ${txHash.toUpperCase().replace('0X', '0x')} ` }, { token: alice.token });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ status: 'SUBMITTED', txHash });

    // the chain shows it with 3 of 12 confirmations, and slightly less than announced (fees)
    env.verifier.setTx('ETH', txHash, { confirmations: 3, amount: '1.4999', toAddress: ETH_ADDRESS });
    expect(await env.monitorPass()).toMatchObject({ checked: 1, pending: 1, credited: 0 });
    const pending = await env.api.get(`/deposits/${id}`, { token: alice.token });
    expect(pending.body).toMatchObject({ status: 'CONFIRMING', confirmations: 3, receivedAmount: null });
    expect(await balanceOf(env.api, alice.token, 'ETH')).toBe('0.000000000000000000');

    // rechecks are not due yet within the same second: nothing is checked twice in a pass
    env.verifier.addConfirmations('ETH', txHash, 9);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await env.monitorPass()).toMatchObject({ checked: 1, credited: 1 });
    const credited = await env.api.get(`/deposits/${id}`, { token: alice.token });
    expect(credited.body).toMatchObject({ status: 'CREDITED', confirmations: 12, receivedAmount: '1.499900000000000000' });

    // credited exactly once, with what the chain received (not the typed amount)
    await new Promise((r) => setTimeout(r, 1100));
    expect(await env.monitorPass()).toMatchObject({ checked: 0, credited: 0 });
    expect(await balanceOf(env.api, alice.token, 'ETH')).toBe('1.499900000000000000');
    const ledger = await env.api.get('/accounts/eth/ledger', { token: alice.token });
    expect(ledger.status).toBe(200);
    expect(ledger.body.items).toEqual([expect.objectContaining({ type: 'DEPOSIT', amount: '1.499900000000000000', balanceAfter: '1.499900000000000000', depositId: id })]);
    expect(ledger.body.nextCursor).toBeNull();
    const notifications = await env.api.get('/notifications', { token: alice.token });
    expect(notifications.body.items).toEqual([expect.objectContaining({ title: 'Deposit credited', body: expect.stringContaining('1.499900000000000000 ETH') })]);
    // the verifier got our secret and the canonical hash
    const request = env.verifier.requestsFor(txHash)[0]!;
    expect(request.headers['x-verifier-secret']).toBe(env.verifier.secret);
    expect(request.body).toEqual({ asset: 'ETH', txHash, address: ETH_ADDRESS, minConfirmations: 12 });
  });

  it('a hash already used for that asset anywhere on the platform is a 409, in any spelling', async () => {
    const txHash = randomTxHash('ETH');
    const first = await open(alice, { asset: 'ETH', amount: '1' });
    expect((await env.api.post(`/deposits/${first.body.id}/tx`, { txHash }, { token: alice.token })).status).toBe(200);
    const second = await open(bob, { asset: 'ETH', amount: '1' });
    for (const spelling of [txHash, txHash.slice(2), txHash.toUpperCase().replace('0X', '0x')]) {
      const res = await env.api.post(`/deposits/${second.body.id}/tx`, { txHash: spelling }, { token: bob.token });
      expect(res.status).toBe(409);
      expect(res.body.error).toBe('TX_ALREADY_USED');
    }
    // the same hash on another asset's chain is another transaction
    const bnb = await open(bob, { asset: 'BNB', amount: '1' });
    expect((await env.api.post(`/deposits/${bnb.body.id}/tx`, { txHash }, { token: bob.token })).status).toBe(200);
    // resending the same hash to the same deposit is idempotent; another hash is refused
    expect((await env.api.post(`/deposits/${first.body.id}/tx`, { txHash }, { token: alice.token })).body.status).toBe('SUBMITTED');
    const other = await env.api.post(`/deposits/${first.body.id}/tx`, { txHash: randomTxHash('ETH') }, { token: alice.token });
    expect(other).toMatchObject({ status: 409, body: { error: 'DEPOSIT_NOT_OPEN' } });
  });

  it('the same submission twice at once: both answer SUBMITTED, one row holds the hash', async () => {
    const opened = await open(alice, { asset: 'BTC', amount: '0.01' });
    const txHash = randomTxHash('BTC');
    const results = await Promise.all([1, 2, 3].map(() => env.api.post(`/deposits/${opened.body.id}/tx`, { txHash }, { token: alice.token })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const rows = await env.db.pool.query(`SELECT count(*)::int AS n FROM "Deposit" WHERE "txHash" = $1`, [txHash]);
    expect(rows.rows[0].n).toBe(1);
  });

  it("someone else's deposit is a 404 for every route; lists show only the owner's", async () => {
    const opened = await open(alice, { asset: 'SOL', amount: '1' });
    const id = opened.body.id;
    expect((await env.api.get(`/deposits/${id}`, { token: bob.token })).status).toBe(404);
    const stolen = await env.api.post(`/deposits/${id}/tx`, { txHash: randomTxHash('SOL') }, { token: bob.token });
    expect(stolen).toMatchObject({ status: 404, body: { error: 'DEPOSIT_NOT_FOUND' } });
    expect((await env.api.get(`/deposits/${id}`, { token: alice.token })).body.status).toBe('OPEN');
    const bobs = await env.api.get('/deposits', { token: bob.token });
    expect(bobs.body.items.every((d: { id: string }) => d.id !== id)).toBe(true);
  });

  it('lists are cursor-paginated and filter by status', async () => {
    const carol = await env.newUser();
    for (let i = 0; i < 5; i++) await open(carol, { asset: 'TRX', amount: `${10 + i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string; expectedAmount: string }[]; nextCursor: string | null } } = await env.api.get(
        `/deposits?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: carol.token },
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((d) => d.expectedAmount));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['14.000000', '13.000000', '12.000000', '11.000000', '10.000000']);
    expect((await env.api.get('/deposits?status=CREDITED', { token: carol.token })).body.items).toEqual([]);
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const before = (await env.db.pool.query(`SELECT count(*)::int AS n FROM "Deposit"`)).rows[0].n;
    const cases: [unknown, string][] = [
      [{ asset: 'DOGE', amount: '1' }, 'asset'],
      [{ asset: 'eth', amount: '1' }, 'asset'],
      [{ amount: '1' }, 'asset'],
      [{ asset: 'BTC', amount: 1 }, 'amount'],
      [{ asset: 'BTC', amount: '0' }, 'amount'],
      [{ asset: 'BTC', amount: '-1' }, 'amount'],
      [{ asset: 'BTC', amount: '1e3' }, 'amount'],
      [{ asset: 'BTC', amount: '0.000000001' }, 'amount'],
      [{ asset: 'USDT', amount: '10.1234567' }, 'amount'],
      [{ asset: 'BTC', amount: '1000000000000000000' }, 'amount'],
      [{ asset: 'BTC', amount: '0.00001' }, 'amount'],
      [{ asset: 'BTC', amount: '1', extra: true }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await open(alice, body);
      expect({ body, status: res.status, fields: res.body.details?.map((d: { field: string }) => d.field) }).toEqual({ body, status: 400, fields: expect.arrayContaining([field]) });
    }
    const opened = await open(alice, { asset: 'ETH', amount: '1' });
    for (const txHash of ['0xdeadbeef', 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', 'z'.repeat(66), randomTxHash('BTC').replace(/^/, '0xg'), randomTxHash('SOL'), 42]) {
      const res = await env.api.post(`/deposits/${opened.body.id}/tx`, { txHash }, { token: alice.token });
      expect({ txHash, status: res.status, field: res.body.details?.[0]?.field }).toEqual({ txHash, status: 400, field: 'txHash' });
    }
    for (const path of ['/deposits/not-a-uuid', '/deposits?status=PAID', '/deposits?limit=0', '/deposits?limit=101', '/deposits?cursor=%25%25', '/deposits?cursor=bm9wZQ', '/accounts/DOGE/ledger', '/accounts/BTC/ledger?cursor=YWJj']) {
      expect({ path, status: (await env.api.get(path, { token: alice.token })).status }).toEqual({ path, status: 400 });
    }
    expect((await env.db.pool.query(`SELECT count(*)::int AS n FROM "Deposit"`)).rows[0].n).toBe(before + 1);
  });

  it('the ledger pages newest first with a cursor: every entry once, the balance after each, and nothing of another user', async () => {
    const carol = await env.newUser();
    for (let i = 1; i <= 7; i++) await env.fund(carol.id, 'ETH', String(i));
    const pages: { amount: string; balanceAfter: string }[][] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await env.api.get(`/accounts/ETH/ledger?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: carol.token });
      expect(res.status).toBe(200);
      pages.push(res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const amount = (n: number) => `${n}.000000000000000000`;
    expect(pages.flat().map((e) => [e.amount, e.balanceAfter])).toEqual([
      [amount(7), amount(28)],
      [amount(6), amount(21)],
      [amount(5), amount(15)],
      [amount(4), amount(10)],
      [amount(3), amount(6)],
      [amount(2), amount(3)],
      [amount(1), amount(1)],
    ]);
    // a cursor from carol's history shows bob only his own entries
    const first = await env.api.get('/accounts/ETH/ledger?limit=1', { token: carol.token });
    const foreign = await env.api.get(`/accounts/ETH/ledger?cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: bob.token });
    expect(foreign.status).toBe(200);
    const bobsEntries = await env.db.pool.query(
      `SELECT e.id FROM "LedgerEntry" e JOIN "Account" a ON a.id = e."accountId" WHERE a."userId" = $1 AND a.asset = 'ETH'`,
      [bob.id],
    );
    const bobsIds = new Set(bobsEntries.rows.map((r) => r.id));
    expect(foreign.body.items.every((e: { id: string }) => bobsIds.has(e.id))).toBe(true);
  });

  it('anonymous callers get 401 and users get 403 on admin routes', async () => {
    for (const [method, path] of [
      ['GET', '/deposits'],
      ['POST', '/deposits'],
      ['GET', '/accounts'],
      ['GET', '/accounts/BTC/ledger'],
      ['GET', '/admin/deposits'],
    ]) {
      expect({ path, status: (await env.api.call(method!, path!, { body: method === 'POST' ? {} : undefined })).status }).toEqual({ path, status: 401 });
    }
    const id = (await open(alice, { asset: 'ETH', amount: '1' })).body.id;
    expect((await env.api.get('/admin/deposits', { token: alice.token })).status).toBe(403);
    expect((await env.api.post(`/admin/deposits/${id}/reject`, { reason: 'nope' }, { token: alice.token })).status).toBe(403);
    expect((await env.api.get(`/deposits/${id}`, { token: alice.token })).body.status).toBe('OPEN');
  });

  it('an admin rejects a deposit that is not final: audited with the admin, the user notified; a final one is a 409', async () => {
    const opened = await open(bob, { asset: 'ETH', amount: '2' });
    const id = opened.body.id;
    const list = await env.api.get('/admin/deposits?status=OPEN', { token: admin.token });
    expect(list.body.items.map((d: { id: string }) => d.id)).toContain(id);
    expect(list.body.items[0]).toHaveProperty('userId');
    const rejected = await env.api.post(`/admin/deposits/${id}/reject`, { reason: 'Sender failed screening' }, { token: admin.token });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'REJECTED', rejectionReason: 'Sender failed screening', reviewedById: admin.id });
    const audit = await env.db.pool.query(`SELECT "adminId", action, "targetId", metadata FROM "AdminAuditLog" WHERE "targetId" = $1`, [id]);
    expect(audit.rows).toEqual([{ adminId: admin.id, action: 'deposit.reject', targetId: id, metadata: { reason: 'Sender failed screening' } }]);
    const notes = await env.api.get('/notifications', { token: bob.token });
    expect(notes.body.items[0]).toMatchObject({ title: 'Deposit rejected', body: expect.stringContaining('Sender failed screening') });
    const again = await env.api.post(`/admin/deposits/${id}/reject`, { reason: 'again' }, { token: admin.token });
    expect(again).toMatchObject({ status: 409, body: { error: 'DEPOSIT_FINAL' } });
    expect((await env.api.post(`/admin/deposits/${crypto.randomUUID()}/reject`, { reason: 'missing' }, { token: admin.token })).status).toBe(404);
    expect((await env.api.post(`/admin/deposits/${id}/reject`, { reason: '' }, { token: admin.token })).status).toBe(400);
  });

  it('caps open intents per user', async () => {
    const dave = await env.newUser();
    const { MAX_OPEN_DEPOSITS } = await import('../src/deposits/deposits.service');
    for (let i = 0; i < MAX_OPEN_DEPOSITS; i++) expect((await open(dave, { asset: 'BTC', amount: '0.001' })).status).toBe(201);
    expect(await open(dave, { asset: 'BTC', amount: '0.001' })).toMatchObject({ status: 409, body: { error: 'TOO_MANY_OPEN_DEPOSITS' } });
  });
});
