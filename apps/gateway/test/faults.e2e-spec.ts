import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { waitUntil } from '@sluice/testing';
import OpenAI from 'openai';
import { UpstreamClient } from '../src/upstream/upstream-client';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

/** Reads an SSE response to its end and returns its text. */
async function sseText(response: Response): Promise<string> {
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  return response.text();
}

describe('gateway under provider faults and client aborts', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE, UPSTREAM_IDLE_TIMEOUT_MS: '2000' });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([
      mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')]),
      mockModel('mock-down', [mockDeployment('mock-down/0', mock.url, 'mock-fast+status=503')], { fallbacks: ['mock-chat'] }),
      mockModel('mock-flaky', [mockDeployment('mock-flaky/0', mock.url, 'mock-fast+status=503'), mockDeployment('mock-flaky/1', mock.url, 'mock-smart')]),
      mockModel('mock-dead', [mockDeployment('mock-dead/0', mock.url, 'mock-fast+status=503')]),
      mockModel('mock-drop', [mockDeployment('mock-drop/0', mock.url, 'mock-fast+drop_after=2')]),
      mockModel('mock-stream-error', [mockDeployment('mock-stream-error/0', mock.url, 'mock-fast+stream_error')]),
      mockModel('mock-slow', [mockDeployment('mock-slow/0', mock.url, 'mock-fast+chunk_delay_ms=300+tokens=200')], { max_output_tokens: 4096 }),
    ]);
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  async function keyOf() {
    const tenant = await fixtures.tenant();
    const { secret } = await fixtures.apiKey(tenant);
    return { tenant, secret };
  }

  function post(secret: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Tell me a story' }], ...body }),
      signal,
    });
  }

  it('falls back to the next model when the only deployment answers 503, and meters the model that answered', async () => {
    const { tenant, secret } = await keyOf();
    const openai = new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: 'mock-down', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.model).toBe('mock-down');
    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length === 1, 5_000, 'the usage event');
    expect((await fixtures.usageEventsOf(tenant.id))[0]).toMatchObject({ model: 'mock-chat', deployment: 'mock-chat/0', outcome: 'completed' });
  });

  it('answers from the other deployment whichever is tried first', async () => {
    const { secret } = await keyOf();
    for (let i = 0; i < 4; i++) {
      const response = await post(secret, { model: 'mock-flaky' });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ object: 'chat.completion' });
    }
  });

  it('answers 503 provider_unavailable in the error shape when no deployment can answer, and meters it', async () => {
    const { tenant, secret } = await keyOf();
    const response = await post(secret, { model: 'mock-dead', stream: true });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'provider_unavailable' } });
    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length === 1, 5_000, 'the usage event');
    expect((await fixtures.usageEventsOf(tenant.id))[0]).toMatchObject({ outcome: 'provider_error', http_status: 503, prompt_tokens: 0, completion_tokens: 0 });
  });

  it('ends a stream cut after its first bytes with an SSE error event, without retrying', async () => {
    const { tenant, secret } = await keyOf();
    const response = await post(secret, { model: 'mock-drop', stream: true });
    expect(response.headers.get('x-request-id')).toEqual(expect.any(String));
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('1000');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const text = await sseText(response);
    expect(text).toContain('"delta":{"content"');
    expect(text).toMatch(/event: error\ndata: \{"error":\{"code":"provider_\w+"/);
    expect(text).not.toContain('[DONE]');
    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length === 1, 5_000, 'the usage event');
    const [event] = await fixtures.usageEventsOf(tenant.id);
    // The provider's usage never came: what was generated is estimated.
    expect(event).toMatchObject({ outcome: 'provider_error', usage_source: 'estimated', http_status: 200 });
    expect(event.completion_tokens).toBeGreaterThan(0);
  });

  it('relays an in-stream provider error as the SSE error event, which the OpenAI SDK throws', async () => {
    const { secret } = await keyOf();
    const openai = new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: 'mock-stream-error', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const reading = (async () => {
      for await (const chunk of stream) void chunk;
    })();
    await expect(reading).rejects.toMatchObject({ code: 'provider_error' });
  });

  it('aborts the upstream call when the client disconnects mid-stream and meters it as client_aborted', async () => {
    const { tenant, secret } = await keyOf();
    const upstream = gateway.app.get(UpstreamClient);
    const controller = new AbortController();
    const response = await post(secret, { model: 'mock-slow', stream: true }, controller.signal);
    if (response.body === null) throw new Error('expected a streamed body');
    const reader = response.body.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('data: ');
    expect(upstream.poolStats(mock.url)?.running).toBe(1);
    controller.abort();
    // 200 chunks at 300 ms would take a minute: the upstream request ends long before that only if it was aborted.
    await waitUntil(() => upstream.poolStats(mock.url)?.running === 0, 5_000, 'the upstream call to end');
    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length === 1, 5_000, 'the usage event');
    const [event] = await fixtures.usageEventsOf(tenant.id);
    expect(event).toMatchObject({ outcome: 'client_aborted', usage_source: 'estimated' });
    expect(event.prompt_tokens).toBeGreaterThan(0);
  });
});
