import { anthropicAdapter } from './anthropic';
import { ProviderResponseError } from './errors';
import { openAiAdapter } from './openai';

describe('parseResponse', () => {
  it.each([null, 'text', [], { id: 'x' }, { id: 'x', choices: 'no' }])('OpenAI refuses %p', (json) => {
    expect(() => openAiAdapter.parseResponse(json)).toThrow(ProviderResponseError);
  });

  it.each([null, { type: 'error', error: {} }, { type: 'message', content: [] }])('Anthropic refuses %p', (json) => {
    expect(() => anthropicAdapter.parseResponse(json)).toThrow(ProviderResponseError);
  });

  it('joins Anthropic text blocks, skips thinking and counts cached prompt tokens', () => {
    const response = anthropicAdapter.parseResponse({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude',
      content: [{ type: 'thinking', thinking: '...' }, { type: 'text', text: 'Hello' }, { type: 'text', text: ' there' }],
      stop_reason: 'stop_sequence',
      stop_sequence: '###',
      usage: { input_tokens: 3, output_tokens: 2, cache_read_input_tokens: 10, cache_creation_input_tokens: null },
    });
    expect(response.choices[0]).toEqual({ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop' });
    expect(response.usage).toEqual({ prompt_tokens: 13, completion_tokens: 2, total_tokens: 15 });
  });
});
