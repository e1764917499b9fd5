import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { waitUntil } from '@sluice/testing';
import OpenAI from 'openai';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

const USAGE_DEADLINE_MS = 5_000;

describe('POST /v1/chat/completions and /v1/models with the OpenAI SDK', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([
      mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')], { aliases: ['chat-latest'] }),
      mockModel('mock-sandbox', [mockDeployment('mock-sandbox/0', mock.url, 'mock-smart')], { sandbox: true }),
      mockModel('other-chat', [mockDeployment('other-chat/0', mock.url, 'mock-fast')]),
    ]);
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  async function client(overrides: Parameters<GatewayFixtures['apiKey']>[1] = {}, tenantOverrides: Parameters<GatewayFixtures['tenant']>[0] = {}) {
    const tenant = await fixtures.tenant(tenantOverrides);
    const { secret, record } = await fixtures.apiKey(tenant, overrides);
    return { tenant, key: record, openai: new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 }) };
  }

  it('answers a plain completion with provider usage, the requested model name and rate-limit headers', async () => {
    const { openai, tenant } = await client();
    const { data, response } = await openai.chat.completions
      .create({ model: 'chat-latest', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 20 })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('chat-latest');
    expect(data.choices[0].message.content).toEqual(expect.any(String));
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('1000');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('999');
    expect(response.headers.get('X-RateLimit-Reset')).toMatch(/^\d+$/);

    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length === 1, USAGE_DEADLINE_MS, 'the usage event');
    const [event] = await fixtures.usageEventsOf(tenant.id);
    expect(event).toMatchObject({
      model: 'mock-chat',
      provider: 'mock',
      deployment: 'mock-chat/0',
      prompt_tokens: data.usage?.prompt_tokens,
      completion_tokens: data.usage?.completion_tokens,
      usage_source: 'provider',
      outcome: 'completed',
      http_status: 200,
    });
    expect(event.cost_micros).toBe((data.usage?.prompt_tokens ?? 0) * 1 + (data.usage?.completion_tokens ?? 0) * 2);
  });

  it('streams chunks and the usage chunk when include_usage is set', async () => {
    const { openai, tenant } = await client();
    const stream = await openai.chat.completions.create({
      model: 'mock-chat',
      messages: [{ role: 'user', content: 'Stream me something' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
      expect(chunk.model).toBe('mock-chat');
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length === 1, USAGE_DEADLINE_MS, 'the usage event');
    const [event] = await fixtures.usageEventsOf(tenant.id);
    expect(event).toMatchObject({ usage_source: 'provider', prompt_tokens: usage?.prompt_tokens, completion_tokens: usage?.completion_tokens });
    expect(event.time_to_first_token_ms).toEqual(expect.any(Number));
  });

  it('leaves the usage chunk out of a stream that did not ask for it, and still meters provider usage', async () => {
    const { openai, tenant } = await client();
    const stream = await openai.chat.completions.create({ model: 'mock-chat', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    for await (const chunk of stream) expect(chunk.usage ?? null).toBeNull();
    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length === 1, USAGE_DEADLINE_MS, 'the usage event');
    expect((await fixtures.usageEventsOf(tenant.id))[0]).toMatchObject({ usage_source: 'provider', outcome: 'completed' });
  });

  it('passes tools through and returns tool calls, plain and streamed', async () => {
    const { openai } = await client();
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'lookup', description: 'Looks things up', parameters: { type: 'object', properties: { query: { type: 'string' } } } } },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Find it [[mock:tool_call]]' }];
    const plain = await openai.chat.completions.create({ model: 'mock-chat', messages, tools, max_completion_tokens: 50 });
    expect(plain.choices[0].finish_reason).toBe('tool_calls');
    const call = plain.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function.name : undefined).toBe('lookup');

    const stream = await openai.chat.completions.create({ model: 'mock-chat', messages, tools, stream: true });
    let name = '';
    let args = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.tool_calls?.[0];
      name += delta?.function?.name ?? '';
      args += delta?.function?.arguments ?? '';
    }
    expect(name).toBe('lookup');
    expect(() => JSON.parse(args)).not.toThrow();
  });

  it('meters exactly one usage event per request', async () => {
    const { openai, tenant } = await client();
    const requests = 4;
    for (let i = 0; i < requests; i++) {
      await openai.chat.completions.create({ model: 'mock-chat', messages: [{ role: 'user', content: `Request ${i}` }], stream: i % 2 === 0 });
    }
    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length >= requests, USAGE_DEADLINE_MS, 'the usage events');
    const events = await fixtures.usageEventsOf(tenant.id);
    expect(events).toHaveLength(requests);
    expect(new Set(events.map((event) => event.request_id)).size).toBe(requests);
    for (const event of events) expect(event).toMatchObject({ usage_source: 'provider', outcome: 'completed' });
  });

  it('lists only the models a key may use, with pricing, and gets one by id or alias', async () => {
    const { openai } = await client({ allowed_models: ['mock-*'] });
    const list = await openai.models.list();
    const ids = list.data.map((model) => model.id).sort();
    expect(ids).toEqual(['mock-chat', 'mock-sandbox']);
    const chat = await openai.models.retrieve('chat-latest');
    expect(chat).toMatchObject({ id: 'mock-chat', object: 'model', owned_by: 'mock', pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 2 } });
    await expect(openai.models.retrieve('other-chat')).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('shows a test key only sandbox models', async () => {
    const { openai } = await client({ environment: 'test' });
    expect((await openai.models.list()).data.map((model) => model.id)).toEqual(['mock-sandbox']);
    await expect(openai.chat.completions.create({ model: 'mock-chat', messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({
      status: 403,
      code: 'model_not_allowed',
    });
    const sandbox = await openai.chat.completions.create({ model: 'mock-sandbox', messages: [{ role: 'user', content: 'Hi' }] });
    expect(sandbox.choices[0].message.content).toEqual(expect.any(String));
  });

  it('accepts tenant_id naming the key’s tenant and refuses another with 403', async () => {
    const { openai, tenant } = await client();
    const body = { model: 'mock-chat', messages: [{ role: 'user' as const, content: 'Hi' }] };
    const own = await openai.chat.completions.create({ ...body, tenant_id: tenant.id } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(own.choices).toHaveLength(1);
    await expect(
      openai.chat.completions.create({ ...body, tenant_id: '00000000-0000-4000-8000-000000000000' } as OpenAI.ChatCompletionCreateParamsNonStreaming),
    ).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('logs one access line per request, streamed or not, and counts both in the request histogram', async () => {
    const { openai } = await client();
    const plain = await openai.chat.completions
      .create({ model: 'mock-chat', messages: [{ role: 'user', content: 'log me' }] }, { headers: { 'x-request-id': 'access-log-plain' } })
      .withResponse();
    expect(plain.response.status).toBe(200);
    const stream = await openai.chat.completions.create(
      { model: 'mock-chat', stream: true, messages: [{ role: 'user', content: 'log me too' }] },
      { headers: { 'x-request-id': 'access-log-stream' } },
    );
    for await (const chunk of stream) expect(chunk.object).toBe('chat.completion.chunk');

    const accessLine = (id: string) =>
      gateway.logs.records().find((record) => record['msg'] === 'request completed' && (record['req'] as { id?: string } | undefined)?.id === id);
    await waitUntil(() => accessLine('access-log-plain') !== undefined && accessLine('access-log-stream') !== undefined, 2_000, 'both access lines');
    for (const id of ['access-log-plain', 'access-log-stream']) {
      expect(accessLine(id)).toMatchObject({ level: 'info', req: { method: 'POST', url: '/v1/chat/completions' }, res: { status_code: 200 } });
    }
    const metrics = await (await fetch(gateway.metricsUrl)).text();
    const count = /http_server_request_duration_seconds_count\{[^}]*route="\/v1\/chat\/completions"[^}]*status_code="200"[^}]*\} (\d+)/.exec(metrics);
    expect(Number(count?.[1])).toBeGreaterThanOrEqual(2);
  });
});
