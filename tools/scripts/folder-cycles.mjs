// Fails when the top-level folders of an app's src/ import each other in a
// cycle (docs/architecture.md: each folder is a floor, and imports only run
// down). Files are collapsed to their folder under src/ (a file directly in
// src/, such as app.module.ts, is a node of its own); type-only imports count,
// as they tie folders together just the same. Spec files are left out: a test
// may reach across folders.
//
//   node tools/scripts/folder-cycles.mjs            # both apps
//   node tools/scripts/folder-cycles.mjs <src-dir>  # any directory (the tests use this)

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The apps checked by default, each with the tsconfig that resolves its imports. */
const APPS = [
  { src: 'apps/control-plane/src', tsConfig: 'apps/control-plane/tsconfig.app.json' },
  { src: 'apps/gateway/src', tsConfig: 'apps/gateway/tsconfig.app.json' },
];

/** The folder a file (relative to src/) belongs to: its first path segment, or the file itself at the top. */
export function folderOf(file) {
  const slash = file.indexOf('/');
  return slash === -1 ? file : file.slice(0, slash);
}

/**
 * Collapses a file graph (file -> files it imports, relative to src/) into a
 * folder graph: folder -> (folder -> an example `file -> import`).
 */
export function folderGraph(fileGraph) {
  const graph = new Map();
  for (const [file, imports] of Object.entries(fileGraph)) {
    const from = folderOf(file);
    if (!graph.has(from)) graph.set(from, new Map());
    for (const imported of imports) {
      if (imported.startsWith('..')) continue; // outside src/ (a lib reached by a relative path): not a folder of this app
      const to = folderOf(imported);
      if (to === from) continue;
      if (!graph.has(to)) graph.set(to, new Map());
      if (!graph.get(from).has(to)) graph.get(from).set(to, `${file} -> ${imported}`);
    }
  }
  return graph;
}

/** The strongly connected components with more than one folder (Tarjan), each sorted; i.e. the cycles. */
export function cyclesOf(graph) {
  let index = 0;
  const indices = new Map();
  const lowlinks = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (node) => {
    indices.set(node, index);
    lowlinks.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!indices.has(next)) {
        visit(next);
        lowlinks.set(node, Math.min(lowlinks.get(node), lowlinks.get(next)));
      } else if (onStack.has(next)) {
        lowlinks.set(node, Math.min(lowlinks.get(node), indices.get(next)));
      }
    }
    if (lowlinks.get(node) !== indices.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) components.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!indices.has(node)) visit(node);
  return components;
}

/** Problems of one src directory: its cycles, with the imports that make them. */
export async function checkSource(src, { tsConfig } = {}) {
  const result = await madge(src, {
    fileExtensions: ['ts'],
    tsConfig,
    excludeRegExp: [/\.spec\.ts$/, /\.d\.ts$/],
  });
  const graph = folderGraph(result.obj());
  const problems = [];
  for (const cycle of cyclesOf(graph)) {
    const members = new Set(cycle);
    const edges = cycle.flatMap((from) => [...graph.get(from)].filter(([to]) => members.has(to)).map(([to, example]) => `    ${from} -> ${to}   (${example})`));
    problems.push(`${src}: folders import each other: ${cycle.join(', ')}\n${edges.join('\n')}`);
  }
  return problems;
}

async function main() {
  process.chdir(ROOT);
  const targets = process.argv.length > 2 ? process.argv.slice(2).map((src) => ({ src })) : APPS;
  const problems = [];
  for (const { src, tsConfig } of targets) {
    if (!existsSync(src)) throw new Error(`No such directory: ${src}`);
    problems.push(...(await checkSource(src, { tsConfig })));
  }
  if (problems.length === 0) {
    console.log(`No folder-level import cycles in ${targets.map(({ src }) => src).join(', ')}`);
    return;
  }
  console.error(`Folder-level import cycles (see docs/architecture.md for the allowed imports):\n\n${problems.join('\n\n')}`);
  process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
