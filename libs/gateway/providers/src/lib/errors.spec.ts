import { mapAnthropicError } from './anthropic/errors';
import { codeForStreamErrorType, mapUpstreamStatus } from './errors';
import { mapOpenAiError } from './openai/errors';

describe('mapUpstreamStatus', () => {
  it.each([
    [400, 'bad_request', false],
    [401, 'provider_error', false],
    [403, 'provider_error', false],
    [404, 'provider_error', false],
    [408, 'provider_timeout', true],
    [413, 'payload_too_large', false],
    [422, 'bad_request', false],
    [429, 'rate_limit_exceeded', true],
    [500, 'provider_error', true],
    [502, 'provider_error', true],
    [503, 'provider_unavailable', true],
    [504, 'provider_timeout', true],
    [529, 'provider_unavailable', true],
  ])('HTTP %i → %s (retryable: %s)', (status, code, retryable) => {
    expect(mapUpstreamStatus(status, 'upstream says')).toMatchObject({ code, retryable });
  });

  it('passes the upstream message on only for errors the client caused', () => {
    expect(mapUpstreamStatus(400, "Invalid 'messages'").message).toBe("Invalid 'messages'");
    expect(mapUpstreamStatus(401, 'Incorrect API key provided: sk-abc').message).not.toContain('sk-abc');
    expect(mapUpstreamStatus(400, undefined).message).toBe('The provider rejected the request (HTTP 400)');
    expect(mapUpstreamStatus(400, 'x'.repeat(2000)).message.length).toBeLessThanOrEqual(501);
  });
});

describe('provider error bodies', () => {
  it('reads OpenAI, Ollama and vLLM error messages', () => {
    expect(mapOpenAiError(400, '{"error":{"message":"bad temperature","type":"invalid_request_error"}}').message).toBe('bad temperature');
    expect(mapOpenAiError(400, '{"error":"model not loaded"}').message).toBe('model not loaded');
    expect(mapOpenAiError(400, '{"object":"error","message":"too long","type":"BadRequestError"}').message).toBe('too long');
    expect(mapOpenAiError(400, '<html>nginx</html>').message).toBe('The provider rejected the request (HTTP 400)');
  });

  it('reads Anthropic error messages', () => {
    expect(mapAnthropicError(400, '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too big"}}')).toEqual({
      code: 'bad_request',
      message: 'max_tokens: too big',
      retryable: false,
    });
    expect(mapAnthropicError(500, 'not json')).toMatchObject({ code: 'provider_error', retryable: true });
  });

  it('maps in-stream error types', () => {
    expect(codeForStreamErrorType('overloaded_error')).toBe('provider_unavailable');
    expect(codeForStreamErrorType('rate_limit_error')).toBe('rate_limit_exceeded');
    expect(codeForStreamErrorType('timeout_error')).toBe('provider_timeout');
    expect(codeForStreamErrorType(undefined)).toBe('provider_error');
  });
});
