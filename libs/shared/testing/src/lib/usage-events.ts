import type { UsageEventV1 } from '@sluice/contracts';
import { randomUUID } from 'node:crypto';

/** A valid usage event as the gateway writes it, for a tenant the test chooses; override any field. */
export function usageEvent(overrides: Partial<UsageEventV1> & Pick<UsageEventV1, 'tenant_id'>): UsageEventV1 {
  const now = new Date().toISOString();
  return {
    v: 1,
    request_id: `req-${randomUUID()}`,
    api_key_id: randomUUID(),
    team_id: null,
    environment: 'live',
    model: 'mock-fast',
    provider: 'mock',
    deployment: 'mock-fast/0',
    prompt_tokens: 10,
    completion_tokens: 20,
    cost_micros: 150,
    usage_source: 'provider',
    outcome: 'completed',
    http_status: 200,
    latency_ms: 42,
    time_to_first_token_ms: 7,
    started_at: now,
    finished_at: now,
    ...overrides,
  };
}
