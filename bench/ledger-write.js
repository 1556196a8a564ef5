/**
 * Cost of the ledger's safety in PostgreSQL: an insert into LedgerEntry (trigger moves the
 * cached balance, CHECK refuses overdrafts, unique idempotency key) against a baseline
 * insert of the same row into a copy of the table without triggers, in the same database
 * and the same invocation. Also: concurrent writers on ONE account (row lock serializes
 * them) against writers on distinct accounts.
 *
 * Run: npm run bench:ledger   (builds, then embedded PostgreSQL with migrations; nothing else needed)
 */
'use strict';
const pg = require('pg');
const lib = require('./lib');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 2000);
const WRITERS = 8;
const COMMAND = 'npm run bench:ledger';

async function main() {
  const db = await lib.startBenchDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: WRITERS });
  pool.on('error', () => undefined); // the server stops at the end; idle clients must not crash the report
  const cleanup = async () => {
    await pool.end().catch(() => undefined);
    await db.stop();
  };
  lib.onInterrupt(cleanup);
  try {
    await pool.query(`CREATE TABLE "LedgerBaseline" (LIKE "LedgerEntry" INCLUDING DEFAULTS INCLUDING INDEXES)`);
    const users = await pool.query(
      `INSERT INTO "User" (id, email, "passwordHash", name, "updatedAt")
       SELECT gen_random_uuid(), 'bench' || g || '@example.com', 'x', 'b', now() FROM generate_series(1, $1) g RETURNING id`,
      [WRITERS],
    );
    const accounts = [];
    for (const u of users.rows) {
      accounts.push((await pool.query(`INSERT INTO "Account" (id, "userId", asset) VALUES (gen_random_uuid(), $1, 'ETH') RETURNING id`, [u.id])).rows[0].id);
    }
    let seq = 0;
    const insert = (table, account) =>
      pool.query(`INSERT INTO "${table}" (id, "accountId", type, amount, "idempotencyKey") VALUES (gen_random_uuid(), $1, 'ADJUSTMENT', '0.000000000000000001', $2)`, [
        account,
        `adjustment:bench-${table}-${seq++}`,
      ]);
    const serial = (table) => async () => {
      for (let i = 0; i < ENTRIES; i++) await insert(table, accounts[0]);
    };
    const parallel = (table, sameAccount) => async () => {
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; i < ENTRIES / WRITERS; i++) await insert(table, accounts[sameAccount ? 0 : w]);
        }),
      );
    };
    const cases = {
      'serial, baseline table': serial('LedgerBaseline'),
      'serial, ledger (trigger + checks)': serial('LedgerEntry'),
      [`${WRITERS} writers, distinct accounts, ledger`]: parallel('LedgerEntry', false),
      [`${WRITERS} writers, one account, ledger`]: parallel('LedgerEntry', true),
    };
    const results = {};
    await cases['serial, baseline table'](); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, fn] of Object.entries(cases)) (results[name] ??= []).push(await lib.timeIt(fn));
    }
    const baseline = lib.median(results['serial, baseline table']);
    const rows = Object.entries(results).map(([name, ms]) => ({ name, ms: lib.median(ms), perSec: (ENTRIES / lib.median(ms)) * 1000, ratio: lib.median(ms) / baseline }));
    const check = await pool.query(
      `SELECT bool_and(a.balance = s.total) AS ok FROM "Account" a JOIN (SELECT "accountId", SUM(amount) total FROM "LedgerEntry" GROUP BY 1) s ON s."accountId" = a.id`,
    );
    report(rows, check.rows[0].ok);
    if (!check.rows[0].ok) throw new Error('a cached balance differs from its ledger');
  } finally {
    await cleanup();
  }
}

function report(rows, consistent) {
  const tableText = lib.table(
    [`case (${ENTRIES} inserts, median of ${ROUNDS})`, 'ms', 'inserts/s', 'time vs baseline'],
    rows.map((r) => [r.name, r.ms.toFixed(0), r.perSec.toFixed(0), `${r.ratio.toFixed(2)}×`]),
  );
  const date = new Date().toISOString().slice(0, 10);
  process.stdout.write(`\n${tableText}\n\ncached balances equal ledger sums: ${consistent}\ncommand: ${COMMAND}\nmachine: ${lib.machine()}\n`);
  lib.writeSvg(
    'ledger-write',
    lib.barChart({
      title: 'Ledger insert time relative to a plain insert (lower is better)',
      series: ['time vs baseline'],
      groups: rows.map((r) => ({ label: r.name, values: [r.ratio] })),
      format: (v) => `${v.toFixed(2)}×`,
    }),
  );
  lib.writeSection(
    'ledger-write',
    [
      `Command and figures (${date}, \`${COMMAND}\` or \`npm run bench -- ledger-write\`; machine: ${lib.machine()}):`,
      '',
      tableText,
      '',
      `cached balances equal ledger sums: ${consistent}`,
      '',
      '![Ledger insert time relative to a plain insert](img/ledger-write.svg)',
    ].join('\n'),
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
