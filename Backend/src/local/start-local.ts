import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres';
import { LOCAL_DIR, PLATFORM_FILE } from './local-dir';
import { startLocalMailbox, type LocalMailbox } from './local-mailbox';
import { migrateDeploy } from './migrate';
import { adminCredentialsFile, describeSeed, seed, type SeedResult } from './seed';
import { startSimulatedChain, type SimulatedChain } from './simulated-chain';

/**
 * `npm start`: the whole platform on one machine with no setup. Without DATABASE_URL an
 * embedded PostgreSQL keeps its data in Backend/.local/ between runs; migrations are
 * applied and demo data seeded; without SMTP_HOST a local mailbox (maildev) catches every
 * email, and without BLOCKCHAIN_VERIFIER_URL a simulated chain answers for deposits. The
 * API runs every job (RUN_SCHEDULED_JOBS) until Ctrl-C, which stops everything cleanly.
 */
const BACKEND_DIR = path.join(__dirname, '..', '..');
const DATABASE_NAME = 'kryptovault';

function say(message: string) {
  process.stdout.write(`[start-local] ${message}\n`);
}

/** Development-only secrets, generated once per machine and kept out of git (.local/). */
function localSecrets(): { JWT_SECRET: string } {
  const file = path.join(LOCAL_DIR, 'dev-secrets.json');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(LOCAL_DIR, { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ JWT_SECRET: crypto.randomBytes(48).toString('base64url') }), { mode: 0o600 });
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

async function ensureDatabase(serverUrl: string, name: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}


export interface PlatformUrls {
  api: string;
  docs?: string;
  metrics: string;
  mailbox?: string;
  chain?: string;
}

/**
 * The local platform's own settings (the app's are checked by its config schema): ports and
 * the simulated chain's pace. One start-up error names every bad one, before anything starts.
 */
function localSettings(env: NodeJS.ProcessEnv) {
  const problems: string[] = [];
  const read = (name: string, fallback: number | undefined, kind: 'port' | 'seconds') => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    const ok = kind === 'port' ? Number.isInteger(value) && value >= 1 && value <= 65535 : Number.isFinite(value) && value > 0 && value <= 3600;
    if (!ok) problems.push(`${name} must be ${kind === 'port' ? 'a port (1-65535)' : 'a number of seconds (> 0, at most 3600)'}, got ${JSON.stringify(raw)}`);
    return value;
  };
  const settings = {
    port: read('PORT', 3000, 'port')!,
    postgresPort: read('LOCAL_POSTGRES_PORT', undefined, 'port'),
    smtpPort: read('LOCAL_SMTP_PORT', 1025, 'port')!,
    mailboxPort: read('LOCAL_MAILBOX_PORT', 1080, 'port')!,
    chainPort: read('LOCAL_CHAIN_PORT', 8545, 'port')!,
    secondsPerConfirmation: read('LOCAL_CHAIN_SECONDS_PER_CONFIRMATION', 2, 'seconds')!,
  };
  if (problems.length > 0) throw new Error(`refusing to start:\n  - ${problems.join('\n  - ')}`);
  return settings;
}

async function waitForReady(url: string, api: ReturnType<typeof spawn>): Promise<boolean> {
  for (let i = 0; i < 600 && api.exitCode === null; i++) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** The admin's password only on the run that created it ("printed once"); later runs say where it is kept. */
function startupBlock(urls: PlatformUrls, seeded: SeedResult): string {
  const { admin } = seeded;
  const rows: [string, string][] = [
    ['API', urls.api],
    ['API docs', urls.docs ?? '(API_DOCS_ENABLED=false)'],
    ['Mailbox', urls.mailbox ?? '(SMTP_HOST is set: real SMTP)'],
    ['Chain', urls.chain ? `${urls.chain} (simulated; POST /dev/send to pay a deposit)` : '(BLOCKCHAIN_VERIFIER_URL is set: real verifier)'],
    ['Metrics', urls.metrics],
    ['Admin', admin.created ? `${admin.email} / ${admin.password}` : `${admin.email} (password in ${path.relative(process.cwd(), seeded.credentialsFile)})`],
  ];
  rows.push(['Try it', 'npm run demo']);
  return ['', 'KryptoVault is running (Ctrl-C stops everything)', ...rows.map(([k, v]) => `  ${k.padEnd(9)} ${v}`), ''].join('\n');
}

/** The stand-ins are for development: production must name the real services. */
function productionRefusals(env: NodeJS.ProcessEnv): string[] {
  if (env.NODE_ENV !== 'production') return [];
  return [
    ...(env.SMTP_HOST ? [] : ['SMTP_HOST is required with NODE_ENV=production: the local mailbox is for development only']),
    ...(env.BLOCKCHAIN_VERIFIER_URL ? [] : ['BLOCKCHAIN_VERIFIER_URL is required with NODE_ENV=production: the simulated chain is for development only']),
  ];
}

async function main() {
  const refusals = productionRefusals(process.env);
  if (refusals.length > 0) throw new Error(`refusing to start:\n  - ${refusals.join('\n  - ')}`);
  const settings = localSettings(process.env);
  let embedded: EmbeddedDatabase | undefined;
  let mailbox: LocalMailbox | undefined;
  let chain: SimulatedChain | undefined;
  const stopAll = async () => {
    await chain?.close().catch(() => undefined);
    await mailbox?.stop().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    chain = mailbox = embedded = undefined;
  };

  const { port } = settings;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(process.env.JWT_SECRET ? {} : localSecrets()),
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    PORT: String(port),
    // The local platform is one process: the API runs every job itself.
    RUN_SCHEDULED_JOBS: process.env.RUN_SCHEDULED_JOBS ?? 'true',
  };
  let seeded: SeedResult | undefined;
  try {
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const dataDir = path.join(LOCAL_DIR, 'postgres');
      const first = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
      say(first
        ? `initialising an embedded PostgreSQL in ${path.relative(process.cwd(), dataDir) || dataDir} (first run only, about 10 s)`
        : `starting embedded PostgreSQL (data in ${path.relative(process.cwd(), dataDir) || dataDir})`);
      embedded = await startEmbeddedPostgres({ dataDir, persistent: true, port: settings.postgresPort });
      await ensureDatabase(embedded.serverUrl, DATABASE_NAME);
      databaseUrl = embedded.urlFor(DATABASE_NAME);
    } else {
      say('using DATABASE_URL');
    }
    env.DATABASE_URL = databaseUrl;

    say('applying migrations');
    migrateDeploy(databaseUrl);
    say('seeding demo data (plans, admin)');
    seeded = await seed(databaseUrl, adminCredentialsFile(process.env.DATABASE_URL));
    for (const line of describeSeed(seeded)) say(line);

    if (!process.env.SMTP_HOST) {
      mailbox = await startLocalMailbox({ dataDir: path.join(LOCAL_DIR, 'mail'), smtpPort: settings.smtpPort, webPort: settings.mailboxPort });
      Object.assign(env, { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(mailbox.smtpPort), SMTP_SECURE: 'false', SMTP_REQUIRE_TLS: 'false' });
      say(`local mailbox: every email is at ${mailbox.url}`);
    }
    if (!process.env.BLOCKCHAIN_VERIFIER_URL) {
      chain = await startSimulatedChain({
        port: settings.chainPort,
        secondsPerConfirmation: settings.secondsPerConfirmation,
      });
      Object.assign(env, {
        BLOCKCHAIN_VERIFIER_URL: chain.url,
        BLOCKCHAIN_VERIFIER_SECRET: chain.secret,
        // Deposits confirm in seconds on the simulated chain: check them as often.
        DEPOSIT_MONITOR_INTERVAL_SECONDS: process.env.DEPOSIT_MONITOR_INTERVAL_SECONDS ?? '3',
        DEPOSIT_RECHECK_SECONDS: process.env.DEPOSIT_RECHECK_SECONDS ?? '3',
        DEPOSIT_RECHECK_MAX_SECONDS: process.env.DEPOSIT_RECHECK_MAX_SECONDS ?? '10',
      });
      say(`simulated chain (development blockchain verifier) at ${chain.url}`);
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  const api = spawn(process.execPath, [path.join(BACKEND_DIR, 'dist', 'main.js')], { cwd: BACKEND_DIR, env, stdio: 'inherit' });
  say(`starting the API on port ${port}`);

  // embedded-postgres installs exit hooks that stop the database and exit on the first
  // signal, before the API has drained. We own the order: API first, then the rest.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  // Ctrl-C reaches the whole process group; a signal sent to us alone is passed on.
  const forward = (signal: NodeJS.Signals) => {
    if (api.exitCode === null) api.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);

  const exited: Promise<number> = new Promise((resolve) => api.on('exit', (c, s) => resolve(c ?? (s ? 0 : 1))));
  const base = `http://localhost:${port}`;
  if (await waitForReady(`http://127.0.0.1:${port}/readyz`, api)) {
    // Listed only when served (API_DOCS_ENABLED): asked of the API rather than parsed twice.
    const docs = (await fetch(`http://127.0.0.1:${port}/docs`).then((r) => (r.body?.cancel(), r.ok), () => false)) ? `${base}/docs` : undefined;
    const urls: PlatformUrls = { api: base, docs, metrics: `${base}/metrics`, mailbox: mailbox?.url, chain: chain?.url };
    fs.mkdirSync(LOCAL_DIR, { recursive: true });
    fs.writeFileSync(PLATFORM_FILE, JSON.stringify(urls, null, 2));
    process.stdout.write(`${startupBlock(urls, seeded!)}\n`);
  }
  const code = await exited;
  await stopAll();
  say(`stopped (API exit code ${code})`);
  process.exit(code);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`[start-local] ${(error as Error).message}\n`);
    process.exit(1);
  });
}
