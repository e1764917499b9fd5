import type { DeploymentRecord } from '@sluice/contracts';
import type { CanonicalRequest } from '../types';
import { anthropicAdapter, DEFAULT_ANTHROPIC_MAX_TOKENS } from './index';
import { toMessagesRequest } from './request';

const DEPLOYMENT: DeploymentRecord = {
  id: 'claude/0',
  provider: 'anthropic',
  base_url: 'https://api.anthropic.com',
  upstream_model: 'claude-sonnet-4-5',
  credential_env: 'ANTHROPIC_API_KEY',
  weight: 1,
  region: null,
  timeout_ms: 60_000,
};

const CONVERSATION: CanonicalRequest = {
  model: 'claude',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'developer', content: [{ type: 'text', text: 'Use tools.' }] },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      ],
    },
    {
      role: 'assistant',
      content: 'Let me look.',
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'search', arguments: '{"query":"cat"}' } },
        { id: 'call_2', type: 'function', function: { name: 'lookup', arguments: '{"id":7}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
    { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'id 7' }] },
    { role: 'user', content: 'Thanks' },
  ],
  tools: [
    { type: 'function', function: { name: 'search', description: 'Search the web', parameters: { type: 'object', properties: { query: { type: 'string' } } } } },
    { type: 'function', function: { name: 'lookup' } },
  ],
  tool_choice: { type: 'function', function: { name: 'search' } },
  parallel_tool_calls: false,
  stop: 'END',
  temperature: 1.5,
  top_p: 0.9,
  user: 'user-42',
  max_tokens: 200,
};

describe('Chat Completions → Messages request', () => {
  it('hoists system prompts, converts content, tool calls and tool results', () => {
    expect(toMessagesRequest(CONVERSATION, 'claude-sonnet-4-5', 1000)).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      system: [
        { type: 'text', text: 'Be brief.' },
        { type: 'text', text: 'Use tools.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me look.' },
            { type: 'tool_use', id: 'call_1', name: 'search', input: { query: 'cat' } },
            { type: 'tool_use', id: 'call_2', name: 'lookup', input: { id: 7 } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: 'a cat' },
            { type: 'tool_result', tool_use_id: 'call_2', content: 'id 7' },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
      tools: [
        { name: 'search', description: 'Search the web', input_schema: { type: 'object', properties: { query: { type: 'string' } } } },
        { name: 'lookup', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'tool', name: 'search', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      temperature: 1,
      top_p: 0.9,
      metadata: { user_id: 'user-42' },
    });
  });

  it('requires max_tokens: max_completion_tokens first, then max_tokens, then the default', () => {
    const base: CanonicalRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    expect(toMessagesRequest({ ...base, max_completion_tokens: 5, max_tokens: 9 }, 'x', 100).max_tokens).toBe(5);
    expect(toMessagesRequest({ ...base, max_tokens: 9 }, 'x', 100).max_tokens).toBe(9);
    expect(toMessagesRequest(base, 'x', 100).max_tokens).toBe(100);
    const built = anthropicAdapter.buildRequest(base, DEPLOYMENT, 'k', { stream: false });
    expect(JSON.parse(built.body).max_tokens).toBe(DEFAULT_ANTHROPIC_MAX_TOKENS);
    const withCatalogDefault = anthropicAdapter.buildRequest(base, DEPLOYMENT, 'k', { stream: false, defaultMaxTokens: 64 });
    expect(JSON.parse(withCatalogDefault.body).max_tokens).toBe(64);
  });

  it('maps tool_choice values', () => {
    const base: CanonicalRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    expect(toMessagesRequest({ ...base, tool_choice: 'auto' }, 'x', 1).tool_choice).toEqual({ type: 'auto' });
    expect(toMessagesRequest({ ...base, tool_choice: 'required' }, 'x', 1).tool_choice).toEqual({ type: 'any' });
    expect(toMessagesRequest({ ...base, tool_choice: 'none' }, 'x', 1).tool_choice).toEqual({ type: 'none' });
    expect(toMessagesRequest({ ...base, parallel_tool_calls: false }, 'x', 1).tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(toMessagesRequest(base, 'x', 1).tool_choice).toBeUndefined();
  });

  it('merges consecutive turns of one role and drops empty ones', () => {
    const request: CanonicalRequest = {
      model: 'm',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'c' },
      ],
    };
    expect(toMessagesRequest(request, 'x', 1).messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
          { type: 'text', text: 'c' },
        ],
      },
    ]);
  });

  it('builds the URL, headers and a streaming body', () => {
    const built = anthropicAdapter.buildRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, DEPLOYMENT, 'sk-ant', { stream: true });
    expect(built.url).toBe('https://api.anthropic.com/v1/messages');
    expect(built.headers).toEqual({ 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant' });
    expect(JSON.parse(built.body)).toMatchObject({ model: 'claude-sonnet-4-5', stream: true });
    const v1 = anthropicAdapter.buildRequest({ model: 'm', messages: [] }, { ...DEPLOYMENT, base_url: 'http://127.0.0.1:9100/v1/' }, null, { stream: false });
    expect(v1.url).toBe('http://127.0.0.1:9100/v1/messages');
    expect(v1.headers['x-api-key']).toBeUndefined();
    expect(JSON.parse(v1.body).stream).toBeUndefined();
  });
});
