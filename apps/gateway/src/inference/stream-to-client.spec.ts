import type { ModelRecord } from '@sluice/contracts';
import { OpenAiChunkWriter, OpenAiStreamPassThrough, SseParser, openAiAdapter, openAiStreamError } from '@sluice/gateway/providers';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { ChunkConsumer } from '../upstream/upstream-body';
import type { UpstreamResponse } from '../upstream/upstream-client';
import { clientGoneError, UpstreamError } from '../upstream/upstream.error';
import type { ResponseEdge } from './inference-request';
import { RequestMeter } from './request-meter';
import { streamToClient, type StreamRelay } from './stream-to-client';
import { TranslatingRelay } from './translating-relay';

/** What `streamToClient` uses of a `ServerResponse`: writes, the end, and the events of backpressure. */
class FakeResponse extends EventEmitter {
  readonly written: Buffer[] = [];
  destroyed = false;
  writableEnded = false;
  write(data: string | Buffer): boolean {
    this.written.push(Buffer.from(data));
    return true;
  }
  end(): void {
    this.writableEnded = true;
  }
  text(): string {
    return Buffer.concat(this.written).toString('utf8');
  }
}

const edge = { streamError: openAiStreamError } as unknown as ResponseEdge;

function frame(fields: Record<string, unknown>): string {
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'upstream-model', ...fields })}\n\n`;
}
const text = (content: string) => frame({ choices: [{ index: 0, delta: { content }, finish_reason: null }], usage: null });
const USAGE = frame({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } });
const DONE = 'data: [DONE]\n\n';

/** A body as `UpstreamBody.read` reads one: each chunk in turn until the consumer stops, then the failure if any. */
function upstreamOf(chunks: string[], failure?: Error): UpstreamResponse {
  const body = {
    async read(consume: ChunkConsumer): Promise<void> {
      for (const chunk of chunks) {
        const next = consume(Buffer.from(chunk));
        if (next === false) return;
        if (next !== true) await next;
      }
      if (failure) throw failure;
    },
  };
  return { status: 200, headers: {}, timeToHeadersMs: 1, body } as unknown as UpstreamResponse;
}

async function run(chunks: string[], options: { relay?: StreamRelay; failure?: Error; abort?: AbortController } = {}) {
  const raw = new FakeResponse();
  const meter = new RequestMeter({ id: 'mock-chat' } as ModelRecord);
  const relay = options.relay ?? new OpenAiStreamPassThrough({ model: 'mock-chat', includeUsage: false });
  const summary = await streamToClient({
    raw: raw as unknown as ServerResponse,
    upstream: upstreamOf(chunks, options.failure),
    relay,
    edge,
    meter,
    clientSignal: (options.abort ?? new AbortController()).signal,
  });
  return { raw, meter, summary, events: new SseParser().push(Buffer.concat(raw.written)) };
}

describe('streamToClient', () => {
  it('passes an OpenAI stream through, meters the provider’s usage and the first token, and ends the reply', async () => {
    // A frame split across two chunks, and two frames in one.
    const all = text('Hel') + text('lo') + USAGE + DONE;
    const { raw, meter, summary, events } = await run([all.slice(0, 40), all.slice(40, 300), all.slice(300)]);
    expect(events.map((e) => (e.data === '[DONE]' ? e.data : JSON.parse(e.data).choices[0].delta.content))).toEqual(['Hel', 'lo', '[DONE]']);
    expect(events.every((e) => e.data === '[DONE]' || JSON.parse(e.data).model === 'mock-chat')).toBe(true);
    expect(meter).toMatchObject({ outcome: 'completed', usageSource: 'provider', promptTokens: 5, completionTokens: 3 });
    expect(meter.timeToFirstTokenMs).toEqual(expect.any(Number));
    expect(summary.generatedCharacters).toBe(5);
    expect(raw.writableEnded).toBe(true);
  });

  it('holds the next chunk while the client’s socket is full, until it drains', async () => {
    const raw = new FakeResponse();
    let full = true;
    raw.write = (data: string | Buffer) => {
      raw.written.push(Buffer.from(data));
      return !full;
    };
    const meter = new RequestMeter({ id: 'mock-chat' } as ModelRecord);
    const streaming = streamToClient({
      raw: raw as unknown as ServerResponse,
      upstream: upstreamOf([text('a'), text('b'), DONE]),
      relay: new OpenAiStreamPassThrough({ model: 'mock-chat', includeUsage: false }),
      edge,
      meter,
      clientSignal: new AbortController().signal,
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(raw.written).toHaveLength(1);
    full = false;
    raw.emit('drain');
    await streaming;
    expect(new SseParser().push(Buffer.concat(raw.written)).map((e) => e.data)).toHaveLength(3);
    expect(raw.writableEnded).toBe(true);
  });

  it('ends the reply in the turn of its last bytes, so the two leave the corked socket in one write', async () => {
    const raw = new FakeResponse();
    const endedWhenStopped: boolean[] = [];
    const body = {
      async read(consume: ChunkConsumer): Promise<void> {
        for (const chunk of [text('a'), text('b') + DONE]) if (consume(Buffer.from(chunk)) === false) endedWhenStopped.push(raw.writableEnded);
      },
    };
    await streamToClient({
      raw: raw as unknown as ServerResponse,
      upstream: { status: 200, headers: {}, timeToHeadersMs: 1, body } as unknown as UpstreamResponse,
      relay: new OpenAiStreamPassThrough({ model: 'mock-chat', includeUsage: false }),
      edge,
      meter: new RequestMeter({ id: 'mock-chat' } as ModelRecord),
      clientSignal: new AbortController().signal,
    });
    expect(endedWhenStopped).toEqual([true]);
    expect(raw.text().endsWith(DONE)).toBe(true);
  });

  it('leaves usage to the estimate when the provider reports none', async () => {
    const { meter, summary } = await run([text('abcd') + DONE]);
    expect(meter.usageSource).toBe('estimated');
    expect(summary.generatedCharacters).toBe(4);
  });

  it('ends with the error event when the upstream fails mid-stream, after what had arrived, and meters a provider error', async () => {
    const failure = new UpstreamError({ code: 'provider_error', kind: 'connection', retryable: false, message: 'The provider closed the connection' });
    const { raw, meter, events } = await run([text('a')], { failure });
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ event: 'error' });
    expect(JSON.parse(events[1].data)).toMatchObject({ error: { code: 'provider_error', message: 'The provider closed the connection' } });
    expect(meter.outcome).toBe('provider_error');
    expect(raw.writableEnded).toBe(true);
  });

  it('reports a stream cut before [DONE] with the error event', async () => {
    const { meter, events } = await run([text('a'), USAGE]);
    expect(events[events.length - 1]).toMatchObject({ event: 'error' });
    expect(meter.outcome).toBe('provider_error');
    expect(meter.usageSource).toBe('provider');
  });

  it('meters an in-stream provider error once, as a provider error', async () => {
    const { meter, events } = await run([text('a'), 'data: {"error":{"message":"boom","type":"server_error"}}\n\n', text('late') + DONE]);
    expect(events.map((e) => e.event ?? 'message')).toEqual(['message', 'error']);
    expect(meter.outcome).toBe('provider_error');
  });

  it('meters a client that left as client_aborted and writes nothing more', async () => {
    const abort = new AbortController();
    abort.abort();
    const { raw, meter } = await run([text('a')], { failure: clientGoneError(), abort });
    expect(meter.outcome).toBe('client_aborted');
    expect(raw.text()).not.toContain('event: error');
  });

  it('gives the client the same text, usage and end through the translating relay as through the pass-through', async () => {
    const chunks = [text('Hel') + text('lo'), USAGE + DONE];
    const translating = new TranslatingRelay(openAiAdapter, new OpenAiChunkWriter({ includeUsage: true, model: 'mock-chat' }));
    const through = await run(chunks, { relay: new OpenAiStreamPassThrough({ model: 'mock-chat', includeUsage: true }) });
    const translated = await run(chunks, { relay: translating });
    const contentOf = (events: { data: string }[]) =>
      events.map((e) => (e.data === '[DONE]' ? e.data : ((d) => d.choices[0]?.delta.content ?? JSON.stringify(d.usage ?? null))(JSON.parse(e.data))));
    expect(contentOf(through.events).filter((c) => c !== '')).toEqual(contentOf(translated.events).filter((c) => c !== ''));
    expect(through.meter).toMatchObject({ promptTokens: 5, completionTokens: 3, outcome: 'completed' });
    expect(translated.meter).toMatchObject({ promptTokens: 5, completionTokens: 3, outcome: 'completed' });
    expect(through.summary.generatedCharacters).toBe(translated.summary.generatedCharacters);
  });
});
