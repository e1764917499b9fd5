import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRepoFile, repoPath } from './repo';

/**
 * What the deployment files need to know about each process, read from the
 * sources (never restated by hand where the code can be read): the variables
 * its configuration schema knows, the HTTP routes of its health checks.
 */

/** Each Dockerfile target's process. */
export type Target = 'control-plane' | 'migrate' | 'gateway' | 'mock-provider';
export const TARGETS: readonly Target[] = ['control-plane', 'migrate', 'gateway', 'mock-provider'];

/**
 * The variables a configuration source declares: a class-validator schema's
 * `readonly UPPER_CASE` properties, or a rule table's `UPPER_CASE: { … }`
 * entries (libs/shared/platform/src/lib/config/env-rules.ts).
 */
export function schemaVariables(source: string): string[] {
  const properties = [...source.matchAll(/\breadonly\s+([A-Z][A-Z0-9_]*)\??\s*[:=;]/g)];
  const rules = [...source.matchAll(/^\s+([A-Z][A-Z0-9_]*):\s*\{/gm)];
  return [...properties, ...rules].map((match) => match[1]);
}

/**
 * The default a configuration source gives `variable`, as written: a schema's
 * `readonly NAME: type = value;` or a rule table's `NAME: { …, default: value }`.
 */
export function schemaDefault(source: string, variable: string): string | undefined {
  const property = new RegExp(`readonly ${variable}\\??:[^=;]*=\\s*([^;]+);`).exec(source);
  const rule = new RegExp(`^\\s+${variable}:\\s*\\{[^\\n]*\\bdefault:\\s*([^,}]+?)\\s*[,}]`, 'm').exec(source);
  return (property ?? rule)?.[1].trim();
}

/** The variables both apps read: a rule table the gateway spreads and the control plane's `CommonEnv` is built from. */
const COMMON_ENV = 'libs/shared/platform/src/lib/config/common-env-rules.ts';
const SCHEMAS: Record<'control-plane' | 'gateway', string> = {
  'control-plane': 'apps/control-plane/src/config/control-plane.config.ts',
  gateway: 'apps/gateway/src/config/gateway.config.ts',
};
const MOCK_PROVIDER_CONFIG = 'tools/mock-provider/src/config.ts';

function appSchemaVariables(app: 'control-plane' | 'gateway'): Set<string> {
  const source = readRepoFile(SCHEMAS[app]);
  const variables = new Set(schemaVariables(source));
  if (/\bextends\s+CommonEnv\b|\.\.\.COMMON_ENV_RULES\b/.test(source)) for (const name of schemaVariables(readRepoFile(COMMON_ENV))) variables.add(name);
  return variables;
}

/** The environment variables each target's process reads. */
export function knownVariables(target: Target): Set<string> {
  switch (target) {
    case 'control-plane':
    case 'migrate': // dist/apps/control-plane/migrate.js loads the control plane's configuration
      return appSchemaVariables('control-plane');
    case 'gateway':
      return appSchemaVariables('gateway');
    case 'mock-provider': // plain node:http, no schema class: it reads env['NAME']
      return new Set([...readRepoFile(MOCK_PROVIDER_CONFIG).matchAll(/\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g)].map((match) => match[1]));
  }
}

/** The variables of a document's configuration table (the README's by default). */
export function documentedVariables(file = 'README.md'): Set<string> {
  const readme = readRepoFile(file);
  const start = readme.indexOf('## Configuration');
  if (start === -1) throw new Error(`${file} has no "## Configuration" section`);
  const section = readme.slice(start);
  const table = section.split('\n').filter((line) => line.startsWith('| `'));
  return new Set(table.flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1])));
}

/** The default of a numeric variable both apps read (`default: 25_000`). */
export function commonEnvNumberDefault(variable: string): number {
  const value = schemaDefault(readRepoFile(COMMON_ENV), variable);
  if (value === undefined || !/^[0-9_]+$/.test(value)) throw new Error(`${COMMON_ENV}: no numeric default for ${variable}`);
  return Number(value.replace(/_/g, ''));
}

/**
 * The GET routes of a Nest app's controllers (`@Controller('health')` +
 * `@Get('live')` → `/health/live`), honouring a global prefix unless it
 * excludes the health routes.
 */
export function nestGetRoutes(app: 'control-plane' | 'gateway'): Set<string> {
  const sources = typeScriptFiles(repoPath('apps', app, 'src')).map((file) => readRepoFile('apps', app, 'src', file));
  const prefixCall = sources.map((source) => /setGlobalPrefix\(([^;]*)\)/s.exec(source)).find(Boolean);
  const prefix = prefixCall && !/health/.test(prefixCall[1]) ? `/${/['"`]([^'"`]+)['"`]/.exec(prefixCall[1])?.[1] ?? ''}` : '';
  const routes = new Set<string>();
  for (const source of sources) {
    const controller = /@Controller\(\s*(?:['"`]([^'"`]*)['"`])?\s*\)/.exec(source);
    if (!controller) continue;
    for (const get of source.matchAll(/@Get\(\s*(?:['"`]([^'"`]*)['"`])?\s*\)/g)) {
      const path = [prefix, controller[1], get[1]].filter(Boolean).join('/').replace(/\/+/g, '/');
      routes.add(`/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1'));
    }
  }
  return routes;
}

/** The mock provider's routes: the `case '/path':` labels of its router. */
export function mockProviderRoutes(): Set<string> {
  return new Set([...readRepoFile('tools/mock-provider/src/server.ts').matchAll(/case\s+'(\/[^']*)'\s*:/g)].map((match) => match[1]));
}

function typeScriptFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return typeScriptFiles(path, `${prefix}${name}/`);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [`${prefix}${name}`] : [];
  });
}
