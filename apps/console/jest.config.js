/** Unit tests of the console's logic and components (rendered to HTML on the server side, no DOM needed). */
module.exports = {
  displayName: 'console',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'tsx', 'js'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.spec.tsx'],
  moduleNameMapper: { '\\.css$': '<rootDir>/src/testing/empty-module.js' },
};
