import type { DeploymentRecord } from '@sluice/contracts';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { expectErrorShape } from '@sluice/testing';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

const JWT_SECRET = 'the-gateway-jwt-secret-that-must-never-leave-it';

/**
 * The catalog is the platform admin's, but it must not be a way into the
 * gateway's network or its environment: private destinations are refused at
 * connection time, and only PROVIDER_CREDENTIAL_ENVS are ever read.
 */
describe('where the catalog may send the gateway', () => {
  let listener: Server;
  let listenerPort: number;
  let connections = 0;
  let mock: MockProvider;
  /** No UPSTREAM_ALLOWED_PRIVATE_CIDRS: production's default. Started first, so its log is the one the process writes. */
  let closed: GatewayUnderTest;
  /** 127.0.0.1 opened, as in the tests and `npm start`. */
  let opened: GatewayUnderTest;
  let closedFixtures: GatewayFixtures;
  let openedFixtures: GatewayFixtures;

  const deployment = (id: string, baseUrl: string, overrides: Partial<DeploymentRecord> = {}) => mockDeployment(`${id}/0`, baseUrl, 'mock-fast', overrides);

  beforeAll(async () => {
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerPort = (listener.address() as AddressInfo).port;
    mock = await startMockProvider({ recordRequests: true });

    closed = await startGateway({ UPSTREAM_ALLOWED_PRIVATE_CIDRS: '', JWT_SECRET, [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE });
    opened = await startGateway({ JWT_SECRET, [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE });
    const catalog = [
      mockModel('loopback', [deployment('loopback', `http://127.0.0.1:${listenerPort}`)]),
      mockModel('loopback-by-name', [deployment('loopback-by-name', `http://localhost:${listenerPort}`)]),
      mockModel('metadata', [deployment('metadata', 'http://169.254.169.254/latest')]),
      mockModel('private', [deployment('private', 'http://10.0.0.1:8000'), deployment('private-v6', 'http://[fd00::1]:8000')]),
      mockModel('exfiltrate', [deployment('exfiltrate', mock.url, { provider: 'openai', credential_env: 'JWT_SECRET' })]),
      mockModel('mock-chat', [deployment('mock-chat', mock.url)]),
    ];
    closedFixtures = new GatewayFixtures(closed.redisKeyPrefix);
    openedFixtures = new GatewayFixtures(opened.redisKeyPrefix);
    await closedFixtures.catalog(catalog);
    await openedFixtures.catalog(catalog);
  });
  afterAll(async () => {
    await closedFixtures?.close();
    await openedFixtures?.close();
    await closed?.close();
    await opened?.close();
    await mock?.close();
    await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
  });

  async function chat(gateway: GatewayUnderTest, fixtures: GatewayFixtures, model: string, stream = false) {
    const tenant = await fixtures.tenant();
    const { secret } = await fixtures.apiKey(tenant);
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Hello' }] }),
    });
    return { status: response.status, text: await response.text() };
  }

  it.each([
    ['127.0.0.1', 'loopback'],
    ['localhost, resolved to 127.0.0.1', 'loopback-by-name'],
    ['cloud metadata', 'metadata'],
    ['private networks, IPv4 and IPv6', 'private'],
  ])('refuses %s without the allow-list: 503 in the error shape, and nothing sent', async (_what, model) => {
    const before = connections;
    for (const stream of [false, true]) {
      const { status, text } = await chat(closed, closedFixtures, model, stream);
      expect(status).toBe(503);
      const body = JSON.parse(text) as { error: { message: string } };
      expectErrorShape(body, 'provider_unavailable');
      expect(text).not.toMatch(/127\.0\.0\.1|localhost|169\.254|10\.0\.0\.1|fd00|UPSTREAM_ALLOWED_PRIVATE_CIDRS/);
    }
    expect(connections).toBe(before);
  });

  it('says why in the log, with the host and address', () => {
    expect(closed.logs.text).toContain(`Refused to connect to 127.0.0.1 (127.0.0.1): not a public address, and not in UPSTREAM_ALLOWED_PRIVATE_CIDRS`);
    expect(closed.logs.text).toMatch(/Refused to connect to localhost \((127\.0\.0\.1|::1)\)/);
    expect(closed.logs.text).toContain('Refused to connect to 169.254.169.254 (169.254.169.254)');
  });

  it('reaches what UPSTREAM_ALLOWED_PRIVATE_CIDRS opens', async () => {
    expect((await chat(opened, openedFixtures, 'mock-chat')).status).toBe(200);
    expect((await chat(closed, closedFixtures, 'mock-chat')).status).toBe(503);
  });

  it.each([
    ['without the allow-list', () => ({ gateway: closed, fixtures: closedFixtures })],
    ['with the mock reachable', () => ({ gateway: opened, fixtures: openedFixtures })],
  ])('never sends a variable outside PROVIDER_CREDENTIAL_ENVS (JWT_SECRET), %s', async (_what, setup) => {
    const { gateway, fixtures } = setup();
    const seen = mock.requests.length;
    const { status, text } = await chat(gateway, fixtures, 'exfiltrate');
    expect(status).toBe(503);
    expectErrorShape(JSON.parse(text), 'provider_not_configured');
    expect(text).not.toMatch(/JWT_SECRET|exfiltrate\/0/);
    expect(mock.requests.slice(seen)).toEqual([]);
    expect(gateway.logs.text).not.toContain(JWT_SECRET);
  });

  it('names the refused variable in the log instead', () => {
    expect(closed.logs.text).toContain('Deployment exfiltrate/0 names the credential variable JWT_SECRET, which is not in PROVIDER_CREDENTIAL_ENVS: it is never read');
  });
});
