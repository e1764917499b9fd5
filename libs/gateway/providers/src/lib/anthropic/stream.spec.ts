import { createAnthropicStreamState, parseAnthropicStreamFrame } from './stream';

function parse(...data: string[]) {
  const state = createAnthropicStreamState();
  return data.flatMap((d) => parseAnthropicStreamFrame({ data: d }, state));
}

describe('parseAnthropicStreamFrame', () => {
  it('counts cached prompt tokens and numbers tool calls across text blocks', () => {
    const events = parse(
      '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1,"cache_creation_input_tokens":5,"cache_read_input_tokens":20}}}',
      '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Sure."}}',
      '{"type":"content_block_stop","index":0}',
      '{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t1","name":"a","input":{}}}',
      '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{}"}}',
      '{"type":"content_block_stop","index":1}',
      '{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"t2","name":"b","input":{}}}',
      '{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"x\\":1}"}}',
      '{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":30}}',
      '{"type":"message_stop"}',
    );
    expect(events).toEqual([
      { type: 'start', id: 'msg_1', model: 'claude' },
      { type: 'usage', prompt_tokens: 35, completion_tokens: 1 },
      { type: 'text_delta', index: 0, text: 'Sure.' },
      { type: 'tool_call_delta', index: 0, tool_index: 0, id: 't1', name: 'a', arguments_delta: '' },
      { type: 'tool_call_delta', index: 0, tool_index: 0, arguments_delta: '{}' },
      { type: 'tool_call_delta', index: 0, tool_index: 1, id: 't2', name: 'b', arguments_delta: '' },
      { type: 'tool_call_delta', index: 0, tool_index: 1, arguments_delta: '{"x":1}' },
      { type: 'finish', index: 0, reason: 'tool_calls' },
      { type: 'usage', prompt_tokens: 35, completion_tokens: 30 },
      { type: 'done' },
    ]);
  });

  it('ignores ping, thinking blocks and unknown event types', () => {
    expect(
      parse(
        '{"type":"ping"}',
        '{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}',
        '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}',
        '{"type":"something_new"}',
      ),
    ).toEqual([]);
  });

  it('maps stop reasons and takes input tokens from message_delta when given', () => {
    const stop = (reason: string) =>
      parse(`{"type":"message_delta","delta":{"stop_reason":"${reason}","stop_sequence":null},"usage":{"output_tokens":2,"input_tokens":9}}`);
    expect(stop('end_turn')[0]).toEqual({ type: 'finish', index: 0, reason: 'stop' });
    expect(stop('stop_sequence')[0]).toEqual({ type: 'finish', index: 0, reason: 'stop' });
    expect(stop('max_tokens')[0]).toEqual({ type: 'finish', index: 0, reason: 'length' });
    expect(stop('refusal')[0]).toEqual({ type: 'finish', index: 0, reason: 'content_filter' });
    expect(stop('end_turn')[1]).toEqual({ type: 'usage', prompt_tokens: 9, completion_tokens: 2 });
  });

  it('reports malformed frames and input deltas of unknown blocks as errors', () => {
    for (const data of ['{"type":"message_st', '[1]', '{"no":"type"}', '{"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{"}}']) {
      expect(parse(data)).toEqual([{ type: 'error', code: 'provider_error', message: 'The Anthropic stream sent a malformed event' }]);
    }
  });

  it('maps error event types', () => {
    expect(parse('{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}')).toEqual([
      { type: 'error', code: 'rate_limit_exceeded', message: 'slow' },
    ]);
    expect(parse('{"type":"error","error":{"type":"api_error","message":"oops"}}')).toEqual([{ type: 'error', code: 'provider_error', message: 'oops' }]);
  });
});
