import type { ApiKeyRecordV1, ModelRecord, TenantRecordV1 } from '@sluice/contracts';
import { DuplicateAdmissionError, ticketFor, type Admission, type AdmissionRequest, type AdmissionResult } from '@sluice/gateway/redis-state';
import { MetricsRegistry, SluiceException } from '@sluice/platform';
import { apiKeyRecord, tenantRecord } from '@sluice/testing';
import type Redis from 'ioredis';
import { loadGatewayConfig } from '../config/gateway.config';
import { GatewayMetrics } from '../metering/gateway-metrics';
import { AdmissionGate, type AdmissionInput } from './admission-gate';
import { LimitExceededException } from './limit-exceeded.exception';

const model = { id: 'm', pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 2 } } as ModelRecord;

function tenant(overrides: Partial<TenantRecordV1> = {}): TenantRecordV1 {
  return tenantRecord({ id: 'tenant-1', slug: 'acme', plan: 'free', limits: { rpm: 2 }, period_end: '2026-12-01T00:00:00.000Z', ...overrides });
}

function apiKey(overrides: Partial<ApiKeyRecordV1> = {}): ApiKeyRecordV1 {
  return apiKeyRecord('tenant-1', { id: 'key-1', ...overrides });
}

let sequence = 0;
function input(caller: { tenant?: TenantRecordV1; apiKey?: ApiKeyRecordV1 } = {}): AdmissionInput {
  return {
    caller: { tenant: caller.tenant ?? tenant(), apiKey: caller.apiKey ?? apiKey() },
    model,
    requestId: `request-${++sequence}`,
    estimatedPromptTokens: 10,
    maxTokens: 20,
    holdTtlMs: 60_000,
  };
}

function admitted(request: AdmissionRequest): AdmissionResult {
  return { admitted: true, ticket: ticketFor(request), rateLimit: { requests: { limit: 2, remaining: 1, resetEpochSeconds: 1 }, tokens: null } };
}

/** A promise and the functions that settle it, for a Redis that answers late. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe('AdmissionGate', () => {
  let redis: { status: string };
  let admission: { admit: jest.Mock; settle: jest.Mock };
  let metrics: GatewayMetrics;

  function gate(env: NodeJS.ProcessEnv = {}): AdmissionGate {
    const config = loadGatewayConfig({ ADMISSION_REDIS_TIMEOUT_MS: '50', ...env });
    return new AdmissionGate(admission as unknown as Admission, redis as unknown as Redis, config, metrics);
  }

  /** The counter's non-zero series, by outcome. */
  async function outcomes(): Promise<Record<string, number>> {
    const { values } = await metrics.redisDownAdmissions.get();
    return Object.fromEntries(values.filter(({ value }) => value > 0).map(({ labels, value }) => [String(labels.outcome), value]));
  }

  beforeEach(() => {
    redis = { status: 'ready' };
    admission = { admit: jest.fn((request: AdmissionRequest) => Promise.resolve(admitted(request))), settle: jest.fn().mockResolvedValue('settled') };
    metrics = new GatewayMetrics(new MetricsRegistry());
  });

  it('admits and settles through Redis while it answers', async () => {
    const subject = gate();
    const { ticket, headers } = await subject.admit(input());
    expect(admission.admit).toHaveBeenCalledTimes(1);
    expect(headers['X-RateLimit-Remaining']).toBe('1');
    await subject.settle({ ticket, actualTokens: 5, actualCostMicros: 7 });
    expect(admission.settle).toHaveBeenCalledWith({ ticket, actualTokens: 5, actualCostMicros: 7 });
    expect(await outcomes()).toEqual({});
  });

  describe('fail_open', () => {
    it('admits a postpaid request against its own counters while the connection is down, and settles it there', async () => {
      redis.status = 'reconnecting';
      const subject = gate({ ADMISSION_REDIS_DOWN_MODE: 'fail_open' });
      const first = await subject.admit(input());
      expect(admission.admit).not.toHaveBeenCalled();
      expect(first.headers).toEqual(expect.objectContaining({ 'X-RateLimit-Limit': '2', 'X-RateLimit-Remaining': '1' }));
      await subject.admit(input());

      const refused = await subject.admit(input()).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(LimitExceededException);
      expect((refused as LimitExceededException).getStatus()).toBe(429);
      expect((refused as LimitExceededException).headers['Retry-After']).toMatch(/^\d+$/);

      await expect(subject.settle({ ticket: first.ticket, actualTokens: 5, actualCostMicros: 7 })).resolves.toBe('settled');
      expect(admission.settle).not.toHaveBeenCalled();
      expect(await outcomes()).toEqual({ admitted_locally: 2, limited_locally: 1 });
    });

    it('answers 503 with Retry-After to a request that would reserve credit or a budget', async () => {
      redis.status = 'reconnecting';
      const subject = gate({ ADMISSION_REDIS_DOWN_MODE: 'fail_open' });
      for (const caller of [{ tenant: tenant({ billing_mode: 'prepaid' }) }, { apiKey: apiKey({ limits: { budget_usd: 5, budget_period: 'day' } }) }]) {
        const error = await subject.admit(input(caller)).catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(SluiceException);
        expect((error as SluiceException).code).toBe('service_unavailable');
        expect((error as SluiceException).getStatus()).toBe(503);
        expect((error as SluiceException).headers).toEqual({ 'Retry-After': '2' });
      }
      // Test keys never spend credit (docs/limits.md, Credits): they are served like postpaid ones.
      await expect(subject.admit(input({ tenant: tenant({ billing_mode: 'prepaid' }), apiKey: apiKey({ environment: 'test' }) }))).resolves.toBeDefined();
      expect(await outcomes()).toEqual({ unavailable: 2, admitted_locally: 1 });
    });

    it('falls back when Redis fails the script', async () => {
      admission.admit.mockRejectedValue(new Error('LOADING Redis is loading the dataset in memory'));
      await expect(gate().admit(input())).resolves.toBeDefined();
      expect(await outcomes()).toEqual({ admitted_locally: 1 });
    });

    it('does not take a reused request id for an outage', async () => {
      admission.admit.mockRejectedValue(new DuplicateAdmissionError('request-x'));
      await expect(gate().admit(input())).rejects.toBeInstanceOf(DuplicateAdmissionError);
    });
  });

  describe('fail_closed', () => {
    it('answers 503 with Retry-After to every request while the connection is down', async () => {
      redis.status = 'reconnecting';
      const error = await gate({ ADMISSION_REDIS_DOWN_MODE: 'fail_closed' })
        .admit(input())
        .catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(SluiceException);
      expect((error as SluiceException).code).toBe('service_unavailable');
      expect((error as SluiceException).headers).toEqual({ 'Retry-After': '2' });
      expect(admission.admit).not.toHaveBeenCalled();
      expect(await outcomes()).toEqual({ unavailable: 1 });
    });
  });

  it('stops waiting for a Redis that hangs, and gives back what the script reserves once it answers', async () => {
    const late = deferred<AdmissionResult>();
    admission.admit.mockReturnValue(late.promise);
    const subject = gate({ ADMISSION_REDIS_DOWN_MODE: 'fail_closed' });
    const request = input();
    await expect(subject.admit(request)).rejects.toMatchObject({ code: 'service_unavailable' });

    const [sent] = admission.admit.mock.calls[0] as [AdmissionRequest];
    late.resolve(admitted(sent));
    await new Promise((resolve) => setImmediate(resolve));
    expect(admission.settle).toHaveBeenCalledWith({ ticket: ticketFor(sent), actualTokens: 0, actualCostMicros: 0 });
    expect(sent.requestId).toBe(request.requestId);
  });
});
