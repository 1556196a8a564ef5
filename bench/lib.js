/**
 * What every benchmark shares: a throwaway embedded PostgreSQL with the project's
 * migrations, medians, the machine line, markdown tables, a dependency-free SVG bar chart,
 * and writing a benchmark's section into docs/performance.md between its markers
 * (`<!-- bench:<id> -->` ... `<!-- /bench:<id> -->`), so `npm run bench` refreshes the
 * figures in place and leaves the prose around them alone.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const pg = require('pg');
const { startEmbeddedPostgres } = require('../Backend/dist/local/embedded-postgres');
const { migrateDeploy } = require('../Backend/dist/local/migrate');

const REPO_ROOT = path.resolve(__dirname, '..');
const PERFORMANCE_MD = path.join(REPO_ROOT, 'docs', 'performance.md');
const IMG_DIR = path.join(REPO_ROOT, 'docs', 'img');

const log = (message) => process.stderr.write(`[bench] ${message}\n`);

/**
 * An embedded PostgreSQL with database `bench` migrated; `stop()` removes everything.
 * `postgresFlags`: extra server settings, e.g. ['-c', 'shared_preload_libraries=pg_stat_statements'].
 */
async function startBenchDatabase({ postgresFlags = [] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-bench-'));
  // As root, PostgreSQL runs as an unprivileged user that must reach its data dir.
  fs.chmodSync(dir, 0o755);
  log('starting an embedded PostgreSQL and applying the migrations');
  const db = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), persistent: false, postgresFlags });
  const admin = new pg.Client({ connectionString: db.serverUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const url = db.urlFor('bench');
  migrateDeploy(url);
  return {
    url,
    serverUrl: db.serverUrl,
    /** The URL of another database on the same server (see addBenchDatabase). */
    urlFor: db.urlFor,
    async stop() {
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Another database on the bench server, created and migrated like `bench`; returns its URL. */
async function addBenchDatabase(benchDb, name) {
  const admin = new pg.Client({ connectionString: benchDb.serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = benchDb.urlFor(name);
  migrateDeploy(url);
  return url;
}

/**
 * Runs `cleanup` (stop children, stop PostgreSQL) when the benchmark is interrupted
 * (Ctrl-C, SIGTERM from bench/index.js), then exits 130; the normal path still uses try/finally.
 */
function onInterrupt(cleanup) {
  let running = false;
  const handler = (signal) => {
    if (running) return;
    running = true;
    log(`${signal}: cleaning up`);
    Promise.resolve()
      .then(cleanup)
      .catch((error) => log(`cleanup failed: ${error.message}`))
      .finally(() => process.exit(130));
  };
  // `on`, not `once`: a second signal (Ctrl-C reaches the whole process group, and
  // bench/index.js forwards it too) must not kill the process in the middle of its cleanup.
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * Starts measuring CPU contention: the returned function gives the share of wall time, since
 * this call, during which some task waited for a CPU (Linux PSI, /proc/pressure/cpu "some"),
 * e.g. 0.8 when other work kept a runnable task waiting 80 % of the time; null without PSI.
 */
function cpuPressure() {
  const read = () => {
    try {
      return Number(/^some .*total=(\d+)/m.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'))[1]);
    } catch {
      return null;
    }
  };
  const started = process.hrtime.bigint();
  const before = read();
  return () => {
    const after = read();
    if (before === null || after === null) return null;
    return (after - before) / (Number(process.hrtime.bigint() - started) / 1000);
  };
}

/** The sentence the reports print for a cpuPressure() reading. */
function describePressure(fraction) {
  if (fraction === null || fraction === undefined) return 'CPU pressure not measured (no /proc/pressure/cpu)';
  return `CPU pressure ${(fraction * 100).toFixed(0)} % during the run (share of the time some task waited for a CPU, /proc/pressure/cpu: other work on the machine and the benchmark itself)`;
}

/** CPU self time (ms) per package of a V8 CPU profile (.cpuprofile JSON, or the inspector's). */
function cpuProfileByPackage(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const out = new Map();
  profile.samples.forEach((id, i) => {
    const { url, functionName } = nodes.get(id).callFrame;
    let group;
    const nm = url.lastIndexOf('/node_modules/');
    if (nm >= 0) {
      const [scope, name] = url.slice(nm + '/node_modules/'.length).split('/');
      group = scope.startsWith('@') ? `${scope}/${name}` : scope;
    } else if (url.includes('/Backend/dist/')) group = 'app (Backend/dist)';
    else if (url.includes('/bench/')) group = 'the benchmark itself (bench/)';
    else if (url.startsWith('node:internal/modules')) group = 'Node module loader (node:internal/modules)';
    else if (url.startsWith('node:')) group = 'Node built-ins (other)';
    else if (url.startsWith('wasm://')) group = 'WebAssembly (Prisma query compiler)';
    else if (!url && functionName === '(idle)') group = '(idle: waiting for I/O)';
    else if (!url && functionName === '(garbage collector)') group = '(garbage collector)';
    else if (!url && functionName === '(program)') group = '(V8: compiling, parsing)';
    else if (!url) group = `(native: ${functionName})`;
    else group = 'other';
    out.set(group, (out.get(group) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return out;
}

/** Runs `fn` under the in-process V8 CPU profiler (node:inspector); resolves to the profile. */
async function profileCpu(fn) {
  const inspector = require('node:inspector');
  const session = new inspector.Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  let profile;
  try {
    await fn();
  } finally {
    ({ profile } = await post('Profiler.stop'));
    session.disconnect();
  }
  return profile;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeIt(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function machine() {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** A markdown table; `align` per column: 'l' or 'r'. */
function table(header, rows, align = header.map((_, i) => (i === 0 ? 'l' : 'r'))) {
  return [
    `| ${header.join(' | ')} |`,
    `| ${align.map((a) => (a === 'r' ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const escapeXml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Horizontal bars in groups: each group is a label with one bar per series (e.g. the API
 * and its baseline), each bar labelled with its formatted value.
 */
function barChart({ title, series, groups, format = (v) => v.toFixed(0) }) {
  const colours = ['#4e79a7', '#bab0ac', '#f28e2b', '#59a14f'];
  const width = 820;
  const left = 300;
  const barH = 18;
  const groupH = series.length * (barH + 3) + 14;
  const max = Math.max(...groups.flatMap((g) => g.values)) * 1.25 || 1;
  const scale = (v) => ((width - left - 90) * v) / max;
  const legend = series
    .map((s, i) => `<rect x="${left + i * 170}" y="28" width="12" height="12" fill="${colours[i]}"/><text x="${left + i * 170 + 16}" y="39" font-size="12">${escapeXml(s)}</text>`)
    .join('');
  const body = groups
    .map((g, gi) => {
      const y0 = 52 + gi * groupH;
      const bars = g.values
        .map((v, si) => {
          const y = y0 + si * (barH + 3);
          return `<rect x="${left}" y="${y}" width="${scale(v).toFixed(1)}" height="${barH}" fill="${colours[si]}"/><text x="${left + scale(v) + 5}" y="${y + 13}" font-size="12">${escapeXml(format(v))}</text>`;
        })
        .join('');
      return `<text x="${left - 8}" y="${y0 + (series.length * (barH + 3)) / 2 + 4}" text-anchor="end" font-size="12">${escapeXml(g.label)}</text>${bars}`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${60 + groups.length * groupH}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>
${legend}
${body}
</svg>
`;
}

function writeSvg(name, svg) {
  fs.mkdirSync(IMG_DIR, { recursive: true });
  fs.writeFileSync(path.join(IMG_DIR, `${name}.svg`), svg);
}

/** Replaces the text between the benchmark's markers in docs/performance.md (appends them once). */
function writeSection(id, markdown) {
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const doc = fs.readFileSync(PERFORMANCE_MD, 'utf8');
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  const next = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(PERFORMANCE_MD, next);
  log(`docs/performance.md: section ${id} updated`);
}

/** A random JWT secret the production config accepts (at least 32 characters, not weak). */
const JWT_SECRET = require('node:crypto').randomBytes(36).toString('base64');

/**
 * The environment `node Backend/dist/main.js` needs with NODE_ENV=production (what the
 * config refuses otherwise: see productionProblems in config.schema.ts), JSON logs at warn.
 * The verifier URL is never called by the API itself.
 */
function productionApiEnv(databaseUrl, port, overrides = {}) {
  const { ASSET_CODES, ASSETS } = require('../Backend/dist/assets/asset-registry');
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    JWT_SECRET,
    PASSWORD_RESET_URL: 'https://app.kryptovault.test/reset-password',
    SMTP_REQUIRE_TLS: 'true',
    BLOCKCHAIN_VERIFIER_URL: 'https://verifier.invalid',
    BLOCKCHAIN_VERIFIER_SECRET: 'Vq3nL8xT2mR7kW4pZ9sB6cF1hJ5dG0aE',
    ...Object.fromEntries(ASSET_CODES.map((a) => [`DEPOSIT_ADDRESS_${a}`, ASSETS[a].defaults.devAddress])),
    ...overrides,
  };
}

/**
 * A verified user with funded BTC, ETH and USDT accounts, each balance posted as `entries`
 * ADJUSTMENT ledger entries (the triggers keep the cached balance), on an open pg client.
 */
async function seedFundedUser(client, { email, name, entries = 1 }) {
  const user = (
    await client.query(
      `INSERT INTO "User" (id, email, "passwordHash", name, "emailVerifiedAt", "updatedAt")
       VALUES (gen_random_uuid(), $1, 'x', $2, now(), now()) RETURNING id, role, "tokenVersion"`,
      [email, name],
    )
  ).rows[0];
  for (const [asset, amount] of [['BTC', '0.5'], ['ETH', '12.25'], ['USDT', '1500']]) {
    const account = (await client.query(`INSERT INTO "Account" (id, "userId", asset) VALUES (gen_random_uuid(), $1, $2) RETURNING id`, [user.id, asset])).rows[0];
    await client.query(
      `INSERT INTO "LedgerEntry" (id, "accountId", type, amount, "idempotencyKey")
       SELECT gen_random_uuid(), $1, 'ADJUSTMENT', $2::numeric / $3, 'adjustment:bench-' || $4 || '-' || $5 || '-' || g FROM generate_series(1, $3::int) g`,
      [account.id, amount, entries, user.id, asset],
    );
  }
  return user;
}

/** An access token for `user` as the API signs them (claims of access-tokens.ts, HS256, JWT_SECRET), valid for an hour. */
function accessToken(user) {
  return require('jsonwebtoken').sign({ sub: user.id, role: user.role, typ: 'access', ver: user.tokenVersion }, JWT_SECRET, { algorithm: 'HS256', expiresIn: 3600 });
}

/** A free TCP port on loopback. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = require('node:net').createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers `status` (default 200); rejects after `timeoutMs`. */
async function waitForStatus(url, { status = 200, timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === status) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

module.exports = { addBenchDatabase, onInterrupt, cpuPressure, describePressure, cpuProfileByPackage, profileCpu, REPO_ROOT, JWT_SECRET, productionApiEnv, seedFundedUser, accessToken, freePort, waitForStatus, log, startBenchDatabase, median, timeIt, machine, table, barChart, writeSvg, writeSection };
