import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/local/embedded-postgres';
import { migrateDeploy } from '../../src/local/migrate';
import { TEMPLATE_DATABASE } from './postgres';

declare global {
  // eslint-disable-next-line no-var
  var __KV_TEST_DB_STOP__: (() => Promise<void>) | undefined;
}

/**
 * Starts the run's PostgreSQL (embedded, or the server named by TEST_DATABASE_SERVER_URL)
 * and builds a template database with every migration applied, once per run.
 */
export default async function globalSetup() {
  let serverUrl = process.env.TEST_DATABASE_SERVER_URL;
  if (!serverUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-test-pg-'));
    // As root, PostgreSQL runs as an unprivileged user that must reach its data dir.
    fs.chmodSync(dataDir, 0o755);
    const db = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'data'), persistent: false });
    serverUrl = db.serverUrl;
    globalThis.__KV_TEST_DB_STOP__ = async () => {
      await db.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${TEMPLATE_DATABASE}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${TEMPLATE_DATABASE}"`);
  await admin.end();
  const templateUrl = new URL(serverUrl);
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
  migrateDeploy(templateUrl.toString());
  // Test workers are forked after global setup and inherit this environment.
  process.env.TEST_DATABASE_SERVER_URL = serverUrl;
}
