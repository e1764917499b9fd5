import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { expectErrorShape, trickleRequest } from '@sluice/testing';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

const SPOOFED = '203.0.113.5';
const REAL = '198.51.100.7';
const REQUEST_TIMEOUT_MS = 1_000;

/**
 * The gateway as production runs it behind one ingress (TRUST_PROXY=1): the
 * client address is what the proxy appended, security headers on every
 * answer, a request timeout that bounds receiving the request but never a
 * stream, and Prometheus on its own port.
 */
describe('gateway edge: trusted proxy, headers, timeouts', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE, TRUST_PROXY: '1', REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([
      mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')]),
      // Four frames 800 ms apart: the stream lasts well past the request timeout.
      mockModel('mock-paced', [mockDeployment('mock-paced/0', mock.url, 'mock-fast+chunk_delay_ms=800+tokens=4')]),
    ]);
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  async function keyFor(allowedIps: string[] | null): Promise<string> {
    const tenant = await fixtures.tenant();
    return (await fixtures.apiKey(tenant, { allowed_ips: allowedIps })).secret;
  }

  function chat(secret: string, headers: Record<string, string> = {}, body: Record<string, unknown> = {}): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, ...headers },
      body: JSON.stringify({ model: 'mock-chat', messages: [{ role: 'user', content: 'Hi' }], ...body }),
    });
  }

  it("checks a key's IP allow-list against the address the proxy appended, not a spoofed left-most hop", async () => {
    const secret = await keyFor([`${SPOOFED}/32`]);
    const spoofed = await chat(secret, { 'x-forwarded-for': `${SPOOFED}, ${REAL}` });
    expect(spoofed.status).toBe(403);
    expectErrorShape(await spoofed.json(), 'ip_not_allowed');
    const allowed = await chat(secret, { 'x-forwarded-for': `${REAL}, ${SPOOFED}` });
    expect(allowed.status).toBe(200);
    await allowed.text();
    const models = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${secret}`, 'x-forwarded-for': `${SPOOFED}, ${REAL}` } });
    expect(models.status).toBe(403);
  });

  it('sends security headers on answers, errors and streams, and no HSTS outside production', async () => {
    const secret = await keyFor(null);
    const answers = [await chat(secret), await chat(secret, {}, { stream: true }), await fetch(`${gateway.url}/health/live`), await fetch(`${gateway.url}/no/such/route`)];
    for (const response of answers) {
      await response.text();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('lets a stream run longer than the request timeout: the timeout bounds receiving the request, not the answer', async () => {
    const secret = await keyFor(null);
    const response = await chat(secret, {}, { model: 'mock-paced', stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
  });

  it('cuts a client that trickles a chat body past the request timeout, with 408', async () => {
    expect(await trickleRequest(gateway.url, '/v1/chat/completions')).toMatch(/^HTTP\/1\.1 408/);
  });

  it('serves Prometheus metrics on the metrics port, and /metrics/{tenant_id} stays on the API port', async () => {
    expect((await fetch(gateway.metricsUrl)).status).toBe(200);
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404);
    const tenantTotals = await fetch(`${gateway.url}/metrics/${(await fixtures.tenant()).id}`);
    expect(tenantTotals.status).toBe(401);
  });
});
