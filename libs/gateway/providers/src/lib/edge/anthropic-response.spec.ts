import { fixtureJson } from '../../../test/golden';
import { anthropicAdapter } from '../anthropic';
import { openAiAdapter } from '../openai';
import { toMessagesResponse } from './anthropic-response';

describe('canonical response → Messages response', () => {
  it('writes text, the client’s model, the stop reason and usage', () => {
    const canonical = openAiAdapter.parseResponse(fixtureJson('openai', 'chat-text.json'));
    expect(toMessagesResponse(canonical, { model: 'claude-via-sluice' })).toEqual({
      id: canonical.id,
      type: 'message',
      role: 'assistant',
      model: 'claude-via-sluice',
      content: [{ type: 'text', text: 'doors that never close before midnight' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 7, output_tokens: 6 },
    });
  });

  it('writes tool calls as tool_use blocks', () => {
    const canonical = openAiAdapter.parseResponse(fixtureJson('openai', 'chat-tool.json'));
    const message = toMessagesResponse(canonical);
    expect(message.content).toEqual([{ type: 'tool_use', id: expect.stringMatching(/^call_mock_/), name: 'search', input: { query: 'mock' } }]);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('round-trips recorded Messages responses (Messages → canonical → Messages)', () => {
    for (const file of ['messages-text.json', 'messages-tool.json']) {
      const original = fixtureJson('anthropic', file) as Record<string, unknown> & { usage: Record<string, number> };
      const again = toMessagesResponse(anthropicAdapter.parseResponse(original));
      expect(again).toEqual({ ...original, usage: { input_tokens: original.usage['input_tokens'], output_tokens: original.usage['output_tokens'] } });
    }
  });

  it('maps length and content_filter', () => {
    const base = openAiAdapter.parseResponse(fixtureJson('openai', 'chat-text.json'));
    const withFinish = (finish_reason: 'length' | 'content_filter') => ({ ...base, choices: [{ ...base.choices[0], finish_reason }] });
    expect(toMessagesResponse(withFinish('length')).stop_reason).toBe('max_tokens');
    expect(toMessagesResponse(withFinish('content_filter')).stop_reason).toBe('refusal');
  });
});
