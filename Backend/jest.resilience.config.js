/**
 * `npm run test:resilience`: the API under load, faults and hostile input (graceful shutdown
 * under load, a database outage, fuzzing from the OpenAPI document, abuse). Not part of
 * `npm test`: the files are named *.resilience.ts; `.ci/run` runs this after `npm test`.
 * One file at a time: each drives the machine hard and must not compete with another.
 * @type {import('jest').Config}
 */
module.exports = {
  displayName: 'resilience',
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/resilience'],
  testMatch: ['**/*.resilience.ts'],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  testTimeout: 900000,
  maxWorkers: 1,
};
