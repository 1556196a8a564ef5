import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres';
import { migrateDeploy } from './migrate';

/**
 * `npm start`: the whole platform on one machine with no setup. Without DATABASE_URL an
 * embedded PostgreSQL keeps its data in Backend/.local/ between runs; migrations are
 * applied, then the API runs until Ctrl-C, which stops everything cleanly.
 */
const BACKEND_DIR = path.join(__dirname, '..', '..');
const LOCAL_DIR = process.env.LOCAL_DATA_DIR ?? path.join(BACKEND_DIR, '.local');
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

async function main() {
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    say(`starting embedded PostgreSQL (data in ${path.relative(process.cwd(), LOCAL_DIR) || LOCAL_DIR}/postgres)`);
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(LOCAL_DIR, 'postgres'),
      persistent: true,
      port: process.env.LOCAL_POSTGRES_PORT ? Number(process.env.LOCAL_POSTGRES_PORT) : undefined,
    });
    await ensureDatabase(embedded.serverUrl, DATABASE_NAME);
    databaseUrl = embedded.urlFor(DATABASE_NAME);
  } else {
    say('using DATABASE_URL');
  }
  const stopDatabase = async () => {
    await embedded?.stop().catch(() => undefined);
    embedded = undefined;
  };

  try {
    say('applying migrations');
    migrateDeploy(databaseUrl);
  } catch (error) {
    await stopDatabase();
    throw error;
  }

  const env = {
    ...process.env,
    ...(process.env.JWT_SECRET ? {} : localSecrets()),
    DATABASE_URL: databaseUrl,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    // The local platform is one process: the API runs the jobs (deposit monitor) itself.
    RUN_SCHEDULED_JOBS: process.env.RUN_SCHEDULED_JOBS ?? 'true',
  };
  const api = spawn(process.execPath, [path.join(BACKEND_DIR, 'dist', 'main.js')], { cwd: BACKEND_DIR, env, stdio: 'inherit' });
  say(`API starting on http://localhost:${process.env.PORT ?? 3000} (Ctrl-C stops everything)`);

  // embedded-postgres installs exit hooks that stop the database and exit on the first
  // signal, before the API has drained. We own the order: API first, then the database.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  // Ctrl-C reaches the whole process group; a signal sent to us alone is passed on.
  const forward = (signal: NodeJS.Signals) => {
    if (api.exitCode === null) api.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);

  const code: number = await new Promise((resolve) => api.on('exit', (c, s) => resolve(c ?? (s ? 0 : 1))));
  await stopDatabase();
  say(`stopped (API exit code ${code})`);
  process.exit(code);
}

main().catch((error) => {
  process.stderr.write(`[start-local] ${(error as Error).message}\n`);
  process.exit(1);
});
