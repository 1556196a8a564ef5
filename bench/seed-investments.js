/**
 * Bulk test data for the earnings job (the benchmark and the crash test): `count` ACTIVE BTC
 * investments spread over `users` users, started `startedDaysAgo` days ago, each with its
 * INVESTMENT_DEBIT entry — written with plain SQL that the database checks like any writer.
 * Terms: principal 1, 3 % per 30 days, `durationDays` days (0.001 BTC a day).
 */
'use strict';

async function seedInvestments(pool, { count, users = 1000, durationDays = 30, startedDaysAgo = 1 }) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const plan = await client.query(
      `INSERT INTO "Plan" (id, name, asset, "minAmount", "returnPercentPer30Days", "durationDays", "updatedAt")
       VALUES (gen_random_uuid(), 'seed-' || gen_random_uuid(), 'BTC', 0.01, 3, $1, now()) RETURNING id`,
      [durationDays],
    );
    const { rows: accounts } = await client.query(
      `WITH u AS (
         INSERT INTO "User" (id, email, "passwordHash", name, "updatedAt")
         SELECT gen_random_uuid(), 'seed-' || gen_random_uuid() || '@example.com', 'x', 'Seed', now() FROM generate_series(1, $1)
         RETURNING id)
       INSERT INTO "Account" (id, "userId", asset) SELECT gen_random_uuid(), id, 'BTC' FROM u RETURNING id, "userId"`,
      [users],
    );
    const perUser = Math.ceil(count / users);
    await client.query(
      `INSERT INTO "LedgerEntry" (id, "accountId", type, amount, "idempotencyKey")
       SELECT gen_random_uuid(), a, 'ADJUSTMENT', $2, 'adjustment:seed-' || gen_random_uuid() FROM unnest($1::uuid[]) a`,
      [accounts.map((a) => a.id), perUser],
    );
    const total = (durationDays * 3) / 3000;
    const daily = Math.floor((total / durationDays) * 1e8) / 1e8;
    await client.query(
      `INSERT INTO "Investment" (id, "userId", "planId", asset, principal, "returnPercentPer30Days", "durationDays", "dailyEarning", "totalEarnings", "startedAt", "maturesAt")
       SELECT gen_random_uuid(), ($1::uuid[])[1 + (g % $2)], $3, 'BTC', 1, 3, $4, $5, $6,
              now() - make_interval(days => $7), date_trunc('day', now()) - make_interval(days => $7) + make_interval(days => $4)
         FROM generate_series(1, $8) g`,
      [accounts.map((a) => a.userId), users, plan.rows[0].id, durationDays, daily, total, startedDaysAgo, count],
    );
    await client.query(
      `INSERT INTO "LedgerEntry" (id, "accountId", type, amount, "idempotencyKey", "investmentId")
       SELECT gen_random_uuid(), a.id, 'INVESTMENT_DEBIT', -i.principal, 'investment:' || i.id || ':debit', i.id
         FROM "Investment" i JOIN "Account" a ON a."userId" = i."userId" AND a.asset = i.asset
        WHERE i."planId" = $1 ORDER BY a.id`,
      [plan.rows[0].id],
    );
    await client.query('COMMIT');
    return { planId: plan.rows[0].id, dailyEarning: daily, totalEarnings: total };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

module.exports = { seedInvestments };
