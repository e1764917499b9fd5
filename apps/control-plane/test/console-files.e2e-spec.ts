import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_CSP } from '../src/console-files';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

/** The control plane serves the built console at /console/ from CONSOLE_DIR, under a CSP of its own. */
describe('console files at /console/', () => {
  let controlPlane: ControlPlaneUnderTest;
  let folder: string;
  const INDEX = '<!doctype html><title>console</title><script type="module" src="/console/assets/index-abc123.js"></script>';

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'sluice-console-'));
    mkdirSync(join(folder, 'assets'));
    writeFileSync(join(folder, 'index.html'), INDEX);
    writeFileSync(join(folder, 'assets', 'index-abc123.js'), 'console.log("console")');
    controlPlane = await startControlPlane({ CONSOLE_DIR: folder });
  });

  afterAll(async () => {
    await controlPlane?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it.each(['/console/', '/console', '/console/keys', '/console/tenants?page=2'])('answers %s with the page, uncached, under the console policy', async (path) => {
    const response = await fetch(`${controlPlane.url}${path}`);
    expect({ status: response.status, type: response.headers.get('content-type'), cache: response.headers.get('cache-control'), csp: response.headers.get('content-security-policy') }).toEqual({
      status: 200,
      type: expect.stringContaining('text/html'),
      cache: 'no-cache',
      csp: CONSOLE_CSP,
    });
    expect(await response.text()).toBe(INDEX);
  });

  it('serves hashed assets for a year', async () => {
    const response = await fetch(`${controlPlane.url}/console/assets/index-abc123.js`);
    expect([response.status, response.headers.get('content-type'), response.headers.get('cache-control')]).toEqual([200, expect.stringContaining('javascript'), 'public, max-age=31536000, immutable']);
    expect(response.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
  });

  it('answers a missing asset 404 in the error shape, never with the page', async () => {
    const response = await fetch(`${controlPlane.url}/console/assets/missing-000.js`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: expect.objectContaining({ code: 'not_found' }) });
  });

  it('leaves the API under its own policy, and needs no credentials for the files', async () => {
    const api = await fetch(`${controlPlane.url}/api/tenants`);
    expect(api.status).toBe(401);
    expect(api.headers.get('content-security-policy')).not.toBe(CONSOLE_CSP);
    expect(api.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('lets only a GET or HEAD reach the files', async () => {
    const response = await fetch(`${controlPlane.url}/console/keys`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(404);
  });
});
