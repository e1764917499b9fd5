import { deliverySummary, endpointState, toggleEvent, WEBHOOK_EVENT_TYPES } from './webhooks';

const delivery = {
  id: 'd1',
  endpoint: 'e1',
  message_id: 'msg_1',
  event_type: 'key.created',
  payload: {},
  created_at: '2026-01-01T00:00:00Z',
};

describe('webhook helpers', () => {
  it('offers every subscribable event type but the test event', () => {
    expect(WEBHOOK_EVENT_TYPES).toContain('key.created');
    expect(WEBHOOK_EVENT_TYPES).toContain('webhook.disabled');
    expect(WEBHOOK_EVENT_TYPES).not.toContain('webhook.test');
  });

  it('toggles an event type in the API’s order', () => {
    expect(toggleEvent(['member.added'], 'key.created', true)).toEqual(['key.created', 'member.added']);
    expect(toggleEvent(['key.created', 'member.added'], 'key.created', false)).toEqual(['member.added']);
  });

  it('sums up a delivery by its last attempt', () => {
    expect(deliverySummary({ ...delivery, status: 'pending', attempt_count: 0, next_attempt_at: '2026-01-01T00:01:00Z', attempts: [] })).toEqual({
      outcome: 'not attempted yet',
      duration: '—',
      nextAttempt: '2026-01-01T00:01:00Z',
    });
    const attempt = { attempted_at: '2026-01-01T00:00:01Z', response_excerpt: '', next_attempt_at: null };
    expect(
      deliverySummary({
        ...delivery,
        status: 'failed',
        attempt_count: 2,
        next_attempt_at: '2026-01-01T00:05:00Z',
        attempts: [
          { ...attempt, status_code: null, duration_ms: 5000, error: 'timeout' },
          { ...attempt, status_code: 500, duration_ms: 12, error: null },
        ],
      }),
    ).toEqual({ outcome: 'HTTP 500', duration: '12 ms', nextAttempt: null });
    expect(deliverySummary({ ...delivery, status: 'pending', attempt_count: 1, next_attempt_at: null, attempts: [{ ...attempt, status_code: null, duration_ms: 3, error: 'connection refused' }] }).outcome).toBe(
      'connection refused',
    );
  });

  it('says why an endpoint is disabled or since when it fails', () => {
    expect(endpointState({ enabled: true, disabled_reason: null, failing_since: null })).toBe('enabled');
    expect(endpointState({ enabled: true, disabled_reason: null, failing_since: '2026-01-01T00:00:00Z' })).toMatch(/^enabled, failing since /);
    expect(endpointState({ enabled: false, disabled_reason: 'failing for 5 days', failing_since: null })).toBe('disabled: failing for 5 days');
    expect(endpointState({ enabled: false, disabled_reason: null, failing_since: null })).toBe('disabled');
  });
});
