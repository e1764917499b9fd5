import { fixtureBytes, fixtureJson, randomBoundaries, streamEvents } from '../../../test/golden';
import { openAiAdapter } from './index';

const ID = 'chatcmpl-mock-000000000002';

describe('OpenAI adapter, golden fixtures recorded from the mock provider', () => {
  it('turns a text stream into start, text deltas, finish, usage and done', () => {
    const events = streamEvents(openAiAdapter, fixtureBytes('openai', 'chat-stream-text.sse'));
    expect(events).toEqual([
      { type: 'start', id: ID, model: 'mock-gpt' },
      { type: 'text_delta', index: 0, text: 'doors' },
      { type: 'text_delta', index: 0, text: ' that' },
      { type: 'text_delta', index: 0, text: ' never' },
      { type: 'text_delta', index: 0, text: ' close' },
      { type: 'text_delta', index: 0, text: ' before' },
      { type: 'text_delta', index: 0, text: ' midnight' },
      { type: 'finish', index: 0, reason: 'stop' },
      { type: 'usage', prompt_tokens: 7, completion_tokens: 6 },
      { type: 'done' },
    ]);
  });

  it('turns a tool-call stream into an opening delta with id and name, then argument deltas', () => {
    const events = streamEvents(openAiAdapter, fixtureBytes('openai', 'chat-stream-tool.sse'));
    expect(events).toEqual([
      { type: 'start', id: 'chatcmpl-mock-000000000004', model: 'mock-gpt' },
      { type: 'tool_call_delta', index: 0, tool_index: 0, id: 'call_mock_000000000005', name: 'search', arguments_delta: '' },
      { type: 'tool_call_delta', index: 0, tool_index: 0, arguments_delta: '{"query":' },
      { type: 'tool_call_delta', index: 0, tool_index: 0, arguments_delta: '"mock"}' },
      { type: 'finish', index: 0, reason: 'tool_calls' },
      { type: 'usage', prompt_tokens: 7, completion_tokens: 20 },
      { type: 'done' },
    ]);
  });

  it('reports a length finish', () => {
    const events = streamEvents(openAiAdapter, fixtureBytes('openai', 'chat-stream-length.sse'));
    expect(events.filter((e) => e.type === 'text_delta')).toHaveLength(3);
    expect(events).toContainEqual({ type: 'finish', index: 0, reason: 'length' });
    expect(events.some((e) => e.type === 'usage')).toBe(false); // the recording did not ask for usage
  });

  it('turns an in-stream error into an error event', () => {
    const events = streamEvents(openAiAdapter, fixtureBytes('openai', 'chat-stream-error.sse'));
    expect(events.slice(-1)).toEqual([
      { type: 'error', code: 'provider_error', message: 'Mock stream error injected by the stream_error directive' },
    ]);
    expect(events.filter((e) => e.type === 'text_delta')).toHaveLength(2);
  });

  it.each(['chat-stream-text.sse', 'chat-stream-tool.sse', 'chat-stream-length.sse', 'chat-stream-error.sse'])(
    'gives the same events for %s at any chunking, byte at a time included',
    (file) => {
      const bytes = fixtureBytes('openai', file);
      const whole = streamEvents(openAiAdapter, bytes);
      for (let seed = 1; seed <= 25; seed++) expect(streamEvents(openAiAdapter, bytes, randomBoundaries(bytes.length, seed))).toEqual(whole);
      const everyByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
      expect(streamEvents(openAiAdapter, bytes, everyByte)).toEqual(whole);
    },
  );

  it('parses recorded JSON responses with their usage', () => {
    const text = openAiAdapter.parseResponse(fixtureJson('openai', 'chat-text.json'));
    expect(text.choices[0].message.content).toBe('doors that never close before midnight');
    expect(text.choices[0].finish_reason).toBe('stop');
    expect(text.usage).toEqual({ prompt_tokens: 7, completion_tokens: 6, total_tokens: 13 });
    const tool = openAiAdapter.parseResponse(fixtureJson('openai', 'chat-tool.json'));
    expect(tool.choices[0].message.tool_calls?.[0].function).toEqual({ name: 'search', arguments: '{"query":"mock"}' });
    expect(tool.choices[0].finish_reason).toBe('tool_calls');
  });

  it('maps a recorded 429 to a retryable rate limit', () => {
    const body = JSON.stringify(fixtureJson('openai', 'chat-error-429.json'));
    expect(openAiAdapter.mapError(429, body)).toEqual({ code: 'rate_limit_exceeded', message: expect.any(String), retryable: true });
  });
});
