#!/usr/bin/env node
// Runs the Prisma CLI without native engines: migrations go through the WebAssembly
// schema engine (prisma.config.ts) and the client uses the query compiler. The engine
// variables must name an existing file so the CLI does not try to download binaries it
// would never use (no network in CI or in the cluster).
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const placeholder = require.resolve('prisma/package.json');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || placeholder,
  PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY || placeholder,
  PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const cli = path.join(path.dirname(placeholder), 'build', 'index.js');
const child = spawn(process.execPath, [cli, ...process.argv.slice(2)], {
  cwd: path.join(__dirname, '..'),
  env,
  stdio: 'inherit',
});
// As PID 1 of the migration Job, pass SIGTERM/SIGINT on (a killed migration rolls back:
// each migration runs as one transaction) instead of waiting for the kubelet's SIGKILL.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
