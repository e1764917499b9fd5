const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

module.exports = {
  output: {
    path: join(__dirname, '../../dist/apps/control-plane'),
    clean: true,
    ...(process.env.NODE_ENV !== 'production' && { devtoolModuleFilenameTemplate: '[absolute-resource-path]' }),
  },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      additionalEntryPoints: [
        { entryName: 'migrate', entryPath: './src/migrate.ts' },
        { entryName: 'audit-verify', entryPath: './src/audit-verify.ts' },
        { entryName: 'projection-rebuild', entryPath: './src/projection-rebuild.ts' },
        // The audit verifier's hashing thread, started from beside the bundle (libs/control-plane/data-access/src/lib/audit/chain-hash-pool.ts).
        { entryName: 'chain-hash-worker', entryPath: join(__dirname, '../../libs/control-plane/data-access/src/lib/audit/chain-hash-worker.ts') },
      ],
      tsConfig: './tsconfig.app.json',
      // The catalog file the control plane upserts on start (CATALOG_FILE), shipped next to the bundle.
      assets: [{ input: 'catalog', glob: 'catalog.json', output: 'catalog' }],
      optimization: false,
      outputHashing: 'none',
      generatePackageJson: true,
      sourceMap: true,
    }),
  ],
};
