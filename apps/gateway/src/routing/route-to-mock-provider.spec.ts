import type { CatalogRecordV1, DeploymentRecord, ModelRecord } from '@sluice/contracts';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { DestinationPolicy, parseCidrList } from '@sluice/auth';
import { ProviderCredentials } from '../upstream/provider-credentials';
import { UpstreamClient, type UpstreamResponse } from '../upstream/upstream-client';
import { ensureSuccess } from '../upstream/upstream-status';
import { UpstreamError } from '../upstream/upstream.error';
import { CircuitBreakerRegistry } from './circuit-breaker';
import { DeploymentSelector } from './deployment-selector';
import { ModelResolver } from './model-resolver';
import { RetryPolicy } from './retry-policy';
import { UpstreamRouter, type AttemptFn } from './upstream-router';

/** Routing and upstream I/O together, against the real mock provider, its faults injected by model-name directives. */
describe('routing to the mock provider', () => {
  let mock: MockProvider;
  let client: UpstreamClient;
  let router: UpstreamRouter;
  let clock: { now: number };
  const credentials = new ProviderCredentials({ environment: { MOCK_KEY: 'mock-secret' }, allowed: ['MOCK_KEY', 'SLUICE_TEST_UNSET_PROVIDER_KEY'] });

  beforeAll(async () => {
    mock = await startMockProvider();
  });
  afterAll(() => mock.close());
  beforeEach(() => {
    client = new UpstreamClient({ idleTimeoutMs: 300, destinations: new DestinationPolicy({ allowedPrivate: parseCidrList('127.0.0.1/32') }) });
    clock = { now: 0 };
    router = new UpstreamRouter({
      // Always the first deployment still in play, in catalog order: which one fails is up to each test.
      selector: new DeploymentSelector(() => 0),
      breakers: new CircuitBreakerRegistry({ failureThreshold: 2, cooldownMs: 60_000, now: () => clock.now }),
      retryPolicy: new RetryPolicy({ maxAttempts: 4, baseBackoffMs: 10, maxBackoffMs: 20 }),
    });
  });
  afterEach(() => client.destroy());

  function deployment(id: string, upstreamModel: string, overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
    return {
      id,
      provider: 'mock',
      base_url: mock.url,
      upstream_model: upstreamModel,
      credential_env: 'MOCK_KEY',
      weight: 1,
      region: null,
      timeout_ms: 5000,
      ...overrides,
    };
  }

  function model(id: string, deployments: DeploymentRecord[], fallbacks: string[] = []): ModelRecord {
    return {
      id,
      aliases: [],
      provider: 'mock',
      deployments,
      fallbacks,
      pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 1 },
      context_window: 8192,
      max_output_tokens: 1024,
      capabilities: [],
      sandbox: false,
      enabled: true,
    };
  }

  /** What the chat-completions handler will do with a provider adapter; here the request is built inline. */
  function chatAttempt(stream = false) {
    const calls: string[] = [];
    const attempt: AttemptFn<UpstreamResponse> = async (target, signal) => {
      calls.push(target.id);
      const { credential } = credentials.target(target);
      const response = await client.send(
        {
          url: `${target.base_url}/v1/chat/completions`,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
          body: JSON.stringify({ model: target.upstream_model, stream, messages: [{ role: 'user', content: 'Hello' }] }),
        },
        { timeoutMs: target.timeout_ms, signal },
      );
      return ensureSuccess(response);
    };
    return { calls, attempt };
  }

  function routeTo(primary: ModelRecord, attempt: AttemptFn<UpstreamResponse>, others: ModelRecord[] = [], signal = new AbortController().signal) {
    const catalog: CatalogRecordV1 = { v: 1, revision: 'test', models: [primary, ...others] };
    return router.route({ model: primary, resolver: new ModelResolver(catalog), allowedRegions: null, signal, attempt });
  }

  async function failureOf(promise: Promise<unknown>): Promise<UpstreamError> {
    const outcome = await promise.then(
      () => undefined,
      (error: unknown) => error,
    );
    if (!(outcome instanceof UpstreamError)) throw new Error(`expected an UpstreamError, got ${String(outcome)}`);
    return outcome;
  }

  it('answers from the next deployment when the first returns 503', async () => {
    const { calls, attempt } = chatAttempt();
    const chat = model('chat', [deployment('chat/0', 'mock-fast+status=503'), deployment('chat/1', 'mock-smart')]);
    const result = await routeTo(chat, attempt);
    expect(calls).toEqual(['chat/0', 'chat/1']);
    expect(result).toMatchObject({ attempts: 2, deployment: { id: 'chat/1' } });
    expect(JSON.parse(await result.value.body.text())).toMatchObject({ model: 'mock-smart' });
  });

  it('retries a 429 on the next deployment', async () => {
    const { calls, attempt } = chatAttempt();
    const chat = model('chat', [deployment('chat/0', 'mock-fast+status=429'), deployment('chat/1', 'mock-fast')]);
    const result = await routeTo(chat, attempt);
    expect(calls).toEqual(['chat/0', 'chat/1']);
    expect(result.value.status).toBe(200);
    await result.value.body.discard();
  });

  it('does not retry a 400', async () => {
    const { calls, attempt } = chatAttempt();
    const chat = model('chat', [deployment('chat/0', 'mock-fast+status=400'), deployment('chat/1', 'mock-fast')]);
    const error = await failureOf(routeTo(chat, attempt));
    expect(error).toMatchObject({ code: 'bad_request', upstreamStatus: 400 });
    expect(calls).toEqual(['chat/0']);
  });

  it('retries a first-byte timeout on the next deployment', async () => {
    const { calls, attempt } = chatAttempt();
    const slow = deployment('chat/0', 'mock-fast+headers_delay_ms=5000', { timeout_ms: 200 });
    const chat = model('chat', [slow, deployment('chat/1', 'mock-fast')]);
    const result = await routeTo(chat, attempt);
    expect(calls).toEqual(['chat/0', 'chat/1']);
    expect(result.value.status).toBe(200);
    await result.value.body.discard();
  });

  it('reports provider_timeout when the only deployment is too slow', async () => {
    const { attempt } = chatAttempt();
    const chat = model('chat', [deployment('chat/0', 'mock-fast+headers_delay_ms=5000', { timeout_ms: 200 })]);
    const error = await failureOf(routeTo(chat, attempt));
    expect(error).toMatchObject({ code: 'provider_timeout', retryable: true });
    expect(error.getStatus()).toBe(504);
  });

  it('uses the fallback model when every deployment of the first fails', async () => {
    const { calls, attempt } = chatAttempt();
    const chat = model('chat', [deployment('chat/0', 'mock-fast+status=500'), deployment('chat/1', 'mock-fast+status=502')], ['spare']);
    const spare = model('spare', [deployment('spare/0', 'mock-smart')]);
    const result = await routeTo(chat, attempt, [spare]);
    expect(calls).toEqual(['chat/0', 'chat/1', 'spare/0']);
    expect(result).toMatchObject({ model: { id: 'spare' }, deployment: { id: 'spare/0' }, attempts: 3 });
    await result.value.body.discard();
  });

  it('stops calling a deployment whose breaker opened, and probes it after the cooldown', async () => {
    const chat = model('chat', [deployment('chat/0', 'mock-fast+status=503'), deployment('chat/1', 'mock-fast')]);
    for (let i = 0; i < 2; i++) await (await routeTo(chat, chatAttempt().attempt)).value.body.discard();
    expect(router.breakers.state('chat/0')).toBe('open');

    const skipping = chatAttempt();
    await (await routeTo(chat, skipping.attempt)).value.body.discard();
    expect(skipping.calls).toEqual(['chat/1']);

    clock.now += 60_000;
    const probing = chatAttempt();
    await (await routeTo(chat, probing.attempt)).value.body.discard();
    expect(probing.calls).toEqual(['chat/0', 'chat/1']);
    expect(router.breakers.state('chat/0')).toBe('open');
  });

  it('surfaces an idle timeout mid-stream to the reader without retrying', async () => {
    const { calls, attempt } = chatAttempt(true);
    const chat = model('chat', [deployment('chat/0', 'mock-fast+chunk_delay_ms=3000'), deployment('chat/1', 'mock-fast')]);
    const result = await routeTo(chat, attempt);
    const received: Uint8Array[] = [];
    const error = await failureOf(
      (async () => {
        for await (const chunk of result.value.body) received.push(chunk);
      })(),
    );
    expect(received.length).toBeGreaterThan(0);
    expect(error).toMatchObject({ code: 'provider_timeout', kind: 'idle_timeout', retryable: false });
    expect(calls).toEqual(['chat/0']);
  });

  it('answers provider_not_configured, without naming the variable, when the credential is missing', async () => {
    const { calls, attempt } = chatAttempt();
    const unconfigured = deployment('chat/0', 'mock-fast', { credential_env: 'SLUICE_TEST_UNSET_PROVIDER_KEY' });
    const chat = model('chat', [unconfigured, deployment('chat/1', 'mock-fast')]);
    const error = await failureOf(routeTo(chat, attempt));
    expect(error).toMatchObject({ code: 'provider_not_configured', details: {} });
    expect(error.message).not.toContain('SLUICE_TEST_UNSET_PROVIDER_KEY');
    expect(error.getStatus()).toBe(503);
    expect(calls).toEqual(['chat/0']);
  });

  it('stops at once when the client disconnects while waiting for the first byte', async () => {
    const { calls, attempt } = chatAttempt();
    const controller = new AbortController();
    const chat = model('chat', [deployment('chat/0', 'mock-fast+headers_delay_ms=5000'), deployment('chat/1', 'mock-fast')]);
    const routing = routeTo(chat, attempt, [], controller.signal);
    setTimeout(() => controller.abort(), 50);
    const error = await failureOf(routing);
    expect(error).toMatchObject({ kind: 'aborted', retryable: false });
    expect(calls).toEqual(['chat/0']);
    expect(router.breakers.state('chat/0')).toBe('closed');
  });
});
