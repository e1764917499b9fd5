import { fixtureBytes, fixtureJson, randomBoundaries, streamEvents } from '../../../test/golden';
import { anthropicAdapter } from './index';

describe('Anthropic adapter, golden fixtures recorded from the mock provider', () => {
  it('turns a text stream into start, usage, text deltas, finish, usage and done', () => {
    expect(streamEvents(anthropicAdapter, fixtureBytes('anthropic', 'messages-stream-text.sse'))).toEqual([
      { type: 'start', id: 'msg_mock_000000000011', model: 'mock-claude' },
      { type: 'usage', prompt_tokens: 7, completion_tokens: 1 },
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

  it('turns tool_use blocks and input_json_delta into tool-call deltas', () => {
    expect(streamEvents(anthropicAdapter, fixtureBytes('anthropic', 'messages-stream-tool.sse'))).toEqual([
      { type: 'start', id: 'msg_mock_000000000013', model: 'mock-claude' },
      { type: 'usage', prompt_tokens: 7, completion_tokens: 1 },
      { type: 'tool_call_delta', index: 0, tool_index: 0, id: 'toolu_mock_000000000014', name: 'search', arguments_delta: '' },
      { type: 'tool_call_delta', index: 0, tool_index: 0, arguments_delta: '{"query":' },
      { type: 'tool_call_delta', index: 0, tool_index: 0, arguments_delta: '"mock"}' },
      { type: 'finish', index: 0, reason: 'tool_calls' },
      { type: 'usage', prompt_tokens: 7, completion_tokens: 20 },
      { type: 'done' },
    ]);
  });

  it('maps max_tokens to a length finish', () => {
    const events = streamEvents(anthropicAdapter, fixtureBytes('anthropic', 'messages-stream-length.sse'));
    expect(events).toContainEqual({ type: 'finish', index: 0, reason: 'length' });
    expect(events.slice(-2)).toEqual([{ type: 'usage', prompt_tokens: 7, completion_tokens: 3 }, { type: 'done' }]);
  });

  it('turns an overloaded error event into provider_unavailable', () => {
    const events = streamEvents(anthropicAdapter, fixtureBytes('anthropic', 'messages-stream-error.sse'));
    expect(events.slice(-1)).toEqual([
      { type: 'error', code: 'provider_unavailable', message: 'Overloaded (injected by the stream_error directive)' },
    ]);
  });

  it.each(['messages-stream-text.sse', 'messages-stream-tool.sse', 'messages-stream-length.sse', 'messages-stream-error.sse'])(
    'gives the same events for %s at any chunking, byte at a time included',
    (file) => {
      const bytes = fixtureBytes('anthropic', file);
      const whole = streamEvents(anthropicAdapter, bytes);
      for (let seed = 1; seed <= 25; seed++) {
        expect(streamEvents(anthropicAdapter, bytes, randomBoundaries(bytes.length, seed))).toEqual(whole);
      }
      const everyByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
      expect(streamEvents(anthropicAdapter, bytes, everyByte)).toEqual(whole);
    },
  );

  it('turns recorded messages into chat completions with usage', () => {
    const text = anthropicAdapter.parseResponse(fixtureJson('anthropic', 'messages-text.json'));
    expect(text).toEqual({
      id: 'msg_mock_00000000001a',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'mock-claude',
      choices: [{ index: 0, message: { role: 'assistant', content: 'doors that never close before midnight' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 7, completion_tokens: 6, total_tokens: 13 },
    });
    const tool = anthropicAdapter.parseResponse(fixtureJson('anthropic', 'messages-tool.json'));
    expect(tool.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'toolu_mock_00000000001c', type: 'function', function: { name: 'search', arguments: '{"query":"mock"}' } }],
      },
      finish_reason: 'tool_calls',
    });
  });

  it('maps a recorded 529 to a retryable provider_unavailable', () => {
    const body = JSON.stringify(fixtureJson('anthropic', 'messages-error-529.json'));
    expect(anthropicAdapter.mapError(529, body)).toEqual({ code: 'provider_unavailable', message: expect.any(String), retryable: true });
  });
});
