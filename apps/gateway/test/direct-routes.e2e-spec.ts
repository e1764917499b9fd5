import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { parsePrometheusText, samplesOf, waitUntil } from '@sluice/testing';
import { tracingChannel } from 'node:diagnostics_channel';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

/** Fastify publishes every request its router handed to a route's handler here (fastify/lib/handle-request.js). */
const FASTIFY_HANDLER = tracingChannel<unknown, { request: { id: string; url: string } }>('fastify.request.handler');

const CHAT = { model: 'mock-chat', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] };
const MESSAGES = { model: 'mock-chat', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] };

describe('the inference routes are served on node:http directly, not by Fastify (issue 22)', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let secret: string;
  const seenByFastify: string[] = [];
  const subscriber = {
    start: ({ request }: { request: { id: string; url: string } }) => void seenByFastify.push(request.url),
    end: () => undefined,
    asyncStart: () => undefined,
    asyncEnd: () => undefined,
    error: () => undefined,
  };

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE });
    const fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')])]);
    secret = (await fixtures.apiKey(await fixtures.tenant())).secret;
    await fixtures.close();
    FASTIFY_HANDLER.subscribe(subscriber);
  });
  afterAll(async () => {
    FASTIFY_HANDLER.unsubscribe(subscriber);
    await gateway?.close();
    await mock?.close();
  });

  function post(path: string, body: unknown, requestId: string): Promise<Response> {
    return fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, 'x-request-id': requestId },
      body: JSON.stringify(body),
    });
  }

  it('answers, logs and measures them without Fastify handling any, while Fastify still serves the other spellings', async () => {
    const direct: Array<[string, unknown]> = [
      ['/v1/chat/completions', CHAT],
      ['/v1/chat/completions/?trace=1', { ...CHAT, stream: true }],
      ['/v1/messages', MESSAGES],
      ['/v1/messages', { ...MESSAGES, stream: true }],
    ];
    for (const [index, [path, body]] of direct.entries()) {
      const response = await post(path, body, `direct-${index}`);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.headers.get('x-request-id')).toBe(`direct-${index}`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      await response.text();
    }
    const refused = await post('/v1/chat/completions', { model: 'mock-chat' }, 'direct-refused');
    expect(refused.status).toBe(400);
    await refused.text();

    // The probe sees Fastify's routes: an encoded spelling of the same path, and a Nest route.
    const encoded = await post('/%761/chat/completions', CHAT, 'via-fastify');
    expect(encoded.status).toBe(200);
    await encoded.text();
    expect((await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
    expect(seenByFastify).toEqual(['/%761/chat/completions', '/v1/models']);

    const ids = [...direct.keys()].map((index) => `direct-${index}`).concat('direct-refused');
    await waitUntil(() => ids.every((id) => gateway.logs.records().some((record) => (record['req'] as { id?: string } | undefined)?.id === id)), 5_000, 'an access log line per request');
    const scrape = parsePrometheusText(await (await fetch(gateway.metricsUrl)).text());
    const counts = samplesOf(scrape, 'http_server_request_duration_seconds').filter((sample) => sample.name.endsWith('_count'));
    const count = (route: string, status: string) => counts.find((sample) => sample.labels['route'] === route && sample.labels['status_code'] === status)?.value;
    expect(count('/v1/chat/completions', '200')).toBe(3);
    expect(count('/v1/chat/completions', '400')).toBe(1);
    expect(count('/v1/messages', '200')).toBe(2);
  });
});
