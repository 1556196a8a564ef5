/**
 * The earnings pass at scale: one pass of the real worker (`node Backend/dist/workers/earnings.js`,
 * what the CronJob runs) over N active investments with one due day each, and over a
 * catch-up of several missed days; against a baseline in the same invocation and database:
 * the same rows written set-based into copies of Earning and LedgerEntry without triggers.
 *
 * Run: npm run bench:earnings   (builds, then embedded PostgreSQL with migrations)
 * Knobs: BENCH_INVESTMENTS (default 100000), BENCH_CATCHUP_INVESTMENTS (10000), BENCH_CATCHUP_DAYS (30)
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const pg = require('pg');
const { startEmbeddedPostgres } = require('../Backend/dist/local/embedded-postgres');
const { migrateDeploy } = require('../Backend/dist/local/migrate');
const { seedInvestments } = require('./seed-investments');

const N = Number(process.env.BENCH_INVESTMENTS ?? 100_000);
const CATCHUP_N = Number(process.env.BENCH_CATCHUP_INVESTMENTS ?? 10_000);
const CATCHUP_DAYS = Number(process.env.BENCH_CATCHUP_DAYS ?? 30);

const say = (m) => process.stdout.write(`[bench:earnings] ${m}\n`);

function runWorker(url) {
  const started = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [path.join(__dirname, '..', 'Backend', 'dist', 'workers', 'earnings.js')], {
    env: { PATH: process.env.PATH, DATABASE_URL: url, JWT_SECRET: 'bench-only-jwt-secret-0123456789abcdefghij', NODE_ENV: 'test', LOG_FORMAT: 'json' },
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 0) throw new Error(`worker exited ${res.status}: ${res.stdout}${res.stderr}`);
  const line = res.stdout.split('\n').find((l) => l.includes('earnings pass finished'));
  return { ms, summary: JSON.parse(line) };
}

/** The same rows, no triggers or checks: what writing them costs in PostgreSQL alone. */
async function baseline(pool, planId, asOfOffsetDays) {
  await pool.query(`DROP TABLE IF EXISTS "EarningBaseline", "LedgerBaseline"`);
  await pool.query(`CREATE TABLE "EarningBaseline" (LIKE "Earning" INCLUDING DEFAULTS INCLUDING INDEXES)`);
  await pool.query(`CREATE TABLE "LedgerBaseline" (LIKE "LedgerEntry" INCLUDING DEFAULTS INCLUDING INDEXES)`);
  const started = process.hrtime.bigint();
  await pool.query(
    `INSERT INTO "EarningBaseline" (id, "investmentId", "accrualDate", amount)
     SELECT gen_random_uuid(), i.id, i."startedAt"::date + k, i."dailyEarning"
       FROM "Investment" i CROSS JOIN LATERAL generate_series(1, LEAST(i."durationDays", current_date + $2::int - i."startedAt"::date)) k
      WHERE i."planId" = $1`,
    [planId, asOfOffsetDays],
  );
  await pool.query(
    `INSERT INTO "LedgerBaseline" (id, "accountId", type, amount, "idempotencyKey", "investmentId")
     SELECT gen_random_uuid(), a.id, 'EARNING', e.amount, 'investment:' || e."investmentId" || ':earning:' || e."accrualDate", e."investmentId"
       FROM "EarningBaseline" e JOIN "Investment" i ON i.id = e."investmentId" JOIN "Account" a ON a."userId" = i."userId" AND a.asset = i.asset`,
  );
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-bench-'));
  fs.chmodSync(dir, 0o755);
  say('starting embedded PostgreSQL and applying migrations');
  const db = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), persistent: false });
  const rows = [];
  try {
    for (const [label, count, daysAgo] of [
      [`${thousands(N)} investments, 1 due day each`, N, 1],
      [`${thousands(CATCHUP_N)} investments, ${CATCHUP_DAYS} missed days each (catch-up)`, CATCHUP_N, CATCHUP_DAYS],
      [`${thousands(N / 10)} investments, 1 due day each`, N / 10, 1],
    ]) {
      const name = `bench_${rows.length}`;
      const admin = new pg.Client({ connectionString: db.serverUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      migrateDeploy(db.urlFor(name));
      const pool = new pg.Pool({ connectionString: db.urlFor(name), max: 2 });
      pool.on('error', () => undefined); // the server stops at the end; idle clients must not crash the report
      try {
        say(`seeding ${label}`);
        const { planId } = await seedInvestments(pool, { count, users: Math.max(1, Math.floor(count / 100)), durationDays: Math.max(30, daysAgo + 1), startedDaysAgo: daysAgo });
        say(`baseline: the same rows without triggers`);
        const base = await baseline(pool, planId, 0);
        say(`one pass of the earnings worker`);
        const run = runWorker(db.urlFor(name));
        const check = await pool.query(
          `SELECT (SELECT count(*) FROM "LedgerEntry" WHERE type = 'EARNING')::int AS entries,
                  (SELECT bool_and(a.balance = (SELECT SUM(amount) FROM "LedgerEntry" WHERE "accountId" = a.id)) FROM "Account" a) AS consistent`,
        );
        if (check.rows[0].entries !== count * daysAgo || !check.rows[0].consistent) throw new Error(`wrong result: ${JSON.stringify(check.rows[0])}`);
        rows.push({ label, earnings: count * daysAgo, ms: run.ms, baseMs: base });
      } finally {
        await pool.end();
      }
    }
  } finally {
    await db.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const table = [
    '| case | earnings paid | worker pass (s) | earnings/s | baseline, no triggers (s) | pass vs baseline |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.label} | ${r.earnings} | ${(r.ms / 1000).toFixed(1)} | ${Math.round(r.earnings / (r.ms / 1000))} | ${(r.baseMs / 1000).toFixed(1)} | ${(r.ms / r.baseMs).toFixed(1)}× |`),
  ].join('\n');
  process.stdout.write(`\n${table}\n\nmachine: ${os.cpus().length} cores, Node ${process.version}; command: npm run bench:earnings\n`);
  fs.mkdirSync(path.join(__dirname, '..', 'docs', 'img'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, '..', 'docs', 'img', 'earnings-pass.svg'), chart(rows));
}

function thousands(n) {
  return n.toLocaleString('en-US');
}

/** Pass time and baseline time per case, side by side (seconds). */
function chart(rows) {
  const width = 760;
  const left = 380;
  const max = Math.max(...rows.map((r) => r.ms)) * 1.2;
  const scale = (ms) => ((width - left - 60) * ms) / max;
  const body = rows
    .map((r, i) => {
      const y = 34 + i * 56;
      return `<text x="${left - 8}" y="${y + 20}" text-anchor="end" font-size="12">${r.label}</text>
<rect x="${left}" y="${y}" width="${scale(r.ms).toFixed(1)}" height="20" fill="#4e79a7"/><text x="${left + scale(r.ms) + 5}" y="${y + 15}" font-size="12">${(r.ms / 1000).toFixed(1)} s pass</text>
<rect x="${left}" y="${y + 22}" width="${scale(r.baseMs).toFixed(1)}" height="20" fill="#bab0ac"/><text x="${left + scale(r.baseMs) + 5}" y="${y + 37}" font-size="12">${(r.baseMs / 1000).toFixed(1)} s baseline</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${44 + rows.length * 56}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="18" font-size="14" font-weight="bold">Earnings pass vs the same rows written without triggers (seconds, lower is better)</text>
${body}
</svg>
`;
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
