/**
 * Cold start: `node Backend/dist/main.js` (NODE_ENV=production, LOG_LEVEL=warn,
 * API_DOCS_ENABLED=true: the worst case) from spawn to its first `GET /readyz` 200, against a bare Fastify +
 * pg server (bench/baselines/cold-start-bare.js: same readiness queries) from spawn to its
 * first 200, alternating, N rounds, medians; both also timed to their first HTTP answer of
 * any status ("listening"). Then profiling runs of the API, not counted in the timings:
 * preloaded with bench/preload/cold-start-marks.js (require time per package, marks around
 * NestFactory.create, app.init, listen, pg connects) and `--cpu-prof` (CPU self time per
 * package), to say where the time goes.
 *
 * npm run bench -- cold-start   (env: BENCH_ROUNDS=7, BENCH_PROFILE_RUNS=3)
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const lib = require('./lib');

const pressure = lib.cpuPressure();

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const PROFILE_RUNS = Number(process.env.BENCH_PROFILE_RUNS ?? 3);
const COMMAND = 'npm run bench -- cold-start';
const TARGET = { ratio: 3, ms: 1500 };
const API = path.join(lib.REPO_ROOT, 'Backend', 'dist', 'main.js');
const BARE = path.join(__dirname, 'baselines', 'cold-start-bare.js');
const COMPILE_CACHE = typeof require('node:module').enableCompileCache === 'function';
const MARKS = path.join(__dirname, 'preload', 'cold-start-marks.js');

const running = new Set();

/** Packages grouped by what brings them in, for the require-time summary. */
const FAMILIES = [
  ['Nest (@nestjs/core, common, platform-fastify, terminus, jwt, schedule; rxjs, reflect-metadata)', (g) => /^@nestjs\/(?!swagger)/.test(g) || ['rxjs', 'reflect-metadata', 'iterare', 'tslib', 'uid', 'path-to-regexp', 'cron', 'luxon'].includes(g)],
  ['Swagger (@nestjs/swagger, swagger-ui-dist, js-yaml)', (g) => ['@nestjs/swagger', 'swagger-ui-dist', 'js-yaml', '@microsoft/tsdoc'].includes(g)],
  ['OpenTelemetry (@opentelemetry/*, @prisma/instrumentation, require/import-in-the-middle)', (g) => /^@opentelemetry\//.test(g) || ['@prisma/instrumentation', 'require-in-the-middle', 'import-in-the-middle', 'module-details-from-path'].includes(g)],
  ['class-validator (validator, libphonenumber-js), class-transformer', (g) => ['class-validator', 'validator', 'libphonenumber-js', 'class-transformer'].includes(g)],
  ['Prisma client (@prisma/client, .prisma, adapter-pg, driver-adapter-utils)', (g) => /^@prisma\/(?!instrumentation)/.test(g) || g === '.prisma'],
  ['Fastify (fastify, @fastify/*, find-my-way, avvio, ajv, fast-json-stringify, light-my-request)', (g) => g === 'fastify' || /^@fastify\//.test(g) || ['find-my-way', 'avvio', 'ajv', 'fast-json-stringify', 'light-my-request', 'fast-uri', 'ajv-formats', 'secure-json-parse', 'rfdc', 'process-warning', 'toad-cache', 'abstract-logging', 'fast-querystring', 'json-schema-traverse', 'fast-deep-equal', 'safe-regex2', 'ret', 'semver'].includes(g)],
  ['pg (pg, pg-protocol, pg-pool, pg-types...)', (g) => /^pg(-|$)/.test(g) || ['postgres-array', 'postgres-bytea', 'postgres-date', 'postgres-interval', 'pgpass', 'split2'].includes(g)],
  ['logging and metrics (pino, prom-client, @sentry/*)', (g) => /^pino/.test(g) || g === 'prom-client' || /^@sentry\//.test(g) || ['sonic-boom', 'thread-stream', 'fast-redact', 'on-exit-leak-free', 'quick-format-unescaped', 'atomic-sleep', 'safe-stable-stringify', 'real-require', 'tdigest', 'bintrees'].includes(g)],
  ['the app itself (Backend/dist)', (g) => g === 'app (Backend/dist)'],
];

/** One GET /readyz with a fresh connection: its status, or null when nothing listens yet. */
function probe(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/readyz', agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => req.destroy());
  });
}

/** Spawns a server and polls it every 5 ms: ms to the first answer and to the first 200. */
async function coldStart(args, env) {
  const port = Number(env.PORT);
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let early = null;
  exited.then((e) => (early = e));
  let listenMs;
  let readyMs;
  let notReady = 0;
  try {
    for (;;) {
      if (early) throw new Error(`${args.join(' ')} exited (${JSON.stringify(early)}) before it was ready:\n${stderr}`);
      if (performance.now() - started > 60_000) throw new Error(`${args.join(' ')} not ready after 60 s:\n${stderr}`);
      const status = await probe(port);
      const t = performance.now() - started;
      if (status !== null && listenMs === undefined) listenMs = t;
      if (status === 200) {
        readyMs = t;
        break;
      }
      if (status !== null) notReady++;
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    running.delete(child);
  }
  return { listenMs, readyMs, notReady };
}

/** CPU self time per package in a .cpuprofile file. */
const cpuByGroup = (file) => lib.cpuProfileByPackage(JSON.parse(fs.readFileSync(file, 'utf8')));

async function main() {
  let db;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-cold-start-'));
  const cleanup = async () => {
    for (const child of running) child.kill('SIGKILL');
    if (db) await db.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  lib.onInterrupt(cleanup);
  try {
    db = await lib.startBenchDatabase();
    const env = async () => lib.productionApiEnv(db.url, await lib.freePort(), { API_DOCS_ENABLED: 'true', HOST: '127.0.0.1' });
    const servers = { api: [API], bare: [BARE] };
    // Node's on-disk compile cache (Node >= 22.1): the same servers again, each with a cache
    // directory of its own that the warm-up start fills.
    const extraEnv = {};
    if (COMPILE_CACHE) {
      for (const name of ['api', 'bare']) {
        servers[`${name}-cache`] = servers[name];
        extraEnv[`${name}-cache`] = { NODE_COMPILE_CACHE: path.join(tmp, `compile-cache-${name}`) };
      }
    }
    const names = Object.keys(servers);
    lib.log(`warm-up: one start of each (file system cache${COMPILE_CACHE ? ", Node's compile caches" : ''})`);
    for (const name of names) await coldStart(servers[name], { ...(await env()), ...extraEnv[name] });
    const results = Object.fromEntries(names.map((name) => [name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const name of round % 2 ? names : [...names].reverse()) {
        const r = await coldStart(servers[name], { ...(await env()), ...extraEnv[name] });
        results[name].push(r);
        lib.log(`round ${round} ${name}: listening ${r.listenMs.toFixed(0)} ms, ready ${r.readyMs.toFixed(0)} ms`);
      }
    }
    const profiles = [];
    for (let i = 0; i < PROFILE_RUNS; i++) {
      const marksFile = path.join(tmp, `marks-${i}.json`);
      const cpuDir = path.join(tmp, `cpu-${i}`);
      const r = await coldStart(['-r', MARKS, '--cpu-prof', `--cpu-prof-dir=${cpuDir}`, API], { ...(await env()), BENCH_MARKS_FILE: marksFile });
      const marks = JSON.parse(fs.readFileSync(marksFile, 'utf8'));
      const cpu = cpuByGroup(path.join(cpuDir, fs.readdirSync(cpuDir)[0]));
      profiles.push({ ...r, ...marks, cpu });
      lib.log(`profile run ${i + 1}: ready ${r.readyMs.toFixed(0)} ms (with the preload and the CPU profiler)`);
    }
    report(results, profiles);
  } finally {
    await cleanup();
  }
}

function report(results, profiles) {
  const contention = lib.describePressure(pressure());
  const m = (runs, k) => lib.median(runs.map((r) => r[k]));
  const api = { listen: m(results.api, 'listenMs'), ready: m(results.api, 'readyMs') };
  const bare = { listen: m(results.bare, 'listenMs'), ready: m(results.bare, 'readyMs') };
  // Paired per round (the two started back to back), so a change in the machine's load between
  // rounds moves both sides of a ratio instead of one.
  const ratio = lib.median(results.api.map((r, i) => r.readyMs / results.bare[i].readyMs));
  const met = ratio <= TARGET.ratio && api.ready < TARGET.ms;
  const rows = [
    ['API (`node Backend/dist/main.js`)', api.listen.toFixed(0), api.ready.toFixed(0), `${ratio.toFixed(1)}×`, met ? 'met' : 'not met'],
    ['bare Fastify + pg (`bench/baselines/cold-start-bare.js`)', bare.listen.toFixed(0), bare.ready.toFixed(0), '1.0×', ''],
  ];
  let cached;
  if (results['api-cache']) {
    cached = {
      api: m(results['api-cache'], 'readyMs'),
      bare: m(results['bare-cache'], 'readyMs'),
      ratio: lib.median(results['api-cache'].map((r, i) => r.readyMs / results['bare-cache'][i].readyMs)),
      vsUncached: lib.median(results['api-cache'].map((r, i) => r.readyMs / results.bare[i].readyMs)),
    };
    rows.push(
      ['API with Node\'s compile cache (`NODE_COMPILE_CACHE`, filled by the warm-up start)', m(results['api-cache'], 'listenMs').toFixed(0), cached.api.toFixed(0), `${cached.ratio.toFixed(1)}× (vs the bare server with its cache)`, ''],
      ['bare Fastify + pg with its compile cache', m(results['bare-cache'], 'listenMs').toFixed(0), cached.bare.toFixed(0), '1.0×', ''],
    );
  }
  const tableText = lib.table(
    ['server', 'spawn → listening (ms)', 'spawn → first /readyz 200 (ms)', 'vs bare (median of per-round ratios)', `target ≤ ${TARGET.ratio}× and < ${TARGET.ms / 1000} s`],
    rows,
    ['l', 'r', 'r', 'r', 'l'],
  );

  // Phases from the marks (medians over the profiling runs; ms since the process started).
  const at = (p, name) => p.marks.find(([n]) => n === name)?.[1];
  const phase = (from, to) => {
    const xs = profiles.map((p) => (at(p, to) ?? NaN) - (at(p, from) ?? NaN)).filter((x) => Number.isFinite(x));
    return xs.length ? lib.median(xs) : undefined;
  };
  const readyInChild = (p) => p.readyMs; // parent clock; the child starts a few ms after spawn
  const phases = [
    ['Node starts (spawn → preload runs)', lib.median(profiles.map((p) => at(p, 'preload')))],
    ['loading main.js and everything it imports, config, logger (→ NestFactory.create)', phase('preload', 'NestFactory.create start')],
    ['NestFactory.create (module scan, DI, controllers, Fastify adapter)', phase('NestFactory.create start', 'NestFactory.create end')],
    ['cookie plugin, parsers, hooks, filters, pipes, OpenAPI routes', phase('NestFactory.create end', 'app.init start')],
    ['app.init (lifecycle hooks, route registration)', phase('app.init start', 'app.init end')],
    ['app.listen', phase('app.listen start', 'app.listen end')],
    ['listening → first /readyz 200 (first pg connection, the two readiness queries)', lib.median(profiles.map((p) => readyInChild(p) - (at(p, 'app.listen end') ?? NaN)).filter(Number.isFinite))],
  ].filter(([, v]) => v !== undefined && Number.isFinite(v));
  const profReady = lib.median(profiles.map((p) => p.readyMs));
  const phaseTable = lib.table(
    ['phase (profiling runs, medians)', 'ms', 'share'],
    phases.map(([name, ms]) => [name, ms.toFixed(0), `${((ms / profReady) * 100).toFixed(0)} %`]),
  );
  const groups = new Set(profiles.flatMap((p) => Object.keys(p.requireSelfMs)));
  const requireRows = [...groups]
    .map((g) => [g, lib.median(profiles.map((p) => p.requireSelfMs[g] ?? 0))])
    .sort((a, b) => b[1] - a[1]);
  const requireTotal = requireRows.reduce((n, [, ms]) => n + ms, 0);
  const requireTable = lib.table(
    ['package (require self time, children excluded)', 'ms', 'share of require time'],
    requireRows.slice(0, 12).map(([g, ms]) => [g, ms.toFixed(0), `${((ms / requireTotal) * 100).toFixed(0)} %`]),
  );
  const familyRows = FAMILIES.map(([name, test]) => [name, requireRows.filter(([g]) => test(g)).reduce((n, [, ms]) => n + ms, 0)]);
  familyRows.push(['everything else', requireTotal - familyRows.reduce((n, [, ms]) => n + ms, 0)]);
  familyRows.sort((a, b) => b[1] - a[1]);
  const familyTable = lib.table(
    ['require time by family', 'ms', 'share of require time'],
    familyRows.map(([g, ms]) => [g, ms.toFixed(0), `${((ms / requireTotal) * 100).toFixed(0)} %`]),
  );
  const cpuGroups = new Set(profiles.flatMap((p) => [...p.cpu.keys()]));
  const cpuRows = [...cpuGroups].map((g) => [g, lib.median(profiles.map((p) => p.cpu.get(g) ?? 0))]).sort((a, b) => b[1] - a[1]);
  const cpuTable = lib.table(['CPU self time by package (--cpu-prof, whole run)', 'ms'], cpuRows.slice(0, 12).map(([g, ms]) => [g, ms.toFixed(0)]));
  const modules = lib.median(profiles.map((p) => p.modules));
  const run = `${ROUNDS} rounds, servers alternating, medians, after one warm-up start of each; ${PROFILE_RUNS} separate profiling runs`;
  const date = new Date().toISOString().slice(0, 10);
  process.stdout.write(`\n${tableText}\n\n${phaseTable}\n\n${familyTable}\n\n${requireTable}\n\n${cpuTable}\n\nmodules loaded: ${modules}, require time ${requireTotal.toFixed(0)} ms\n${run}\ncommand: ${COMMAND}\nmachine: ${lib.machine()}\n${contention}\n`);

  lib.writeSvg(
    'cold-start',
    lib.barChart({
      title: 'Cold start: spawn to listening and to the first /readyz 200 (ms, lower is better)',
      series: ['API', 'bare Fastify + pg'],
      groups: [
        { label: 'spawn → listening', values: [api.listen, bare.listen] },
        { label: 'spawn → first /readyz 200', values: [api.ready, bare.ready] },
      ],
    }),
  );
  const top = phases.slice().sort((a, b) => b[1] - a[1]);
  const phaseMs = (prefix) => phases.find(([n]) => n.startsWith(prefix))?.[1] ?? 0;
  const family = (pkg) => requireRows.find(([g]) => g === pkg)?.[1] ?? 0;
  const familyMs = (prefix) => familyRows.find(([g]) => g.startsWith(prefix))?.[1] ?? 0;
  const md = [
    `## Cold start (\`${COMMAND}\`)`,
    '',
    'What it measures: the time from spawning `node Backend/dist/main.js` (`NODE_ENV=production` with',
    'what the production config requires, `LOG_LEVEL=warn`, `API_DOCS_ENABLED=true` (the worst case; the chart\'s default is off), no',
    'OpenTelemetry endpoint, the database up and migrated) to its first `GET /readyz` 200 — what a',
    'rollout waits for — against a bare Fastify + pg server (`bench/baselines/cold-start-bare.js`:',
    'the same two readiness queries on a pg pool, nothing else) from spawn to its first 200. A fresh',
    'connection polls every 5 ms; "listening" is the first answer of any status. Both alternate in',
    'the same invocation. Separate profiling runs (not in the timings: the preload and the profiler',
    'slow the start down) preload `bench/preload/cold-start-marks.js` (each module load timed, marks',
    'around `NestFactory.create`, `app.init`, `listen` and the PostgreSQL connections) and run',
    'with `--cpu-prof`.',
    '',
    `Measured ${date}: ${run}. Command: \`${COMMAND}\`; machine: ${lib.machine()}; ${contention}.`,
    '',
    tableText,
    '',
    `Where the time goes (profiling runs: ready after ${profReady.toFixed(0)} ms with the instrumentation; ${modules} modules`,
    `loaded, ${requireTotal.toFixed(0)} ms of it inside \`require\`):`,
    '',
    phaseTable,
    '',
    familyTable,
    '',
    requireTable,
    '',
    cpuTable,
    '',
    '![Cold start](img/cold-start.svg)',
    '',
    'Reading it:',
    '',
    `- Target (≤ ${TARGET.ratio}× the bare server and under ${TARGET.ms / 1000} s): ${met ? 'met' : 'not met'} — ${api.ready.toFixed(0)} ms, ${ratio.toFixed(1)}× the bare server's ${bare.ready.toFixed(0)} ms.`,
    `- The largest phases: ${top.slice(0, 3).map(([n, ms]) => `${n.replace(/ \(.*\)$/, '')} (${ms.toFixed(0)} ms)`).join(', ')}.`,
    `  Loading modules is the biggest single cost: ${requireTotal.toFixed(0)} ms of \`require\` for ${modules} modules, led by`,
    `  ${requireRows.slice(0, 4).map(([g, ms]) => `${g} (${ms.toFixed(0)} ms)`).join(', ')}. The profile shows the start is CPU-bound`,
    `  (${(cpuRows.find(([g]) => g.startsWith('(idle'))?.[1] ?? 0).toFixed(0)} ms idle), so on a busy machine it stretches with the contention.`,
    `- No single package family dominates: the largest is ${((familyRows[0][1] / requireTotal) * 100).toFixed(0)} % of the require time (profiling runs, whose`,
    `  instrumentation inflates the absolute figures); the first readiness check (the first pg connection and two plain queries) takes ${phaseMs('listening').toFixed(0)} ms.`,
    '  The limit is the number of modules an application of this shape loads (Nest, its Fastify adapter,',
    `  rxjs, class-validator with validator and libphonenumber-js (${familyMs('class-validator').toFixed(0)} ms: its index loads every decorator's`,
    "  dependencies), the Prisma client, the app's own modules) against a bare server that loads Fastify",
    '  and pg: every one is resolved, read, compiled and run before the first request.',
    '- What was moved off the start path (2026-11-27), each only loaded when used:',
    "  `swagger-ui-dist`'s index (it loads the 1.5 MB browser bundle into the server to return a",
    "  directory; `swagger-ui-dist/absolute-path.js` returns the same directory), the OpenTelemetry SDK,",
    '  exporter and instrumentations (required inside `startTracing()` once tracing is on), nodemailer',
    '  (on the first email sent) and ioredis (only with `REDIS_URL`); and `/readyz` runs its two queries',
    "  as plain SQL on Prisma's pool, so it no longer waits for Prisma's query compiler, which loads with",
    '  the first query that needs it. Before these: 4,290 ms, 7.0× the',
    '  bare server, with other test suites running on the machine (2,391 ms of `require` for 2,198',
    '  modules in the profiling runs, swagger-ui-dist 427 ms and OpenTelemetry 367 ms of it).',
    cached
      ? `- Node's compile cache (Node ≥ 22.1; the image runs Node 24): with a warm cache the API is ready after ${cached.api.toFixed(0)} ms (${cached.vsUncached.toFixed(1)}× the bare server without one), the bare server after ${cached.bare.toFixed(0)} ms. Not used by the image yet: pods run on a read-only root filesystem with a per-pod \`/tmp\`, so a cache would have to be written while the image is built and shipped in it.`
      : "- Node's compile cache (`NODE_COMPILE_CACHE`, Node ≥ 22.1) was not measured: this Node has no `module.enableCompileCache`.",
    '',
    'Knobs: `BENCH_ROUNDS`, `BENCH_PROFILE_RUNS` (environment variables).',
  ].join('\n');
  lib.writeSection('cold-start', md);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
