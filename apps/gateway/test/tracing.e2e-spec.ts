import { startMockProvider, type MockProvider, type RecordedRequest } from '@sluice/mock-provider';
import { OtlpCollector, OTLP_SPAN_KIND, parseTraceparent } from '@sluice/testing';
import { randomBytes } from 'node:crypto';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

/** A client's own trace context: a new trace id and span id. */
function clientTraceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

async function gatewayWithCatalog(mock: MockProvider, env: NodeJS.ProcessEnv): Promise<{ gateway: GatewayUnderTest; secret: string }> {
  const gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE, ...env });
  const fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
  try {
    await fixtures.catalog([mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')])]);
    const { secret } = await fixtures.apiKey(await fixtures.tenant());
    return { gateway, secret };
  } finally {
    await fixtures.close();
  }
}

async function chat(gateway: GatewayUnderTest, secret: string, { stream = false, traceparent }: { stream?: boolean; traceparent?: string } = {}): Promise<string> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, ...(traceparent ? { traceparent } : {}) },
    body: JSON.stringify({ model: 'mock-chat', stream, messages: [{ role: 'user', content: 'Trace me' }] }),
  });
  expect(response.status).toBe(200);
  return response.text();
}

const traceparentsOf = (requests: readonly RecordedRequest[]) => requests.map((request) => request.headers['traceparent']);

describe('tracing (OpenTelemetry)', () => {
  let mock: MockProvider;

  beforeAll(async () => {
    mock = await startMockProvider({ recordRequests: true });
  });
  afterAll(() => mock?.close());

  describe('with TRACING_ENABLED', () => {
    let collector: OtlpCollector;
    let gateway: GatewayUnderTest | undefined;
    let secret: string;

    beforeAll(async () => {
      collector = await OtlpCollector.start();
      ({ gateway, secret } = await gatewayWithCatalog(mock, { TRACING_ENABLED: 'true', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url }));
    });
    afterAll(async () => {
      await gateway?.close();
      await collector?.close();
    });

    it("continues the client's trace: the provider gets a traceparent of the same trace, and the spans reach the OTLP endpoint", async () => {
      const running = gateway as GatewayUnderTest;
      const incoming = clientTraceparent();
      const streamed = clientTraceparent();
      await chat(running, secret, { traceparent: incoming.header });
      expect(await chat(running, secret, { stream: true, traceparent: streamed.header })).toContain('data: [DONE]');
      await chat(running, secret);

      const sent = traceparentsOf(mock.requests).map(parseTraceparent);
      const toProvider = sent.find((parent) => parent?.traceId === incoming.traceId);
      expect(toProvider).toMatchObject({ traceId: incoming.traceId, flags: '01' });
      expect(toProvider?.parentId).not.toBe(incoming.spanId);
      expect(sent.some((parent) => parent?.traceId === streamed.traceId)).toBe(true);
      // Without a traceparent from the client, the gateway starts a trace and still propagates it.
      const fresh = sent.filter((parent) => parent && parent.traceId !== incoming.traceId && parent.traceId !== streamed.traceId);
      expect(fresh).toHaveLength(1);

      // Closing exports what is still batched.
      await running.close();
      gateway = undefined;
      const spans = collector.spansOfTrace(incoming.traceId);
      const server = spans.find((span) => span.kind === OTLP_SPAN_KIND.server);
      const client = spans.find((span) => span.kind === OTLP_SPAN_KIND.client);
      expect(server).toMatchObject({
        service: 'ai-gateway',
        name: 'POST /v1/chat/completions',
        parentSpanId: incoming.spanId,
        attributes: { 'http.route': '/v1/chat/completions', 'http.response.status_code': 200 },
      });
      expect(client).toMatchObject({
        name: 'POST',
        parentSpanId: server?.spanId,
        spanId: toProvider?.parentId,
        attributes: { 'server.address': '127.0.0.1', 'http.response.status_code': 200, 'url.full': `${mock.url}/v1/chat/completions` },
      });
      const streamSpans = collector.spansOfTrace(streamed.traceId);
      expect(streamSpans.map((span) => span.kind).sort()).toEqual([OTLP_SPAN_KIND.server, OTLP_SPAN_KIND.client]);
    });
  });

  describe('without TRACING_ENABLED (the default)', () => {
    let gateway: GatewayUnderTest;
    let secret: string;

    beforeAll(async () => {
      ({ gateway, secret } = await gatewayWithCatalog(mock, {}));
    });
    afterAll(() => gateway?.close());

    it("sends no traceparent to providers, not even the client's", async () => {
      const before = mock.requests.length;
      await chat(gateway, secret, { traceparent: clientTraceparent().header });
      await chat(gateway, secret, { stream: true });
      const sent = mock.requests.slice(before);
      expect(sent).toHaveLength(2);
      expect(traceparentsOf(sent)).toEqual([undefined, undefined]);
    });
  });
});
