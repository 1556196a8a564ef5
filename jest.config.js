/** Root jest: `npm test` runs every workspace's tests. */
module.exports = {
  projects: ['<rootDir>/Backend', '<rootDir>/cdk8s'],
  passWithNoTests: true,
  // Tests start real servers (PostgreSQL, the API, helm); no timing assertions anywhere.
  testTimeout: 180000,
};
