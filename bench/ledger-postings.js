/**
 * Ledger postings through the service layer: the deposit credit the monitor runs
 * (`DepositsRepository.creditMany` in `DepositsRepository.sqlTransaction`, one verdict per
 * transaction here: the deposit's state change, then `LedgerRepository.postMany`'s account
 * insert and entry insert), from the built code in Backend/dist on the pool the app builds
 * (`PrismaService.pool`, config from `loadConfig`). The baseline, in the same invocation and
 * database, sends the same SQL (recorded from one service credit) in the same transaction shape
 * directly with pg on a pool built by the app's own `createPgPool` (same settings); the statement
 * texts both sides send are compared (pg_stat_statements) and the run fails if they differ. A third implementation is
 * the credit as the service wrote it before (on the Prisma client: two `$queryRaw` and a
 * `ledgerEntry.create` in an interactive transaction): Prisma's share.
 * 1, 8 and 32 concurrent writers, on distinct accounts and on one hot account; the
 * implementations alternate within each round. At the end every cached balance must equal
 * its ledger.
 *
 * npm run bench -- ledger-postings   (env: BENCH_ROUNDS=3, BENCH_POSTINGS=1600 per run)
 */
'use strict';
require('reflect-metadata');
const pg = require('pg');
const lib = require('./lib');

const pressure = lib.cpuPressure();
const { loadConfig } = require('../Backend/dist/config/config.schema');
const { PrismaService } = require('../Backend/dist/database/prisma.service');
const { createPgPool, databaseSettings, inTransaction } = require('../Backend/dist/database/pg-adapter');
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
const IMPLS = ['service', 'direct', 'prisma'];
const PGLEDGER = {
  figure: 10_000,
  source: 'https://www.pgrs.net/2025/05/16/pgledger-in-postgresql-is-fast',
};

const AMOUNT = '1.000001';
const RESULT = 'CONFIRMED 12/12';

const verdict = (id) => ({ id, receivedAmount: AMOUNT, confirmations: 12, result: RESULT });

/**
 * The statements one service credit sends, in order (the deposit UPDATE, the account insert, the
 * entry insert): recorded from a real credit by a client that passes every query on.
 */
async function recordServiceSql(repo, id) {
  const texts = [];
  await repo.sqlTransaction((client) => repo.creditMany([verdict(id)], { query: (text, values) => (texts.push(text), client.query(text, values)) }));
  if (texts.length !== 3) throw new Error(`expected 3 statements per credit, the service sent ${texts.length}`);
  return texts;
}

/** The baseline: the service's statements, in its transaction shape, straight through pg. */
async function directCredit(pool, [creditSql, accountsSql, entriesSql], id) {
  await inTransaction(pool, async (client) => {
    const deposit = (await client.query(creditSql, [[id], [AMOUNT], [12], [RESULT]])).rows[0];
    if (!deposit) throw new Error(`deposit ${id} was not SUBMITTED`);
    await client.query(accountsSql, [[deposit.userId], [deposit.asset]]);
    const entry = [[deposit.userId], [deposit.asset], ['DEPOSIT'], [deposit.receivedAmount], [`deposit:${id}`], [id], [null], [null], [`Deposit ${deposit.txHash}`]];
    const { rowCount } = await client.query(entriesSql, entry);
    if (rowCount !== 1) throw new Error(`deposit ${id}: no entry`);
  });
}

async function serviceCredit(repo, id) {
  const credited = await repo.sqlTransaction((client) => repo.creditMany([verdict(id)], client));
  if (credited.length !== 1) throw new Error(`deposit ${id} was not SUBMITTED`);
}

/** The credit as the service wrote it on the Prisma client before (commit 96cc68f). */
async function prismaCredit(prisma, id) {
  await prisma.$transaction(
    async (tx) => {
      const [deposit] = await tx.$queryRaw`
        UPDATE "Deposit" SET "status" = 'CREDITED', "receivedAmount" = ${AMOUNT}::numeric, "confirmations" = ${12},
               "creditedAt" = now(), "lastCheckResult" = ${RESULT}, "lastCheckedAt" = now(), "nextCheckAt" = NULL,
               "notFoundSince" = NULL, "consecutiveErrors" = 0, "updatedAt" = now()
         WHERE "id" = ${id}::uuid AND "status" IN ('SUBMITTED', 'CONFIRMING')
     RETURNING *`;
      if (!deposit) throw new Error(`deposit ${id} was not SUBMITTED`);
      const [account] = await tx.$queryRaw`
        WITH created AS (
          INSERT INTO "Account" ("id", "userId", "asset") VALUES (gen_random_uuid(), ${deposit.userId}::uuid, ${deposit.asset}::"AssetCode")
          ON CONFLICT ("userId", "asset") DO NOTHING RETURNING "id")
        SELECT "id" FROM created
        UNION ALL
        SELECT "id" FROM "Account" WHERE "userId" = ${deposit.userId}::uuid AND "asset" = ${deposit.asset}::"AssetCode"`;
      await tx.ledgerEntry.create({
        data: { accountId: account.id, type: 'DEPOSIT', amount: AMOUNT, idempotencyKey: `deposit:${id}`, depositId: id, description: `Deposit ${deposit.txHash}` },
      });
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
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

/** Statements sent since the last reset: how many, and their normalized texts. */
async function statementsSinceReset(pool) {
  const { rows } = await pool.query(
    `SELECT calls::int AS calls, query FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND toplevel
        AND query NOT ILIKE '%pg_stat_statements%'
        -- the deferred constraint trigger on "Deposit" runs at COMMIT, where pg_stat_statements
        -- files its query as top-level: trigger work, not a statement the client sent
        AND query !~ '^\s*(NEW|OLD)\.'`,
  );
  return { calls: rows.reduce((n, r) => n + r.calls, 0), texts: rows.map((r) => r.query.replace(/\s+/g, ' ').trim()).sort() };
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
    const { rows: userRows } = await admin.query(
      `INSERT INTO "User" (id, email, "passwordHash", name, "updatedAt")
       SELECT gen_random_uuid(), 'posting-' || g || '@bench.test', 'x', 'Bench', now() FROM generate_series(1, $1) g RETURNING id`,
      [MAX_WRITERS + 1],
    );
    const users = userRows.slice(0, MAX_WRITERS).map((r) => r.id);
    const hotUser = userRows[MAX_WRITERS].id;
    const [[first]] = await workFor(admin, users, hotUser, CASES[0], 1);
    const serviceSql = await recordServiceSql(repo, first);
    const impls = {
      service: (id) => serviceCredit(repo, id),
      direct: (id) => directCredit(direct, serviceSql, id),
      prisma: (id) => prismaCredit(prisma, id),
    };
    const texts = {};

    lib.log('warm-up: accounts created, both pools opened, Prisma queries compiled');
    for (const impl of Object.values(impls)) {
      await runWriters(await workFor(admin, users, hotUser, { writers: MAX_WRITERS, hot: false }, MAX_WRITERS * 4), impl);
      await runWriters(await workFor(admin, users, hotUser, { writers: MAX_WRITERS, hot: true }, MAX_WRITERS * 4), impl);
    }

    const results = {};
    for (let round = 1; round <= ROUNDS; round++) {
      for (const c of CASES) {
        const order = IMPLS.map((_, i) => IMPLS[(i + round + CASES.indexOf(c)) % IMPLS.length]);
        for (const name of order) {
          const work = await workFor(admin, users, hotUser, c, POSTINGS);
          const postings = work.reduce((n, ids) => n + ids.length, 0);
          await admin.query('SELECT pg_stat_statements_reset()');
          const cpu = process.cpuUsage();
          const ms = await lib.timeIt(() => runWriters(work, impls[name]));
          const { user, system } = process.cpuUsage(cpu);
          const statements = await statementsSinceReset(admin);
          texts[name] ??= statements.texts;
          const r = { perSec: (postings / ms) * 1000, msPerPosting: ms / postings, cpuMs: (user + system) / 1000 / postings, statements: statements.calls / postings };
          ((results[c.label] ??= {})[name] ??= []).push(r);
          lib.log(`round ${round} ${c.label} ${name}: ${r.perSec.toFixed(0)} postings/s, ${r.statements.toFixed(2)} statements/posting`);
        }
      }
    }

    if (JSON.stringify(texts.service) !== JSON.stringify(texts.direct)) {
      throw new Error(`the baseline does not send the service's SQL:\nservice ${JSON.stringify(texts.service, null, 1)}\ndirect ${JSON.stringify(texts.direct, null, 1)}`);
    }

    lib.log('single-writer runs under the CPU profiler (service, then Prisma)');
    const profiles = {};
    for (const name of ['service', 'prisma']) {
      const profiled = await workFor(admin, users, hotUser, CASES[0], POSTINGS / 2);
      profiles[name] = lib.cpuProfileByPackage(await lib.profileCpu(() => runWriters(profiled, impls[name])));
    }

    const { rows: check } = await admin.query(
      `SELECT (SELECT bool_and(a.balance = COALESCE((SELECT SUM(amount) FROM "LedgerEntry" e WHERE e."accountId" = a.id), 0)) FROM "Account" a) AS consistent,
              (SELECT count(*)::int FROM "Deposit" WHERE status = 'CREDITED') AS credited,
              (SELECT count(*)::int FROM "LedgerEntry" WHERE type = 'DEPOSIT') AS entries,
              (SELECT count(*)::int FROM "Account") AS accounts`,
    );
    const ok = check[0].consistent && check[0].credited === check[0].entries;
    report(results, check[0], profiles);
    if (!ok) throw new Error(`ledger check failed: ${JSON.stringify(check[0])}`);
  } finally {
    await cleanup();
  }
}

function report(results, check, profiles) {
  const contention = lib.describePressure(pressure());
  const med = (runs, key) => lib.median(runs.map((r) => r[key]));
  // Paired per round (run back to back), so a change in the machine's load between rounds
  // moves both sides of a ratio instead of one.
  const paired = (label, a, b) => lib.median(results[label][a].map((r, i) => r.perSec / results[label][b][i].perSec));
  const rows = [];
  const groups = [];
  const summary = {};
  for (const c of CASES) {
    const x = {};
    for (const name of IMPLS) {
      x[name] = { perSec: med(results[c.label][name], 'perSec'), ms: med(results[c.label][name], 'msPerPosting'), cpu: med(results[c.label][name], 'cpuMs'), stmts: med(results[c.label][name], 'statements') };
    }
    x.ratio = paired(c.label, 'service', 'direct');
    x.prismaRatio = paired(c.label, 'prisma', 'direct');
    summary[c.label] = x;
    rows.push([
      c.label,
      x.service.perSec.toFixed(0),
      x.direct.perSec.toFixed(0),
      x.prisma.perSec.toFixed(0),
      `${(x.ratio * 100).toFixed(0)} %`,
      `${(x.prismaRatio * 100).toFixed(0)} %`,
      `${x.service.cpu.toFixed(2)} / ${x.direct.cpu.toFixed(2)} / ${x.prisma.cpu.toFixed(2)}`,
      `${x.service.stmts.toFixed(2)} / ${x.direct.stmts.toFixed(2)} / ${x.prisma.stmts.toFixed(2)}`,
      x.ratio >= TARGET ? 'met' : 'not met',
    ]);
    groups.push({ label: c.label, values: IMPLS.map((name) => x[name].perSec) });
  }
  const tableText = lib.table(
    [
      'case',
      'service, postings/s',
      'direct pg, postings/s',
      'before: on the Prisma client, postings/s',
      'service / direct (median of per-round ratios)',
      'Prisma client / direct',
      'client CPU ms per posting (service / direct / Prisma)',
      'statements per posting (service / direct / Prisma)',
      `target ≥ ${TARGET * 100} %`,
    ],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
  );
  const all = Object.values(summary);
  const best = Math.max(...all.map((x) => x.service.perSec));
  const bestDirect = Math.max(...all.map((x) => x.direct.perSec));
  const misses = Object.entries(summary).filter(([, x]) => x.ratio < TARGET);
  const pct = (x) => `${(x * 100).toFixed(0)} %`;
  const span = (values) => `${pct(Math.min(...values))} to ${pct(Math.max(...values))}`;
  const targetText =
    misses.length === 0
      ? `met in every case (${span(all.map((x) => x.ratio))})`
      : `not met in ${misses.map(([k, x]) => `"${k}" (${pct(x.ratio)})`).join(', ')}; met in the others`;
  // JavaScript, WebAssembly and GC self time; native calls (socket writes, which every side makes
  // alike, and the in-process profiler's own dispatch) and idle time are left out.
  const busyText = (profile) => {
    const busy = [...profile].filter(([g]) => !g.startsWith('(idle') && !g.startsWith('(native:')).sort((a, b) => b[1] - a[1]);
    const total = busy.reduce((n, [, ms]) => n + ms, 0);
    return busy.slice(0, 5).map(([g, ms]) => `${g} ${pct(ms / total)}`).join(', ');
  };
  const one = summary['1 writer'];
  const hot8 = summary['8 writers, one hot account'];
  const dist8 = summary['8 writers, distinct accounts'];
  const hot32 = summary['32 writers, one hot account'];
  const dist32 = summary['32 writers, distinct accounts'];
  const run = `${ROUNDS} rounds of ${POSTINGS} postings per case and implementation, medians; the implementations alternate within each round`;
  const date = new Date().toISOString().slice(0, 10);
  const checkLine = `cached balances equal ledger sums: ${check.consistent}; credited deposits ${check.credited}, DEPOSIT entries ${check.entries}`;
  process.stdout.write(
    `\n${tableText}\n\n${run}\n${checkLine}\nCPU profile, single writer: service ${busyText(profiles.service)}; Prisma ${busyText(profiles.prisma)}\ncommand: ${COMMAND}\nmachine: ${lib.machine()}\n${contention}\n`,
  );

  lib.writeSvg(
    'ledger-postings',
    lib.barChart({
      title: 'Ledger postings per second: service layer, the same SQL through pg, the credit on the Prisma client (higher is better)',
      series: ['service', 'direct pg', 'before: Prisma client'],
      groups,
    }),
  );
  const md = [
    `## Ledger postings (\`${COMMAND}\`)`,
    '',
    'What it measures: postings per second through the code the app posts with — the deposit credit',
    "the monitor runs (`DepositsRepository.creditMany` in `DepositsRepository.sqlTransaction`, given one",
    'verdict per transaction here: the deposit moves to CREDITED, `LedgerRepository.postMany` creates the',
    'account if needed and inserts the `DEPOSIT` entry; the database triggers lock the account, number the',
    "entry and move the balance), called from `Backend/dist` on the pool the app builds (`PrismaService.pool`,",
    'config from `loadConfig`). The baseline sends the same SQL (recorded from one service credit) in the same transaction shape (BEGIN, the',
    "UPDATE ... RETURNING, the account insert, the entry insert, COMMIT) directly through pg, on a pool from",
    "the app's `createPgPool` (same settings); the benchmark compares the statement texts both sides send",
    '(pg_stat_statements) and fails if they differ. "Before" is the same credit as the service wrote it',
    'until this change, on the Prisma client (two `$queryRaw` and a `ledgerEntry.create` in an interactive',
    "transaction): Prisma's share. Pools of 32 connections; each writer credits its own deposits one after",
    'another; "distinct accounts" gives each writer its own user, "one hot account" credits one user\'s',
    'deposits from every writer.',
    '',
    `Measured ${date}: ${run}. Command: \`${COMMAND}\`; machine: ${lib.machine()}, embedded PostgreSQL 17`,
    `with the project's migrations; ${contention}.`,
    '',
    tableText,
    '',
    `${checkLine}.`,
    '',
    '![Ledger postings per second, service vs direct pg vs the Prisma client](img/ledger-postings.svg)',
    '',
    'Reading it:',
    '',
    `- Target (service ≥ ${TARGET * 100} % of the direct rate): ${targetText}. On the Prisma client the same`,
    `  credit reached ${span(all.map((x) => x.prismaRatio))} of the direct rate in this run (41–66 % when it was the`,
    `  service's code, with other suites running). With one writer, Prisma spent ${one.prisma.cpu.toFixed(2)} ms of client CPU per posting`,
    `  against ${one.service.cpu.toFixed(2)} ms for the service on pg and ${one.direct.cpu.toFixed(2)} ms for pg alone. Where Prisma's CPU goes`,
    `  (a CPU profile of a single-writer run; shares of the JavaScript, WebAssembly and garbage collector time):`,
    `  ${busyText(profiles.prisma)}. Prisma 6.19's client engine compiles every call into a query plan in`,
    '  WebAssembly (no plan cache in this version), interprets it, keeps the interactive transaction\'s state',
    '  and maps the rows; with many writers that CPU competes with PostgreSQL for the same 2 cores. So the',
    '  money path the monitor writes in bulk is plain SQL on Prisma\'s own pool; its rules stay in the',
    '  database (triggers, CHECKs, keys), which refuses the same things whichever client sends the rows.',
    `- Both sides now send the same ${one.direct.stmts.toFixed(0)} statements per posting (BEGIN, three statements, COMMIT); what is`,
    `  left between them is the repository code (${one.service.cpu.toFixed(2)} vs ${one.direct.cpu.toFixed(2)} ms of CPU per posting).`,
    `- One hot account serializes its postings on the account row lock: ${hot8.service.perSec.toFixed(0)} vs ${dist8.service.perSec.toFixed(0)} postings/s`,
    `  with 8 writers, ${hot32.service.perSec.toFixed(0)} vs ${dist32.service.perSec.toFixed(0)} with 32 (service). Correct by construction (no lost update,`,
    '  no overdraft), and the ceiling for any single account.',
    `- Absolute figures: at best ${best.toFixed(0)} postings/s through the service and ${bestDirect.toFixed(0)} direct here, one posting per`,
    `  transaction. pgledger's author publishes "over ${PGLEDGER.figure.toLocaleString('en-US')} transfers per second" on one stock PostgreSQL 17.5`,
    `  (${PGLEDGER.source}): different hardware (an M3 MacBook Air, not 2 shared cores also`,
    '  running the client), a different unit (one `pgledger_create_transfer` call: one round trip, two entries',
    '  and two balances) and a Go client. A posting here is five round trips (BEGIN, three statements,',
    "  COMMIT) and a commit of its own, with the deposit's state change and the ledger's triggers: the",
    '  figures are not comparable one to one. The monitor does not post one per transaction: it groups the',
    '  verdicts that arrive while a write is running (see the deposit monitor below).',
    '',
    'Knobs: `BENCH_ROUNDS`, `BENCH_POSTINGS` (environment variables).',
  ].join('\n');
  lib.writeSection('ledger-postings', md);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
