import type { CatalogRecordV1, DeploymentRecord, ModelRecord } from '@sluice/contracts';
import { AbortEmitter, type AbortSource } from '../upstream/abort-emitter';
import { UpstreamError } from '../upstream/upstream.error';
import { verdictForStatus } from '../upstream/upstream-status';
import { CircuitBreakerRegistry } from './circuit-breaker';
import { DeploymentSelector } from './deployment-selector';
import { ModelResolver } from './model-resolver';
import { RetryPolicy } from './retry-policy';
import { RoutingException } from './routing.exception';
import { UpstreamRouter, type AttemptFn, type RouteRequest } from './upstream-router';

function deployment(id: string, region: string | null = null, weight = 1): DeploymentRecord {
  return { id, provider: 'mock', base_url: 'http://127.0.0.1:1', upstream_model: 'mock-fast', credential_env: null, weight, region, timeout_ms: 1000 };
}

function model(id: string, deployments: DeploymentRecord[], fallbacks: string[] = []): ModelRecord {
  return {
    id,
    aliases: [],
    provider: 'mock',
    deployments,
    fallbacks,
    pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 2 },
    context_window: 8192,
    max_output_tokens: 1024,
    capabilities: [],
    sandbox: false,
    enabled: true,
  };
}

/** The error the upstream layer raises for a provider status. */
function statusError(status: number): UpstreamError {
  const { code, retryable } = verdictForStatus(status);
  return new UpstreamError({ code, retryable, kind: 'status', upstreamStatus: status, message: `status ${status}` });
}

/** Answers per deployment id: an error to throw, or the value to resolve with. */
function scripted(outcomes: Record<string, UpstreamError | Error | string>) {
  const calls: string[] = [];
  const attempt: AttemptFn<string> = async (d) => {
    calls.push(d.id);
    const outcome = outcomes[d.id] ?? `ok:${d.id}`;
    if (outcome instanceof Error) throw outcome;
    return outcome;
  };
  return { calls, attempt };
}

function fakeClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('UpstreamRouter', () => {
  const primary = model('primary', [deployment('primary/0'), deployment('primary/1')], ['disabled', 'backup']);
  const backup = model('backup', [deployment('backup/0')]);
  const catalog: CatalogRecordV1 = { v: 1, revision: 'r', models: [primary, backup, { ...model('disabled', [deployment('disabled/0')]), enabled: false }] };
  const resolver = new ModelResolver(catalog);

  let sleeps: number[];
  let clock: ReturnType<typeof fakeClock>;
  let router: UpstreamRouter;

  beforeEach(() => {
    sleeps = [];
    clock = fakeClock();
    router = new UpstreamRouter({
      // Always the first qualifying deployment in catalog order: attempts are predictable.
      selector: new DeploymentSelector(() => 0),
      breakers: new CircuitBreakerRegistry({ failureThreshold: 2, cooldownMs: 10_000, now: clock.now }),
      retryPolicy: new RetryPolicy({
        maxAttempts: 5,
        baseBackoffMs: 100,
        random: () => 0.5,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      }),
    });
  });

  function request<T>(attempt: AttemptFn<T>, overrides: Partial<RouteRequest<T>> = {}): RouteRequest<T> {
    return { model: primary, resolver, allowedRegions: null, signal: new AbortController().signal, attempt, ...overrides };
  }

  it('answers from the first deployment when it succeeds, with no wait', async () => {
    const { calls, attempt } = scripted({});
    const result = await router.route(request(attempt));
    expect(result).toMatchObject({ value: 'ok:primary/0', attempts: 1, model: { id: 'primary' }, deployment: { id: 'primary/0' } });
    expect(calls).toEqual(['primary/0']);
    expect(sleeps).toEqual([]);
  });

  it('moves to the next deployment after a 503, with a jittered backoff', async () => {
    const { calls, attempt } = scripted({ 'primary/0': statusError(503) });
    const result = await router.route(request(attempt));
    expect(result).toMatchObject({ value: 'ok:primary/1', attempts: 2, deployment: { id: 'primary/1' } });
    expect(calls).toEqual(['primary/0', 'primary/1']);
    expect(sleeps).toEqual([50]);
  });

  it('retries a 429 on the next deployment', async () => {
    const { calls, attempt } = scripted({ 'primary/0': statusError(429) });
    await expect(router.route(request(attempt))).resolves.toMatchObject({ deployment: { id: 'primary/1' } });
    expect(calls).toEqual(['primary/0', 'primary/1']);
  });

  it('does not retry a 400 and does not count it against the deployment', async () => {
    const { calls, attempt } = scripted({ 'primary/0': statusError(400) });
    await expect(router.route(request(attempt))).rejects.toMatchObject({ code: 'bad_request', upstreamStatus: 400 });
    expect(calls).toEqual(['primary/0']);
    expect(router.breakers.state('primary/0')).toBe('closed');
  });

  it('passes on errors that are not upstream errors without retrying', async () => {
    const bug = new TypeError('adapter bug');
    const { calls, attempt } = scripted({ 'primary/0': bug });
    await expect(router.route(request(attempt))).rejects.toBe(bug);
    expect(calls).toEqual(['primary/0']);
  });

  it('falls back to the next enabled fallback model when every deployment of the first fails', async () => {
    const { calls, attempt } = scripted({ 'primary/0': statusError(500), 'primary/1': statusError(502) });
    const result = await router.route(request(attempt));
    expect(result).toMatchObject({ value: 'ok:backup/0', attempts: 3, model: { id: 'backup' } });
    expect(calls).toEqual(['primary/0', 'primary/1', 'backup/0']);
    expect(sleeps).toEqual([50, 100]);
  });

  it('skips fallback models the key may not use, and throws the last provider error', async () => {
    const { calls, attempt } = scripted({ 'primary/0': statusError(503), 'primary/1': statusError(504) });
    const routing = router.route(request(attempt, { isFallbackAllowed: (m) => m.id !== 'backup' }));
    await expect(routing).rejects.toMatchObject({ code: 'provider_timeout', upstreamStatus: 504 });
    expect(calls).toEqual(['primary/0', 'primary/1']);
  });

  it('stops after the maximum number of attempts', async () => {
    const limited = new UpstreamRouter({ selector: new DeploymentSelector(() => 0), retryPolicy: new RetryPolicy({ maxAttempts: 2, sleep: async () => undefined }) });
    const { calls, attempt } = scripted({ 'primary/0': statusError(503), 'primary/1': statusError(503) });
    await expect(limited.route(request(attempt))).rejects.toMatchObject({ code: 'provider_unavailable' });
    expect(calls).toEqual(['primary/0', 'primary/1']);
  });

  it('opens a failing deployment, skips it, then probes it back after the cooldown', async () => {
    const failing = scripted({ 'primary/0': statusError(503) });
    await router.route(request(failing.attempt));
    await router.route(request(failing.attempt));
    expect(router.breakers.state('primary/0')).toBe('open');

    const healthy = scripted({});
    await expect(router.route(request(healthy.attempt))).resolves.toMatchObject({ deployment: { id: 'primary/1' }, attempts: 1 });
    expect(healthy.calls).toEqual(['primary/1']);

    clock.advance(10_000);
    expect(router.breakers.state('primary/0')).toBe('half_open');
    await expect(router.route(request(healthy.attempt))).resolves.toMatchObject({ deployment: { id: 'primary/0' } });
    expect(router.breakers.state('primary/0')).toBe('closed');
  });

  it('reopens the deployment when its probe fails', async () => {
    const failing = scripted({ 'primary/0': statusError(503) });
    await router.route(request(failing.attempt));
    await router.route(request(failing.attempt));
    clock.advance(10_000);
    await expect(router.route(request(failing.attempt))).resolves.toMatchObject({ deployment: { id: 'primary/1' } });
    expect(failing.calls.at(-2)).toBe('primary/0');
    expect(router.breakers.state('primary/0')).toBe('open');
  });

  it('routes only to deployments in the key’s regions', async () => {
    const regional = model('regional', [deployment('us/0', 'us-east'), deployment('eu/0', 'eu-west')]);
    const { calls, attempt } = scripted({});
    const result = await router.route(request(attempt, { model: regional, allowedRegions: ['eu-west'] }));
    expect(result.deployment.id).toBe('eu/0');
    expect(calls).toEqual(['eu/0']);
  });

  it('answers 403 region_unavailable when no deployment is up in the key’s regions', async () => {
    const regional = model('regional', [deployment('us/0', 'us-east'), deployment('eu/0', 'eu-west')]);
    const { calls, attempt } = scripted({});
    const routing = router.route(request(attempt, { model: regional, allowedRegions: ['ap-south'] }));
    const error = await routing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RoutingException);
    expect(error).toMatchObject({ code: 'region_unavailable', details: { allowed_regions: ['ap-south'] } });
    expect((error as RoutingException).getStatus()).toBe(403);
    expect(calls).toEqual([]);
  });

  it('answers 503 provider_unavailable when every deployment is cooling down', async () => {
    const single = model('single', [deployment('single/0')]);
    const failing = scripted({ 'single/0': statusError(503) });
    await expect(router.route(request(failing.attempt, { model: single }))).rejects.toMatchObject({ code: 'provider_unavailable' });
    await expect(router.route(request(failing.attempt, { model: single }))).rejects.toBeInstanceOf(UpstreamError);
    const error = await router.route(request(failing.attempt, { model: single })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RoutingException);
    expect(error).toMatchObject({ code: 'provider_unavailable' });
    expect((error as RoutingException).getStatus()).toBe(503);
    expect(failing.calls).toEqual(['single/0', 'single/0']);
  });

  it('does not start when the client has already gone', async () => {
    const controller = new AbortController();
    controller.abort();
    const { calls, attempt } = scripted({});
    await expect(router.route(request(attempt, { signal: controller.signal }))).rejects.toMatchObject({ kind: 'aborted', retryable: false });
    expect(calls).toEqual([]);
  });

  it('stops retrying when the client leaves during the backoff', async () => {
    const controller = new AbortController();
    const aborting = new UpstreamRouter({
      selector: new DeploymentSelector(() => 0),
      retryPolicy: new RetryPolicy({
        random: () => 0.5,
        sleep: async () => {
          controller.abort();
          throw new Error('aborted');
        },
      }),
    });
    const { calls, attempt } = scripted({ 'primary/0': statusError(503) });
    await expect(aborting.route(request(attempt, { signal: controller.signal }))).rejects.toMatchObject({ kind: 'aborted' });
    expect(calls).toEqual(['primary/0']);
  });

  it('cuts the backoff short when the client leaves, its abort an AbortEmitter (as the pipeline passes it)', async () => {
    const client = new AbortEmitter();
    const waiting = new UpstreamRouter({
      selector: new DeploymentSelector(() => 0),
      retryPolicy: new RetryPolicy({ random: () => 0.99, baseBackoffMs: 60_000, maxBackoffMs: 60_000 }),
    });
    const { calls, attempt } = scripted({ 'primary/0': statusError(503) });
    const routing = waiting.route(request(attempt, { signal: client }));
    setTimeout(() => client.abort(new Error('The client disconnected')), 20);
    const started = Date.now();
    await expect(routing).rejects.toMatchObject({ kind: 'aborted', retryable: false });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(calls).toEqual(['primary/0']);
  });

  it('passes the client signal and the serving model to each attempt', async () => {
    const controller = new AbortController();
    const seen: [AbortSource, string][] = [];
    await router.route(
      request(
        async (_d, signal, served) => {
          seen.push([signal, served.id]);
          return 'ok';
        },
        { signal: controller.signal },
      ),
    );
    expect(seen).toEqual([[controller.signal, 'primary']]);
  });
});
