import { Metrics } from '@sluice/contracts';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { expectExportedAsDefined, metricsExportedBy, parsePrometheusText, samplesOf, waitUntil, type Scrape } from '@sluice/testing';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

const EXPORTED_HERE = metricsExportedBy('ai-gateway');

describe('GET /metrics of the gateway (its metrics port)', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;
  let tenantId: string;
  let scrape: Scrape;
  let text: string;

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')])]);
    const tenant = await fixtures.tenant();
    tenantId = tenant.id;
    const { secret } = await fixtures.apiKey(tenant);
    for (const stream of [false, true]) {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ model: 'mock-chat', stream, messages: [{ role: 'user', content: 'Count me' }] }),
      });
      expect(response.status).toBe(200);
      await response.text();
    }
    // Requests are observed when settled, just after the answer.
    await waitUntil(
      async () => {
        text = await (await fetch(gateway.metricsUrl)).text();
        scrape = parsePrometheusText(text);
        return samplesOf(scrape, Metrics.gatewayRequestDuration.name).some((sample) => sample.name.endsWith('_count') && sample.labels['stream'] === 'true');
      },
      5_000,
      'both requests in the request histogram',
    );
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  it.each(EXPORTED_HERE.map((definition) => [definition.name, definition] as const))('exports %s with its type and series', (_name, definition) => {
    expectExportedAsDefined(scrape, definition, 'ai-gateway');
  });

  it('reports Redis up and the request through the provider, never a tenant', () => {
    expect(samplesOf(scrape, Metrics.redisUp.name).map((sample) => sample.value)).toEqual([1]);
    const upstream = samplesOf(scrape, Metrics.gatewayUpstreamDuration.name).find((sample) => sample.name.endsWith('_count'));
    expect(upstream).toMatchObject({ labels: { provider: 'mock', outcome: '200' }, value: 2 });
    expect(samplesOf(scrape, Metrics.gatewayTimeToFirstToken.name).find((sample) => sample.name.endsWith('_count'))?.value).toBe(1);
    expect(text).not.toContain(tenantId);
  });
});
