import { parseCidr, type Cidr } from '@sluice/auth';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControlPlaneConfig } from '../config/control-plane.config';
import { joinUrl, PartnerHttp } from './partner-http';

describe('PartnerHttp', () => {
  let server: Server;
  let base: string;
  const seen: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push({ ...request.headers });
      if (request.url === '/slow') return void setTimeout(() => response.end('late'), 2_000).unref();
      if (request.url === '/redirect') return void response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      response.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const http = (allowedPrivate: Cidr[], fetchTimeoutMs = 500) => new PartnerHttp({ integrations: { allowedPrivate, fetchTimeoutMs } } as unknown as ControlPlaneConfig);

  it('refuses loopback, private and metadata addresses unless INTEGRATIONS_ALLOWED_PRIVATE_CIDRS opens them', async () => {
    const closed = http([]);
    await expect(closed.get(`${base}/`, { authType: 'none', secret: null })).rejects.toThrow(/INTEGRATIONS_ALLOWED_PRIVATE_CIDRS/);
    await expect(closed.get('http://169.254.169.254/latest/', { authType: 'none', secret: null })).rejects.toThrow(/Refused/);
    await expect(closed.get('http://localhost:1/', { authType: 'none', secret: null })).rejects.toThrow(/Refused/);
    await closed.onModuleDestroy();
    expect(seen).toHaveLength(0);
  });

  it('calls an allowed address with the provider’s credentials, does not follow redirects, and times out', async () => {
    const open = http([parseCidr('127.0.0.0/8') as Cidr]);
    const answer = await open.get(`${base}/`, { authType: 'api_key', secret: 'k-123' }, { 'x-sluice-health-round': 'r1' });
    expect(answer).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(seen.at(-1)).toMatchObject({ 'x-api-key': 'k-123', 'x-sluice-health-round': 'r1' });
    expect((await open.get(`${base}/redirect`, { authType: 'none', secret: null })).status).toBe(302);
    await expect(open.get(`${base}/slow`, { authType: 'none', secret: null })).rejects.toThrow();
    await open.onModuleDestroy();
  });

  it('joins a base URL and a path with one slash', () => {
    expect(joinUrl('http://a/api/mock/', '/health/')).toBe('http://a/api/mock/health/');
    expect(joinUrl('http://a/api/mock', 'health/')).toBe('http://a/api/mock/health/');
  });
});
