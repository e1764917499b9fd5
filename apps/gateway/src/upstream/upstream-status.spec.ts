import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { DestinationPolicy, parseCidrList } from '@sluice/auth';
import { UpstreamClient } from './upstream-client';
import { ensureSuccess, verdictForStatus } from './upstream-status';
import { UpstreamError } from './upstream.error';

/** The test servers listen on 127.0.0.1, which the gateway refuses unless it is opened. */
const loopback = new DestinationPolicy({ allowedPrivate: parseCidrList('127.0.0.1/32') });

describe('verdictForStatus', () => {
  it.each([
    [408, 'provider_timeout', true],
    [429, 'provider_unavailable', true],
    [500, 'provider_error', true],
    [502, 'provider_error', true],
    [503, 'provider_unavailable', true],
    [504, 'provider_timeout', true],
    [529, 'provider_unavailable', true],
    [400, 'bad_request', false],
    [401, 'provider_error', false],
    [403, 'provider_error', false],
    [404, 'provider_error', false],
    [413, 'payload_too_large', false],
    [422, 'unprocessable_entity', false],
  ])('maps %i to %s (retryable: %p)', (status, code, retryable) => {
    expect(verdictForStatus(status)).toMatchObject({ code, retryable });
  });
});

describe('ensureSuccess against the mock provider', () => {
  let mock: MockProvider;
  const client = new UpstreamClient({ destinations: loopback });

  beforeAll(async () => {
    mock = await startMockProvider();
  });
  afterAll(async () => {
    await client.destroy();
    await mock.close();
  });

  async function call(model: string): Promise<unknown> {
    const response = await client.send(
      {
        url: `${mock.url}/v1/chat/completions`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      },
      { timeoutMs: 5000 },
    );
    try {
      return await ensureSuccess(response);
    } catch (error) {
      return error;
    }
  }

  it('passes a 2xx response through with its body unread', async () => {
    const response = (await call('mock-fast')) as { status: number; body: { text(): Promise<string> } };
    expect(response.status).toBe(200);
    expect(await response.body.text()).toContain('chat.completion');
  });

  it('turns a 429 into a retryable provider_unavailable', async () => {
    const error = await call('mock-fast+status=429');
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'provider_unavailable', kind: 'status', retryable: true, upstreamStatus: 429, details: { upstream_status: 429 } });
  });

  it('turns a 400 into a final bad_request carrying the provider’s message', async () => {
    const error = await call('mock-fast+status=400');
    expect(error).toMatchObject({ code: 'bad_request', retryable: false, upstreamStatus: 400 });
    expect((error as UpstreamError).message).toContain('Mock 400 error injected');
  });

  it('keeps the provider’s message out of a 401, which may quote the credential', async () => {
    const error = await call('mock-fast+status=401');
    expect(error).toMatchObject({ code: 'provider_error', retryable: false, upstreamStatus: 401, message: 'The provider answered 401' });
    expect((error as UpstreamError).getStatus()).toBe(502);
  });
});
