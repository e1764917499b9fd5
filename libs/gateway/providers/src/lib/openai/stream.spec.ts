import { createOpenAiStreamState, parseOpenAiStreamFrame } from './stream';

function parse(...data: string[]) {
  const state = createOpenAiStreamState();
  return data.flatMap((d) => parseOpenAiStreamFrame({ data: d }, state));
}

describe('parseOpenAiStreamFrame', () => {
  it('does not take Azure’s choice-less prompt-filter chunk for the start', () => {
    const events = parse(
      '{"id":"","object":"","created":0,"model":"","choices":[],"prompt_filter_results":[]}',
      '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
    );
    expect(events).toEqual([{ type: 'start', id: 'c1', model: 'gpt-4o' }]);
  });

  it('emits start once, and usage from the final choice-less chunk', () => {
    const events = parse(
      '{"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}',
      '{"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"b"},"finish_reason":"stop"}]}',
      '{"id":"c1","model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
      '[DONE]',
    );
    expect(events).toEqual([
      { type: 'start', id: 'c1', model: 'm' },
      { type: 'text_delta', index: 0, text: 'a' },
      { type: 'text_delta', index: 0, text: 'b' },
      { type: 'finish', index: 0, reason: 'stop' },
      { type: 'usage', prompt_tokens: 3, completion_tokens: 2 },
      { type: 'done' },
    ]);
  });

  it('keeps the choice index of n > 1 streams and several tool calls in one chunk', () => {
    const events = parse(
      '{"id":"c","model":"m","choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":""}},{"index":1,"id":"b","type":"function","function":{"name":"g","arguments":"{}"}}]},"finish_reason":null}]}',
    );
    expect(events.slice(1)).toEqual([
      { type: 'tool_call_delta', index: 1, tool_index: 0, id: 'a', name: 'f', arguments_delta: '' },
      { type: 'tool_call_delta', index: 1, tool_index: 1, id: 'b', name: 'g', arguments_delta: '{}' },
    ]);
  });

  it('reads the legacy function_call finish as tool_calls', () => {
    expect(parse('{"id":"c","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"function_call"}]}')).toContainEqual({
      type: 'finish',
      index: 0,
      reason: 'tool_calls',
    });
  });

  it('reports OpenAI, Ollama and rate-limit errors sent inside the stream', () => {
    expect(parse('{"error":{"message":"boom","type":"server_error"}}')).toEqual([{ type: 'error', code: 'provider_error', message: 'boom' }]);
    expect(parse('{"error":"model crashed"}')).toEqual([{ type: 'error', code: 'provider_error', message: 'model crashed' }]);
    expect(parse('{"error":{"message":"slow down","type":"rate_limit_error"}}')[0]).toMatchObject({ code: 'rate_limit_exceeded' });
  });

  it('reports malformed frames as provider errors instead of throwing', () => {
    for (const data of ['{"id":"c","cho', '42', '"text"', '{"id":"c","choices":"x"}']) {
      expect(parse(data)).toEqual([{ type: 'error', code: 'provider_error', message: expect.stringContaining('malformed') }]);
    }
  });
});
