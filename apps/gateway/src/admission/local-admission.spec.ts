import { DuplicateAdmissionError, type AdmissionRequest, type ResolvedLimits, type WindowLimit } from '@sluice/gateway/redis-state';
import { LocalAdmission } from './local-admission';

/** 10:00:15 UTC on a day: 45 s left in the minute. */
const START_MS = Date.UTC(2026, 10, 25, 10, 0, 15);

function window(subject: string, name: WindowLimit['window'], limit: number): WindowLimit {
  const level = subject === 'tenant' ? 'tenant' : subject.startsWith('team:') ? 'team' : 'key';
  return { level, subject, window: name, limit };
}

let sequence = 0;
function request(limits: Partial<ResolvedLimits>, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    tenantId: 't1',
    requestId: `r${++sequence}`,
    limits: { windows: [], concurrency: [], quota: null, budgets: [], ...limits },
    reservedTokens: 10,
    creditReservationMicros: null,
    budgetReservationMicros: 0,
    holdTtlMs: 60_000,
    ...overrides,
  };
}

describe('LocalAdmission', () => {
  let now: number;
  let local: LocalAdmission;
  beforeEach(() => {
    now = START_MS;
    local = new LocalAdmission(() => now);
  });

  it('admits exactly the limit in a fixed minute, refuses the next until the minute ends, then admits again', () => {
    const limits = { windows: [window('tenant', 'rpm', 3)] };
    const remaining = [1, 2, 3].map(() => {
      const result = local.admit(request(limits));
      expect(result.admitted).toBe(true);
      return result.rateLimit.requests?.remaining;
    });
    expect(remaining).toEqual([2, 1, 0]);

    const refused = local.admit(request(limits));
    expect(refused).toEqual({
      admitted: false,
      refusal: { code: 'rate_limit_exceeded', level: 'tenant', limit: 'rpm', retryAfterSeconds: 45 },
      rateLimit: { requests: { limit: 3, remaining: 0, resetEpochSeconds: Date.UTC(2026, 10, 25, 10, 1) / 1000 }, tokens: null },
    });

    now = Date.UTC(2026, 10, 25, 10, 1, 0);
    expect(local.admit(request(limits)).admitted).toBe(true);
  });

  it('reserves nothing at any level when one level refuses', () => {
    const limits = { windows: [window('tenant', 'rpm', 10), window('key:k1', 'rpm', 1)] };
    expect(local.admit(request(limits)).admitted).toBe(true);
    expect(local.admit(request(limits)).admitted).toBe(false);
    expect(local.admit(request(limits)).admitted).toBe(false);
    // The tenant's window counted only the one admitted request: 9 left for another key.
    const other = local.admit(request({ windows: [window('tenant', 'rpm', 10), window('key:k2', 'rpm', 5)] }));
    expect(other.rateLimit.requests).toEqual(expect.objectContaining({ limit: 5, remaining: 4 }));
    expect(local.admit(request({ windows: [window('tenant', 'rpm', 10)] })).rateLimit.requests?.remaining).toBe(7);
  });

  it('counts each tenant apart', () => {
    const limits = { windows: [window('tenant', 'rpm', 1)] };
    expect(local.admit(request(limits, { tenantId: 'a' })).admitted).toBe(true);
    expect(local.admit(request(limits, { tenantId: 'b' })).admitted).toBe(true);
    expect(local.admit(request(limits, { tenantId: 'a' })).admitted).toBe(false);
  });

  it('holds a concurrency slot until settlement', () => {
    const limits = { concurrency: [{ level: 'key' as const, subject: 'key:k1', limit: 2 }] };
    const first = request(limits);
    expect(local.admit(first).admitted).toBe(true);
    expect(local.admit(request(limits)).admitted).toBe(true);
    expect(local.admit(request(limits))).toEqual(
      expect.objectContaining({ admitted: false, refusal: { code: 'concurrency_limit_exceeded', level: 'key', limit: 'max_concurrency', retryAfterSeconds: 1 } }),
    );
    expect(local.inFlight).toBe(2);

    expect(local.settle(first.requestId, 0)).toBe(true);
    expect(local.settle(first.requestId, 0)).toBe(false);
    expect(local.inFlight).toBe(1);
    expect(local.admit(request(limits)).admitted).toBe(true);
  });

  it('gives back a slot whose request never settled once its hold has passed', () => {
    const limits = { concurrency: [{ level: 'tenant' as const, subject: 'tenant', limit: 1 }] };
    expect(local.admit(request(limits, { holdTtlMs: 5_000 })).admitted).toBe(true);
    expect(local.admit(request(limits)).admitted).toBe(false);
    now += 5_000;
    expect(local.admit(request(limits)).admitted).toBe(true);
  });

  it('reserves tokens and corrects them by what the request used', () => {
    const limits = { windows: [window('key:k1', 'tpm', 100)] };
    const first = request(limits, { reservedTokens: 60 });
    expect(local.admit(first).rateLimit.tokens).toEqual(expect.objectContaining({ limit: 100, remaining: 40 }));
    // 60 reserved: 50 more do not fit.
    expect(local.admit(request(limits, { reservedTokens: 50 }))).toEqual(
      expect.objectContaining({ admitted: false, refusal: expect.objectContaining({ code: 'rate_limit_exceeded', limit: 'tpm' }) }),
    );
    expect(local.settle(first.requestId, 20)).toBe(true);
    expect(local.admit(request(limits, { reservedTokens: 50 })).rateLimit.tokens?.remaining).toBe(30);
  });

  it('corrects tokens only in the window that was charged', () => {
    const limits = { windows: [window('key:k1', 'tpm', 100)] };
    const first = request(limits, { reservedTokens: 100 });
    expect(local.admit(first).admitted).toBe(true);
    now = Date.UTC(2026, 10, 25, 10, 1, 0);
    expect(local.settle(first.requestId, 500)).toBe(true);
    expect(local.admit(request(limits, { reservedTokens: 100 })).admitted).toBe(true);
  });

  it('reports a full window before a full concurrency set, and the longest wait among windows', () => {
    const result = local.admit(
      request({
        windows: [window('key:k1', 'rpm', 0), window('key:k1', 'rph', 0)],
        concurrency: [{ level: 'key', subject: 'key:k1', limit: 0 }],
      }),
    );
    expect(result).toEqual(expect.objectContaining({ admitted: false, refusal: { code: 'rate_limit_exceeded', level: 'key', limit: 'rph', retryAfterSeconds: 3_585 } }));
  });

  it('refuses an id it has admitted already', () => {
    const first = request({});
    local.admit(first);
    expect(() => local.admit({ ...first })).toThrow(DuplicateAdmissionError);
  });

  it('knows nothing of requests admitted elsewhere', () => {
    expect(local.settle('admitted-by-redis', 10)).toBe(false);
  });
});
