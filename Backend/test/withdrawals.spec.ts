import crypto from 'node:crypto';
import { startTestApp } from './harness/app';
import { ApiClient } from './harness/auth-client';
import { balanceOf, MONEY_TEST_SETTINGS, randomTxHash, startMoneyTestEnv, type MoneyTestEnv, type TestUser } from './harness/money';

const DEST = '0x52908400098527886e0f7030069857d2e4169ee7';

/** Withdrawals: holds, exactly one decision, no overdraft under concurrency. */
describe('withdrawals API', () => {
  let env: MoneyTestEnv;
  let admin: TestUser;

  beforeAll(async () => {
    env = await startMoneyTestEnv();
    admin = await env.newUser({ admin: true, kyc: true });
  });
  afterAll(() => env.close());

  const request = (user: TestUser, body: unknown) => env.api.post('/withdrawals', body, { token: user.token });
  const ledgerTypes = async (user: TestUser) =>
    ((await env.api.get('/accounts/ETH/ledger', { token: user.token })).body.items as { type: string; amount: string }[]).map((e) => `${e.type} ${e.amount}`);

  it('a request holds the amount in the ledger; cancel releases it; the owner is the only one who can cancel', async () => {
    const user = await env.newUser({ kyc: true });
    const stranger = await env.newUser({ kyc: true });
    await env.fund(user.id, 'ETH', '2');
    const res = await request(user, { asset: 'ETH', amount: '0.5', address: DEST.toUpperCase().replace('0X', '0x') });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ asset: 'ETH', amount: '0.500000000000000000', address: DEST, status: 'PENDING' });
    expect(await balanceOf(env.api, user.token, 'ETH')).toBe('1.500000000000000000');
    const id = res.body.id;
    expect((await env.api.post(`/withdrawals/${id}/cancel`, undefined, { token: stranger.token })).status).toBe(404);
    expect((await env.api.get(`/withdrawals/${id}`, { token: stranger.token })).status).toBe(404);
    const cancelled = await env.api.post(`/withdrawals/${id}/cancel`, undefined, { token: user.token });
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED' });
    expect(await balanceOf(env.api, user.token, 'ETH')).toBe('2.000000000000000000');
    expect(await ledgerTypes(user)).toEqual(['WITHDRAWAL_RELEASE 0.500000000000000000', 'WITHDRAWAL_HOLD -0.500000000000000000', 'DEPOSIT 2.000000000000000000']);
    expect((await env.api.post(`/withdrawals/${id}/cancel`, undefined, { token: user.token })).body.error).toBe('WITHDRAWAL_NOT_PENDING');
    expect((await env.api.get('/withdrawals', { token: user.token })).body.items.map((w: { id: string }) => w.id)).toEqual([id]);
    expect((await env.api.get('/withdrawals', { token: stranger.token })).body.items).toEqual([]);
  });

  it('concurrent requests cannot hold more than the balance', async () => {
    const user = await env.newUser({ kyc: true });
    await env.fund(user.id, 'ETH', '1');
    const results = await Promise.all(Array.from({ length: 12 }, () => request(user, { asset: 'ETH', amount: '0.3', address: DEST })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error === 'INSUFFICIENT_FUNDS')).toBe(true);
    expect(results.filter((r) => r.status === 409)).toHaveLength(9);
    expect(await balanceOf(env.api, user.token, 'ETH')).toBe('0.100000000000000000');
    const rows = await env.db.pool.query(`SELECT count(*)::int AS n FROM "Withdrawal" WHERE "userId" = $1`, [user.id]);
    expect(rows.rows[0].n).toBe(3);
  });

  it('cancel, approve and reject racing on one withdrawal resolve to exactly one outcome, with the ledger to match', async () => {
    for (let round = 0; round < 6; round++) {
      const user = await env.newUser({ kyc: true });
      await env.fund(user.id, 'ETH', '1');
      const id = (await request(user, { asset: 'ETH', amount: '1', address: DEST })).body.id;
      const payout = randomTxHash('ETH');
      const results = await Promise.all([
        env.api.post(`/withdrawals/${id}/cancel`, undefined, { token: user.token }),
        env.api.post(`/admin/withdrawals/${id}/approve`, { payoutTxHash: payout }, { token: admin.token }),
        env.api.post(`/admin/withdrawals/${id}/reject`, { reason: 'Address on a block list' }, { token: admin.token }),
        env.api.post(`/admin/withdrawals/${id}/approve`, { payoutTxHash: payout }, { token: admin.token }),
      ]);
      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === 409).every((r) => r.body.error === 'WITHDRAWAL_NOT_PENDING')).toBe(true);
      const status = winners[0]!.body.status as string;
      const balance = await balanceOf(env.api, user.token, 'ETH');
      expect({ status, balance }).toEqual({ status, balance: status === 'APPROVED' ? '0.000000000000000000' : '1.000000000000000000' });
      const audit = await env.db.pool.query(`SELECT count(*)::int AS n FROM "AdminAuditLog" WHERE "targetId" = $1`, [id]);
      expect(audit.rows[0].n).toBe(status === 'CANCELLED' ? 0 : 1);
    }
  });

  it('approve records the payout hash (canonical, once), audits the admin and notifies the user', async () => {
    const user = await env.newUser({ kyc: true });
    await env.fund(user.id, 'BTC', '1');
    const id = (await request(user, { asset: 'BTC', amount: '0.4', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' })).body.id;
    const payout = randomTxHash('BTC');
    const bad = await env.api.post(`/admin/withdrawals/${id}/approve`, { payoutTxHash: `0x${payout}zz` }, { token: admin.token });
    expect(bad).toMatchObject({ status: 400, body: { details: [{ field: 'payoutTxHash' }] } });
    const approved = await env.api.post(`/admin/withdrawals/${id}/approve`, { payoutTxHash: `0x${payout.toUpperCase()}` }, { token: admin.token });
    expect(approved.body).toMatchObject({ status: 'APPROVED', payoutTxHash: payout, reviewedById: admin.id, userId: user.id });
    const audit = await env.db.pool.query(`SELECT "adminId", action, metadata FROM "AdminAuditLog" WHERE "targetId" = $1`, [id]);
    expect(audit.rows).toEqual([{ adminId: admin.id, action: 'withdrawal.approved', metadata: { status: 'APPROVED', payoutTxHash: payout } }]);
    expect((await env.api.get('/notifications', { token: user.token })).body.items[0]).toMatchObject({ title: 'Withdrawal sent' });
    // the same payout cannot settle a second withdrawal
    const second = (await request(user, { asset: 'BTC', amount: '0.1', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' })).body.id;
    const reused = await env.api.post(`/admin/withdrawals/${second}/approve`, { payoutTxHash: payout }, { token: admin.token });
    expect(reused).toMatchObject({ status: 409, body: { error: 'PAYOUT_TX_ALREADY_USED' } });
    expect((await env.api.get(`/withdrawals/${second}`, { token: user.token })).body.status).toBe('PENDING');
  });

  it('reject releases the hold, audits and notifies', async () => {
    const user = await env.newUser({ kyc: true });
    await env.fund(user.id, 'ETH', '3');
    const id = (await request(user, { asset: 'ETH', amount: '3', address: DEST })).body.id;
    expect((await env.api.get('/admin/withdrawals?status=PENDING', { token: admin.token })).body.items.map((w: { id: string }) => w.id)).toContain(id);
    const rejected = await env.api.post(`/admin/withdrawals/${id}/reject`, { reason: 'Travel rule data missing' }, { token: admin.token });
    expect(rejected.body).toMatchObject({ status: 'REJECTED', rejectionReason: 'Travel rule data missing' });
    expect(await balanceOf(env.api, user.token, 'ETH')).toBe('3.000000000000000000');
    expect((await env.api.get('/notifications', { token: user.token })).body.items[0]).toMatchObject({ title: 'Withdrawal rejected', body: expect.stringContaining('Travel rule data missing') });
  });

  it('needs approved KYC', async () => {
    const user = await env.newUser();
    await env.fund(user.id, 'ETH', '1');
    const res = await request(user, { asset: 'ETH', amount: '0.1', address: DEST });
    expect(res).toMatchObject({ status: 403, body: { error: 'KYC_REQUIRED' } });
    expect(await balanceOf(env.api, user.token, 'ETH')).toBe('1.000000000000000000');
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const user = await env.newUser({ kyc: true });
    await env.fund(user.id, 'ETH', '1');
    const cases: [unknown, string][] = [
      [{ asset: 'XRP', amount: '0.1', address: DEST }, 'asset'],
      [{ asset: 'ETH', amount: 0.1, address: DEST }, 'amount'],
      [{ asset: 'ETH', amount: '0', address: DEST }, 'amount'],
      [{ asset: 'ETH', amount: '-0.1', address: DEST }, 'amount'],
      [{ asset: 'ETH', amount: '0.0000000000000000001', address: DEST }, 'amount'],
      [{ asset: 'ETH', amount: '99999999999999999999', address: DEST }, 'amount'],
      [{ asset: 'ETH', amount: '0.001', address: DEST }, 'amount'],
      [{ asset: 'ETH', amount: '0.1', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' }, 'address'],
      [{ asset: 'ETH', amount: '0.1', address: '0x1234' }, 'address'],
      [{ asset: 'ETH', amount: '0.1', address: '0x000000000000000000000000000000000000dead' }, 'address'],
      // a mixed-case address whose EIP-55 checksum is wrong: a typo, not an address
      [{ asset: 'ETH', amount: '0.1', address: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD' }, 'address'],
      [{ asset: 'BTC', amount: '0.1', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdp' }, 'address'],
      [{ asset: 'ETH', amount: '0.1' }, 'address'],
    ];
    for (const [body, field] of cases) {
      const res = await request(user, body);
      expect({ body, status: res.status, fields: res.body.details?.map((d: { field: string }) => d.field) }).toEqual({ body, status: 400, fields: expect.arrayContaining([field]) });
    }
    expect(await request(user, { asset: 'ETH', amount: '1.5', address: DEST })).toMatchObject({ status: 409, body: { error: 'INSUFFICIENT_FUNDS' } });
    const rows = await env.db.pool.query(`SELECT count(*)::int AS n FROM "Withdrawal" WHERE "userId" = $1`, [user.id]);
    expect(rows.rows[0].n).toBe(0);
    expect((await env.api.post(`/withdrawals/${crypto.randomUUID()}/cancel`, undefined, { token: user.token })).status).toBe(404);
    expect((await env.api.post('/withdrawals/nope/cancel', undefined, { token: user.token })).status).toBe(400);
    expect((await env.api.get('/withdrawals?status=DONE', { token: user.token })).status).toBe(400);
  });

  it('anonymous callers get 401 and users get 403 on admin routes', async () => {
    const user = await env.newUser({ kyc: true });
    const id = crypto.randomUUID();
    expect((await env.api.get('/withdrawals')).status).toBe(401);
    expect((await env.api.post('/withdrawals', {})).status).toBe(401);
    expect((await env.api.get('/admin/withdrawals')).status).toBe(401);
    expect((await env.api.get('/admin/withdrawals', { token: user.token })).status).toBe(403);
    expect((await env.api.post(`/admin/withdrawals/${id}/approve`, { payoutTxHash: randomTxHash('ETH') }, { token: user.token })).status).toBe(403);
    expect((await env.api.post(`/admin/withdrawals/${id}/reject`, { reason: 'x' }, { token: user.token })).status).toBe(403);
  });

  it('a balance in an asset the platform has since disabled can still be withdrawn; new deposits of it cannot be opened', async () => {
    const user = await env.newUser({ kyc: true });
    await env.fund(user.id, 'ETH', '1');
    // The same database, served by an API whose configuration no longer enables ETH.
    const app = await startTestApp({ DATABASE_URL: env.db.url, ...env.smtp.env, ...MONEY_TEST_SETTINGS, ...env.verifier.env, ASSETS_ENABLED: 'BTC' });
    try {
      const api = new ApiClient(app.baseUrl);
      expect(await api.post('/deposits', { asset: 'ETH', amount: '1' }, { token: user.token })).toMatchObject({ status: 400, body: { error: 'ASSET_DISABLED' } });
      const res = await api.post('/withdrawals', { asset: 'ETH', amount: '0.5', address: DEST }, { token: user.token });
      expect(res).toMatchObject({ status: 201, body: { asset: 'ETH', status: 'PENDING' } });
      expect(await balanceOf(api, user.token, 'ETH')).toBe('0.500000000000000000');
    } finally {
      await app.close();
    }
  });
});
