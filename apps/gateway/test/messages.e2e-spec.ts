import Anthropic from '@anthropic-ai/sdk';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { waitUntil } from '@sluice/testing';
import OpenAI from 'openai';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

describe('POST /v1/messages with the Anthropic SDK', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([
      mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')]),
      mockModel('claude-mock', [mockDeployment('claude-mock/0', mock.url, 'mock-smart', { provider: 'anthropic' })], { provider: 'anthropic' }),
      mockModel('mock-broken-stream', [mockDeployment('mock-broken-stream/0', mock.url, 'mock-fast+stream_error')]),
    ]);
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  async function anthropicClient() {
    const tenant = await fixtures.tenant();
    const { secret } = await fixtures.apiKey(tenant);
    return { tenant, anthropic: new Anthropic({ apiKey: secret, baseURL: gateway.url, maxRetries: 0 }) };
  }

  it('answers a message in the Messages shape, translated from an OpenAI-format model', async () => {
    const { anthropic, tenant } = await anthropicClient();
    const message = await anthropic.messages.create({
      model: 'mock-chat',
      max_tokens: 64,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'mock-chat', stop_reason: expect.any(String) });
    expect(message.content[0]).toMatchObject({ type: 'text', text: expect.any(String) });
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length === 1, 5_000, 'the usage event');
    expect((await fixtures.usageEventsOf(tenant.id))[0]).toMatchObject({
      prompt_tokens: message.usage.input_tokens,
      completion_tokens: message.usage.output_tokens,
      usage_source: 'provider',
    });
  });

  it('streams Messages events that the SDK assembles into the final message', async () => {
    const { anthropic } = await anthropicClient();
    const stream = anthropic.messages.stream({ model: 'mock-chat', max_tokens: 64, messages: [{ role: 'user', content: 'Stream please' }] });
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    expect(text.length).toBeGreaterThan(0);
    expect(final.content[0]).toMatchObject({ type: 'text', text });
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it('returns tool use blocks for tools', async () => {
    const { anthropic } = await anthropicClient();
    const message = await anthropic.messages.create({
      model: 'mock-chat',
      max_tokens: 64,
      tools: [{ name: 'lookup', description: 'Looks up', input_schema: { type: 'object', properties: { query: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'Look it up [[mock:tool_call]]' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toContainEqual(expect.objectContaining({ type: 'tool_use', name: 'lookup' }));
  });

  it('streams from an Anthropic-format upstream to both SDKs, with the provider’s usage', async () => {
    const { anthropic, tenant } = await anthropicClient();
    const final = await anthropic.messages.stream({ model: 'claude-mock', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: expect.any(String) });
    expect(final.usage.output_tokens).toBeGreaterThan(0);

    const openai = new OpenAI({ apiKey: anthropic.apiKey ?? '', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const stream = await openai.chat.completions.create({
      model: 'claude-mock',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage ??= chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length === 2, 5_000, 'the usage events');
    for (const event of await fixtures.usageEventsOf(tenant.id)) expect(event).toMatchObject({ provider: 'anthropic', usage_source: 'provider' });
  });

  it('ends a stream that fails upstream with a Messages error event, which the SDK throws', async () => {
    const { anthropic } = await anthropicClient();
    const body = { model: 'mock-broken-stream', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hi' }] };
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': anthropic.apiKey ?? '' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    expect(text).toContain('event: message_start');
    expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"[^"]+","code":"provider_error"\}\}/);
    expect(text).not.toContain('event: message_stop');

    const stream = anthropic.messages.stream({ model: 'mock-broken-stream', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] });
    await expect(stream.finalMessage()).rejects.toThrow();
  });
});
