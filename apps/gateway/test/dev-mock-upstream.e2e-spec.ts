import type { DeploymentRecord, ModelRecord } from '@sluice/contracts';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { ConfigError } from '@sluice/platform';
import { expectErrorShape, waitUntil } from '@sluice/testing';
import OpenAI from 'openai';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

const USAGE_DEADLINE_MS = 5_000;
const hi = [{ role: 'user' as const, content: 'Hello' }];

/** Catalog entries as the checked-in catalog has them: real providers, credentials by name, public https URLs. */
function providerModel(id: string, provider: 'openai' | 'anthropic', pricing: ModelRecord['pricing']): ModelRecord {
  const deployment: DeploymentRecord = {
    id: `${id}/0`,
    provider,
    base_url: provider === 'openai' ? 'https://api.openai.com/v1' : 'https://api.anthropic.com',
    upstream_model: id,
    credential_env: provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY',
    weight: 1,
    region: null,
    timeout_ms: 10_000,
  };
  return mockModel(id, [deployment], { provider, pricing });
}

const GPT_4 = providerModel('gpt-4', 'openai', { input_per_mtok_usd: 30, output_per_mtok_usd: 60 });
const CLAUDE_3_SONNET = providerModel('claude-3-sonnet', 'anthropic', { input_per_mtok_usd: 3, output_per_mtok_usd: 15 });

describe('models without provider credentials in development (DEV_MOCK_UPSTREAM_URL)', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;

  beforeAll(async () => {
    mock = await startMockProvider({ recordRequests: true });
    gateway = await startGateway({ NODE_ENV: 'development', DEV_MOCK_UPSTREAM_URL: mock.url, [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([GPT_4, CLAUDE_3_SONNET, mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')])]);
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  async function client() {
    const tenant = await fixtures.tenant();
    const { secret } = await fixtures.apiKey(tenant);
    return { tenant, secret, openai: new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 }) };
  }

  async function usageEventOf(tenantId: string) {
    await waitUntil(async () => (await fixtures.usageEventsOf(tenantId)).length === 1, USAGE_DEADLINE_MS, 'the usage event');
    return (await fixtures.usageEventsOf(tenantId))[0];
  }

  /** Cost in micro-USD at the model's catalog price (USD per million tokens). */
  const costAt = ({ pricing }: ModelRecord, prompt: number, completion: number) => prompt * pricing.input_per_mtok_usd + completion * pricing.output_per_mtok_usd;

  it('answers gpt-4 through the OpenAI SDK from the mock, marked, and meters it at gpt-4’s price', async () => {
    const { openai, tenant } = await client();
    const seen = mock.requests.length;
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4', messages: hi }).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-sluice-upstream')).toBe('mock');
    expect(data.model).toBe('gpt-4');
    expect(data.choices[0].message.content).toEqual(expect.any(String));
    const [sent] = mock.requests.slice(seen);
    expect(sent).toMatchObject({ method: 'POST', url: '/v1/chat/completions' });
    expect(sent.headers['authorization']).toBeUndefined();

    const event = await usageEventOf(tenant.id);
    expect(event).toMatchObject({ model: 'gpt-4', deployment: 'gpt-4/0', outcome: 'completed', usage_source: 'provider' });
    expect(event.prompt_tokens).toBe(data.usage?.prompt_tokens);
    expect(event.cost_micros).toBe(costAt(GPT_4, event.prompt_tokens, event.completion_tokens));
    expect(event.cost_micros).toBeGreaterThan(0);
  });

  it('streams gpt-4 through the OpenAI SDK from the mock, marked, and meters it at gpt-4’s price', async () => {
    const { openai, tenant } = await client();
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'gpt-4', messages: hi, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(response.headers.get('x-sluice-upstream')).toBe('mock');
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).not.toBe('');
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    const event = await usageEventOf(tenant.id);
    expect(event).toMatchObject({ model: 'gpt-4', outcome: 'completed', prompt_tokens: usage?.prompt_tokens, completion_tokens: usage?.completion_tokens });
    expect(event.cost_micros).toBe(costAt(GPT_4, event.prompt_tokens, event.completion_tokens));
  });

  it.each([false, true])('answers claude-3-sonnet on /v1/messages from the mock in Anthropic’s format, marked (stream: %s)', async (stream) => {
    const { secret, tenant } = await client();
    const seen = mock.requests.length;
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': secret, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-3-sonnet', max_tokens: 64, stream, messages: hi }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-sluice-upstream')).toBe('mock');
    if (stream) expect(text).toContain('event: message_stop');
    else expect(JSON.parse(text)).toMatchObject({ type: 'message', model: 'claude-3-sonnet' });
    expect(mock.requests.slice(seen).map((request) => request.url)).toEqual(['/v1/messages']);
    expect(mock.requests[seen].headers['x-api-key']).toBeUndefined();

    const event = await usageEventOf(tenant.id);
    expect(event).toMatchObject({ model: 'claude-3-sonnet', outcome: 'completed' });
    expect(event.cost_micros).toBe(costAt(CLAUDE_3_SONNET, event.prompt_tokens, event.completion_tokens));
  });

  it('leaves a model whose credential is configured with its provider, unmarked', async () => {
    const { openai } = await client();
    const { response } = await openai.chat.completions.create({ model: 'mock-chat', messages: hi }).withResponse();
    expect(response.headers.get('x-sluice-upstream')).toBeNull();
  });
});

describe('models without provider credentials in production', () => {
  const JWT_SECRET = 'a-production-jwt-secret-of-at-least-32-characters';
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;

  beforeAll(async () => {
    gateway = await startGateway({ NODE_ENV: 'production', JWT_SECRET });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([GPT_4]);
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
  });

  it('refuses to start with DEV_MOCK_UPSTREAM_URL', async () => {
    await expect(startGateway({ NODE_ENV: 'production', JWT_SECRET, DEV_MOCK_UPSTREAM_URL: 'http://127.0.0.1:9100' })).rejects.toThrow(ConfigError);
  });

  it.each([false, true])('answers gpt-4 with 503 provider_not_configured, naming no variable (stream: %s)', async (stream) => {
    const tenant = await fixtures.tenant();
    const { secret } = await fixtures.apiKey(tenant);
    const openai = new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const failure = await openai.chat.completions.create({ model: 'gpt-4', messages: hi, stream }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(OpenAI.InternalServerError);
    const error = failure as InstanceType<typeof OpenAI.InternalServerError>;
    expect(error.status).toBe(503);
    expect(error.headers?.get('x-sluice-upstream')).toBeNull();
    expectErrorShape({ error: error.error }, 'provider_not_configured');
    expect(JSON.stringify(error.error)).not.toMatch(/OPENAI_API_KEY|gpt-4\/0/);
  });
});
