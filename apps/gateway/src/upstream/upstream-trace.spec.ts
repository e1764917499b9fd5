import { SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { Tracing, type TracingSettings } from '@sluice/platform';
import { DestinationPolicy, parseCidrList } from '@sluice/auth';
import { UpstreamClient, type UpstreamRequest } from './upstream-client';
import { ensureSuccess } from './upstream-status';

/** The test servers listen on 127.0.0.1, which the gateway refuses unless it is opened. */
const loopback = new DestinationPolicy({ allowedPrivate: parseCidrList('127.0.0.1/32') });

const SETTINGS: TracingSettings = { enabled: true, serviceName: 'test', tracesUrl: 'http://127.0.0.1:1/v1/traces', headers: {}, sampler: 'always_on', samplerRatio: 1 };

/** Keeps exported spans (the SDK's in-memory exporter forgets them on shutdown). */
class CollectingExporter implements SpanExporter {
  readonly spans: ReadableSpan[] = [];
  export(spans: ReadableSpan[], done: (result: { code: ExportResultCode }) => void): void {
    this.spans.push(...spans);
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {
    // Nothing held.
  }
}

function chat(baseUrl: string, content: string, stream = false): UpstreamRequest {
  return {
    url: `${baseUrl}/v1/chat/completions?api-version=1`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-fast', stream, messages: [{ role: 'user', content }] }),
  };
}

describe('UpstreamClient with tracing', () => {
  let mock: MockProvider;
  let exporter: CollectingExporter;
  let tracing: Tracing;
  let client: UpstreamClient;

  beforeEach(async () => {
    mock = await startMockProvider({ recordRequests: true });
    exporter = new CollectingExporter();
    tracing = Tracing.start(SETTINGS, exporter);
    client = new UpstreamClient({ destinations: loopback, tracing });
  });
  afterEach(async () => {
    await client.close();
    await tracing.shutdown();
    await mock.close();
  });

  it('makes each attempt a client span that ends with its body, and sends its traceparent', async () => {
    const request = chat(mock.url, 'Hello [[mock:tokens=3;chunk_delay_ms=20]]', true);
    const response = await client.send(request, { timeoutMs: 5_000 });
    for await (const chunk of response.body) expect(chunk.length).toBeGreaterThan(0);
    await tracing.shutdown();

    const [span] = exporter.spans;
    expect(exporter.spans).toHaveLength(1);
    expect(span.name).toBe('POST');
    expect(span.attributes).toMatchObject({ 'http.request.method': 'POST', 'server.address': '127.0.0.1', 'http.response.status_code': 200, 'url.full': `${mock.url}/v1/chat/completions` });
    expect(mock.requests[0].headers['traceparent']).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    // The adapter's headers are left as they were.
    expect(request.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('marks an error status, a timeout and an abort as errors', async () => {
    await expect(client.send(chat(mock.url, 'Fail [[mock:status=503]]'), { timeoutMs: 5_000 }).then(ensureSuccess)).rejects.toThrow();
    await expect(client.send(chat(mock.url, 'Slow [[mock:headers_delay_ms=2000]]'), { timeoutMs: 100 })).rejects.toThrow();
    const aborted = new AbortController();
    aborted.abort();
    await expect(client.send(chat(mock.url, 'Gone'), { timeoutMs: 5_000, signal: aborted.signal })).rejects.toThrow();
    await tracing.shutdown();

    expect(exporter.spans.map((span) => [span.attributes['http.response.status_code'] ?? span.attributes['error.type'], span.status.code])).toEqual([
      [503, SpanStatusCode.ERROR],
      ['total_timeout', SpanStatusCode.ERROR],
      ['aborted', SpanStatusCode.ERROR],
    ]);
  });

  it('adds nothing when tracing is disabled', async () => {
    const plain = new UpstreamClient({ destinations: loopback, tracing: Tracing.disabled });
    try {
      await (await plain.send(chat(mock.url, 'Hi'), { timeoutMs: 5_000 })).body.text();
    } finally {
      await plain.close();
    }
    expect(mock.requests[0].headers['traceparent']).toBeUndefined();
  });
});
