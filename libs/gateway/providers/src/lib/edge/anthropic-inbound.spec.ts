import type { AnthropicMessagesRequest } from '@sluice/contracts';
import { toMessagesRequest } from '../anthropic/request';
import type { CanonicalRequest } from '../types';
import { fromMessagesRequest } from './anthropic-inbound';

const MESSAGES_REQUEST: AnthropicMessagesRequest = {
  model: 'claude',
  max_tokens: 300,
  system: [
    { type: 'text', text: 'Be brief.' },
    { type: 'text', text: 'Use tools.' },
  ],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Look at this' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Searching.' },
        { type: 'tool_use', id: 'toolu_1', name: 'search', input: { query: 'a' } },
        { type: 'tool_use', id: 'toolu_2', name: 'lookup', input: {} },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: 'found a' },
        { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'nothing' }] },
        { type: 'text', text: 'And now?' },
      ],
    },
  ],
  tools: [{ name: 'search', description: 'Search', input_schema: { type: 'object', properties: { query: { type: 'string' } } } }],
  tool_choice: { type: 'any', disable_parallel_tool_use: true },
  stop_sequences: ['STOP'],
  temperature: 0.5,
  top_p: 0.8,
  top_k: 40,
  metadata: { user_id: 'u1' },
  stream: true,
};

describe('Messages request → canonical request', () => {
  it('translates system, images, tool calls, tool results and options', () => {
    expect(fromMessagesRequest(MESSAGES_REQUEST)).toEqual({
      model: 'claude',
      max_tokens: 300,
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.\nUse tools.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look at this' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Searching.',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'search', arguments: '{"query":"a"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'lookup', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'found a' },
        { role: 'tool', tool_call_id: 'toolu_2', content: 'nothing' },
        { role: 'user', content: 'And now?' },
      ],
      tools: [{ type: 'function', function: { name: 'search', description: 'Search', parameters: { type: 'object', properties: { query: { type: 'string' } } } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      stop: ['STOP'],
      temperature: 0.5,
      top_p: 0.8,
      user: 'u1',
    });
  });

  it('maps each tool_choice', () => {
    const base: AnthropicMessagesRequest = { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] };
    expect(fromMessagesRequest({ ...base, tool_choice: { type: 'auto' } }).tool_choice).toBe('auto');
    expect(fromMessagesRequest({ ...base, tool_choice: { type: 'none' } }).tool_choice).toBe('none');
    expect(fromMessagesRequest({ ...base, tool_choice: { type: 'tool', name: 'f' } }).tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(fromMessagesRequest(base)).toEqual({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] });
  });

  it('round-trips through the Anthropic adapter’s translation (Messages → canonical → Messages)', () => {
    const { stream: _stream, top_k: _topK, ...expected } = MESSAGES_REQUEST;
    const again = toMessagesRequest(fromMessagesRequest(MESSAGES_REQUEST), 'claude', 1);
    expect(again).toEqual({
      ...expected,
      system: [{ type: 'text', text: 'Be brief.\nUse tools.' }],
      messages: [
        MESSAGES_REQUEST.messages[0],
        MESSAGES_REQUEST.messages[1],
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'found a' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'nothing' },
            { type: 'text', text: 'And now?' },
          ],
        },
      ],
    });
  });

  it('round-trips a canonical conversation with tool calls (canonical → Messages → canonical)', () => {
    const canonical: CanonicalRequest = {
      model: 'gpt',
      max_tokens: 50,
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '12C' },
        { role: 'assistant', content: 'It is 12C.' },
      ],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'auto',
      stop: ['x'],
    };
    expect(fromMessagesRequest(toMessagesRequest(canonical, 'gpt', 1))).toEqual(canonical);
  });
});
