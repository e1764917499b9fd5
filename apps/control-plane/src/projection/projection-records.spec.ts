import type { ApiKeyRow, ModelRow, PlanRow, TenantRow } from '@sluice/control-plane/data-access';
import { apiKeyRecordForHash, catalogRecord, secretHashes, tenantRecord } from './projection-records';

const NOW = Date.parse('2026-01-01T00:00:00Z');

const key = (overrides: Partial<ApiKeyRow> = {}): ApiKeyRow => ({
  id: 'k1',
  tenant_id: 't1',
  team_id: null,
  created_by: null,
  name: 'ci',
  key_hash: 'new',
  prefix: 'slk_live_abcd',
  last4: 'wxyz',
  environment: 'live',
  scopes: ['inference'],
  status: 'active',
  expires_at: null,
  allowed_models: null,
  allowed_ips: null,
  allowed_regions: null,
  allowed_origins: null,
  allow_no_origin: true,
  limits: { rpm: 5 },
  last_used_at: null,
  revoked_at: null,
  previous_key_hash: 'old',
  previous_key_expires_at: new Date(NOW + 60_000),
  rotated_at: null,
  deleted_at: null,
  created_at: new Date(NOW),
  updated_at: new Date(NOW),
  ...overrides,
});

describe('API key records', () => {
  it('projects the current secret as is, and the previous one until its grace ends', () => {
    expect(apiKeyRecordForHash(key(), 'new', null, NOW)).toEqual({ record: expect.objectContaining({ status: 'active', expires_at: null, limits: { rpm: 5 } }), expiresAtMs: null });
    expect(apiKeyRecordForHash(key(), 'old', null, NOW)).toEqual({
      record: expect.objectContaining({ status: 'active', expires_at: new Date(NOW + 60_000).toISOString() }),
      expiresAtMs: NOW + 60_000,
    });
    expect(secretHashes(key(), NOW)).toEqual(['new', 'old']);
  });

  it('drops the previous secret once its grace has ended or the key is revoked', () => {
    expect(apiKeyRecordForHash(key(), 'old', null, NOW + 60_000)).toBeNull();
    expect(apiKeyRecordForHash(key({ status: 'revoked' }), 'old', null, NOW)).toBeNull();
    expect(apiKeyRecordForHash(key({ status: 'revoked' }), 'new', null, NOW)?.record.status).toBe('revoked');
    expect(secretHashes(key({ status: 'revoked' }), NOW)).toEqual(['new']);
  });

  it('never lets the grace outlast the key itself', () => {
    const expiring = key({ expires_at: new Date(NOW + 10_000) });
    expect(apiKeyRecordForHash(expiring, 'old', null, NOW)?.record.expires_at).toBe(new Date(NOW + 10_000).toISOString());
  });

  it('answers null for a hash the key does not have', () => {
    expect(apiKeyRecordForHash(key(), 'other', null, NOW)).toBeNull();
  });
});

describe('tenant and catalog records', () => {
  const resetAt = new Date(Date.now() - 86_400_000);
  const tenant = { id: 't1', slug: 'acme', status: 'suspended', suspension_reason: 'Payment overdue', subscription_tier: 'pro', quota_overrides: { rpm: 100 }, last_reset_at: resetAt } as unknown as TenantRow;

  it('carries status, reason, plan, and without a plan postpaid billing and the 30-day period', () => {
    expect(tenantRecord(tenant, null)).toEqual(
      expect.objectContaining({
        status: 'suspended',
        status_reason: 'Payment overdue',
        plan: 'pro',
        billing_mode: 'postpaid',
        period_start: resetAt.toISOString(),
        period_end: new Date(resetAt.getTime() + 30 * 86_400_000).toISOString(),
        limits: expect.objectContaining({ rpm: 100, rph: null, max_keys: 100 }),
      }),
    );
  });

  it("takes billing mode, period and limits from the tenant's plan, overrides winning", () => {
    const plan = {
      id: 'pro', billing_mode: 'prepaid', period_days: 7, allowed_models: ['mock-*'],
      limits: { rpm: 50, rph: 1000, max_keys: 5, api_calls_per_period: 10, ai_tokens_per_period: 20 },
    } as unknown as PlanRow;
    expect(tenantRecord(tenant, plan)).toEqual(
      expect.objectContaining({
        billing_mode: 'prepaid',
        allowed_models: ['mock-*'],
        period_end: new Date(resetAt.getTime() + 7 * 86_400_000).toISOString(),
        limits: expect.objectContaining({ rpm: 100, rph: 1000, max_keys: 5, api_calls_per_period: 10, ai_tokens_per_period: 20 }),
      }),
    );
  });

  it('names deployments and changes its revision with the catalog', () => {
    const row = { id: 'm', aliases: [], provider: 'mock', deployments: [{ provider: 'mock', base_url: 'http://x', upstream_model: 'm', credential_env: null, weight: 1, region: null, timeout_ms: 1 }], fallbacks: [], pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 2 }, context_window: 1, max_output_tokens: 1, capabilities: [], sandbox: true, enabled: true } as unknown as ModelRow;
    const first = catalogRecord([row]);
    expect(first.models[0].deployments[0].id).toBe('m/0');
    expect(catalogRecord([row]).revision).toBe(first.revision);
    expect(catalogRecord([{ ...row, enabled: false }]).revision).not.toBe(first.revision);
  });
});
