import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

const REPO_ROOT = resolve(__dirname, '../../..');

/**
 * The typed client (libs/shared/client) is generated from the OpenAPI
 * document: the checked-in document and types must be exactly what the
 * control plane serves at /docs-json would generate.
 */
describe('typed client against /docs-json', () => {
  let controlPlane: ControlPlaneUnderTest;
  let folder: string;

  beforeAll(async () => {
    controlPlane = await startControlPlane();
    folder = mkdtempSync(join(tmpdir(), 'sluice-docs-json-'));
  });

  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await controlPlane?.close();
  });

  it('is up to date (else: npm run client:generate)', async () => {
    const response = await fetch(`${controlPlane.url}/docs-json`);
    expect(response.status).toBe(200);
    const served = join(folder, 'docs.json');
    writeFileSync(served, await response.text());
    const check = spawnSync(process.execPath, ['tools/scripts/generate-client.mjs', '--check', '--document', served], { cwd: REPO_ROOT, encoding: 'utf8' });
    // The generator's own words say which file is stale and the command that fixes it.
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
