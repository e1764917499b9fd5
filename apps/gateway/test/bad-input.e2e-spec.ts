import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { expectErrorShape } from '@sluice/testing';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

/** Small, so the 413 case stays cheap. */
const BODY_LIMIT_BYTES = 16 * 1024;

describe('gateway bad input', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;
  let secret: string;

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE, GATEWAY_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([
      mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')]),
      mockModel('claude-mock', [mockDeployment('claude-mock/0', mock.url, 'mock-fast', { provider: 'anthropic' })], { provider: 'anthropic' }),
    ]);
    secret = (await fixtures.apiKey(await fixtures.tenant())).secret;
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  function post(path: string, body: string): Promise<Response> {
    return fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body });
  }

  it('answers malformed JSON with 400 invalid_json', async () => {
    const response = await post('/v1/chat/completions', '{"model": "mock-chat", "messages": [');
    expect(response.status).toBe(400);
    expectErrorShape(await response.json(), 'invalid_json');
  });

  it('answers the inference routes, served by Fastify directly, like every other route: 404, 415, 413 in the error shape', async () => {
    for (const path of ['/v1/chat/completions', '/v1/messages']) {
      const wrongMethod = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
      expect(wrongMethod.status).toBe(404);
      expectErrorShape(await wrongMethod.json(), 'not_found');

      const notJson = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${secret}` }, body: 'hi' });
      expect(notJson.status).toBe(415);
      expectErrorShape(await notJson.json(), 'unsupported_media_type');

      const tooLarge = await post(path, JSON.stringify({ model: 'mock-chat', messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT_BYTES) }] }));
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers.get('x-request-id')).toEqual(expect.any(String));
      expectErrorShape(await tooLarge.json(), 'payload_too_large');
    }
  });

  const chatCases: Array<[string, unknown, string]> = [
    ['a body that is not an object', [1, 2], 'body'],
    ['a missing model', { messages: [{ role: 'user', content: 'Hi' }] }, 'model'],
    ['missing messages', { model: 'mock-chat' }, 'messages'],
    ['empty messages', { model: 'mock-chat', messages: [] }, 'messages'],
    ['messages that are not a list', { model: 'mock-chat', messages: 'Hi' }, 'messages'],
    ['a message with an unknown role', { model: 'mock-chat', messages: [{ role: 'wizard', content: 'Hi' }] }, 'messages.0.role'],
    ['content of the wrong type', { model: 'mock-chat', messages: [{ role: 'user', content: 42 }] }, 'messages.0.content'],
    ['a text part without text', { model: 'mock-chat', messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'messages.0.content'],
    ['a string stream flag', { model: 'mock-chat', stream: 'yes', messages: [{ role: 'user', content: 'Hi' }] }, 'stream'],
    ['a negative max_tokens', { model: 'mock-chat', max_tokens: -1, messages: [{ role: 'user', content: 'Hi' }] }, 'max_tokens'],
    ['a fractional max_completion_tokens', { model: 'mock-chat', max_completion_tokens: 1.5, messages: [{ role: 'user', content: 'Hi' }] }, 'max_completion_tokens'],
    ['n above 1', { model: 'mock-chat', n: 2, messages: [{ role: 'user', content: 'Hi' }] }, 'n'],
    ['an absurd max_tokens', { model: 'mock-chat', max_tokens: 1e12, messages: [{ role: 'user', content: 'Hi' }] }, 'max_tokens'],
    ['a max_tokens beyond the model’s maximum', { model: 'mock-chat', max_tokens: 257, messages: [{ role: 'user', content: 'Hi' }] }, 'max_tokens'],
    ['a temperature out of range', { model: 'mock-chat', temperature: 9, messages: [{ role: 'user', content: 'Hi' }] }, 'temperature'],
    ['a malformed tool', { model: 'mock-chat', tools: [{ type: 'function' }], messages: [{ role: 'user', content: 'Hi' }] }, 'tools.0'],
    ['malformed tool calls', { model: 'mock-chat', messages: [{ role: 'assistant', content: null, tool_calls: [1] }] }, 'messages.0.tool_calls'],
    ['a numeric tenant_id', { model: 'mock-chat', tenant_id: 7, messages: [{ role: 'user', content: 'Hi' }] }, 'tenant_id'],
  ];

  it.each(chatCases)('answers /v1/chat/completions with %s with 400 validation_error', async (_name, body, field) => {
    const response = await post('/v1/chat/completions', JSON.stringify(body));
    expect(response.status).toBe(400);
    const json = (await response.json()) as { error: { details: Record<string, string[]> } };
    expectErrorShape(json, 'validation_error');
    expect(Object.keys(json.error.details)).toContain(field);
  });

  const messagesCases: Array<[string, unknown, string]> = [
    ['a missing max_tokens', { model: 'mock-chat', messages: [{ role: 'user', content: 'Hi' }] }, 'max_tokens'],
    ['a system role message', { model: 'mock-chat', max_tokens: 10, messages: [{ role: 'system', content: 'Hi' }] }, 'messages.0.role'],
    ['content blocks of the wrong type', { model: 'mock-chat', max_tokens: 10, messages: [{ role: 'user', content: [1] }] }, 'messages.0.content'],
    ['an image block without a source', { model: 'mock-chat', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'image' }] }] }, 'messages.0.content'],
    [
      'a tool result with numeric content',
      { model: 'mock-chat', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 5 }] }] },
      'messages.0.content',
    ],
  ];

  it.each(messagesCases)('answers /v1/messages with %s with 400 validation_error', async (_name, body, field) => {
    const response = await post('/v1/messages', JSON.stringify(body));
    expect(response.status).toBe(400);
    const json = (await response.json()) as { error: { details: Record<string, string[]> } };
    expectErrorShape(json, 'validation_error');
    expect(Object.keys(json.error.details)).toContain(field);
  });

  it('answers a request its provider’s translation cannot read with 400, never 500', async () => {
    const response = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'claude-mock', messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }),
    );
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('keeps unknown fields and injection strings from causing a 500', async () => {
    const response = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: "mock-chat'; DROP TABLE x; --", messages: [{ role: 'user', content: '<script>' }], unknown_field: { deep: [1] } }),
    );
    expect(response.status).toBe(404);
    expectErrorShape(await response.json(), 'model_not_found');
    const ok = await post('/v1/chat/completions', JSON.stringify({ model: 'mock-chat', messages: [{ role: 'user', content: '<script>' }], seed: 1 }));
    expect(ok.status).toBe(200);
  });

  it('refuses a NUL or an unpaired surrogate in any string with 400 naming the field, before admission', async () => {
    const before = (await fixtures.usageEvents()).length;
    for (const [body, field] of [
      [{ model: 'mock-chat', messages: [{ role: 'user', content: '\u0000<script>' }] }, 'messages.0.content'],
      [{ model: 'mock-chat', messages: [{ role: 'user', content: 'Hi' }], user: 'half \ud800' }, 'user'],
    ] as const) {
      const response = await post('/v1/chat/completions', JSON.stringify(body));
      expect(response.status).toBe(400);
      const json = (await response.json()) as { error: { param: string; details: Record<string, string[]> } };
      expectErrorShape(json, 'validation_error');
      expect(json.error.param).toBe(field);
    }
    expect(await fixtures.usageEvents()).toHaveLength(before);
  });

  it('refuses deeply nested metadata with 400 in the error shape, without admitting or metering the request', async () => {
    const before = (await fixtures.usageEvents()).length;
    const deep = '{"a":'.repeat(2_000) + '1' + '}'.repeat(2_000);
    for (const path of ['/v1/messages', '/v1/chat/completions']) {
      const response = await post(path, `{"model":"mock-chat","max_tokens":8,"messages":[{"role":"user","content":"Hi"}],"metadata":${deep}}`);
      expect(response.status).toBe(400);
      const json = (await response.json()) as { error: { message: string; details: Record<string, string[]> } };
      expectErrorShape(json, 'validation_error');
      expect(json.error.message).not.toContain('call stack');
      expect(json.error.details).toEqual({ body: ['must not nest deeper than 64 levels'] });
      expect(response.headers.get('x-ratelimit-remaining-requests')).toBeNull();
    }
    expect(await fixtures.usageEvents()).toHaveLength(before);
  });
});
