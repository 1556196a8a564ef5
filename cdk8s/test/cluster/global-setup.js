/** Brings the harness up (building it on the first run) or reuses a running one. */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const CLUSTER_SH = path.resolve(__dirname, '../../../tools/cluster/cluster.sh');

module.exports = async function globalSetup() {
  let wasRunning = true;
  try {
    execFileSync(CLUSTER_SH, ['status'], { stdio: 'ignore' });
  } catch {
    wasRunning = false;
  }
  // stderr shows the harness's progress ("building kube-apiserver ...").
  execFileSync(CLUSTER_SH, ['up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  // Read back in global-teardown.js (same process): stop only what this run started.
  globalThis.__KV_CLUSTER_WAS_RUNNING__ = wasRunning;
};
