import type { DeploymentRecord } from '@sluice/contracts';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { assembled, streamEvents } from '../../../test/golden';
import { anthropicAdapter } from '../anthropic';
import type { CanonicalRequest, ProviderAdapter, UpstreamRequest } from '../types';
import { mockAdapter } from './index';

/** The adapters against a live mock provider: what they build is what the mock accepts, and what it sends back parses. */
describe('adapters against the mock provider', () => {
  let mock: MockProvider;
  let deployment: DeploymentRecord;

  beforeAll(async () => {
    mock = await startMockProvider();
    deployment = { id: 'mock/0', provider: 'mock', base_url: mock.url, upstream_model: 'mock-gpt', credential_env: null, weight: 1, region: null, timeout_ms: 5_000 };
  });

  afterAll(() => mock.close());

  const TOOL_REQUEST: CanonicalRequest = {
    model: 'anything',
    messages: [{ role: 'user', content: 'Search for rivers [[mock: tool_call]]' }],
    tools: [{ type: 'function', function: { name: 'search', parameters: { type: 'object', properties: { query: { type: 'string' } } } } }],
  };

  async function send(built: UpstreamRequest): Promise<Response> {
    return fetch(built.url, { method: 'POST', headers: built.headers, body: built.body });
  }

  async function stream(adapter: ProviderAdapter, request: CanonicalRequest, d: DeploymentRecord) {
    const response = await send(adapter.buildRequest(request, d, null, { stream: true }));
    expect(response.status).toBe(200);
    return streamEvents(adapter, new Uint8Array(await response.arrayBuffer()));
  }

  it.each([
    ['the mock (OpenAI format)', () => mockAdapter as ProviderAdapter, () => deployment],
    ['the Anthropic adapter', () => anthropicAdapter as ProviderAdapter, () => ({ ...deployment, provider: 'anthropic' as const, upstream_model: 'mock-claude' })],
  ])('%s streams text with usage, asked for even though the client did not', async (_name, adapter, d) => {
    const events = await stream(adapter(), { model: 'x', messages: [{ role: 'user', content: 'Hi [[mock: tokens=4]]' }] }, d());
    expect(events[0]).toMatchObject({ type: 'start' });
    expect(assembled(events).text.split(' ')).toHaveLength(4);
    expect(events.slice(-3)).toEqual([
      { type: 'finish', index: 0, reason: 'stop' },
      { type: 'usage', prompt_tokens: expect.any(Number), completion_tokens: 4 },
      { type: 'done' },
    ]);
  });

  it.each([
    ['the mock (OpenAI format)', () => mockAdapter as ProviderAdapter, () => deployment],
    ['the Anthropic adapter', () => anthropicAdapter as ProviderAdapter, () => ({ ...deployment, provider: 'anthropic' as const, upstream_model: 'mock-claude' })],
  ])('%s streams a tool call and answers one in JSON', async (_name, adapter, d) => {
    const events = await stream(adapter(), TOOL_REQUEST, d());
    expect(assembled(events).tools).toEqual([{ id: expect.any(String), name: 'search', arguments: '{"query":"mock"}' }]);
    expect(events).toContainEqual({ type: 'finish', index: 0, reason: 'tool_calls' });

    const response = await send(adapter().buildRequest(TOOL_REQUEST, d(), null, { stream: false }));
    const completion = adapter().parseResponse(await response.json());
    expect(completion.choices[0].message.tool_calls?.[0].function).toEqual({ name: 'search', arguments: '{"query":"mock"}' });
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('maps an injected upstream status', async () => {
    const response = await send(mockAdapter.buildRequest({ model: 'x', messages: [{ role: 'user', content: 'Hi [[mock: status=503]]' }] }, deployment, null, { stream: false }));
    expect(mockAdapter.mapError(response.status, await response.text())).toMatchObject({ code: 'provider_unavailable', retryable: true });
  });
});
