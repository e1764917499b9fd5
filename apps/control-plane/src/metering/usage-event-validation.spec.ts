import { parseUsageEvent } from './usage-event-validation';

const valid = {
  v: 1,
  request_id: 'req-1',
  tenant_id: '8c7c3a52-4a55-4a3c-9a55-7d2b5f0b9a01',
  api_key_id: '1f0e7c3a-7a55-4a3c-9a55-7d2b5f0b9a02',
  team_id: null,
  environment: 'live',
  model: 'gpt-4o',
  provider: 'openai',
  deployment: null,
  prompt_tokens: 3,
  completion_tokens: 0,
  cost_micros: 0,
  usage_source: 'estimated',
  outcome: 'client_aborted',
  http_status: 200,
  latency_ms: 5,
  time_to_first_token_ms: null,
  started_at: '2026-01-01T00:00:00.000Z',
  finished_at: '2026-01-01T00:00:01Z',
};

describe('parseUsageEvent', () => {
  it('accepts a UsageEventV1 and keeps only its fields', () => {
    const parsed = parseUsageEvent(JSON.stringify({ ...valid, extra: 'from a newer gateway' }));
    expect(parsed).toEqual({ ok: true, event: Object.fromEntries(Object.entries(valid).filter(([field]) => field !== 'v')) });
  });

  it.each([
    [undefined, 'entry has no event field'],
    ['{', 'event is not valid JSON'],
    ['[1]', 'event is not a JSON object'],
    [JSON.stringify({ ...valid, v: 2 }), 'unsupported event version 2'],
    [JSON.stringify({ ...valid, tenant_id: 'acme' }), 'tenant_id must be a UUID'],
    [JSON.stringify({ ...valid, team_id: undefined }), 'team_id must be a UUID'],
    [JSON.stringify({ ...valid, environment: 'prod' }), 'environment must be one of live, test, staging, development'],
    [JSON.stringify({ ...valid, request_id: '' }), 'request_id must be a string of 1 to 128 characters'],
    [JSON.stringify({ ...valid, completion_tokens: 1.5 }), 'completion_tokens must be a whole number from 0 to 9007199254740991'],
    [JSON.stringify({ ...valid, cost_micros: -1 }), 'cost_micros must be a whole number from 0 to 9007199254740991'],
    [JSON.stringify({ ...valid, latency_ms: 2 ** 31 }), 'latency_ms must be a whole number from 0 to 2147483647'],
    [JSON.stringify({ ...valid, started_at: '2026-01-01' }), 'started_at must be an ISO-8601 timestamp with a time zone'],
    [JSON.stringify({ ...valid, finished_at: '2026-02-30T00:00:00Z' }), 'finished_at must be an ISO-8601 timestamp with a time zone'],
    [JSON.stringify({ ...valid, finished_at: '2026-02-29T00:00:00Z' }), 'finished_at must be an ISO-8601 timestamp with a time zone'],
    [JSON.stringify({ ...valid, finished_at: '2100-02-29T00:00:00Z' }), 'finished_at must be an ISO-8601 timestamp with a time zone'],
    [JSON.stringify({ ...valid, finished_at: '2026-13-01T00:00:00Z' }), 'finished_at must be an ISO-8601 timestamp with a time zone'],
    [JSON.stringify({ ...valid, finished_at: '2026-04-31T00:00:00Z' }), 'finished_at must be an ISO-8601 timestamp with a time zone'],
    [JSON.stringify({ ...valid, started_at: '2026-00-10T00:00:00Z' }), 'started_at must be an ISO-8601 timestamp with a time zone'],
  ])('refuses %s: %s', (raw, reason) => {
    expect(parseUsageEvent(raw)).toEqual({ ok: false, reason });
  });

  it.each(['2024-02-29T23:59:59.999Z', '2000-02-29T00:00:00+02:00', '2026-12-31T00:00:00Z', '2026-04-30T12:00:00-05:30'])('accepts the calendar day of %s', (time) => {
    expect(parseUsageEvent(JSON.stringify({ ...valid, started_at: time, finished_at: time }))).toMatchObject({ ok: true });
  });
});
