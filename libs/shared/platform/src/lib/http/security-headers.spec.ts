import helmet from 'helmet';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { securityHeaderOptions, securityHeaderPairs } from './security-headers';

describe('securityHeaderPairs', () => {
  let server: Server;
  let hsts = false;

  beforeAll(async () => {
    server = createServer((req, res) => helmet(securityHeaderOptions(hsts))(req, res, () => res.end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** What helmet's middleware, as create-app.ts runs it, sends on a real response. */
  async function helmetHeaders(withHsts: boolean): Promise<Record<string, string>> {
    hsts = withHsts;
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await response.arrayBuffer();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)) headers[name] = value;
    });
    return headers;
  }

  it.each([false, true])('are the headers helmet sends (hsts %s), no more, no fewer', async (withHsts) => {
    expect(Object.fromEntries(securityHeaderPairs(withHsts))).toEqual(await helmetHeaders(withHsts));
  });

  it('sends HSTS and upgrades insecure requests only when asked (production)', () => {
    const plain = Object.fromEntries(securityHeaderPairs(false));
    const production = Object.fromEntries(securityHeaderPairs(true));
    expect(plain['strict-transport-security']).toBeUndefined();
    expect(plain['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(production['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(production['content-security-policy']).toContain('upgrade-insecure-requests');
    expect(plain['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
