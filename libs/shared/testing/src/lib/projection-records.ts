import type { ApiKeyRecordV1, TenantRecordV1 } from '@sluice/contracts';
import { randomUUID } from 'node:crypto';

/**
 * A tenant's projection record as the control plane writes it: active,
 * postpaid, 1000 requests a minute, in a quota period that lasts until 2099.
 * Ids are fresh UUIDs, so tests never share counters.
 */
export function tenantRecord(overrides: Partial<TenantRecordV1> = {}): TenantRecordV1 {
  return {
    v: 1,
    id: randomUUID(),
    slug: `acme-${randomUUID().slice(0, 8)}`,
    status: 'active',
    status_reason: null,
    plan: 'starter',
    billing_mode: 'postpaid',
    limits: { rpm: 1000 },
    period_start: '2026-11-01T00:00:00.000Z',
    period_end: '2099-12-01T00:00:00.000Z',
    allowed_models: null,
    ...overrides,
  };
}

/** A live key of `tenantId` with the inference scope, no team and no limits of its own. */
export function apiKeyRecord(tenantId: string, overrides: Partial<ApiKeyRecordV1> = {}): ApiKeyRecordV1 {
  return {
    v: 1,
    id: randomUUID(),
    tenant_id: tenantId,
    team: null,
    environment: 'live',
    scopes: ['inference'],
    status: 'active',
    expires_at: null,
    allowed_models: null,
    allowed_ips: null,
    allowed_regions: null,
    limits: {},
    ...overrides,
  };
}
