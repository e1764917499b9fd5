import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, normalize, posix, relative } from 'node:path';
import { readRepoFile, repoPath } from './repo';

/** A Dockerfile instruction, continuation lines joined. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  index: number;
  /** `AS <name>`, if any. */
  name?: string;
  /** The image or earlier stage it starts from. */
  from: string;
  instructions: Instruction[];
}

/** Stages of a Dockerfile (no heredocs: none are used). */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (pending === undefined && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending !== undefined && line.trimStart().startsWith('#')) return; // comments inside a continuation
    const current = pending ?? { text: '', line: index + 1 };
    if (line.endsWith('\\')) {
      pending = { text: `${current.text}${line.slice(0, -1)} `, line: current.line };
      return;
    }
    pending = undefined;
    const joined = `${current.text}${line}`.trim();
    const match = /^(\S+)\s*(.*)$/s.exec(joined);
    if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: current.line });
  });

  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`Dockerfile line ${instruction.line}: cannot read FROM ${instruction.args}`);
      stages.push({ index: stages.length, from: match[1], ...(match[2] && { name: match[2] }), instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(instruction);
    } else if (instruction.keyword !== 'ARG') {
      throw new Error(`Dockerfile line ${instruction.line}: ${instruction.keyword} before the first FROM`);
    }
  }
  return stages;
}

export function loadDockerfile(path = 'Dockerfile'): Stage[] {
  return parseDockerfile(readRepoFile(path));
}

export function stageNamed(stages: Stage[], name: string): Stage {
  const stage = stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`the Dockerfile has no stage ${name}`);
  return stage;
}

/** The stage and the earlier stages it builds on, outermost first. */
export function stageChain(stages: Stage[], stage: Stage): Stage[] {
  const parent = stages.find((candidate) => candidate.index < stage.index && candidate.name === stage.from);
  return parent ? [...stageChain(stages, parent), stage] : [stage];
}

/** The last instruction of a kind in effect for a stage (its own or inherited from a stage it builds on). */
export function effective(stages: Stage[], stage: Stage, keyword: string): Instruction | undefined {
  return stageChain(stages, stage)
    .flatMap((link) => link.instructions)
    .filter((instruction) => instruction.keyword === keyword)
    .at(-1);
}

/** `["node", "main.js"]` → the array; shell form → undefined. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** `ENV A=1 B="two"` (or the legacy `ENV A 1`) → the variables. */
export function envVariables(args: string): Record<string, string> {
  const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=]*)$/.exec(args);
  if (legacy) return { [legacy[1]]: legacy[2] };
  const variables: Record<string, string> = {};
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    variables[match[1]] = match[2].startsWith('"') ? (JSON.parse(match[2]) as string) : match[2];
  }
  return variables;
}

/** The environment a stage's containers start with (ENV of the stage and the stages it builds on). */
export function stageEnv(stages: Stage[], stage: Stage): Record<string, string> {
  return Object.assign(
    {},
    ...stageChain(stages, stage)
      .flatMap((link) => link.instructions)
      .filter((instruction) => instruction.keyword === 'ENV')
      .map((instruction) => envVariables(instruction.args)),
  );
}

/** `WORKDIR` in effect at the end of a stage (absolute; Docker's default is /). */
export function workdir(stages: Stage[], stage: Stage): string {
  let dir = '/';
  for (const instruction of stageChain(stages, stage).flatMap((link) => link.instructions)) {
    if (instruction.keyword === 'WORKDIR') dir = posix.resolve(dir, instruction.args);
  }
  return dir;
}

// ---------------------------------------------------------------- what the build stage produces

/**
 * The files (repo-relative, e.g. `dist/apps/gateway/main.js`) that
 * `nx run-many -t build -p <projects>` in a stage writes, read from each
 * project's build configuration: a webpack config's output path and entry
 * points, or a `tsc --outDir X --rootDir Y` command (one .js per source file).
 */
export function builtFiles(stage: Stage): Set<string> {
  const files = new Set<string>();
  for (const instruction of stage.instructions.filter((candidate) => candidate.keyword === 'RUN')) {
    for (const command of instruction.args.split(/&&|;/)) {
      if (!/\bnx\s+run-many\b/.test(command) || !/(?:-t|--targets?)[\s=]+build\b/.test(command)) continue;
      for (const project of nxProjects(command)) for (const file of projectBuildOutputs(project)) files.add(file);
    }
  }
  return files;
}

function nxProjects(command: string): string[] {
  const tokens = command.trim().split(/\s+/);
  const projects: string[] = [];
  tokens.forEach((token, index) => {
    if (token === '-p' || token === '--projects') {
      for (const next of tokens.slice(index + 1)) {
        if (next.startsWith('-')) break;
        projects.push(...next.split(',').filter(Boolean));
      }
    } else if (token.startsWith('--projects=')) {
      projects.push(...token.slice('--projects='.length).split(','));
    }
  });
  return projects;
}

function projectDirectory(project: string): string {
  for (const dir of [`apps/${project}`, `tools/${project}`]) {
    const file = repoPath(dir, 'project.json');
    if (existsSync(file) && (JSON.parse(readRepoFile(dir, 'project.json')) as { name?: string }).name === project) return dir;
  }
  throw new Error(`cannot find the Nx project ${project} under apps/ or tools/`);
}

function projectBuildOutputs(project: string): string[] {
  const dir = projectDirectory(project);
  if (existsSync(repoPath(dir, 'vite.config.mts'))) {
    // A web app: static files, of which index.html is the one every other is reached from.
    const outDir = /outDir:\s*here\('([^']+)'\)/.exec(readRepoFile(dir, 'vite.config.mts'));
    if (!outDir) throw new Error(`${dir}/vite.config.mts: cannot read build.outDir`);
    return [`${normalize(join(dir, outDir[1])).split('\\').join('/')}/index.html`];
  }
  if (existsSync(repoPath(dir, 'webpack.config.js'))) {
    const config = readRepoFile(dir, 'webpack.config.js');
    const output = /path:\s*join\(__dirname,\s*'([^']+)'\)/.exec(config);
    const main = /\bmain:\s*'([^']+)'/.exec(config);
    if (!output || !main) throw new Error(`${dir}/webpack.config.js: cannot read output.path and main`);
    const outDir = normalize(join(dir, output[1])).split('\\').join('/');
    const entries = [{ name: 'main', source: main[1] }];
    for (const match of config.matchAll(/entryName:\s*'([^']+)',\s*entryPath:\s*'([^']+)'/g)) entries.push({ name: match[1], source: match[2] });
    for (const entry of entries) {
      if (!existsSync(repoPath(dir, entry.source))) throw new Error(`${dir}/webpack.config.js: entry ${entry.source} does not exist`);
    }
    return entries.map((entry) => `${outDir}/${entry.name}.js`);
  }
  const projectJson = JSON.parse(readRepoFile(dir, 'project.json')) as { targets?: { build?: { options?: { command?: string } } } };
  const command = projectJson.targets?.build?.options?.command ?? '';
  const outDir = /--outDir\s+(\S+)/.exec(command)?.[1];
  const rootDir = /--rootDir\s+(\S+)/.exec(command)?.[1];
  if (!outDir || !rootDir) throw new Error(`${dir}/project.json: no webpack config and no tsc --outDir/--rootDir build command`);
  return sourceFiles(repoPath(rootDir)).map((file) => `${outDir}/${relative(repoPath(rootDir), file).split('\\').join('/').replace(/\.ts$/, '.js')}`);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}
