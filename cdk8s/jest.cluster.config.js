/**
 * `npm run test:cluster`: the generated manifests and the Helm chart against a real
 * control plane (tools/cluster/cluster.sh; see docs/testing.md). Not part of `npm test`:
 * the files are named *.cluster.ts so the cdk8s project's default testMatch skips them.
 * @type {import('jest').Config}
 */
module.exports = {
  displayName: 'cluster',
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/cluster'],
  testMatch: ['**/*.cluster.ts'],
  globalSetup: '<rootDir>/test/cluster/global-setup.js',
  globalTeardown: '<rootDir>/test/cluster/global-teardown.js',
  // The first run builds the control plane (minutes) in globalSetup; tests themselves wait on rollouts.
  testTimeout: 300000,
  maxWorkers: 1,
};
