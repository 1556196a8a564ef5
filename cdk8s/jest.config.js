/** @type {import('jest').Config} */
module.exports = {
  displayName: 'cdk8s',
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testTimeout: 120000,
};
