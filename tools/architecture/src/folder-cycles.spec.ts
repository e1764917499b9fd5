import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(ROOT, 'tools/scripts/folder-cycles.mjs');

function check(...sources: string[]) {
  const run = spawnSync(process.execPath, [SCRIPT, ...sources], { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('folder-cycles (npm run lint)', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'folder-cycles-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function source(files: Record<string, string>): string {
    const src = path.join(dir, 'src');
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(src, file)), { recursive: true });
      writeFileSync(path.join(src, file), text);
    }
    return src;
  }

  it('fails on two folders that import each other, even through a type-only import, naming the files', () => {
    const src = source({
      'auth/guard.ts': "import { isMember } from '../users/members';\nexport const guard = isMember;\n",
      'users/members.ts': "import type { Principal } from '../auth/principal';\nexport const isMember = (p: Principal) => p.id !== '';\n",
      'auth/principal.ts': 'export interface Principal { id: string }\n',
    });
    const { status, output } = check(src);
    expect(status).toBe(1);
    expect(output).toContain('folders import each other: auth, users');
    expect(output).toContain('auth/guard.ts -> users/members.ts');
    expect(output).toContain('users/members.ts -> auth/principal.ts');
  });

  it('fails on a longer cycle through a file at the top of src/', () => {
    const src = source({
      'app.module.ts': "import { a } from './a/a';\nexport const app = a;\n",
      'a/a.ts': "import { b } from '../b/b';\nexport const a = b;\n",
      'b/b.ts': "import { app } from '../app.module';\nexport const b = () => app;\n",
    });
    const { status, output } = check(src);
    expect(status).toBe(1);
    expect(output).toContain('folders import each other: a, app.module.ts, b');
  });

  it('passes imports that only run one way, and ignores specs', () => {
    const src = source({
      'auth/principal.ts': 'export interface Principal { id: string }\n',
      'users/members.ts': "import type { Principal } from '../auth/principal';\nexport const isMember = (p: Principal) => p.id !== '';\n",
      'auth/principal.spec.ts': "import { isMember } from '../users/members';\nexport const used = isMember;\n",
    });
    expect(check(src).status).toBe(0);
  });

  it('finds no cycle between the folders of either app', () => {
    const { status, output } = check();
    expect(output).toContain('No folder-level import cycles in apps/control-plane/src, apps/gateway/src');
    expect(status).toBe(0);
  }, 60_000);
});
