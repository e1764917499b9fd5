import { createHash } from 'node:crypto';
import type { ApiKeyRow, ModelRow, PlanRow, TeamRow, TenantRow } from '@sluice/control-plane/data-access';
import type { ApiKeyRecordV1, CatalogRecordV1, KeyScope, ModelRecord, RateLimits, TenantRecordV1 } from '@sluice/contracts';
import { currentQuotaPeriod, QUOTA_PERIOD_DAYS } from '../common/quota-rules';
import { tenantLimits } from './tenant-limits';

/**
 * What the projection holds for each database row, built only from rows (never
 * from request input), with a fixed field order: the same state always
 * serialises to the same text, which is how the reconcile spots drift.
 */

/** A secret's record and, for a rotated-out secret, when Redis should drop it (epoch ms). */
export interface KeySecretRecord {
  record: ApiKeyRecordV1;
  expiresAtMs: number | null;
}

/**
 * The record of one secret hash of `key`: its current secret, or the previous
 * one while its rotation grace lasts (with the grace end as its expiry); null
 * when that hash no longer opens anything.
 */
export function apiKeyRecordForHash(key: ApiKeyRow, keyHash: string, team: TeamRow | null, now = Date.now()): KeySecretRecord | null {
  const base = apiKeyRecord(key, team);
  if (key.key_hash === keyHash) return { record: base, expiresAtMs: null };
  const graceEnd = key.previous_key_expires_at?.getTime() ?? null;
  if (key.previous_key_hash !== keyHash || key.status !== 'active' || graceEnd === null || graceEnd <= now) return null;
  const keyExpiry = key.expires_at?.getTime() ?? Infinity;
  return { record: { ...base, expires_at: new Date(Math.min(graceEnd, keyExpiry)).toISOString() }, expiresAtMs: graceEnd };
}

/** Every hash of `key` that should have a record now. */
export function secretHashes(key: ApiKeyRow, now = Date.now()): string[] {
  const graceEnd = key.previous_key_expires_at?.getTime() ?? 0;
  return key.previous_key_hash && key.status === 'active' && graceEnd > now ? [key.key_hash, key.previous_key_hash] : [key.key_hash];
}

function apiKeyRecord(key: ApiKeyRow, team: TeamRow | null): ApiKeyRecordV1 {
  return {
    v: 1,
    id: key.id,
    tenant_id: key.tenant_id,
    team: team ? { id: team.id, limits: rateLimits(team.limits) } : null,
    environment: key.environment,
    scopes: key.scopes as KeyScope[],
    status: key.status,
    expires_at: key.expires_at?.toISOString() ?? null,
    allowed_models: key.allowed_models,
    allowed_ips: key.allowed_ips,
    allowed_regions: key.allowed_regions,
    allowed_origins: key.allowed_origins,
    allow_no_origin: key.allow_no_origin,
    limits: rateLimits(key.limits),
  };
}

function rateLimits(limits: object): RateLimits {
  const source = limits as Record<string, unknown>;
  const out: RateLimits = {};
  for (const field of ['rpm', 'rph', 'rpd', 'tpm', 'tph', 'tpd', 'max_concurrency', 'budget_usd'] as const) {
    if (typeof source[field] === 'number') out[field] = source[field] as number;
  }
  const period = source['budget_period'];
  if (period === 'day' || period === 'month' || period === 'total') out.budget_period = period;
  return out;
}

export function tenantRecord(tenant: TenantRow, plan: PlanRow | null): TenantRecordV1 {
  const period = currentQuotaPeriod(tenant.last_reset_at, plan?.period_days ?? QUOTA_PERIOD_DAYS);
  return {
    v: 1,
    id: tenant.id,
    slug: tenant.slug,
    status: tenant.status,
    status_reason: tenant.suspension_reason || null,
    plan: tenant.subscription_tier,
    billing_mode: plan?.billing_mode ?? 'postpaid',
    limits: tenantLimits(tenant, plan),
    period_start: period.start.toISOString(),
    period_end: period.end.toISOString(),
    allowed_models: plan?.allowed_models ?? null,
  };
}

export function catalogRecord(models: ModelRow[]): CatalogRecordV1 {
  const records: ModelRecord[] = models.map((model) => ({
    id: model.id,
    aliases: model.aliases,
    provider: model.provider,
    deployments: model.deployments.map((deployment, index) => ({
      id: deployment.id ?? `${model.id}/${index}`,
      provider: deployment.provider,
      base_url: deployment.base_url,
      upstream_model: deployment.upstream_model,
      credential_env: deployment.credential_env ?? null,
      weight: deployment.weight,
      region: deployment.region ?? null,
      timeout_ms: deployment.timeout_ms,
    })),
    fallbacks: model.fallbacks,
    pricing: { input_per_mtok_usd: Number(model.pricing.input_per_mtok_usd), output_per_mtok_usd: Number(model.pricing.output_per_mtok_usd) },
    context_window: model.context_window,
    max_output_tokens: model.max_output_tokens,
    capabilities: model.capabilities,
    sandbox: model.sandbox,
    enabled: model.enabled,
  }));
  const revision = createHash('sha256').update(JSON.stringify(records)).digest('hex').slice(0, 16);
  return { v: 1, revision, models: records };
}
