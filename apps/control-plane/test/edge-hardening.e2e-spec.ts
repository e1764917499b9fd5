import { trickleRequest } from '@sluice/testing';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

/** Security headers, the OpenAPI docs setting and the request timeout of the control plane, over HTTP. */
describe('control plane edge: headers, docs, timeouts', () => {
  describe('with the docs on (the default outside production)', () => {
    let controlPlane: ControlPlaneUnderTest;
    beforeAll(async () => {
      controlPlane = await startControlPlane({ REQUEST_TIMEOUT_MS: '1000' });
    });
    afterAll(() => controlPlane?.close());

    it('sends security headers on API answers and errors', async () => {
      for (const path of ['/health/', '/api/tenants/', '/no/such/route']) {
        const headers = (await fetch(`${controlPlane.url}${path}`)).headers;
        expect(headers.get('x-content-type-options')).toBe('nosniff');
        expect(headers.get('x-frame-options')).toBe('DENY');
        expect(headers.get('referrer-policy')).toBe('no-referrer');
        expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(headers.get('strict-transport-security')).toBeNull();
      }
    });

    it('serves /docs under a CSP that allows what the page loads: its own scripts and styles', async () => {
      const page = await fetch(`${controlPlane.url}/docs`);
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'self'/);
      expect(csp).toMatch(/style-src 'self'[^;]*'unsafe-inline'/);
      const html = await page.text();
      // No inline script (script-src 'self' would block it), and every script it loads is served from here.
      expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
      const scripts = [...html.matchAll(/<script src=['"]([^'"]+)['"]/g)].map((match) => new URL(match[1], `${controlPlane.url}/docs`).href);
      expect(scripts.length).toBeGreaterThan(0);
      for (const script of scripts) {
        expect(script.startsWith(controlPlane.url)).toBe(true);
        const response = await fetch(script);
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
    });

    it('cuts a client that trickles its body past the request timeout, with 408', async () => {
      expect(await trickleRequest(controlPlane.url, '/api/auth/token/')).toMatch(/^HTTP\/1\.1 408/);
    });
  });

  it('does not serve /docs or /docs-json when OPENAPI_DOCS_ENABLED=false (the production default)', async () => {
    const controlPlane = await startControlPlane({ OPENAPI_DOCS_ENABLED: 'false' });
    try {
      for (const path of ['/docs', '/docs-json', '/docs/swagger-ui-init.js']) expect((await fetch(`${controlPlane.url}${path}`)).status).toBe(404);
    } finally {
      await controlPlane.close();
    }
  });
});
