import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../../..');

/** The packages (under node_modules) a fresh Node process holds after loading `module`, as a worker loads the app. */
function packagesLoadedBy(module: string): Set<string> {
  const script = `require(${JSON.stringify(module)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  const output = execFileSync(process.execPath, ['-r', resolve(REPO_ROOT, 'tools/scripts/test-support/register-ts.cjs'), '-r', 'tsconfig-paths/register', '-e', script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'], TS_NODE_PROJECT: 'apps/gateway/tsconfig.app.json', NODE_ENV: 'test' },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const files = JSON.parse(output) as string[];
  return new Set(files.map((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1]).filter((name): name is string => name !== undefined));
}

describe('what a gateway worker loads', () => {
  it('loads the app without Swagger (the gateway serves no OpenAPI document: docs/decisions.md, issue 22)', () => {
    const packages = packagesLoadedBy('./apps/gateway/src/serve-gateway');

    expect(packages).toContain('@nestjs/core');
    expect(packages).toContain('@nestjs/terminus');
    expect(packages).not.toContain('@nestjs/swagger');
  }, 60_000);

  // No gateway route takes a DTO, and its configuration is checked by checkEnv (env-rules.ts in the platform lib):
  // class-validator and class-transformer cost each worker ~15 MiB (docs/decisions.md, "Issue 22, memory, session 8").
  it.each([
    ['a worker (the app, and the configuration check)', './apps/gateway/src/serve-gateway'],
    ['the cluster primary', './apps/gateway/src/cluster/gateway-primary'],
    ['the configuration check', './apps/gateway/src/config/gateway.config'],
  ])('loads neither class-validator nor class-transformer in %s', (_what, module) => {
    const packages = packagesLoadedBy(module);

    expect(packages).not.toContain('class-validator');
    expect(packages).not.toContain('class-transformer');
  }, 60_000);
});
