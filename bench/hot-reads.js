/**
 * Hot reads: the API's `GET /auth/me`, `GET /accounts` and `GET /healthz` against bare
 * Fastify servers doing the same check and the same SQL on the same database
 * (bench/baselines/hot-reads-bare.js: `pg` = a plain pg pool, `prisma` = the project's
 * Prisma client). Every server is a child process with the same pool size; autocannon
 * drives one at a time from this process, the servers alternating within each round.
 *
 * npm run bench -- hot-reads     (env: BENCH_ROUNDS=3, BENCH_DURATION=6 s, BENCH_CONNECTIONS=32)
 */
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const autocannon = require('autocannon');
const pg = require('pg');
const lib = require('./lib');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_DURATION ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const COMMAND = 'npm run bench -- hot-reads';

const ROUTES = [
  { path: '/auth/me', auth: true, servers: ['api', 'bare-pg', 'bare-prisma'] },
  { path: '/accounts', auth: true, servers: ['api', 'bare-pg', 'bare-prisma'] },
  { path: '/healthz', auth: false, servers: ['api', 'bare-pg', 'bare-nest'] },
];
const TARGETS = { throughput: 0.8, p99: 1.5, healthz: 0.75 };

function startServer(name, args, env, readyPath) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    name,
    child,
    ready: () =>
      Promise.race([
        lib.waitForStatus(`http://127.0.0.1:${env.PORT}${readyPath}`),
        exited.then((code) => Promise.reject(new Error(`${name} exited (${code}) before it was ready:\n${stderr}`))),
      ]),
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

function load(url, token, duration) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections: CONNECTIONS, duration, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

async function main() {
  const db = await lib.startBenchDatabase();
  const servers = {};
  try {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const user = await lib.seedFundedUser(client, { email: 'bench@example.com', name: 'Bench User' }).finally(() => client.end());
    const ports = { api: await lib.freePort(), 'bare-pg': await lib.freePort(), 'bare-prisma': await lib.freePort(), 'bare-nest': await lib.freePort() };
    const env = (name) => lib.productionApiEnv(db.url, ports[name]);
    lib.log('starting the API (NODE_ENV=production, LOG_LEVEL=warn) and the bare servers');
    servers.api = startServer('api', [path.join(lib.REPO_ROOT, 'Backend', 'dist', 'main.js')], env('api'), '/readyz');
    servers['bare-pg'] = startServer('bare-pg', [path.join(__dirname, 'baselines', 'hot-reads-bare.js'), 'pg'], env('bare-pg'), '/healthz');
    servers['bare-prisma'] = startServer('bare-prisma', [path.join(__dirname, 'baselines', 'hot-reads-bare.js'), 'prisma'], env('bare-prisma'), '/healthz');
    servers['bare-nest'] = startServer('bare-nest', [path.join(__dirname, 'baselines', 'healthz-bare-nest.js')], env('bare-nest'), '/healthz');
    await Promise.all(Object.values(servers).map((s) => s.ready()));
    const token = lib.accessToken(user);

    const results = {};
    for (const route of ROUTES) {
      for (const server of route.servers) {
        const url = `http://127.0.0.1:${ports[server]}${route.path}`;
        const probe = await fetch(url, { headers: route.auth ? { authorization: `Bearer ${token}` } : {} });
        if (probe.status !== 200) throw new Error(`${server} ${route.path} answered ${probe.status}: ${await probe.text()}`);
        await probe.arrayBuffer().catch(() => undefined);
        lib.log(`warm-up ${server} ${route.path}`);
        await load(url, route.auth ? token : undefined, 2);
      }
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const route of ROUTES) {
        for (const server of round % 2 ? route.servers : [...route.servers].reverse()) {
          const r = await load(`http://127.0.0.1:${ports[server]}${route.path}`, route.auth ? token : undefined, DURATION);
          if (r.non2xx > 0 || r.errors > 0) throw new Error(`${server} ${route.path}: ${r.non2xx} non-2xx, ${r.errors} errors`);
          lib.log(`round ${round} ${server} ${route.path}: ${r.requests.average.toFixed(0)} req/s, p99 ${r.latency.p99} ms`);
          ((results[route.path] ??= {})[server] ??= []).push({ rps: r.requests.average, p99: r.latency.p99 });
        }
      }
    }
    report(results);
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
    await db.stop();
  }
}

function report(results) {
  const summary = (runs) => ({ rps: lib.median(runs.map((r) => r.rps)), p99: lib.median(runs.map((r) => r.p99)) });
  const rows = [];
  const groups = [];
  for (const route of ROUTES) {
    const s = Object.fromEntries(Object.entries(results[route.path]).map(([k, v]) => [k, summary(v)]));
    const ratio = s.api.rps / s['bare-pg'].rps;
    const p99Ratio = s.api.p99 / s['bare-pg'].p99;
    const target = route.auth ? ratio >= TARGETS.throughput && p99Ratio <= TARGETS.p99 : ratio >= TARGETS.healthz;
    const fmt = (x) => (x ? `${x.rps.toFixed(0)} req/s, p99 ${x.p99} ms` : '—');
    rows.push([
      `\`GET ${route.path}\``,
      fmt(s.api),
      fmt(s['bare-pg']),
      route.auth ? fmt(s['bare-prisma']) : `bare NestJS 11 on Fastify: ${fmt(s['bare-nest'])}`,
      `${ratio.toFixed(2)}`,
      route.auth ? `${p99Ratio.toFixed(2)}` : '—',
      `${route.auth ? `≥ ${TARGETS.throughput}, p99 ≤ ${TARGETS.p99}×` : `≥ ${TARGETS.healthz}`}: ${target ? 'met' : 'not met'}`,
    ]);
    groups.push({ label: `GET ${route.path}`, values: [s.api.rps, s['bare-pg'].rps, (s['bare-prisma'] ?? s['bare-nest']).rps] });
  }
  const tableText = lib.table(
    ['route', 'API', 'bare Fastify + pg + JWT', 'bare Fastify + Prisma client (bare NestJS for /healthz)', 'API / bare pg (req/s)', 'API / bare pg (p99)', 'target'],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
  );
  const run = `${ROUNDS} rounds × ${DURATION} s per server and route, ${CONNECTIONS} connections (autocannon), medians; servers alternate within a round`;
  process.stdout.write(`\n${tableText}\n\n${run}\ncommand: ${COMMAND}\nmachine: ${lib.machine()}\n`);
  lib.writeSvg('hot-reads', lib.barChart({ title: 'Hot reads: requests per second (higher is better)', series: ['API', 'bare Fastify + pg', 'bare Prisma / bare NestJS'], groups }));
  lib.writeSection('hot-reads', [`Measured ${new Date().toISOString().slice(0, 10)}: ${run}.`, '', `Command: \`${COMMAND}\`; machine: ${lib.machine()}.`, '', tableText, '', '![Hot reads: requests per second](img/hot-reads.svg)'].join('\n'));
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
