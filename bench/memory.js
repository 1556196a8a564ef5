/**
 * Memory: the API's resident set size (RSS) idle and under a minute of load on read routes
 * (autocannon, a valid access token), and the peak RSS of worker passes, next to the chart's
 * default requests and limits (charts/kryptovault/values.yaml, from cdk8s/src/config/values.ts).
 * The baseline, in the same invocation: a bare Fastify + pg server
 * (bench/baselines/cold-start-bare.js) idle and under the same load on its /readyz.
 *
 * npm run bench -- memory   (env: BENCH_LOAD_SECONDS=60, BENCH_CONNECTIONS=16,
 *                            BENCH_MONITOR_DEPOSITS=2000, BENCH_EARNINGS_INVESTMENTS=10000)
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const pg = require('pg');
const YAML = require('yaml');
const lib = require('./lib');

const pressure = lib.cpuPressure();
const { startVerifierDouble } = require('./verifier-double');
const { seedBacklog } = require('./deposit-monitor');
const { seedInvestments } = require('./seed-investments');

const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const MONITOR_DEPOSITS = Number(process.env.BENCH_MONITOR_DEPOSITS ?? 2000);
const EARNINGS_INVESTMENTS = Number(process.env.BENCH_EARNINGS_INVESTMENTS ?? 10_000);
const SETTLE_MS = 10_000;
const COMMAND = 'npm run bench -- memory';
const DIST = path.join(lib.REPO_ROOT, 'Backend', 'dist');
const USAGE = path.join(__dirname, 'preload', 'usage.js');
const MiB = 2 ** 20;
const ROUTES = ['/auth/me', '/accounts', '/accounts/ETH/ledger?limit=50', '/deposits', '/notifications', '/plans'];

const running = new Set();

/** VmRSS and VmHWM (peak) of a live process, bytes (Linux /proc). */
function rssOf(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** nodejs_heap_size_used_bytes and friends from the API's /metrics (prom-client default metrics). */
async function heapOf(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return { heapUsed: value('nodejs_heap_size_used_bytes'), heapTotal: value('nodejs_heap_size_total_bytes'), external: value('nodejs_external_memory_bytes') };
}

function startServer(args, env) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  exited.then(() => running.delete(child));
  return {
    child,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function load(port, routes, headers) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: LOAD_SECONDS, headers, requests: routes.map((p) => ({ method: 'GET', path: p })) },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/** Idle RSS after settling, then RSS sampled every 500 ms under load, then after settling again. */
/** A full GC in a process started with --expose-gc and bench/preload/usage.js: memory before and after. */
async function collect(server, usageFile) {
  const file = `${usageFile}.gc.json`;
  fs.rmSync(file, { force: true });
  server.child.kill('SIGUSR2');
  for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 100));
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

async function profileServer(name, server, port, routes, headers, heap, usageFile) {
  const pid = server.child.pid;
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const idle = { ...rssOf(pid), ...(heap ? await heapOf(port) : {}) };
  lib.log(`${name}: idle RSS ${(idle.rss / MiB).toFixed(0)} MiB; ${LOAD_SECONDS} s of load on ${routes.join(', ')}`);
  let peak = 0;
  const samples = [];
  const sampler = setInterval(() => {
    const { rss } = rssOf(pid);
    samples.push(rss);
    peak = Math.max(peak, rss);
  }, 500);
  const result = await load(port, routes, headers);
  clearInterval(sampler);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx answers, ${result.errors} errors under load`);
  const end = { ...rssOf(pid), ...(heap ? await heapOf(port) : {}) };
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const after = { ...rssOf(pid), ...(heap ? await heapOf(port) : {}) };
  const gc = usageFile ? await collect(server, usageFile) : undefined;
  const at = (f) => samples[Math.min(samples.length - 1, Math.floor(samples.length * f))];
  const timeline = [0.25, 0.5, 0.75, 1].map(at);
  lib.log(`${name}: ${result.requests.average.toFixed(0)} req/s; RSS peak ${(peak / MiB).toFixed(0)} MiB, end ${(end.rss / MiB).toFixed(0)} MiB, ${SETTLE_MS / 1000} s later ${(after.rss / MiB).toFixed(0)} MiB`);
  return { idle, peak: Math.max(peak, end.hwm), end, after, gc, timeline, rps: result.requests.average };
}

/** One worker pass (what its CronJob runs), peak RSS from bench/preload/usage.js. */
async function workerPass(tmp, worker, env, args = []) {
  const file = path.join(tmp, `${worker}.json`);
  const started = performance.now();
  const server = startServer(['-r', USAGE, path.join(DIST, 'workers', `${worker}.js`), ...args], { ...env, BENCH_USAGE_FILE: file });
  const code = await new Promise((resolve) => server.child.on('exit', resolve));
  if (code !== 0) throw new Error(`${worker} exited ${code}:\n${server.stderr()}`);
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  return { peak: r.maxRssKiB * 1024, heapUsed: r.heapUsed, ms: performance.now() - started };
}

async function seedReader(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const user = await lib.seedFundedUser(client, { email: 'memory@bench.test', name: 'Memory Bench', entries: 100 });
    const { ASSETS } = require('../Backend/dist/assets/asset-registry');
    await client.query(
      `INSERT INTO "Deposit" (id, "userId", asset, "expectedAmount", address, "requiredConfirmations", "expiresAt", "updatedAt")
       SELECT gen_random_uuid(), $1, 'ETH', 0.5, $2, 12, now() + interval '1 day', now() FROM generate_series(1, 20)`,
      [user.id, ASSETS.ETH.defaults.devAddress],
    );
    await client.query(
      `INSERT INTO "Notification" (id, "userId", title, body) SELECT gen_random_uuid(), $1, 'Bench ' || g, 'A notification body for the memory benchmark.' FROM generate_series(1, 50) g`,
      [user.id],
    );
    await client.query(
      `INSERT INTO "Plan" (id, name, asset, "minAmount", "returnPercentPer30Days", "durationDays", "updatedAt")
       SELECT gen_random_uuid(), 'Memory plan ' || g, 'ETH', 0.1, 3, 30, now() FROM generate_series(1, 5) g`,
    );
    return user;
  } finally {
    await client.end();
  }
}

const quantity = (q) => {
  const m = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)?$/.exec(String(q));
  if (!m) return NaN;
  return Number(m[1]) * { Mi: MiB, Gi: 2 ** 30, M: 1e6, G: 1e9, undefined: 1 }[m[2]];
};

async function main() {
  let db;
  let verifier;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-memory-'));
  const cleanup = async () => {
    for (const child of running) child.kill('SIGKILL');
    await verifier?.close();
    if (db) await db.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  lib.onInterrupt(cleanup);
  try {
    db = await lib.startBenchDatabase();
    verifier = await startVerifierDouble();
    const user = await seedReader(db.url);
    const token = lib.accessToken(user);
    // The chart's ConfigMap defaults: info logs (to /dev/null here), API docs on.
    const env = async () => lib.productionApiEnv(db.url, await lib.freePort(), { LOG_LEVEL: 'info', API_DOCS_ENABLED: 'true', HOST: '127.0.0.1', ...verifier.env });

    const apiEnv = await env();
    const apiUsage = path.join(tmp, 'api.json');
    // --expose-gc only makes global.gc() callable (for the one full collection after the load); the
    // preload writes what that collection leaves.
    const api = startServer(['--expose-gc', '-r', USAGE, path.join(DIST, 'main.js')], { ...apiEnv, BENCH_USAGE_FILE: apiUsage });
    let apiResult;
    try {
      await lib.waitForStatus(`http://127.0.0.1:${apiEnv.PORT}/readyz`);
      for (const route of ROUTES) {
        const res = await fetch(`http://127.0.0.1:${apiEnv.PORT}${route}`, { headers: { authorization: `Bearer ${token}` } });
        if (res.status !== 200) throw new Error(`GET ${route} answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      }
      apiResult = await profileServer('API', api, apiEnv.PORT, ROUTES, { authorization: `Bearer ${token}` }, true, apiUsage);
    } finally {
      await api.stop();
    }

    const bareEnv = await env();
    const bare = startServer([path.join(__dirname, 'baselines', 'cold-start-bare.js')], bareEnv);
    let bareResult;
    try {
      await lib.waitForStatus(`http://127.0.0.1:${bareEnv.PORT}/readyz`);
      bareResult = await profileServer('bare Fastify + pg', bare, bareEnv.PORT, ['/readyz'], {}, false);
    } finally {
      await bare.stop();
    }

    const autoEnv = await env();
    const automation = startServer([path.join(DIST, 'workers', 'automation.js'), '--watch'], autoEnv);
    let automationIdle;
    try {
      await lib.waitForStatus(`http://127.0.0.1:${autoEnv.PORT}/readyz`);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      automationIdle = rssOf(automation.child.pid);
    } finally {
      await automation.stop();
    }

    const workerEnv = await env();
    const workers = [];
    lib.log(`seeding ${MONITOR_DEPOSITS} due deposits and ${EARNINGS_INVESTMENTS} active investments`);
    await seedBacklog(db.url, MONITOR_DEPOSITS);
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      await seedInvestments(pool, { count: EARNINGS_INVESTMENTS, users: Math.max(1, Math.floor(EARNINGS_INVESTMENTS / 100)), durationDays: 30, startedDaysAgo: 1 });
    } finally {
      await pool.end();
    }
    for (const [key, label, worker] of [
      ['depositMonitor', `deposit monitor pass, ${MONITOR_DEPOSITS.toLocaleString('en-US')} due deposits`, 'deposit-monitor'],
      ['earnings', `earnings pass, ${EARNINGS_INVESTMENTS.toLocaleString('en-US')} investments`, 'earnings'],
      ['emailSender', 'email sender pass, empty outbox', 'email-sender'],
      ['housekeeping', 'housekeeping pass', 'housekeeping'],
    ]) {
      const r = await workerPass(tmp, worker, workerEnv);
      lib.log(`${label}: peak RSS ${(r.peak / MiB).toFixed(0)} MiB in ${(r.ms / 1000).toFixed(1)} s`);
      workers.push({ key, label, ...r });
    }
    const chart = YAML.parse(fs.readFileSync(path.join(lib.REPO_ROOT, 'charts', 'kryptovault', 'values.yaml'), 'utf8'));
    report({ apiResult, bareResult, automationIdle, workers, chart });
  } finally {
    await cleanup();
  }
}

const mib = (b) => `${(b / MiB).toFixed(0)}`;
const roundUp = (bytes, step = 64 * MiB) => Math.ceil(bytes / step) * step;
/**
 * The rule these figures are held to: the request covers what the pod uses steadily with a
 * quarter of headroom (what the scheduler reserves; a node packed by requests must not run
 * out), the limit covers the highest peak measured one and a half times over (larger batches,
 * bursts, GC running late; hitting it is an OOM kill).
 */
const fits = ({ steady, peak }, r) => quantity(r.requests.memory) >= 1.25 * steady && quantity(r.limits.memory) >= 1.5 * peak;
const propose = ({ steady, peak }) => {
  const request = roundUp(1.25 * steady);
  return { request, limit: Math.max(2 * request, roundUp(1.5 * peak)) };
};

function report({ apiResult, bareResult, automationIdle, workers, chart }) {
  const contention = lib.describePressure(pressure());
  const rows = [];
  const verdicts = [];
  const add = (label, figures, res, cells) => {
    const ok = fits(figures, res);
    const p = propose(figures);
    verdicts.push({ label, ok, p, res, figures });
    rows.push([label, ...cells, `${res.requests.memory} / ${res.limits.memory}`, ok ? 'fits' : `does not fit: ${mib(p.request)}Mi / ${mib(p.limit)}Mi`]);
  };
  const api = { steady: Math.max(apiResult.end.rss, apiResult.after.rss), peak: apiResult.peak };
  add('API', api, chart.api.resources, [
    mib(apiResult.idle.rss),
    mib(apiResult.peak),
    mib(apiResult.after.rss),
    `${mib(apiResult.idle.heapUsed)} → ${mib(apiResult.end.heapUsed)}`,
  ]);
  add('automation runner (--watch), idle', { steady: automationIdle.rss, peak: automationIdle.hwm }, chart.automation.resources, [mib(automationIdle.rss), mib(automationIdle.hwm), '—', '—']);
  for (const w of workers) add(w.label, { steady: w.peak, peak: w.peak }, chart[w.key].resources, ['—', mib(w.peak), '—', `${mib(w.heapUsed)} at exit`]);
  rows.push(['baseline: bare Fastify + pg (/readyz)', mib(bareResult.idle.rss), mib(bareResult.peak), mib(bareResult.after.rss), '—', '—', '—']);
  const tableText = lib.table(
    ['process', 'RSS idle (MiB)', 'peak RSS (MiB)', `RSS ${SETTLE_MS / 1000} s after the load (MiB)`, 'V8 heap used (MiB)', 'chart request / limit', 'rule: request ≥ 1.25 × steady RSS, limit ≥ 1.5 × peak'],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
  );
  const run = `API: ${SETTLE_MS / 1000} s idle after ready, then ${LOAD_SECONDS} s of autocannon (${CONNECTIONS} connections) cycling ${ROUTES.map((r) => `\`GET ${r}\``).join(', ')} with a valid access token (${apiResult.rps.toFixed(0)} req/s), RSS sampled every 500 ms; the bare server under the same load on its \`/readyz\` (${bareResult.rps.toFixed(0)} req/s); workers: one pass each as its CronJob runs it, peak RSS from \`process.resourceUsage().maxRSS\``;
  const date = new Date().toISOString().slice(0, 10);
  process.stdout.write(`\n${tableText}\n\n${run}\ncommand: ${COMMAND}\nmachine: ${lib.machine()}\n${contention}\n`);

  lib.writeSvg(
    'memory',
    lib.barChart({
      title: 'Memory: peak RSS vs the chart\'s request and limit (MiB)',
      series: ['peak RSS', 'chart request', 'chart limit'],
      groups: verdicts.map((v) => ({ label: v.label.replace(/,.*$/, ''), values: [v.figures.peak / MiB, quantity(v.res.requests.memory) / MiB, quantity(v.res.limits.memory) / MiB] })),
      format: (v) => `${v.toFixed(0)} MiB`,
    }),
  );
  const misfits = verdicts.filter((v) => !v.ok);
  const md = [
    `## Memory (\`${COMMAND}\`)`,
    '',
    'What it measures: the resident set size (RSS, what a container\'s memory limit counts) of the',
    'API (`node Backend/dist/main.js`, `NODE_ENV=production`, the chart\'s ConfigMap defaults: info',
    'logs, API docs on) idle after start-up and under a minute of load on read routes with a valid',
    'access token (a user inserted with SQL, its token signed with `JWT_SECRET` in the app\'s claims',
    'shape: `sub`, `role`, `typ: access`, `ver`, HS256), the automation runner idle, and the peak RSS of',
    'one pass of each CronJob worker, next to the chart\'s default `resources`',
    '(`charts/kryptovault/values.yaml`, from `cdk8s/src/config/values.ts`). The baseline in the same',
    'invocation is a bare Fastify + pg server (`bench/baselines/cold-start-bare.js`) under the same',
    'load on its `/readyz`. The V8 heap comes from the API\'s `/metrics` and from the workers at exit.',
    '',
    `Measured ${date}: ${run}. Command: \`${COMMAND}\`; machine: ${lib.machine()}; ${contention}.`,
    '',
    tableText,
    '',
    '![Peak RSS vs the chart\'s requests and limits](img/memory.svg)',
    '',
    'How requests and limits follow from these figures: the request is what the scheduler reserves',
    'for the pod, so it should cover the RSS the process settles at under load with a quarter of',
    'headroom (request ≥ 1.25 × steady RSS; for a one-pass worker, its peak); the limit is where the',
    'kernel kills the container, so it should cover the highest peak measured one and a half times',
    'over (limit ≥ 1.5 × peak: larger batches, bursts, the collector running late). Proposed values',
    'round the request up to 64 MiB and take the limit as twice the request or 1.5 × the peak,',
    'whichever is larger.',
    '',
    'Reading it:',
    '',
    `- The API: ${mib(apiResult.idle.rss)} MiB idle, peak ${mib(apiResult.peak)} MiB under load, ${mib(apiResult.after.rss)} MiB after it; the bare`,
    `  Fastify + pg server: ${mib(bareResult.idle.rss)} MiB idle, peak ${mib(bareResult.peak)} MiB. The difference at idle is the code the API loads`,
    '  (Nest, the Prisma client and its WebAssembly query compiler, OpenTelemetry, class-validator,',
    '  Swagger; see the cold start section) more than data: the V8 heap is',
    `  ${mib(apiResult.idle.heapUsed)} MiB of it idle.`,
    `- Under load the RSS rises and falls with V8's collections (${apiResult.timeline.map(mib).join(', ')} MiB at a quarter, half, three quarters and the end of`,
    `  the load) because V8 lets garbage accumulate between them: the heap holds ${mib(apiResult.end.heapUsed)} MiB at the end of the load, and one`,
    `  full collection afterwards (\`global.gc()\`, the API started with \`--expose-gc\`) brings it from ${mib(apiResult.gc.before.heapUsed)} to`,
    `  ${mib(apiResult.gc.after.heapUsed)} MiB (RSS ${mib(apiResult.gc.before.rss)} → ${mib(apiResult.gc.after.rss)} MiB): ${apiResult.gc.after.heapUsed < 1.5 * apiResult.idle.heapUsed ? 'nothing accumulates across requests' : 'more than at idle stays reachable (worth a look)'}.`,
    `  How far the heap may grow before V8 collects it fully depends on its heap limit, ${mib(apiResult.gc.heapLimit)} MiB in this`,
    `  process (V8 sizes it from the memory it sees: ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB here; whether Node sizes it from a container's`,
    '  cgroup limit was not measured). Setting `--max-old-space-size` (in `NODE_OPTIONS`) below the memory',
    `  limit minus what the process holds outside the V8 heap (${mib(apiResult.gc.after.rss - apiResult.gc.after.heapTotal)} MiB here: RSS minus the heap after the`,
    '  collection) would make V8 collect before the kernel kills the container.',
    misfits.length === 0
      ? '- Every default fits the rule.'
      : `- Defaults that do not fit the rule: ${misfits.map((v) => `${v.label} (${v.res.requests.memory} / ${v.res.limits.memory}; proposed ${mib(v.p.request)}Mi / ${mib(v.p.limit)}Mi)`).join('; ')}. The chart values are unchanged (a proposal, to be decided with the chart's owners).`,
    `- Defaults with more room than the rule asks: ${verdicts.filter((v) => v.ok && quantity(v.res.requests.memory) > 2 * v.figures.steady).map((v) => `${v.label} (request ${v.res.requests.memory} for ${mib(v.figures.steady)} MiB)`).join('; ') || 'none'}.`,
    '- Not measured here: the migration Job (the Prisma CLI), the earnings pass at 100,000 investments',
    '  (it works in batches of 2,000, so its memory does not grow with the total), long-lived',
    '  notification streams (each holds a socket and its buffers).',
    '',
    'Knobs: `BENCH_LOAD_SECONDS`, `BENCH_CONNECTIONS`, `BENCH_MONITOR_DEPOSITS`, `BENCH_EARNINGS_INVESTMENTS`.',
  ].join('\n');
  lib.writeSection('memory', md);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
