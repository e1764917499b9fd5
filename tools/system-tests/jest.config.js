/** Tests that run the control plane and gateways together, as deployed: only through HTTP and Redis. */
module.exports = {
  displayName: 'system-tests',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  // The control plane's per-run template database, which each control plane copies.
  globalSetup: '<rootDir>/../../apps/control-plane/test/global-setup.ts',
  globalTeardown: '<rootDir>/../../apps/control-plane/test/global-teardown.ts',
  testTimeout: 30000,
};
