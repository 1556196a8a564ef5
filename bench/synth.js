/**
 * Synth: wall time of `npm run synth` (tsc of cdk8s, then dist/synth.js writing
 * charts/kryptovault and k8s/) and of `helm template` on the generated chart, with the parts
 * timed apart (tsc alone, the generator alone) and `node -e 0` as the floor of any Node
 * command, alternating, N rounds, medians. It runs in a scratch copy of the repository's
 * manifests, cdk8s/ and generated directories (node_modules linked), because synth deletes
 * and rewrites charts/kryptovault and k8s/, which other work reads meanwhile; the copy's
 * output is then compared with the working tree's.
 *
 * npm run bench -- synth   (env: BENCH_ROUNDS=5)
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const lib = require('./lib');

const pressure = lib.cpuPressure();
const { toolsBinDir } = require('../cdk8s/scripts/tools-paths');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const COMMAND = 'npm run bench -- synth';
const TARGET_MS = 10_000;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const HELM = path.join(toolsBinDir(), 'helm');
const VALUES = 'charts/kryptovault/ci/production-values.yaml';

const running = new Set();

function run(cmd, args, cwd) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
    running.add(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      running.delete(child);
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`));
      else resolve({ ms, out });
    });
  });
}

/** The files `npm run synth` needs and writes, copied; node_modules linked, not copied. */
function scratchCopy(dir) {
  const root = lib.REPO_ROOT;
  const skip = (src) => !/\/node_modules(\/|$)/.test(src);
  for (const f of ['package.json', 'package-lock.json', 'Backend/package.json', 'ops/package.json']) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(root, f), path.join(dir, f));
  }
  for (const d of ['cdk8s', 'charts', 'k8s']) fs.cpSync(path.join(root, d), path.join(dir, d), { recursive: true, filter: skip });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
}

function listFiles(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p, base) : [path.relative(base, p)];
  });
}

/** Generated files that differ between the copy and the working tree. */
function differences(copy) {
  const out = [];
  for (const d of ['charts/kryptovault', 'k8s']) {
    const a = new Set(listFiles(path.join(copy, d)));
    const b = new Set(listFiles(path.join(lib.REPO_ROOT, d)));
    for (const f of new Set([...a, ...b])) {
      const x = path.join(copy, d, f);
      const y = path.join(lib.REPO_ROOT, d, f);
      if (!a.has(f) || !b.has(f) || !fs.readFileSync(x).equals(fs.readFileSync(y))) out.push(path.join(d, f));
    }
  }
  return out;
}

/** Where tsc's time goes: `--extendedDiagnostics` phases, and the lines it reads per package (`--listFilesOnly`). */
async function compileDiagnostics(tsc, dir) {
  const { out } = await run(process.execPath, [tsc, '-p', 'cdk8s/tsconfig.build.json', '--noEmit', '--extendedDiagnostics'], dir);
  const num = (label) => Number(new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(out)?.[1] ?? NaN);
  const files = (await run(process.execPath, [tsc, '-p', 'cdk8s/tsconfig.build.json', '--listFilesOnly'], dir)).out.split('\n').filter(Boolean);
  const lines = new Map();
  for (const f of files) {
    const i = f.lastIndexOf('/node_modules/');
    let group = 'cdk8s/src';
    if (i >= 0) {
      const [scope, name] = f.slice(i + '/node_modules/'.length).split('/');
      group = scope.startsWith('@') ? `${scope}/${name}` : scope === 'typescript' ? "TypeScript's lib.*.d.ts" : scope;
    }
    const n = fs.readFileSync(path.resolve(dir, f), 'utf8').split('\n').length;
    lines.set(group, (lines.get(group) ?? 0) + n);
  }
  return {
    files: num('Files'),
    parse: num('Parse time'),
    bind: num('Bind time'),
    check: num('Check time'),
    total: num('Total time'),
    lines: [...lines].sort((a, b) => b[1] - a[1]),
  };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-synth-'));
  const cleanup = async () => {
    for (const child of running) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  lib.onInterrupt(cleanup);
  try {
    if (!fs.existsSync(HELM)) throw new Error(`helm not found at ${HELM}: npm run tools:install`);
    scratchCopy(dir);
    const tsc = path.join(lib.REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const commands = {
      'npm run synth': [npm, ['run', 'synth']],
      'tsc -p cdk8s/tsconfig.build.json (compile alone)': [process.execPath, [tsc, '-p', 'cdk8s/tsconfig.build.json']],
      'node cdk8s/dist/synth.js (generate alone)': [process.execPath, ['cdk8s/dist/synth.js']],
      [`helm template kryptovault charts/kryptovault -f ${VALUES}`]: [HELM, ['template', 'kryptovault', 'charts/kryptovault', '-f', VALUES]],
      'node -e 0 (floor: starting Node)': [process.execPath, ['-e', '0']],
    };
    lib.log(`scratch copy in ${dir}; warm-up: one run of each`);
    for (const [cmd, args] of Object.values(commands)) await run(cmd, args, dir);
    const results = {};
    const names = Object.keys(commands);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const name of round % 2 ? names : [...names].reverse()) {
        const [cmd, args] = commands[name];
        const r = await run(cmd, args, dir);
        (results[name] ??= []).push(r.ms);
        lib.log(`round ${round} ${name}: ${r.ms.toFixed(0)} ms`);
      }
    }
    const diagnostics = await compileDiagnostics(tsc, dir);
    const diff = differences(dir);
    const rendered = (await run(HELM, ['template', 'kryptovault', 'charts/kryptovault', '-f', VALUES], dir)).out;
    report(results, diff, rendered.split('\n---').length, diagnostics);
  } finally {
    await cleanup();
  }
}

function report(results, diff, objects, diag) {
  const contention = lib.describePressure(pressure());
  const med = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, lib.median(v)]));
  const [synth, compile, generate, helm, floor] = Object.keys(med);
  const npmOverhead = med[synth] - med[compile] - med[generate];
  const tableText = lib.table(
    ['command', 'wall time (ms)', 'vs node -e 0', 'target'],
    Object.entries(med).map(([k, ms]) => [
      `\`${k.replace(/ \(.*\)$/, '')}\`${/\(/.test(k) ? ` ${k.slice(k.indexOf('('))}` : ''}`,
      ms.toFixed(0),
      `${(ms / med[floor]).toFixed(1)}×`,
      k === synth ? `< ${TARGET_MS / 1000} s: ${med[synth] < TARGET_MS ? 'met' : 'not met'}` : '',
    ]),
    ['l', 'r', 'r', 'l'],
  );
  const run = `${ROUNDS} rounds, commands alternating, medians, after one warm-up run of each, in a scratch copy (node_modules linked)`;
  const date = new Date().toISOString().slice(0, 10);
  const same = diff.length === 0 ? 'identical to the working tree\'s' : `different from the working tree's in ${diff.length} file(s) (${diff.slice(0, 5).join(', ')}${diff.length > 5 ? ', ...' : ''}): the working tree is not re-synthesized`;
  process.stdout.write(`\n${tableText}\n\nnpm's own overhead ≈ ${npmOverhead.toFixed(0)} ms; synth output ${same}\n${run}\ncommand: ${COMMAND}\nmachine: ${lib.machine()}\n${contention}\n`);
  lib.writeSvg(
    'synth',
    lib.barChart({
      title: 'Synth and helm template wall time (ms, lower is better)',
      series: ['wall time'],
      groups: Object.entries(med).map(([k, ms]) => ({ label: k.replace(/ \(.*\)$/, '').replace(/ -f .*$/, ''), values: [ms] })),
      format: (v) => `${v.toFixed(0)} ms`,
    }),
  );
  const md = [
    `## Synth (\`${COMMAND}\`)`,
    '',
    'What it measures: the wall time of `npm run synth` (the root script runs the cdk8s workspace\'s:',
    '`tsc -p tsconfig.build.json`, then `node dist/synth.js`, which deletes and rewrites',
    '`charts/kryptovault` and `k8s/`) and of `helm template` on the generated chart with the',
    `production example values (\`${VALUES}\`; helm from \`cdk8s/scripts/tools-paths.js\`, \`.tools/bin/helm\`),`,
    'with the compile and the generator timed apart and `node -e 0` as the floor of any Node',
    'command. It runs in a scratch copy of the manifests, `cdk8s/`, `charts/` and `k8s/`',
    '(`node_modules` linked) so the working tree others read is never deleted and rewritten under',
    'them; the copy\'s output is compared with the working tree\'s afterwards.',
    '',
    `Measured ${date}: ${run}. Command: \`${COMMAND}\`; machine: ${lib.machine()}, other test suites`,
    `running on the same cores; ${contention}.`,
    '',
    tableText,
    '',
    `The generated files (${objects} objects rendered by \`helm template\`) are ${same}.`,
    '',
    '![Synth and helm template wall time](img/synth.svg)',
    '',
    'Reading it:',
    '',
    `- Target (\`npm run synth\` < ${TARGET_MS / 1000} s): ${med[synth] < TARGET_MS ? 'met' : 'not met'}, ${(med[synth] / 1000).toFixed(1)} s. Type-checking and compiling cdk8s is`,
    `  ${((med[compile] / med[synth]) * 100).toFixed(0)} % of it (${(med[compile] / 1000).toFixed(1)} s), generating ${((med[generate] / med[synth]) * 100).toFixed(0)} % (${(med[generate] / 1000).toFixed(1)} s: loading cdk8s, cdk8s-plus and the`,
    `  Kubernetes models, building the constructs, rendering), the two nested \`npm run\`s about ${(npmOverhead / 1000).toFixed(1)} s.`,
    `- Inside tsc (\`--extendedDiagnostics\`, one run): ${diag.files} files; parse ${diag.parse.toFixed(2)} s, bind ${diag.bind.toFixed(2)} s, check ${diag.check.toFixed(2)} s`,
    `  of ${diag.total.toFixed(2)} s. Most of what it reads are declarations: ${diag.lines.slice(0, 4).map(([g, n]) => `${g} ${n.toLocaleString('en-US')} lines`).join(', ')}`,
    '  (`skipLibCheck` is already on, so they are parsed and bound, not checked).',
    `- \`helm template\` takes ${(med[helm] / 1000).toFixed(2)} s: rendering is not where the time goes.`,
    '',
    'Knobs: `BENCH_ROUNDS` (environment variable).',
  ].join('\n');
  lib.writeSection('synth', md);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
