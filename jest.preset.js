const nxPreset = require('@nx/jest/preset').default;

// Dates in tests read the same on every machine: workers inherit this from the runner.
process.env.TZ = 'UTC';

module.exports = { ...nxPreset, testEnvironment: 'node', coverageReporters: ['text-summary', 'html'] };
