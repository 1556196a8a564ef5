/**
 * Ledger postings through the service layer: the deposit credit the monitor runs
 * (`DepositsRepository.credit` in `DepositsRepository.transaction`: the deposit's state
 * change, `LedgerRepository.ensureAccount`, `LedgerRepository.post`), from the built code in
 * Backend/dist with the PrismaClient the app builds (`PrismaService`: the pg driver adapter
 * from `createPrismaPg`, config from `loadConfig`). The baseline, in the same invocation and
 * database, sends the same statements in the same transaction shape (BEGIN, UPDATE
 * "Deposit" ... RETURNING *, the account upsert, INSERT "LedgerEntry" ... RETURNING, COMMIT)
 * directly with pg on a pool built by the app's own `createPgPool` (same settings).
 * 1, 8 and 32 concurrent writers, on distinct accounts and on one hot account; the two
 * implementations alternate within each round. pg_stat_statements counts the statements
 * each posting sends. At the end every cached balance must equal its ledger.
 *
 * npm run bench -- ledger-postings   (env: BENCH_ROUNDS=3, BENCH_POSTINGS=1600 per run)
 */
'use strict';
require('reflect-metadata');
const crypto = require('node:crypto');
const pg = require('pg');
const lib = require('./lib');

const pressure = lib.cpuPressure();
const { loadConfig } = require('../Backend/dist/config/config.schema');
const { PrismaService } = require('../Backend/dist/database/prisma.service');
const { createPgPool, databaseSettings } = require('../Backend/dist/database/pg-adapter');
const { LedgerRepository } = require('../Backend/dist/accounts/ledger.repository');
const { DepositsRepository } = require('../Backend/dist/deposits/deposits.repository');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const POSTINGS = Number(process.env.BENCH_POSTINGS ?? 1600);
const MAX_WRITERS = 32;
const COMMAND = 'npm run bench -- ledger-postings';
const TARGET = 0.5;
const ETH_ADDRESS = '0x000000000000000000000000000000000000dead';
const CASES = [
  { label: '1 writer', writers: 1, hot: false },
  { label: '8 writers, distinct accounts', writers: 8, hot: false },
  { label: '8 writers, one hot account', writers: 8, hot: true },
  { label: '32 writers, distinct accounts', writers: 32, hot: false },
  { label: '32 writers, one hot account', writers: 32, hot: true },
];
const PGLEDGER = {
  figure: 10_000,
  source: 'https://www.pgrs.net/2025/05/16/pgledger-in-postgresql-is-fast',
};

// The statements the service sends for one credit, as Prisma sends them (its query log and
// pg_stat_statements): $queryRaw texts from deposits.repository.ts / ledger.repository.ts
// and the INSERT that `ledgerEntry.create` compiles to.
const CREDIT_SQL = `UPDATE "Deposit" SET "status" = 'CREDITED', "receivedAmount" = $1::numeric, "confirmations" = $2,
       "creditedAt" = now(), "lastCheckResult" = $3, "lastCheckedAt" = now(), "nextCheckAt" = NULL,
       "notFoundSince" = NULL, "consecutiveErrors" = 0, "updatedAt" = now()
 WHERE "id" = $4::uuid AND "status" IN ('SUBMITTED', 'CONFIRMING')
RETURNING *`;
const ENSURE_ACCOUNT_SQL = `WITH created AS (
  INSERT INTO "Account" ("id", "userId", "asset") VALUES (gen_random_uuid(), $1::uuid, $2::"AssetCode")
  ON CONFLICT ("userId", "asset") DO NOTHING RETURNING "id")
SELECT "id" FROM created
UNION ALL
SELECT "id" FROM "Account" WHERE "userId" = $3::uuid AND "asset" = $4::"AssetCode"`;
const POST_SQL =
  'INSERT INTO "public"."LedgerEntry" ("id","accountId","type","amount","idempotencyKey","depositId","description","createdAt") ' +
  'VALUES ($1,$2,CAST($3::text AS "public"."LedgerEntryType"),$4,$5,$6,$7,$8) RETURNING "public"."LedgerEntry"."id", "public"."LedgerEntry"."seq", ' +
  '"public"."LedgerEntry"."accountId", "public"."LedgerEntry"."type"::text, "public"."LedgerEntry"."amount", "public"."LedgerEntry"."idempotencyKey", ' +
  '"public"."LedgerEntry"."depositId", "public"."LedgerEntry"."withdrawalId", "public"."LedgerEntry"."investmentId", ' +
  '"public"."LedgerEntry"."description", "public"."LedgerEntry"."createdAt"';

const AMOUNT = '1.000001';
const RESULT = 'CONFIRMED 12/12';

/** The baseline: the service's statements, in its transaction shape, straight through pg. */
async function directCredit(pool, id) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const deposit = (await client.query(CREDIT_SQL, [AMOUNT, 12, RESULT, id])).rows[0];
    if (!deposit) throw new Error(`deposit ${id} was not SUBMITTED`);
    let accountId;
    for (let attempt = 0; attempt < 3 && !accountId; attempt++) {
      accountId = (await client.query(ENSURE_ACCOUNT_SQL, [deposit.userId, deposit.asset, deposit.userId, deposit.asset])).rows[0]?.id;
    }
    await client.query(POST_SQL, [crypto.randomUUID(), accountId, 'DEPOSIT', AMOUNT, `deposit:${id}`, id, `Deposit ${deposit.txHash}`, new Date()]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function serviceCredit(repo, id) {
  const credited = await repo.transaction((tx) => repo.credit(id, AMOUNT, 12, RESULT, tx));
  if (!credited) throw new Error(`deposit ${id} was not SUBMITTED`);
}

/** `count` SUBMITTED ETH deposits per user, due now; returns their ids per user. */
async function seedDeposits(pool, userIds, count) {
  const { rows } = await pool.query(
    `INSERT INTO "Deposit" (id, "userId", asset, "expectedAmount", address, "requiredConfirmations", "expiresAt", "updatedAt")
     SELECT gen_random_uuid(), u, 'ETH', 1, $2, 12, now() + interval '1 day', now() FROM unnest($1::uuid[]) u, generate_series(1, $3)
     RETURNING id, "userId"`,
    [userIds, ETH_ADDRESS, count],
  );
  await pool.query(
    `UPDATE "Deposit" SET status = 'SUBMITTED', "txHash" = '0x' || md5(random()::text) || md5(random()::text), "submittedAt" = now(), "nextCheckAt" = now()
      WHERE id = ANY($1::uuid[])`,
    [rows.map((r) => r.id)],
  );
  const byUser = new Map(userIds.map((u) => [u, []]));
  for (const r of rows) byUser.get(r.userId).push(r.id);
  return userIds.map((u) => byUser.get(u));
}

/** Deposit ids per writer for one run: each writer its own user, or all of them one user. */
async function workFor(pool, users, hotUser, { writers, hot }, postings) {
  const perWriter = Math.ceil(postings / writers);
  if (!hot) return seedDeposits(pool, users.slice(0, writers), perWriter);
  const [ids] = await seedDeposits(pool, [hotUser], perWriter * writers);
  return Array.from({ length: writers }, (_, w) => ids.slice(w * perWriter, (w + 1) * perWriter));
}

async function runWriters(work, credit) {
  await Promise.all(
    work.map(async (ids) => {
      for (const id of ids) await credit(id);
    }),
  );
}

async function statementsSinceReset(pool) {
  const { rows } = await pool.query(
    `SELECT COALESCE(sum(calls), 0)::int AS calls FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND toplevel
        AND query NOT ILIKE '%pg_stat_statements%'
        -- the deferred constraint trigger on "Deposit" runs at COMMIT, where pg_stat_statements
        -- files its query as top-level: trigger work, not a statement the client sent
        AND query !~ '^\s*(NEW|OLD)\.'`,
  );
  return rows[0].calls;
}

async function main() {
  const db = await lib.startBenchDatabase({ postgresFlags: ['-c', 'shared_preload_libraries=pg_stat_statements'] });
  const config = loadConfig({ ...lib.productionApiEnv(db.url, 3000), DATABASE_POOL_SIZE: String(MAX_WRITERS) });
  const prisma = new PrismaService(config);
  const direct = createPgPool(config.DATABASE_URL, databaseSettings(config));
  direct.on('error', () => undefined); // the server stops at the end; idle clients must not crash the report
  const admin = new pg.Pool({ connectionString: db.url, max: 2 });
  admin.on('error', () => undefined);
  const cleanup = async () => {
    await prisma.$disconnect().catch(() => undefined);
    await direct.end().catch(() => undefined);
    await admin.end().catch(() => undefined);
    await db.stop();
  };
  lib.onInterrupt(cleanup);
  try {
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const repo = new DepositsRepository(prisma, new LedgerRepository(prisma));
    const impls = {
      service: (id) => serviceCredit(repo, id),
      direct: (id) => directCredit(direct, id),
    };
    const { rows: userRows } = await admin.query(
      `INSERT INTO "User" (id, email, "passwordHash", name, "updatedAt")
       SELECT gen_random_uuid(), 'posting-' || g || '@bench.test', 'x', 'Bench', now() FROM generate_series(1, $1) g RETURNING id`,
      [MAX_WRITERS + 1],
    );
    const users = userRows.slice(0, MAX_WRITERS).map((r) => r.id);
    const hotUser = userRows[MAX_WRITERS].id;

    lib.log('warm-up: accounts created, both pools opened, Prisma queries compiled');
    for (const impl of Object.values(impls)) {
      await runWriters(await workFor(admin, users, hotUser, { writers: MAX_WRITERS, hot: false }, MAX_WRITERS * 4), impl);
      await runWriters(await workFor(admin, users, hotUser, { writers: MAX_WRITERS, hot: true }, MAX_WRITERS * 4), impl);
    }

    const results = {};
    for (let round = 1; round <= ROUNDS; round++) {
      for (const c of CASES) {
        const order = round % 2 ? ['service', 'direct'] : ['direct', 'service'];
        for (const name of order) {
          const work = await workFor(admin, users, hotUser, c, POSTINGS);
          const postings = work.reduce((n, ids) => n + ids.length, 0);
          await admin.query('SELECT pg_stat_statements_reset()');
          const cpu = process.cpuUsage();
          const ms = await lib.timeIt(() => runWriters(work, impls[name]));
          const { user, system } = process.cpuUsage(cpu);
          const statements = await statementsSinceReset(admin);
          const r = { perSec: (postings / ms) * 1000, msPerPosting: ms / postings, cpuMs: (user + system) / 1000 / postings, statements: statements / postings };
          ((results[c.label] ??= {})[name] ??= []).push(r);
          lib.log(`round ${round} ${c.label} ${name}: ${r.perSec.toFixed(0)} postings/s, ${r.statements.toFixed(2)} statements/posting`);
        }
      }
    }

    lib.log('one more single-writer service run under the CPU profiler');
    const profiled = await workFor(admin, users, hotUser, CASES[0], POSTINGS / 2);
    const profile = lib.cpuProfileByPackage(await lib.profileCpu(() => runWriters(profiled, impls.service)));

    const { rows: check } = await admin.query(
      `SELECT (SELECT bool_and(a.balance = COALESCE((SELECT SUM(amount) FROM "LedgerEntry" e WHERE e."accountId" = a.id), 0)) FROM "Account" a) AS consistent,
              (SELECT count(*)::int FROM "Deposit" WHERE status = 'CREDITED') AS credited,
              (SELECT count(*)::int FROM "LedgerEntry" WHERE type = 'DEPOSIT') AS entries,
              (SELECT count(*)::int FROM "Account") AS accounts`,
    );
    const ok = check[0].consistent && check[0].credited === check[0].entries;
    report(results, check[0], profile);
    if (!ok) throw new Error(`ledger check failed: ${JSON.stringify(check[0])}`);
  } finally {
    await cleanup();
  }
}

function report(results, check, profile) {
  const contention = lib.describePressure(pressure());
  const med = (runs, key) => lib.median(runs.map((r) => r[key]));
  const rows = [];
  const groups = [];
  const summary = {};
  for (const c of CASES) {
    const s = med(results[c.label].service, 'perSec');
    const d = med(results[c.label].direct, 'perSec');
    // Paired per round (the two ran back to back), so a change in the machine's load between
    // rounds moves both sides of a ratio instead of one.
    const ratio = lib.median(results[c.label].service.map((r, i) => r.perSec / results[c.label].direct[i].perSec));
    summary[c.label] = {
      s,
      d,
      ratio,
      sMs: med(results[c.label].service, 'msPerPosting'),
      dMs: med(results[c.label].direct, 'msPerPosting'),
      sCpu: med(results[c.label].service, 'cpuMs'),
      dCpu: med(results[c.label].direct, 'cpuMs'),
      sStmts: med(results[c.label].service, 'statements'),
      dStmts: med(results[c.label].direct, 'statements'),
    };
    rows.push([
      c.label,
      s.toFixed(0),
      d.toFixed(0),
      `${(ratio * 100).toFixed(0)} %`,
      `${summary[c.label].sCpu.toFixed(2)} / ${summary[c.label].dCpu.toFixed(2)}`,
      `${summary[c.label].sStmts.toFixed(2)} / ${summary[c.label].dStmts.toFixed(2)}`,
      ratio >= TARGET ? 'met' : 'not met',
    ]);
    groups.push({ label: c.label, values: [s, d] });
  }
  const tableText = lib.table(
    ['case', 'service (Prisma), postings/s', 'direct pg, postings/s', 'service / direct (median of per-round ratios)', 'client CPU ms per posting (service / direct)', 'statements per posting (service / direct)', `target ≥ ${TARGET * 100} %`],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
  );
  const best = Math.max(...Object.values(summary).map((x) => x.s));
  const bestDirect = Math.max(...Object.values(summary).map((x) => x.d));
  const allMet = Object.values(summary).every((x) => x.ratio >= TARGET);
  const misses = Object.entries(summary).filter(([, x]) => x.ratio < TARGET);
  const pct = (x) => `${(x * 100).toFixed(0)} %`;
  const targetText = allMet
    ? 'met in every case'
    : misses.length === CASES.length
      ? `not met in any case (${pct(Math.min(...misses.map(([, x]) => x.ratio)))} to ${pct(Math.max(...misses.map(([, x]) => x.ratio)))})`
      : `not met in ${misses.map(([k, x]) => `"${k}" (${pct(x.ratio)})`).join(', ')}; met in the others`;
  // JavaScript, WebAssembly and GC self time; native calls (socket writes, which both sides make
  // alike, and the in-process profiler's own dispatch) and idle time are left out.
  const busy = [...profile].filter(([g]) => !g.startsWith('(idle') && !g.startsWith('(native:')).sort((a, b) => b[1] - a[1]);
  const busyTotal = busy.reduce((n, [, ms]) => n + ms, 0);
  const busyText = busy.slice(0, 5).map(([g, ms]) => `${g} ${pct(ms / busyTotal)}`).join(', ');
  const one = summary['1 writer'];
  const hot8 = summary['8 writers, one hot account'];
  const dist8 = summary['8 writers, distinct accounts'];
  const hot32 = summary['32 writers, one hot account'];
  const dist32 = summary['32 writers, distinct accounts'];
  const run = `${ROUNDS} rounds of ${POSTINGS} postings per case and implementation, medians; the implementations alternate within each round`;
  const date = new Date().toISOString().slice(0, 10);
  const checkLine = `cached balances equal ledger sums: ${check.consistent}; credited deposits ${check.credited}, DEPOSIT entries ${check.entries}`;
  process.stdout.write(`\n${tableText}\n\n${run}\n${checkLine}\nCPU profile, single-writer service run (JS, WebAssembly and GC self time): ${busyText}\ncommand: ${COMMAND}\nmachine: ${lib.machine()}\n${contention}\n`);

  lib.writeSvg(
    'ledger-postings',
    lib.barChart({ title: 'Ledger postings per second: service layer vs the same SQL through pg (higher is better)', series: ['service (Prisma)', 'direct pg'], groups }),
  );
  const md = [
    `## Ledger postings (\`${COMMAND}\`)`,
    '',
    'What it measures: postings per second through the code the app posts with — the deposit credit',
    '(`DepositsRepository.credit` in `DepositsRepository.transaction`: the deposit moves to CREDITED,',
    '`LedgerRepository.ensureAccount` finds the account, `LedgerRepository.post` inserts the `DEPOSIT`',
    'entry; the database triggers lock the account, number the entry and move the balance), called',
    'from `Backend/dist` on the PrismaClient the app builds (`PrismaService`: `createPrismaPg`, config from',
    '`loadConfig`). The baseline sends the same statements in the same transaction shape (BEGIN, the',
    'UPDATE ... RETURNING, the account upsert, the INSERT ... RETURNING, COMMIT) directly through pg, on',
    "a pool from the app's `createPgPool` (same settings). Both pools have 32 connections; each writer",
    'credits its own deposits one after another; "distinct accounts" gives each writer its own user,',
    '"one hot account" credits one user\'s deposits from every writer. pg_stat_statements counts the',
    'statements per posting (BEGIN and COMMIT included) to show both sides send the same SQL.',
    '',
    `Measured ${date}: ${run}. Command: \`${COMMAND}\`; machine: ${lib.machine()}, embedded PostgreSQL 17`,
    `with the project's migrations, other test suites running on the same cores; ${contention}.`,
    '',
    tableText,
    '',
    `${checkLine}.`,
    '',
    '![Ledger postings per second, service vs direct pg](img/ledger-postings.svg)',
    '',
    'Reading it:',
    '',
    `- Target (service ≥ ${TARGET * 100} % of the direct rate): ${targetText}.`,
    `  Both sides send the same ${one.dStmts.toFixed(0)} statements per posting (${one.sStmts.toFixed(2)} vs ${one.dStmts.toFixed(2)}: BEGIN, the three`,
    '  statements, COMMIT), so the difference is client-side. With one writer the service spends',
    `  ${one.sCpu.toFixed(2)} ms of CPU per posting in the benchmark's process against ${one.dCpu.toFixed(2)} ms for pg alone, and a posting`,
    `  takes ${one.sMs.toFixed(2)} ms against ${one.dMs.toFixed(2)} ms. Where that CPU goes (a CPU profile of one more single-writer`,
    `  service run in the same invocation, ${(POSTINGS / 2).toLocaleString('en-US')} postings; shares of the JavaScript, WebAssembly and`,
    `  garbage collector time, native calls such as socket writes left out): ${busyText}.`,
    "  Prisma 6.19's client engine turns every call into a query plan in WebAssembly",
    '  (`queryCompiler.compile` on each request: this version keeps no plan cache), interprets the plan,',
    "  keeps the interactive transaction's state and maps the rows; pg's own share is the same work the",
    '  direct side does. With many writers that CPU competes with PostgreSQL for the same 2 cores.',
    `- One hot account serializes its postings on the account row lock: ${hot8.s.toFixed(0)} vs ${dist8.s.toFixed(0)} postings/s`,
    `  with 8 writers, ${hot32.s.toFixed(0)} vs ${dist32.s.toFixed(0)} with 32 (service). Correct by construction (no lost update,`,
    '  no overdraft), and the ceiling for any single account.',
    `- Absolute figures: at best ${best.toFixed(0)} postings/s through the service and ${bestDirect.toFixed(0)} direct here. pgledger's`,
    `  author publishes "over ${PGLEDGER.figure.toLocaleString('en-US')} transfers per second" on one stock PostgreSQL 17.5 (${PGLEDGER.source}):`,
    '  different hardware (an M3 MacBook Air, not 2 shared cores also running the client), a different',
    '  unit (one `pgledger_create_transfer` call: one round trip, two entries and two balances) and',
    '  a Go client. A posting here is five round trips (BEGIN, three statements, COMMIT) with the',
    '  deposit\'s state change and the ledger\'s triggers, on a server sharing 2 cores with the client',
    '  and other test suites: the figures are not comparable one to one.',
    '',
    'Knobs: `BENCH_ROUNDS`, `BENCH_POSTINGS` (environment variables).',
  ].join('\n');
  lib.writeSection('ledger-postings', md);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
