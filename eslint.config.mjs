import nx from '@nx/eslint-plugin';

/**
 * Module boundaries (docs/architecture.md): an app never imports the other app; each scope
 * imports itself and `scope:shared`; contracts import nothing; the test
 * harness is only for tests.
 */
const depConstraints = [
  { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'] },
  { sourceTag: 'scope:control-plane', onlyDependOnLibsWithTags: ['scope:control-plane', 'scope:shared'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  // The console (a browser app) reaches the control plane only through the typed client.
  { sourceTag: 'scope:console', onlyDependOnLibsWithTags: ['type:client'] },
  { sourceTag: 'type:client', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:client', 'type:contracts', 'type:platform', 'type:data-access', 'type:providers', 'type:redis-state', 'type:auth', 'type:testing', 'type:tool'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
  // Libraries' own tests may use the harness (production code may not: see no-restricted-imports below).
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:testing'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:contracts', 'type:auth', 'type:data-access', 'type:testing'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:tool', 'type:testing'] },
  // The local fake servers share their start-up and configuration code (tools/fake-server).
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:tool'] },
  { sourceTag: 'type:auth', onlyDependOnLibsWithTags: ['type:contracts'] },
  // Provider adapters are pure transforms; their golden tests may replay the mock provider.
  { sourceTag: 'type:providers', onlyDependOnLibsWithTags: ['type:contracts', 'type:tool'] },
  { sourceTag: 'type:redis-state', onlyDependOnLibsWithTags: ['type:contracts', 'type:auth', 'type:redis-state', 'type:testing'] },
  // Benchmarks measure any layer, but never import an app.
  { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:data-access', 'type:providers', 'type:redis-state', 'type:auth', 'type:testing', 'type:tool'] },
  // System tests drive both apps together through their e2e harnesses (tools/system-tests).
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:app', 'type:client', 'type:contracts', 'type:platform', 'type:auth', 'type:testing', 'type:tool', 'type:data-access', 'type:redis-state'] },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/out-tsc', '**/node_modules', 'tmp', '.nx', 'coverage'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs', '**/*.cts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints,
          // The harness builds on the platform, and the platform's tests use the harness.
          ignoredCircularDependencies: [['platform', 'testing']],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The e2e harness is for tests only: production code importing it is a boundary error.
    files: ['**/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/test/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: '@sluice/testing', message: 'The test harness is for tests only.' }] }],
    },
  },
];
