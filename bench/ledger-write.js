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
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const pg = require('pg');
// The built Backend (npm run build): the same embedded PostgreSQL and migrations as the app.
const { startEmbeddedPostgres } = require('../Backend/dist/local/embedded-postgres');
const { migrateDeploy } = require('../Backend/dist/local/migrate');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 2000);
const WRITERS = 8;

async function timeIt(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-bench-'));
  fs.chmodSync(dir, 0o755);
  const db = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), persistent: false });
  const admin = new pg.Client({ connectionString: db.serverUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  migrateDeploy(db.urlFor('bench'));
  const pool = new pg.Pool({ connectionString: db.urlFor('bench'), max: WRITERS });
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
      for (const [name, fn] of Object.entries(cases)) (results[name] ??= []).push(await timeIt(fn));
    }
    const baseline = median(results['serial, baseline table']);
    const rows = Object.entries(results).map(([name, ms]) => ({ name, ms: median(ms), perSec: (ENTRIES / median(ms)) * 1000, ratio: median(ms) / baseline }));
    const check = await pool.query(
      `SELECT bool_and(a.balance = s.total) AS ok FROM "Account" a JOIN (SELECT "accountId", SUM(amount) total FROM "LedgerEntry" GROUP BY 1) s ON s."accountId" = a.id`,
    );
    const table = [
      `| case (${ENTRIES} inserts, median of ${ROUNDS}) | ms | inserts/s | time vs baseline |`,
      '| --- | ---: | ---: | ---: |',
      ...rows.map((r) => `| ${r.name} | ${r.ms.toFixed(0)} | ${r.perSec.toFixed(0)} | ${r.ratio.toFixed(2)}× |`),
    ].join('\n');
    process.stdout.write(`${table}\n\ncached balances equal ledger sums: ${check.rows[0].ok}\n`);
    const svg = barChart(rows.map((r) => ({ label: r.name, value: r.ratio })));
    fs.mkdirSync(path.join(__dirname, '..', 'docs', 'img'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, '..', 'docs', 'img', 'ledger-write.svg'), svg);
  } finally {
    await pool.end();
    await db.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A dependency-free horizontal bar chart (time relative to the baseline). */
function barChart(bars) {
  const width = 720;
  const rowH = 34;
  const left = 300;
  const max = Math.max(...bars.map((b) => b.value)) * 1.15;
  const scale = (v) => ((width - left - 20) * v) / max;
  const body = bars
    .map((b, i) => {
      const y = 30 + i * rowH;
      return `<text x="${left - 8}" y="${y + 17}" text-anchor="end" font-size="13">${b.label}</text>
<rect x="${left}" y="${y}" width="${scale(b.value).toFixed(1)}" height="24" fill="#4e79a7"/>
<text x="${left + scale(b.value) + 6}" y="${y + 17}" font-size="13">${b.value.toFixed(2)}×</text>`;
    })
    .join('\n');
  const height = 40 + bars.length * rowH;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="18" font-size="14" font-weight="bold">Ledger insert time relative to a plain insert (lower is better)</text>
${body}
</svg>
`;
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
