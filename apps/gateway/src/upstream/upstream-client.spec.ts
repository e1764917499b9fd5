import type { AddressInfo, Socket } from 'node:net';
import { createServer, type Server } from 'node:http';
import { createMockProviderServer, startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { waitUntil } from '@sluice/testing';
import { DestinationPolicy, parseCidrList } from '@sluice/auth';
import { AbortEmitter, type AbortSource } from './abort-emitter';
import { UpstreamClient, type UpstreamRequest } from './upstream-client';
import { ensureSuccess } from './upstream-status';
import { UpstreamError } from './upstream.error';
import type { UpstreamBody } from './upstream-body';

/** The client's abort as the pipeline gives it (an AbortEmitter) and as any other caller may (an AbortSignal). */
const CLIENT_ABORTS: Array<[string, () => { signal: AbortSource; abort(): void }]> = [
  ['AbortSignal', () => new AbortController()],
  [
    'AbortEmitter',
    () => {
      const emitter = new AbortEmitter();
      return { signal: emitter, abort: () => emitter.abort(new Error('The client disconnected')) };
    },
  ],
];

/** The test servers listen on 127.0.0.1, which the gateway refuses unless it is opened. */
const loopback = new DestinationPolicy({ allowedPrivate: parseCidrList('127.0.0.1/32') });

/** The mock provider on a server of our own, to watch its connections open and close. */
class WatchedMockProvider {
  opened = 0;
  closed = 0;
  url = '';
  private readonly server: Server = createMockProviderServer();
  private readonly sockets = new Set<Socket>();

  async start(): Promise<this> {
    this.server.on('connection', (socket: Socket) => {
      this.opened++;
      this.sockets.add(socket);
      socket.on('close', () => {
        this.closed++;
        this.sockets.delete(socket);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function chatRequest(baseUrl: string, model: string, stream = false): UpstreamRequest {
  return {
    url: `${baseUrl}/v1/chat/completions`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Hello there' }] }),
  };
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected an UpstreamError, got a result');
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('UpstreamClient against the mock provider', () => {
  let mock: MockProvider;
  let client: UpstreamClient;

  beforeAll(async () => {
    mock = await startMockProvider();
  });
  afterAll(() => mock.close());
  beforeEach(() => {
    client = new UpstreamClient({ destinations: loopback, connectTimeoutMs: 1000, idleTimeoutMs: 5000 });
  });
  afterEach(() => client.destroy());

  it('returns the status, headers, body and time to headers of an answer', async () => {
    const response = await client.send(chatRequest(mock.url, 'mock-fast'), { timeoutMs: 5000 });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.timeToHeadersMs).toBeGreaterThanOrEqual(0);
    const body = JSON.parse(await response.body.text()) as { object: string; model: string };
    expect(body).toMatchObject({ object: 'chat.completion', model: 'mock-fast' });
  });

  it('streams the body chunk by chunk as the provider sends it', async () => {
    const response = await client.send(chatRequest(mock.url, 'mock-fast+tokens=5;chunk_delay_ms=20', true), { timeoutMs: 5000 });
    const chunks: string[] = [];
    for await (const chunk of response.body) chunks.push(Buffer.from(chunk).toString('utf8'));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toContain('data: [DONE]');
  });

  it('reads a body only once', async () => {
    const response = await client.send(chatRequest(mock.url, 'mock-fast'), { timeoutMs: 5000 });
    await response.body.text();
    await expect(response.body.text()).rejects.toThrow(/only once/);
  });

  it('cuts text() at the byte limit', async () => {
    const response = await client.send(chatRequest(mock.url, 'mock-fast'), { timeoutMs: 5000 });
    expect(await response.body.text(10)).toHaveLength(10);
  });

  it('fails with a retryable provider_timeout when the first byte comes too late', async () => {
    const started = client.send(chatRequest(mock.url, 'mock-fast+headers_delay_ms=3000'), { timeoutMs: 200 });
    const error = await rejection(started);
    expect(error).toMatchObject({ code: 'provider_timeout', retryable: true });
    expect(['headers_timeout', 'total_timeout']).toContain(error.kind);
    expect(error.getStatus()).toBe(504);
  });

  it('uses the client-wide first-byte timeout when shorter than the deployment’s', async () => {
    const quick = new UpstreamClient({ destinations: loopback, headersTimeoutMs: 200 });
    try {
      const error = await rejection(quick.send(chatRequest(mock.url, 'mock-fast+headers_delay_ms=3000'), { timeoutMs: 10_000 }));
      expect(error).toMatchObject({ code: 'provider_timeout', kind: 'headers_timeout', retryable: true });
    } finally {
      await quick.destroy();
    }
  });

  it('surfaces an idle stream as a provider_timeout that is not retryable', async () => {
    const idle = new UpstreamClient({ destinations: loopback, idleTimeoutMs: 200 });
    try {
      const response = await idle.send(chatRequest(mock.url, 'mock-fast+chunk_delay_ms=3000', true), { timeoutMs: 10_000 });
      expect(response.status).toBe(200);
      const received: Uint8Array[] = [];
      const error = await rejection(
        (async () => {
          for await (const chunk of response.body) received.push(chunk);
        })(),
      );
      expect(received.length).toBeGreaterThan(0);
      expect(error).toMatchObject({ code: 'provider_timeout', kind: 'idle_timeout', retryable: false });
    } finally {
      await idle.destroy();
    }
  });

  it('ends a stream that outlasts the deployment’s total timeout, not retryably', async () => {
    const response = await client.send(chatRequest(mock.url, 'mock-fast+tokens=100;chunk_delay_ms=50', true), { timeoutMs: 300 });
    const error = await rejection(readAll(response.body));
    expect(error).toMatchObject({ code: 'provider_timeout', kind: 'total_timeout', retryable: false, details: { timeout_ms: 300 } });
  });

  it('surfaces a connection dropped mid-body as a provider_error that is not retryable', async () => {
    const response = await client.send(chatRequest(mock.url, 'mock-fast+drop_after=1'), { timeoutMs: 5000 });
    const error = await rejection(response.body.text());
    expect(error).toMatchObject({ code: 'provider_error', kind: 'connection', retryable: false });
  });

  it('reads a stream with read(): every chunk in order to the end, the next held while the consumer’s promise is pending', async () => {
    const response = await client.send(chatRequest(mock.url, 'mock-fast+tokens=5;chunk_delay_ms=5', true), { timeoutMs: 5000 });
    const chunks: string[] = [];
    let holding = false;
    await response.body.read((chunk) => {
      expect(holding).toBe(false);
      chunks.push(Buffer.from(chunk).toString('utf8'));
      if (chunks.length !== 2) return true;
      holding = true;
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          holding = false;
          resolve();
        }, 30),
      );
    });
    const text = chunks.join('');
    expect(chunks.length).toBeGreaterThan(2);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text.match(/"content":"[^"]/g)).toHaveLength(5);
    await expect(response.body.read(() => true)).rejects.toThrow(/only once/);
  });

  it('surfaces failures while reading with read() as the iterator does, and passes on the consumer’s own', async () => {
    const dropped = await client.send(chatRequest(mock.url, 'mock-fast+tokens=5;drop_after=2', true), { timeoutMs: 5000 });
    const received: Uint8Array[] = [];
    const error = await rejection(dropped.body.read((chunk) => received.push(chunk) > 0));
    expect(received.length).toBeGreaterThan(0);
    expect(error).toMatchObject({ code: 'provider_error', kind: 'connection', retryable: false });
    const late = await client.send(chatRequest(mock.url, 'mock-fast+tokens=100;chunk_delay_ms=50', true), { timeoutMs: 300 });
    expect(await rejection(late.body.read(() => true))).toMatchObject({ code: 'provider_timeout', kind: 'total_timeout', retryable: false });
    const thrown = await client.send(chatRequest(mock.url, 'mock-fast+tokens=3', true), { timeoutMs: 5000 });
    await expect(
      thrown.body.read(() => {
        throw new Error('consumer failed');
      }),
    ).rejects.toThrow('consumer failed');
  });

  it('fails with a retryable provider_unavailable when nothing listens', async () => {
    const gone = await startMockProvider();
    const url = gone.url;
    await gone.close();
    const error = await rejection(client.send(chatRequest(url, 'mock-fast'), { timeoutMs: 5000 }));
    expect(error).toMatchObject({ code: 'provider_unavailable', kind: 'connection', retryable: true });
    expect(error.getStatus()).toBe(503);
  });

  it.each(CLIENT_ABORTS)('does not call at all when the client has already gone (%s)', async (_kind, clientAbort) => {
    const aborter = clientAbort();
    aborter.abort();
    const error = await rejection(client.send(chatRequest(mock.url, 'mock-fast'), { timeoutMs: 5000, signal: aborter.signal }));
    expect(error).toMatchObject({ kind: 'aborted', retryable: false });
  });
});

describe('UpstreamClient connections', () => {
  let provider: WatchedMockProvider;
  let client: UpstreamClient;

  beforeEach(async () => {
    provider = await new WatchedMockProvider().start();
    client = new UpstreamClient({ destinations: loopback });
  });
  afterEach(async () => {
    await client.destroy();
    await provider.close();
  });

  /** undici hands a connection back to its pool a turn after the body ends: wait for that, not for a time. */
  const connectionFree = () => waitUntil(() => client.poolStats(provider.url)?.free === 1, 5000, 'the connection to return to the pool');

  it('reuses one keep-alive connection for sequential requests to an origin', async () => {
    await readAll((await client.send(chatRequest(provider.url, 'mock-fast'), { timeoutMs: 5000 })).body);
    await connectionFree();
    await readAll((await client.send(chatRequest(provider.url, 'mock-fast+tokens=3', true), { timeoutMs: 5000 })).body);
    await connectionFree();
    expect(provider.opened).toBe(1);
    expect(client.poolStats(provider.url)).toMatchObject({ connected: 1, running: 0 });
  });

  it('keeps connections open across back-to-back requests', async () => {
    for (let i = 0; i < 10; i++) await readAll((await client.send(chatRequest(provider.url, 'mock-fast'), { timeoutMs: 5000 })).body);
    // Without keep-alive this would be 10; undici may open a second one while the first is being handed back.
    expect(provider.opened).toBeLessThanOrEqual(2);
    expect(provider.closed).toBe(0);
  });

  it('keeps the connection for reuse after an error status is read', async () => {
    const failing = client.send(chatRequest(provider.url, 'mock-fast+status=503'), { timeoutMs: 5000 }).then(ensureSuccess);
    await expect(failing).rejects.toBeInstanceOf(UpstreamError);
    await connectionFree();
    await readAll((await client.send(chatRequest(provider.url, 'mock-fast'), { timeoutMs: 5000 })).body);
    expect(provider.opened).toBe(1);
  });

  // The body's last bytes come 100 ms after its last event, as when a provider flushes [DONE] before ending the response.
  const stopsAtDone: Array<[string, (body: UpstreamBody) => Promise<void>]> = [
    [
      'the consumer stops iterating',
      async (body) => {
        for await (const chunk of body) if (Buffer.from(chunk).toString('utf8').includes('[DONE]')) break;
      },
    ],
    ['read() is stopped', (body) => body.read((chunk) => !Buffer.from(chunk).toString('utf8').includes('[DONE]'))],
  ];

  it.each(stopsAtDone)('keeps the connection for reuse when %s at a stream’s last event, before the body’s end', async (_how, stopAtDone) => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: [DONE]\n\n');
      setTimeout(() => res.end(), 100);
    });
    let opened = 0;
    server.on('connection', () => opened++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (let i = 0; i < 2; i++) {
        const response = await client.send(chatRequest(url, 'any', true), { timeoutMs: 5000 });
        await stopAtDone(response.body);
        await waitUntil(() => client.poolStats(url)?.free === 1, 5000, 'the connection to return to the pool');
      }
      expect(opened).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('closes the upstream connection when the client aborts during read()', async () => {
    const controller = new AbortController();
    const response = await client.send(chatRequest(provider.url, 'mock-fast+tokens=50;chunk_delay_ms=200', true), {
      timeoutMs: 30_000,
      signal: controller.signal,
    });
    let chunks = 0;
    const error = await rejection(
      response.body.read(() => {
        if (++chunks === 1) controller.abort();
        return true;
      }),
    );
    expect(error).toMatchObject({ kind: 'aborted', retryable: false });
    await waitUntil(() => provider.closed === 1, 5000, 'the provider to see the connection close');
  });

  it('opens parallel connections for concurrent requests, within the per-origin bound', async () => {
    const bounded = new UpstreamClient({ destinations: loopback, connectionsPerOrigin: 2 });
    try {
      const responses = await Promise.all(
        Array.from({ length: 4 }, () => bounded.send(chatRequest(provider.url, 'mock-fast+headers_delay_ms=100'), { timeoutMs: 5000 })),
      );
      await Promise.all(responses.map((r) => r.body.text()));
      expect(provider.opened).toBe(2);
    } finally {
      await bounded.destroy();
    }
  });

  it.each(CLIENT_ABORTS)('closes the upstream connection when the client aborts mid-stream (%s)', async (_kind, clientAbort) => {
    const controller = clientAbort();
    const response = await client.send(chatRequest(provider.url, 'mock-fast+tokens=50;chunk_delay_ms=200', true), {
      timeoutMs: 30_000,
      signal: controller.signal,
    });
    const iterator = response.body[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    expect(provider.closed).toBe(0);
    controller.abort();
    const error = await rejection(iterator.next());
    expect(error).toMatchObject({ kind: 'aborted', retryable: false });
    await waitUntil(() => provider.closed === 1, 5000, 'the provider to see the connection close');
  });

  it.each(CLIENT_ABORTS)('closes the upstream connection when the client aborts before the first byte (%s)', async (_kind, clientAbort) => {
    const controller = clientAbort();
    const sending = client.send(chatRequest(provider.url, 'mock-fast+headers_delay_ms=5000'), { timeoutMs: 30_000, signal: controller.signal });
    await waitUntil(() => provider.opened === 1, 5000, 'the request to reach the provider');
    controller.abort();
    expect(await rejection(sending)).toMatchObject({ kind: 'aborted', retryable: false });
    await waitUntil(() => provider.closed === 1, 5000, 'the provider to see the connection close');
  });
});
