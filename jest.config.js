/** Root jest: `npm test` runs every workspace's tests. */
module.exports = {
  projects: ['<rootDir>/Backend', '<rootDir>/cdk8s'],
  passWithNoTests: true,
};
