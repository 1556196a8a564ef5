/**
 * Runs the benchmarks one after another, each in its own process (`node bench/<name>.js`),
 * stopping at the first failure; with names, only those, in the order given.
 *
 * npm run bench                        (builds first, then every benchmark)
 * npm run bench -- memory synth        (only these)
 * node bench/index.js --list           (the names)
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const BENCHMARKS = ['ledger-write', 'earnings-pass', 'ledger-postings', 'deposit-monitor', 'cold-start', 'memory', 'synth', 'hot-reads'];

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--list')) {
    process.stdout.write(`${BENCHMARKS.join('\n')}\n`);
    return 0;
  }
  const unknown = args.filter((a) => !BENCHMARKS.includes(a));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.join(', ')}\n`);
    return 2;
  }
  const selected = args.length > 0 ? args : BENCHMARKS;
  let current;
  const forward = (signal) => current?.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  for (const name of selected) {
    const file = path.join(__dirname, `${name}.js`);
    if (!fs.existsSync(file)) {
      process.stdout.write(`\n=== ${name}: skipped (bench/${name}.js does not exist yet)\n`);
      continue;
    }
    process.stdout.write(`\n=== ${name}: node bench/${name}.js\n`);
    const started = Date.now();
    const code = await new Promise((resolve) => {
      current = spawn(process.execPath, [file], { stdio: 'inherit' });
      current.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
    });
    current = undefined;
    if (code !== 0) {
      process.stderr.write(`\n=== ${name} failed (exit ${code}); stopping\n`);
      return code;
    }
    process.stdout.write(`=== ${name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
