import { SluiceException } from '@sluice/platform';
import { messagesRequest } from './messages-request';

jest.mock('@sluice/gateway/providers', () => ({
  fromMessagesRequest: () => {
    throw new RangeError('Maximum call stack size exceeded');
  },
}));

describe('messagesRequest', () => {
  it('answers a body the translation fails on with a 400 that does not leak the runtime error', () => {
    const body = { model: 'mock-chat', max_tokens: 8, messages: [{ role: 'user', content: 'Hi' }] };
    let thrown: unknown;
    try {
      messagesRequest(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SluiceException);
    expect((thrown as SluiceException).getStatus()).toBe(400);
    expect((thrown as SluiceException).message).toBe('The request could not be read as a Messages request');
  });

  it('answers null messages as missing ones', () => {
    expect(() => messagesRequest({ model: 'mock-chat', max_tokens: 8, messages: null })).toThrow(
      expect.objectContaining({ code: 'validation_error', details: { messages: ['is required'] } }),
    );
  });
});
