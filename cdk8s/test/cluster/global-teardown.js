/** Leaves the harness running only when it was running before the tests. */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const CLUSTER_SH = path.resolve(__dirname, '../../../tools/cluster/cluster.sh');

module.exports = async function globalTeardown() {
  if (globalThis.__KV_CLUSTER_WAS_RUNNING__ === false && !process.env.KV_CLUSTER_KEEP) {
    execFileSync(CLUSTER_SH, ['down'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
};
