import { createMockProviderServer } from '@sluice/mock-provider';
import { freePort, waitUntil } from '@sluice/testing';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

/** Issue 6: the upstream connection is closed this soon after the client leaves. */
const UPSTREAM_CLOSE_DEADLINE_MS = 100;
const USAGE_DEADLINE_MS = 5_000;
const BODY_LIMIT_BYTES = 64 * 1024;

/** What the mock did with one request: how many writes it made, its status, whether its connection closed. */
interface ObservedExchange {
  writes: number;
  status?: number;
  /** The response ended normally (`res.end()` reached the socket). */
  finished: boolean;
  connectionClosed: boolean;
}

/**
 * The real mock provider server, observed from outside: each response's
 * writes (one per SSE frame, see the mock's `writeSse`) and the close of its
 * connection, so tests can tell what the upstream had sent when the client
 * saw something, and when the upstream connection went away.
 */
class ObservedMockProvider {
  readonly exchanges: ObservedExchange[] = [];
  /** TCP connections accepted so far. */
  connections = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ObservedMockProvider> {
    const server = createMockProviderServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const observed = new ObservedMockProvider(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    // Registered after the mock's own handler, which writes nothing before its first await: every write is counted.
    server.on('request', (req: IncomingMessage, res: ServerResponse) => observed.observe(req, res));
    server.on('connection', () => observed.connections++);
    return observed;
  }

  /** The exchange of the latest request. */
  get last(): ObservedExchange {
    const exchange = this.exchanges.at(-1);
    if (exchange === undefined) throw new Error('the mock has not been called');
    return exchange;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private observe(req: IncomingMessage, res: ServerResponse): void {
    const exchange: ObservedExchange = { writes: 0, finished: false, connectionClosed: false };
    this.exchanges.push(exchange);
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    res.write = ((...args: unknown[]) => {
      exchange.writes++;
      return write(...args);
    }) as ServerResponse['write'];
    res.once('finish', () => {
      exchange.finished = true;
      exchange.status = res.statusCode;
    });
    res.once('close', () => (exchange.status ??= res.statusCode));
    req.socket.once('close', () => (exchange.connectionClosed = true));
  }
}

describe('streaming guarantees, provider outages and error parsing', () => {
  let mock: ObservedMockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;

  beforeAll(async () => {
    mock = await ObservedMockProvider.start();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE, GATEWAY_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    // A port nothing listens on: a deployment that refuses connections.
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    await fixtures.catalog([
      mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')]),
      mockModel('mock-paced', [mockDeployment('mock-paced/0', mock.url, 'mock-fast+chunk_delay_ms=200+tokens=3')]),
      mockModel('mock-long', [mockDeployment('mock-long/0', mock.url, 'mock-fast+chunk_delay_ms=200+tokens=200')], { max_output_tokens: 4096 }),
      mockModel('mock-both-down', [
        mockDeployment('mock-both-down/0', mock.url, 'mock-fast+status=503'),
        mockDeployment('mock-both-down/1', deadUrl, 'mock-fast'),
      ]),
      mockModel('mock-garbled', [mockDeployment('mock-garbled/0', mock.url, 'mock-fast+invalid_json')]),
      mockModel('mock-slow-headers', [mockDeployment('mock-slow-headers/0', mock.url, 'mock-fast+headers_delay_ms=5000', { timeout_ms: 200 })]),
      mockModel('mock-unconfigured', [mockDeployment('mock-unconfigured/0', mock.url, 'mock-fast', { credential_env: 'SLUICE_TEST_UNSET_CREDENTIAL' })]),
    ]);
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  async function keyOf(tenantOverrides: Parameters<GatewayFixtures['tenant']>[0] = {}) {
    const tenant = await fixtures.tenant(tenantOverrides);
    const { secret } = await fixtures.apiKey(tenant);
    return { tenant, secret };
  }

  function streamChat(secret: string, model: string, signal?: AbortSignal): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'Tell me a story' }] }),
      signal,
    });
  }

  it('relays each chunk as the upstream sends it: the client has the first before the upstream writes the second', async () => {
    const { secret } = await keyOf();
    const response = await streamChat(secret, 'mock-paced');
    expect(response.status).toBe(200);
    if (response.body === null) throw new Error('expected a streamed body');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();

    const first = await reader.read();
    // The mock waits 200 ms between frames; a buffering gateway would deliver nothing until it had more.
    const upstreamWritesAtFirstChunk = mock.last.writes;
    expect(decoder.decode(first.value)).toMatch(/^data: \{.*"role":"assistant"/);
    expect(upstreamWritesAtFirstChunk).toBe(1);

    // Each content token likewise arrives before the upstream writes the frame after it.
    let text = '';
    const writesWhenTokensArrived: number[] = [];
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      const piece = decoder.decode(chunk.value, { stream: true });
      text += piece;
      if (piece.includes('"content":"') && !piece.includes('"content":""')) writesWhenTokensArrived.push(mock.last.writes);
    }
    expect(text).toContain('data: [DONE]');
    expect(writesWhenTokensArrived.length).toBeGreaterThanOrEqual(3);
    // Frame 0 is the role, frames 1..3 the tokens: the n-th token (1-based) arrives when the mock has written n + 1 frames, not more.
    writesWhenTokensArrived.slice(0, 3).forEach((writes, index) => expect(writes).toBe(index + 2));
  });

  it('reuses the upstream connection from one completed stream to the next', async () => {
    const { secret } = await keyOf();
    const openai = new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const read = async () => {
      const stream = await openai.chat.completions.create({ model: 'mock-chat', messages: [{ role: 'user', content: 'Hi' }], stream: true });
      for await (const chunk of stream) void chunk;
    };
    await read();
    const connectionsBefore = mock.connections;
    for (let i = 0; i < 5; i++) await read();
    // Each stream ended cleanly, so its keep-alive connection went back to the pool instead of being cut.
    expect(mock.connections).toBe(connectionsBefore);
  });

  it('closes the upstream connection within 100 ms of a client disconnect, and still meters the request', async () => {
    const { tenant, secret } = await keyOf();
    const controller = new AbortController();
    const response = await streamChat(secret, 'mock-long', controller.signal);
    if (response.body === null) throw new Error('expected a streamed body');
    const reader = response.body.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('data: ');
    const upstream = mock.last;
    expect(upstream.connectionClosed).toBe(false);

    controller.abort();
    await waitUntil(() => upstream.connectionClosed, UPSTREAM_CLOSE_DEADLINE_MS, 'the upstream connection to close');
    // 200 tokens 200 ms apart: the upstream was cut, it did not finish.
    expect(upstream.finished).toBe(false);
    expect(upstream.writes).toBeLessThan(200);

    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length === 1, USAGE_DEADLINE_MS, 'the usage event');
    const [event] = await fixtures.usageEventsOf(tenant.id);
    expect(event).toMatchObject({ outcome: 'client_aborted', usage_source: 'estimated', model: 'mock-long' });
    expect(event.prompt_tokens).toBeGreaterThan(0);
  });

  it('answers 503 provider_unavailable when both deployments of a model are down (503, connection refused), and meters it', async () => {
    const { tenant, secret } = await keyOf();
    const openai = new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const before = mock.exchanges.length;
    const error: unknown = await openai.chat.completions.create({ model: 'mock-both-down', messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 503, code: 'provider_unavailable' });
    // The reachable deployment was tried (and answered 503); the other refused the connection.
    const statuses = mock.exchanges.slice(before).map((exchange) => exchange.status);
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([503]));

    await waitUntil(async () => (await fixtures.usageEventsOf(tenant.id)).length === 1, USAGE_DEADLINE_MS, 'the usage event');
    expect((await fixtures.usageEventsOf(tenant.id))[0]).toMatchObject({ outcome: 'provider_error', http_status: 503, prompt_tokens: 0, completion_tokens: 0 });
  });

  type ErrorCase = {
    status: number;
    code: string;
    // Any of the SDK's error classes (their constructors narrow `status`, so `typeof APIError` would not hold them).
    errorClass: abstract new (...args: never[]) => InstanceType<typeof OpenAI.APIError>;
    /** A client and a request that make the gateway answer with `status` and `code`. */
    call: () => Promise<{ openai: OpenAI; body: OpenAI.ChatCompletionCreateParamsNonStreaming }>;
  };
  const hi: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hi' }];
  const withKey = async (tenantOverrides: Parameters<GatewayFixtures['tenant']>[0] = {}) =>
    new OpenAI({ apiKey: (await keyOf(tenantOverrides)).secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const errorCases: Array<[string, ErrorCase]> = [
    ['a validation error', { status: 400, code: 'validation_error', errorClass: OpenAI.BadRequestError, call: async () => ({ openai: await withKey(), body: { model: 'mock-chat', messages: [] } }) }],
    [
      'an unknown key',
      {
        status: 401,
        code: 'invalid_api_key',
        errorClass: OpenAI.AuthenticationError,
        call: async () => ({ openai: new OpenAI({ apiKey: 'slk_live_not-a-key', baseURL: `${gateway.url}/v1`, maxRetries: 0 }), body: { model: 'mock-chat', messages: hi } }),
      },
    ],
    [
      'a prepaid tenant without credit',
      { status: 402, code: 'insufficient_credits', errorClass: OpenAI.APIError, call: async () => ({ openai: await withKey({ billing_mode: 'prepaid' }), body: { model: 'mock-chat', messages: hi } }) },
    ],
    [
      'a suspended tenant',
      {
        status: 403,
        code: 'tenant_suspended',
        errorClass: OpenAI.PermissionDeniedError,
        call: async () => ({ openai: await withKey({ status: 'suspended', status_reason: 'Payment overdue' }), body: { model: 'mock-chat', messages: hi } }),
      },
    ],
    ['an unknown model', { status: 404, code: 'model_not_found', errorClass: OpenAI.NotFoundError, call: async () => ({ openai: await withKey(), body: { model: 'no-such-model', messages: hi } }) }],
    [
      'a body over the limit',
      {
        status: 413,
        code: 'payload_too_large',
        errorClass: OpenAI.APIError,
        call: async () => ({ openai: await withKey(), body: { model: 'mock-chat', messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT_BYTES) }] } }),
      },
    ],
    ['a request rate of zero', { status: 429, code: 'rate_limit_exceeded', errorClass: OpenAI.RateLimitError, call: async () => ({ openai: await withKey({ limits: { rpm: 0 } }), body: { model: 'mock-chat', messages: hi } }) }],
    ['a malformed upstream answer', { status: 502, code: 'provider_error', errorClass: OpenAI.InternalServerError, call: async () => ({ openai: await withKey(), body: { model: 'mock-garbled', messages: hi } }) }],
    ['a missing provider credential', { status: 503, code: 'provider_not_configured', errorClass: OpenAI.InternalServerError, call: async () => ({ openai: await withKey(), body: { model: 'mock-unconfigured', messages: hi } }) }],
    ['an upstream that never answers in time', { status: 504, code: 'provider_timeout', errorClass: OpenAI.InternalServerError, call: async () => ({ openai: await withKey(), body: { model: 'mock-slow-headers', messages: hi } }) }],
  ];

  it.each(errorCases)('answers %s with an error the OpenAI SDK parses as APIError with its status and code', async (_name, { status, code, errorClass, call }) => {
    const { openai, body } = await call();
    const error: unknown = await openai.chat.completions.create(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ status, code, type: expect.any(String) });
  });
});
