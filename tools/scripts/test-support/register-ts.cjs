// `node -r <this>`: runs TypeScript sources as `ts-node/register` does under
// TS_NODE_TRANSPILE_ONLY (each file transpiled alone with the compiler
// options of TS_NODE_PROJECT, syntax errors thrown, no type-check), but keeps
// each file's output on disk, keyed by its content: the apps the tests start
// as processes load ~350 files, and transpiling them again at every start
// (and restart) was most of a start's CPU time. Stack traces point into the
// .ts files (inline source maps). Pair it with `-r tsconfig-paths/register`.
'use strict';

const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');
const ts = require('typescript');

const project = resolve(process.env.TS_NODE_PROJECT || 'tsconfig.json');
const parsed = ts.getParsedCommandLineOfConfigFile(project, {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
    throw new Error(`${project}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
  },
});
// What ts-node changes in a project's options to run it: emit, one file at a time, source maps inline.
const compilerOptions = {
  ...parsed.options,
  noEmit: false,
  declaration: false,
  declarationMap: false,
  emitDeclarationOnly: false,
  composite: false,
  incremental: false,
  sourceMap: false,
  inlineSourceMap: true,
  inlineSources: true,
  outDir: undefined,
  outFile: undefined,
  tsBuildInfoFile: undefined,
};
const cacheDirectory = join(__dirname, '../../../node_modules/.cache/sluice-ts');
// Output depends on the compiler, its options, the file's path (source map) and its text.
const salt = `${ts.version}\n${JSON.stringify(compilerOptions)}\n`;
mkdirSync(cacheDirectory, { recursive: true });
process.setSourceMapsEnabled(true);

function transpile(source, filename) {
  const result = ts.transpileModule(source, { fileName: filename, compilerOptions, reportDiagnostics: true });
  const errors = (result.diagnostics || []).filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (name) => name, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' }));
  }
  return result.outputText;
}

function compiled(source, filename) {
  const key = createHash('sha256').update(salt).update(filename).update('\n').update(source).digest('hex');
  const cached = join(cacheDirectory, `${key}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    const output = transpile(source, filename);
    // Written aside and renamed: processes starting together never read half a file.
    const partial = `${cached}.${process.pid}`;
    try {
      mkdirSync(dirname(cached), { recursive: true });
      writeFileSync(partial, output);
      renameSync(partial, cached);
    } catch {
      // An unwritable cache only costs the next start its time.
    }
    return output;
  }
}

require.extensions['.ts'] = function loadTypeScript(module, filename) {
  module._compile(compiled(readFileSync(filename, 'utf8'), filename), filename);
};
