import Anthropic from '@anthropic-ai/sdk';
import { fixtureBytes, randomBoundaries, streamEvents } from '../../../test/golden';
import { anthropicAdapter } from '../anthropic';
import { openAiAdapter } from '../openai';
import { SseParser } from '../sse/sse-parser';
import type { NormalizedEvent } from '../types';
import { AnthropicEventWriter } from './anthropic-event-writer';

const encoder = new TextEncoder();

function written(events: NormalizedEvent[], model?: string): string {
  const writer = new AnthropicEventWriter(model === undefined ? {} : { model });
  return events.map((event) => writer.write(event)).join('');
}

function eventNames(sse: string): string[] {
  const parser = new SseParser();
  return [...parser.push(encoder.encode(sse)), ...parser.end()].map((frame) => frame.event ?? '');
}

function sdkOver(sse: string): Anthropic {
  const fetch = async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  return new Anthropic({ apiKey: 'test', baseURL: 'http://sluice.invalid', fetch, maxRetries: 0 });
}

describe('AnthropicEventWriter', () => {
  it('re-parses into the same events (the Anthropic fixtures round-trip)', () => {
    for (const file of ['messages-stream-text.sse', 'messages-stream-tool.sse', 'messages-stream-length.sse']) {
      const events = streamEvents(anthropicAdapter, fixtureBytes('anthropic', file));
      const sse = written(events);
      expect(streamEvents(anthropicAdapter, encoder.encode(sse), randomBoundaries(sse.length, 3))).toEqual(events);
    }
  });

  it('writes the Messages event sequence for an OpenAI text stream', () => {
    const events = streamEvents(openAiAdapter, fixtureBytes('openai', 'chat-stream-text.sse'));
    expect(eventNames(written(events))).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      ...Array<string>(6).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('opens a new block per tool call and closes the text block before it', () => {
    const events: NormalizedEvent[] = [
      { type: 'start', id: 'c1', model: 'gpt' },
      { type: 'text_delta', index: 0, text: 'Checking.' },
      { type: 'tool_call_delta', index: 0, tool_index: 0, id: 'a', name: 'f', arguments_delta: '{"x":' },
      { type: 'tool_call_delta', index: 0, tool_index: 0, arguments_delta: '1}' },
      { type: 'tool_call_delta', index: 0, tool_index: 1, id: 'b', name: 'g', arguments_delta: '{}' },
      { type: 'text_delta', index: 1, text: 'second choice, dropped' },
      { type: 'finish', index: 0, reason: 'tool_calls' },
      { type: 'usage', prompt_tokens: 3, completion_tokens: 4 },
      { type: 'done' },
    ];
    const parser = new SseParser();
    const frames = [...parser.push(encoder.encode(written(events))), ...parser.end()];
    const payloads = frames.map((frame) => JSON.parse(frame.data));
    expect(payloads.filter((p) => p.type === 'content_block_start')).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'a', name: 'f', input: {} } },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'b', name: 'g', input: {} } },
    ]);
    expect(payloads.filter((p) => p.type === 'content_block_stop').map((p) => p.index)).toEqual([0, 1, 2]);
    expect(JSON.stringify(payloads)).not.toContain('second choice');
    expect(payloads.find((p) => p.type === 'message_delta')).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 3, output_tokens: 4 },
    });
  });

  it('is read by the official Anthropic SDK into the final message', async () => {
    const events = streamEvents(openAiAdapter, fixtureBytes('openai', 'chat-stream-tool.sse'));
    const message = await sdkOver(written(events, 'claude-via-sluice'))
      .messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(message).toMatchObject({
      model: 'claude-via-sluice',
      content: [{ type: 'tool_use', id: 'call_mock_000000000005', name: 'search', input: { query: 'mock' } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 7, output_tokens: 20 },
    });
  });

  it('surfaces an error event to the Anthropic SDK with its error type', async () => {
    const events = streamEvents(anthropicAdapter, fixtureBytes('anthropic', 'messages-stream-error.sse'));
    const stream = sdkOver(written(events)).messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    await expect(stream.finalMessage()).rejects.toMatchObject({ type: 'overloaded_error' });
  });
});
