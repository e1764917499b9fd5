import { anthropicErrorType, anthropicStreamError, openAiStreamError } from './stream-errors';

describe('stream error events', () => {
  it('writes the Sluice error body in an OpenAI-format error event', () => {
    expect(openAiStreamError('provider_timeout', 'The provider timed out')).toBe(
      'event: error\ndata: {"error":{"code":"provider_timeout","message":"The provider timed out","type":"api_error","param":null,"details":{}}}\n\n',
    );
  });

  it('writes an Anthropic error event with an Anthropic error type and our code', () => {
    expect(anthropicStreamError('provider_unavailable', 'Overloaded')).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded","code":"provider_unavailable"}}\n\n',
    );
  });

  it('maps our codes to Anthropic error types', () => {
    expect(anthropicErrorType('rate_limit_exceeded')).toBe('rate_limit_error');
    expect(anthropicErrorType('insufficient_credits')).toBe('billing_error');
    expect(anthropicErrorType('invalid_api_key')).toBe('authentication_error');
    expect(anthropicErrorType('provider_timeout')).toBe('timeout_error');
    expect(anthropicErrorType('conflict')).toBe('invalid_request_error');
    expect(anthropicErrorType('provider_error')).toBe('api_error');
    expect(anthropicErrorType('internal_error')).toBe('api_error');
  });
});
