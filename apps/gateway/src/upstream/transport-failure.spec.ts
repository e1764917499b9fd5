import { DestinationRefusedError } from '@sluice/auth';
import { transportFailure } from './transport-failure';

describe('transportFailure', () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });

  it('classifies a client abort first, whatever undici threw', () => {
    expect(transportFailure(withCode('UND_ERR_ABORTED'), 'headers', 'client', 1000)).toMatchObject({ kind: 'aborted', retryable: false });
  });

  it('classifies the total timeout, retryable only before the headers', () => {
    expect(transportFailure(new Error('x'), 'headers', 'total_timeout', 1000)).toMatchObject({ code: 'provider_timeout', kind: 'total_timeout', retryable: true });
    expect(transportFailure(new Error('x'), 'body', 'total_timeout', 1000)).toMatchObject({ kind: 'total_timeout', retryable: false });
  });

  it.each([
    ['UND_ERR_CONNECT_TIMEOUT', 'provider_timeout', 'connect_timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'provider_timeout', 'headers_timeout'],
    ['ECONNREFUSED', 'provider_unavailable', 'connection'],
    ['ECONNRESET', 'provider_unavailable', 'connection'],
    ['UND_ERR_SOCKET', 'provider_unavailable', 'connection'],
  ])('makes %s before the headers a retryable %s', (code, errorCode, kind) => {
    expect(transportFailure(withCode(code), 'headers', null, 1000)).toMatchObject({ code: errorCode, kind, retryable: true });
  });

  it('makes a refused destination a retryable provider_unavailable that names no address', () => {
    const failure = transportFailure(new DestinationRefusedError('metadata.internal', '169.254.169.254'), 'headers', null, 1000);
    expect(failure).toMatchObject({ code: 'provider_unavailable', kind: 'destination_refused', retryable: true });
    expect(failure.message).not.toContain('169.254');
  });

  it('never retries a failure in the body', () => {
    expect(transportFailure(withCode('UND_ERR_BODY_TIMEOUT'), 'body', null, 1000)).toMatchObject({ code: 'provider_timeout', kind: 'idle_timeout', retryable: false });
    expect(transportFailure(withCode('ECONNRESET'), 'body', null, 1000)).toMatchObject({ code: 'provider_error', retryable: false });
  });

  it('does not retry an unknown failure, which would fail the same way everywhere', () => {
    const error = new TypeError('invalid header');
    expect(transportFailure(error, 'headers', null, 1000)).toMatchObject({ code: 'provider_error', retryable: false, cause: error });
  });
});
