const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

// One self-contained main.js (what `npm start` and the Dockerfile run), with @sluice/fake-server bundled in
// and npm packages left to node_modules.
module.exports = {
  output: { path: join(__dirname, '../../dist/tools/mail-catcher'), clean: true },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      tsConfig: './tsconfig.lib.json',
      optimization: false,
      outputHashing: 'none',
      sourceMap: false,
    }),
  ],
};
