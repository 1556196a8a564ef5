import crypto from 'node:crypto';
import { EarningsService } from '../src/investments/earnings.service';
import { earningsSchedule } from '../src/investments/earnings-schedule';
import { balanceOf, startMoneyTestEnv, type MoneyTestEnv, type TestUser } from './harness/money';

const DAY = 86_400_000;
const dateIn = (days: number) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) + days * DAY).toISOString().slice(0, 10);

/** Plans, investments and the earnings pass through the API and a controllable clock (asOf). */
describe('plans, investments and earnings', () => {
  let env: MoneyTestEnv;
  let admin: TestUser;
  let plan: { id: string };

  beforeAll(async () => {
    env = await startMoneyTestEnv();
    admin = await env.newUser({ admin: true });
    const created = await env.api.post(
      '/admin/plans',
      { name: 'Bitcoin 30', asset: 'BTC', minAmount: '0.01', maxAmount: '5', returnPercentPer30Days: '1.5', durationDays: 30 },
      { token: admin.token },
    );
    expect(created.status).toBe(201);
    plan = created.body;
  });
  afterAll(() => env.close());

  const earnings = () => env.app.app.get(EarningsService);
  const invest = (user: TestUser, body: unknown) => env.api.post('/investments', body, { token: user.token });

  describe('plans', () => {
    it('admins create and change plans with validation naming the field; users get 403, strangers 401', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ minAmount: '2', maxAmount: '1' }, 'maxAmount'],
        [{ returnPercentPer30Days: '0' }, 'returnPercentPer30Days'],
        [{ returnPercentPer30Days: '-1' }, 'returnPercentPer30Days'],
        [{ durationDays: 0 }, 'durationDays'],
        [{ asset: 'DOGE' }, 'asset'],
        [{ minAmount: '0.000000001' }, 'minAmount'],
        [{ name: '' }, 'name'],
      ];
      const base = { name: 'Valid', asset: 'BTC', minAmount: '0.01', maxAmount: '1', returnPercentPer30Days: '1', durationDays: 10 };
      for (const [override, field] of cases) {
        const res = await env.api.post('/admin/plans', { ...base, ...override }, { token: admin.token });
        expect({ override, status: res.status, fields: res.body.details?.map((d: { field: string }) => d.field) }).toEqual({ override, status: 400, fields: [field] });
      }
      expect((await env.api.post('/admin/plans', { ...base, name: 'Bitcoin 30' }, { token: admin.token })).body.error).toBe('PLAN_NAME_TAKEN');
      const user = await env.newUser();
      expect((await env.api.post('/admin/plans', base, { token: user.token })).status).toBe(403);
      expect((await env.api.post('/admin/plans', base)).status).toBe(401);
      expect((await env.api.patch(`/admin/plans/${plan.id}`, { minAmount: '10' }, { token: admin.token })).body.details[0].field).toBe('maxAmount');
      const audit = await env.db.pool.query(`SELECT "adminId", action FROM "AdminAuditLog" WHERE "targetId" = $1`, [plan.id]);
      expect(audit.rows).toEqual([{ adminId: admin.id, action: 'plan.create' }]);
    });

    it('lists active plans by minimum (public); an inactive plan is hidden and cannot be invested in', async () => {
      const small = await env.api.post('/admin/plans', { name: 'Tether 7', asset: 'USDT', minAmount: '1', returnPercentPer30Days: '0.9', durationDays: 7 }, { token: admin.token });
      const hidden = await env.api.post('/admin/plans', { name: 'Old', asset: 'ETH', minAmount: '0.001', returnPercentPer30Days: '2', durationDays: 60, active: false }, { token: admin.token });
      const list = await env.api.get('/plans');
      expect(list.status).toBe(200);
      const names = list.body.items.map((p: { name: string }) => p.name);
      expect(names).toEqual(expect.arrayContaining(['Bitcoin 30', 'Tether 7']));
      expect(names).not.toContain('Old');
      expect(names.indexOf('Bitcoin 30')).toBeLessThan(names.indexOf('Tether 7'));
      expect((await env.api.get(`/plans/${hidden.body.id}`)).status).toBe(404);
      expect((await env.api.get(`/plans/${small.body.id}`)).body).toMatchObject({ name: 'Tether 7', minAmount: '1.000000', maxAmount: null, returnPercentPer30Days: '0.9000' });
      const user = await env.newUser();
      await env.fund(user.id, 'ETH', '1');
      expect((await invest(user, { planId: hidden.body.id, amount: '0.01' })).status).toBe(404);
    });

    it('quotes with the rule the earnings job pays: rounded down, the remainder on the last day, totals exact', async () => {
      const res = await env.api.get(`/plans/${plan.id}/quote?amount=0.33333333`);
      expect(res.status).toBe(200);
      const s = earningsSchedule('BTC', '0.33333333', '1.5', 30);
      // 0.33333333 × 1.5% = 0.0049999999... rounded down to 8 decimals
      expect(res.body).toMatchObject({ amount: '0.33333333', totalReturn: '0.00499999', dailyEarning: '0.00016666', lastDayEarning: '0.00016685', totalPayout: '0.33833332', durationDays: 30 });
      expect(s.dailyEarning.mul(29).add(s.lastDayEarning).toFixed(8)).toBe(s.totalEarnings.toFixed(8));
      expect(res.body.maturityDate).toBe(dateIn(30));
      for (const amount of ['0.001', '6', '0.123456789', 'abc', '-1']) {
        const bad = await env.api.get(`/plans/${plan.id}/quote?amount=${amount}`);
        expect({ amount, status: bad.status, field: bad.body.details?.[0]?.field }).toEqual({ amount, status: 400, field: 'amount' });
      }
      expect((await env.api.get(`/plans/${crypto.randomUUID()}/quote?amount=1`)).status).toBe(404);
    });
  });

  describe('investments', () => {
    it('debits the principal with the investment in one transaction; another user sees 404', async () => {
      const alice = await env.newUser();
      const bob = await env.newUser();
      await env.fund(alice.id, 'BTC', '1');
      const res = await invest(alice, { planId: plan.id, amount: '0.4' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ planName: 'Bitcoin 30', principal: '0.40000000', status: 'ACTIVE', accruedEarnings: '0.00000000', accruedDays: 0, nextAccrualDate: dateIn(1) });
      expect(await balanceOf(env.api, alice.token, 'BTC')).toBe('0.60000000');
      expect((await env.api.get(`/investments/${res.body.id}`, { token: bob.token })).status).toBe(404);
      expect((await env.api.get('/investments', { token: bob.token })).body.items).toEqual([]);
      expect((await env.api.get('/investments', { token: alice.token })).body.items.map((i: { id: string }) => i.id)).toEqual([res.body.id]);
    });

    it('refuses bad input, amounts outside the plan, and more than the balance; writes nothing', async () => {
      const user = await env.newUser();
      await env.fund(user.id, 'BTC', '0.5');
      const cases: [unknown, string][] = [
        [{ planId: 'nope', amount: '0.1' }, 'planId'],
        [{ planId: plan.id, amount: 0.1 }, 'amount'],
        [{ planId: plan.id, amount: '0.001' }, 'amount'],
        [{ planId: plan.id, amount: '6' }, 'amount'],
        [{ planId: plan.id, amount: '0.123456789' }, 'amount'],
      ];
      for (const [body, field] of cases) {
        const res = await invest(user, body);
        expect({ body, status: res.status, field: res.body.details?.[0]?.field }).toEqual({ body, status: 400, field });
      }
      expect(await invest(user, { planId: plan.id, amount: '0.6' })).toMatchObject({ status: 409, body: { error: 'INSUFFICIENT_FUNDS' } });
      expect((await env.api.get('/investments', { token: user.token })).body.items).toEqual([]);
      expect(await balanceOf(env.api, user.token, 'BTC')).toBe('0.50000000');
      expect((await env.api.get('/investments')).status).toBe(401);
    });

    it('concurrent investments cannot overdraw', async () => {
      const user = await env.newUser();
      await env.fund(user.id, 'BTC', '1');
      const results = await Promise.all(Array.from({ length: 10 }, () => invest(user, { planId: plan.id, amount: '0.3' })));
      expect(results.filter((r) => r.status === 201)).toHaveLength(3);
      expect(results.filter((r) => r.status === 409)).toHaveLength(7);
      expect(await balanceOf(env.api, user.token, 'BTC')).toBe('0.10000000');
    });
  });

  it('the admin dashboard adds up what the platform keeps per asset, and user detail shows balances, from the ledger (admins only)', async () => {
    const user = await env.newUser({ kyc: true });
    await env.fund(user.id, 'TRX', '100');
    await env.api.post('/withdrawals', { asset: 'TRX', amount: '30', address: 'TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7' }, { token: user.token });
    const res = await env.api.get('/admin/dashboard', { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ users: expect.any(Number), verifiedUsers: expect.any(Number), kycPending: 0, withdrawalsPending: 1 });
    expect(res.body.depositsByStatus).toMatchObject({ OPEN: expect.any(Number), CREDITED: expect.any(Number) });
    const trx = res.body.assets.find((a: { asset: string }) => a.asset === 'TRX');
    expect(trx).toEqual({ asset: 'TRX', available: '70.000000', heldForWithdrawals: '30.000000', invested: '0.000000', underManagement: '100.000000', earningsPaidToday: '0.000000' });
    const btc = res.body.assets.find((a: { asset: string }) => a.asset === 'BTC');
    const { rows } = await env.db.pool.query(`SELECT COALESCE(SUM(balance), 0)::numeric(36,8)::text AS s FROM "Account" WHERE asset = 'BTC'`);
    expect(btc.available).toBe(rows[0].s);
    const detail = await env.api.get(`/admin/users/${user.id}`, { token: admin.token });
    expect(detail.body.balances).toHaveLength(6);
    expect(detail.body.balances).toContainEqual({ asset: 'TRX', balance: '70.000000' });
    expect(detail.body.balances).toContainEqual({ asset: 'BTC', balance: '0.00000000' });
    expect((await env.api.get('/admin/dashboard', { token: user.token })).status).toBe(403);
    expect((await env.api.get('/admin/dashboard')).status).toBe(401);
  });

  describe('the earnings pass', () => {
    it('accrues each day once, catches up after downtime, returns the principal at maturity: totals equal the quote', async () => {
      const user = await env.newUser();
      await env.fund(user.id, 'BTC', '1');
      const id = (await invest(user, { planId: plan.id, amount: '0.33333333' })).body.id;
      expect((await earnings().runPass({ asOf: dateIn(3) })).earnings).toBeGreaterThanOrEqual(3);
      expect(await earnings().runPass({ asOf: dateIn(3) })).toMatchObject({ earnings: 0, paid: 0 });
      const mid = await env.api.get(`/investments/${id}`, { token: user.token });
      expect(mid.body).toMatchObject({ accruedDays: 3, accruedEarnings: '0.00049998', nextAccrualDate: dateIn(4), status: 'ACTIVE' });
      // the plan is deactivated and changed meanwhile: the running investment keeps its terms
      await env.api.patch(`/admin/plans/${plan.id}`, { returnPercentPer30Days: '9', active: false }, { token: admin.token });
      // the job was down for weeks: one pass catches up every day and completes the investment
      await earnings().runPass({ asOf: dateIn(45) });
      const done = await env.api.get(`/investments/${id}`, { token: user.token });
      expect(done.body).toMatchObject({ status: 'COMPLETED', accruedDays: 30, accruedEarnings: '0.00499999', totalEarnings: '0.00499999', returnPercentPer30Days: '1.5000', nextAccrualDate: null });
      // 1 − 0.33333333 + 0.33333333 + 0.00499999
      expect(await balanceOf(env.api, user.token, 'BTC')).toBe('1.00499999');
      const ledger = await env.api.get('/accounts/BTC/ledger?limit=100', { token: user.token });
      const types = ledger.body.items.map((e: { type: string }) => e.type);
      expect(types.filter((t: string) => t === 'EARNING')).toHaveLength(30);
      expect(types.filter((t: string) => t === 'PRINCIPAL_RETURN')).toHaveLength(1);
      expect((await env.api.get('/notifications', { token: user.token })).body.items[0]).toMatchObject({ title: 'Investment matured' });
      expect(await earnings().runPass({ asOf: dateIn(60) })).toMatchObject({ earnings: 0, paid: 0, completed: 0 });
      await env.api.patch(`/admin/plans/${plan.id}`, { returnPercentPer30Days: '1.5', active: true }, { token: admin.token });
    });

    it('two passes at once pay each day once', async () => {
      const users = await Promise.all([1, 2, 3].map(() => env.newUser()));
      for (const u of users) {
        await env.fund(u.id, 'BTC', '2');
        await invest(u, { planId: plan.id, amount: '1' });
        await invest(u, { planId: plan.id, amount: '0.5' });
      }
      await Promise.all([earnings().runPass({ asOf: dateIn(31) }), earnings().runPass({ asOf: dateIn(31) }), earnings().runPass({ asOf: dateIn(31) })]);
      for (const u of users) {
        // 2 − 1.5 + 1.5 + 0.015 + 0.0075
        expect(await balanceOf(env.api, u.token, 'BTC')).toBe('2.02250000');
      }
    });

    it('the database refuses an earning off the schedule, a second one for a day, and completing early (raw SQL)', async () => {
      const user = await env.newUser();
      await env.fund(user.id, 'BTC', '1');
      const id = (await invest(user, { planId: plan.id, amount: '0.3' })).body.id;
      const insert = (day: string, amount: string) =>
        env.db.pool.query(`INSERT INTO "Earning" (id, "investmentId", "accrualDate", amount) VALUES (gen_random_uuid(), $1, $2, $3)`, [id, day, amount]);
      await expect(insert(dateIn(1), '1')).rejects.toThrow(/scheduled amount/);
      await expect(insert(dateIn(0), '0.00015')).rejects.toThrow(/scheduled/);
      await expect(insert(dateIn(31), '0.00015')).rejects.toThrow(/scheduled/);
      await expect(insert(dateIn(1), '0.00015')).rejects.toThrow(/has no EARNING ledger entry/);
      await expect(env.db.pool.query(`UPDATE "Investment" SET status = 'COMPLETED', "completedAt" = now() WHERE id = $1`, [id])).rejects.toThrow(/before every day/);
      await expect(env.db.pool.query(`UPDATE "Investment" SET principal = 100 WHERE id = $1`, [id])).rejects.toThrow(/immutable/);
      await earnings().runPass({ asOf: dateIn(1) });
      await expect(
        env.db.pool.query(`INSERT INTO "Earning" (id, "investmentId", "accrualDate", amount) VALUES (gen_random_uuid(), $1, $2, '0.00015')`, [id, dateIn(1)]),
      ).rejects.toMatchObject({ code: '23505' });
      await expect(env.db.pool.query(`DELETE FROM "Earning" WHERE "investmentId" = $1`, [id])).rejects.toThrow(/append-only/);
    });
  });

  describe('admin investment status changes', () => {
    it('an admin cancels an active investment: principal back, earnings kept, no more accrual; audited and notified', async () => {
      const user = await env.newUser();
      await env.fund(user.id, 'BTC', '1');
      const id = (await invest(user, { planId: plan.id, amount: '0.5' })).body.id;
      await earnings().runPass({ asOf: dateIn(2) });

      const listed = await env.api.get(`/admin/investments?status=ACTIVE&userId=${user.id}`, { token: admin.token });
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([id]);
      expect(listed.body.items[0]).toMatchObject({ userId: user.id, status: 'ACTIVE', cancelledAt: null, cancelledById: null });

      const res = await env.api.post(`/admin/investments/${id}/cancel`, { reason: 'Plan withdrawn by compliance' }, { token: admin.token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, status: 'CANCELLED', cancelledById: admin.id, cancellationReason: 'Plan withdrawn by compliance', accruedDays: 2, nextAccrualDate: null });
      // 1 − 0.5 + 2 days of 0.00025 + 0.5
      expect(await balanceOf(env.api, user.token, 'BTC')).toBe('1.00050000');
      await earnings().runPass({ asOf: dateIn(40) });
      expect(await balanceOf(env.api, user.token, 'BTC')).toBe('1.00050000');
      expect((await env.api.get(`/investments/${id}`, { token: user.token })).body).toMatchObject({ status: 'CANCELLED', accruedDays: 2, completedAt: null });

      const audit = await env.db.pool.query(`SELECT "adminId", action, metadata FROM "AdminAuditLog" WHERE "targetId" = $1`, [id]);
      expect(audit.rows).toEqual([{ adminId: admin.id, action: 'investment.cancel', metadata: { reason: 'Plan withdrawn by compliance' } }]);
      expect((await env.api.get('/notifications', { token: user.token })).body.items[0]).toMatchObject({ title: 'Investment cancelled' });
      expect((await env.api.get(`/admin/investments/${id}`, { token: admin.token })).body).toMatchObject({ status: 'CANCELLED', userId: user.id });

      const again = await env.api.post(`/admin/investments/${id}/cancel`, { reason: 'again' }, { token: admin.token });
      expect(again).toMatchObject({ status: 409, body: { error: 'INVESTMENT_FINAL' } });
    });

    it('two cancellations at once return the principal once', async () => {
      const user = await env.newUser();
      await env.fund(user.id, 'BTC', '1');
      const id = (await invest(user, { planId: plan.id, amount: '0.5' })).body.id;
      const results = await Promise.all([1, 2, 3].map(() => env.api.post(`/admin/investments/${id}/cancel`, { reason: 'race' }, { token: admin.token })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
      expect(await balanceOf(env.api, user.token, 'BTC')).toBe('1.00000000');
      const audits = await env.db.pool.query(`SELECT count(*)::int AS n FROM "AdminAuditLog" WHERE "targetId" = $1`, [id]);
      expect(audits.rows[0].n).toBe(1);
    });

    it('refuses users (403), strangers (401), bad input (400 naming the field) and unknown ids (404)', async () => {
      const user = await env.newUser();
      await env.fund(user.id, 'BTC', '1');
      const id = (await invest(user, { planId: plan.id, amount: '0.5' })).body.id;
      expect((await env.api.post(`/admin/investments/${id}/cancel`, { reason: 'mine now' }, { token: user.token })).status).toBe(403);
      expect((await env.api.get('/admin/investments', { token: user.token })).status).toBe(403);
      expect((await env.api.post(`/admin/investments/${id}/cancel`, { reason: 'nobody' })).status).toBe(401);
      expect((await env.api.get(`/admin/investments/${id}`)).status).toBe(401);
      const cases: [string, unknown, string][] = [
        [id, {}, 'reason'],
        [id, { reason: 'no' }, 'reason'],
        [id, { reason: 'x'.repeat(501) }, 'reason'],
        [id, { reason: 'ok reason', status: 'ACTIVE' }, 'status'],
      ];
      for (const [target, body, field] of cases) {
        const res = await env.api.post(`/admin/investments/${target}/cancel`, body, { token: admin.token });
        expect({ body, status: res.status, fields: res.body.details?.map((d: { field: string }) => d.field) }).toEqual({ body, status: 400, fields: expect.arrayContaining([field]) });
      }
      expect((await env.api.post('/admin/investments/not-a-uuid/cancel', { reason: 'bad id' }, { token: admin.token })).status).toBe(400);
      expect((await env.api.post(`/admin/investments/${crypto.randomUUID()}/cancel`, { reason: 'missing' }, { token: admin.token })).status).toBe(404);
      for (const query of ['status=PAUSED', 'userId=nope', 'limit=0']) {
        expect((await env.api.get(`/admin/investments?${query}`, { token: admin.token })).status).toBe(400);
      }
      expect((await env.api.get(`/investments/${id}`, { token: user.token })).body.status).toBe('ACTIVE');
      expect(await balanceOf(env.api, user.token, 'BTC')).toBe('0.50000000');
    });

    it('the database refuses a cancellation without its principal, a second principal return, and reviving a cancelled investment (raw SQL)', async () => {
      const user = await env.newUser();
      await env.fund(user.id, 'BTC', '1');
      const id = (await invest(user, { planId: plan.id, amount: '0.5' })).body.id;
      const account = (await env.db.pool.query(`SELECT id FROM "Account" WHERE "userId" = $1 AND asset = 'BTC'`, [user.id])).rows[0].id;
      const principalReturn = (amount: string) =>
        env.db.pool.query(`INSERT INTO "LedgerEntry" (id, "accountId", type, amount, "idempotencyKey", "investmentId") VALUES (gen_random_uuid(), $1, 'PRINCIPAL_RETURN', $2, $3, $4)`, [
          account,
          amount,
          `investment:${id}:principal`,
          id,
        ]);
      await expect(principalReturn('0.5')).rejects.toThrow(/COMPLETED or CANCELLED/);
      await expect(
        env.db.pool.query(`UPDATE "Investment" SET status = 'CANCELLED', "cancelledAt" = now(), "cancelledById" = $2, "cancellationReason" = 'x' WHERE id = $1`, [id, admin.id]),
      ).rejects.toThrow(/does not match its ledger entries/);
      await expect(env.db.pool.query(`UPDATE "Investment" SET status = 'CANCELLED' WHERE id = $1`, [id])).rejects.toThrow(/Investment_cancelled/);
      expect((await env.api.post(`/admin/investments/${id}/cancel`, { reason: 'for the test' }, { token: admin.token })).status).toBe(200);
      await expect(principalReturn('0.5')).rejects.toMatchObject({ code: '23505' });
      await expect(env.db.pool.query(`UPDATE "Investment" SET status = 'ACTIVE', "cancelledAt" = NULL, "cancelledById" = NULL, "cancellationReason" = NULL WHERE id = $1`, [id])).rejects.toThrow(/is cancelled/);
      await expect(env.db.pool.query(`UPDATE "Investment" SET "cancellationReason" = 'rewritten' WHERE id = $1`, [id])).rejects.toThrow(/is cancelled/);
      expect(await balanceOf(env.api, user.token, 'BTC')).toBe('1.00000000');
    });
  });
});
