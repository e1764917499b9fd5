/** Every project's tests in one run: `npm test` (after lint and type-check). */
module.exports = {
  projects: ['<rootDir>/apps/*/jest.config.js', '<rootDir>/libs/*/*/jest.config.js', '<rootDir>/tools/*/jest.config.js'],
  // A global option: per-project `testTimeout` is ignored when Jest runs projects together.
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/tools/jest/summary-reporter.cjs'],
};
