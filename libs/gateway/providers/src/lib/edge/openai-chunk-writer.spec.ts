import OpenAI from 'openai';
import { fixtureBytes, randomBoundaries, streamEvents } from '../../../test/golden';
import { anthropicAdapter } from '../anthropic';
import { openAiAdapter } from '../openai';
import type { NormalizedEvent } from '../types';
import { clientWantsStreamUsage, OpenAiChunkWriter, type OpenAiChunkWriterOptions } from './openai-chunk-writer';

const encoder = new TextEncoder();

function written(events: NormalizedEvent[], options: OpenAiChunkWriterOptions): string {
  const writer = new OpenAiChunkWriter(options);
  return events.map((event) => writer.write(event)).join('');
}

/** Serves SSE text to an OpenAI SDK client, in place of a network. */
function sdkOver(sse: string): OpenAI {
  const fetch = async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  return new OpenAI({ apiKey: 'test', baseURL: 'http://sluice.invalid/v1', fetch, maxRetries: 0 });
}

describe('OpenAiChunkWriter', () => {
  it('re-parses into the same events (the OpenAI fixtures round-trip)', () => {
    for (const file of ['chat-stream-text.sse', 'chat-stream-tool.sse']) {
      const events = streamEvents(openAiAdapter, fixtureBytes('openai', file));
      const sse = written(events, { includeUsage: true, created: 1 });
      expect(streamEvents(openAiAdapter, encoder.encode(sse), randomBoundaries(sse.length, 7))).toEqual(events);
    }
  });

  it('writes an Anthropic stream as chunks with the client’s model, usage last, then [DONE]', () => {
    const events = streamEvents(anthropicAdapter, fixtureBytes('anthropic', 'messages-stream-tool.sse'));
    const sse = written(events, { includeUsage: true, model: 'claude-via-sluice', created: 1700000000 });
    const frames = sse.split('\n\n').filter((f) => f !== '');
    expect(frames.at(-1)).toBe('data: [DONE]');
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.slice('data: '.length)));
    expect(chunks[0]).toEqual({
      id: 'msg_mock_000000000013',
      object: 'chat.completion.chunk',
      created: 1700000000,
      model: 'claude-via-sluice',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
    expect(chunks[1].choices[0].delta).toEqual({
      tool_calls: [{ index: 0, id: 'toolu_mock_000000000014', type: 'function', function: { name: 'search', arguments: '' } }],
    });
    expect(chunks[2].choices[0].delta).toEqual({ tool_calls: [{ index: 0, function: { arguments: '{"query":' } }] });
    expect(chunks.at(-2).choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'tool_calls' });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 20, total_tokens: 27 } });
  });

  it('leaves the usage chunk out when the client did not ask for it', () => {
    const events = streamEvents(openAiAdapter, fixtureBytes('openai', 'chat-stream-text.sse'));
    expect(events.some((e) => e.type === 'usage')).toBe(true);
    const sse = written(events, { includeUsage: clientWantsStreamUsage({ model: 'm', messages: [], stream: true }) });
    expect(sse).not.toContain('"usage"');
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('decides usage from the client’s stream_options', () => {
    expect(clientWantsStreamUsage({ model: 'm', messages: [], stream_options: { include_usage: true } })).toBe(true);
    expect(clientWantsStreamUsage({ model: 'm', messages: [], stream_options: { include_usage: false } })).toBe(false);
    expect(clientWantsStreamUsage({ model: 'm', messages: [], stream_options: null })).toBe(false);
    expect(clientWantsStreamUsage({ model: 'm', messages: [] })).toBe(false);
  });

  it('escapes text so any content stays valid JSON', () => {
    const text = 'quote " backslash \\ newline \n emoji 🚀 \u2028';
    const sse = written([{ type: 'start', id: 'c', model: 'm' }, { type: 'text_delta', index: 0, text }, { type: 'done' }], { includeUsage: false });
    expect(streamEvents(openAiAdapter, encoder.encode(sse))).toContainEqual({ type: 'text_delta', index: 0, text });
  });

  it('is read by the official OpenAI SDK, tool calls and usage included', async () => {
    const events = streamEvents(anthropicAdapter, fixtureBytes('anthropic', 'messages-stream-tool.sse'));
    const stream = await sdkOver(written(events, { includeUsage: true })).chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let args = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(args).toBe('{"query":"mock"}');
    expect(usage).toEqual({ prompt_tokens: 7, completion_tokens: 20, total_tokens: 27 });
  });

  it('surfaces an error event to the OpenAI SDK as an APIError with our code', async () => {
    const events = streamEvents(openAiAdapter, fixtureBytes('openai', 'chat-stream-error.sse'));
    const stream = await sdkOver(written(events, { includeUsage: false })).chat.completions.create({ model: 'm', messages: [], stream: true });
    let text = '';
    const reading = (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })();
    await expect(reading).rejects.toMatchObject({ code: 'provider_error', message: expect.stringContaining('stream_error directive') });
    expect(text.split(' ')).toHaveLength(2);
  });
});
