import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const SRC = path.join(ROOT, 'apps/control-plane/src');

/** Every `*.module.ts` of the control plane, as a path under its `src/` (e.g. `auth/auth.module.ts`). */
function controlPlaneModules(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => file.endsWith('.module.ts'))
    .sort();
}

describe('docs/architecture.md', () => {
  const doc = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');

  it('draws every module of the control plane', () => {
    const modules = controlPlaneModules();
    expect(modules).toContain('auth/auth.module.ts');
    expect(modules.filter((module) => !doc.includes(module))).toEqual([]);
  });

  it('names only modules that exist', () => {
    const modules = new Set(controlPlaneModules());
    const section = doc.slice(doc.indexOf('## Control plane'), doc.indexOf('### Where a new feature module goes'));
    const named = [...section.matchAll(/\b([a-z-]+\/)?[a-z-]+\.module\.ts\b/g)].map(([match]) => match);
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((module) => !modules.has(module))).toEqual([]);
  });
});
