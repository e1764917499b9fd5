import { chatCompletionRequest } from './chat-request';

describe('chatCompletionRequest', () => {
  it('takes tenant_id out of what is forwarded and keeps unknown fields', () => {
    const request = chatCompletionRequest({ model: 'm', tenant_id: 't1', top_k: 3, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    expect(request.tenantId).toBe('t1');
    expect(request.stream).toBe(true);
    expect(request.canonical).not.toHaveProperty('tenant_id');
    expect(request.canonical).toMatchObject({ model: 'm', top_k: 3 });
  });

  it('lists every invalid field in one validation error', () => {
    expect(() => chatCompletionRequest({ model: 3, messages: [{ role: 'user' }], max_tokens: 0 })).toThrow(
      expect.objectContaining({
        code: 'validation_error',
        details: { model: ['must be a string'], 'messages.0.content': ['is required'], max_tokens: ['must be from 1 to 10000000'] },
      }),
    );
  });

  it('accepts n = 1 and refuses more choices', () => {
    expect(chatCompletionRequest({ model: 'm', n: 1, messages: [{ role: 'user', content: 'Hi' }] }).canonical).toMatchObject({ n: 1 });
    expect(() => chatCompletionRequest({ model: 'm', n: 2, messages: [{ role: 'user', content: 'Hi' }] })).toThrow(
      expect.objectContaining({ code: 'validation_error', details: { n: ['must be 1 (the gateway returns one choice)'] } }),
    );
  });

  it('lets an assistant message carry tool calls without content', () => {
    const request = chatCompletionRequest({
      model: 'm',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c', content: 'done' },
      ],
    });
    expect(request.canonical.messages).toHaveLength(3);
  });

  it('reads a null parameter as one left out, and null messages as missing ones', () => {
    const request = chatCompletionRequest({ model: 'm', tools: null, stop: null, tool_choice: null, messages: [{ role: 'user', content: 'Hi' }] });
    expect(Object.keys(request.canonical).sort()).toEqual(['messages', 'model']);
    expect(() => chatCompletionRequest({ model: 'm', messages: null })).toThrow(
      expect.objectContaining({ code: 'validation_error', details: { messages: ['is required'] } }),
    );
  });
});
