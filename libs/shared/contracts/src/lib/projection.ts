/**
 * Projection records (docs/decisions.md, docs/limits.md): what the control plane writes into Redis
 * and the gateway reads, as JSON strings under the keys of `RedisKeys`. Each
 * record carries its version; a reader ignores versions it does not know.
 */

/** Request and token windows, concurrency and budget; null or absent = no limit at this level. */
export interface RateLimits {
  rpm?: number | null;
  rph?: number | null;
  rpd?: number | null;
  tpm?: number | null;
  tph?: number | null;
  tpd?: number | null;
  max_concurrency?: number | null;
  budget_usd?: number | null;
  budget_period?: 'day' | 'month' | 'total' | null;
}

/** A tenant's limits: its plan's, with the tenant's overrides applied. */
export interface TenantLimits extends RateLimits {
  api_calls_per_period?: number | null;
  ai_tokens_per_period?: number | null;
  max_users?: number | null;
  max_keys?: number | null;
}

export type TenantStatus = 'pending' | 'active' | 'suspended' | 'deleted';
export type BillingMode = 'prepaid' | 'postpaid';
/**
 * A key's environment (docs/limits.md, Environments): `live` and `staging` reach
 * every model the tenant and key allow and spend money; `test` and `development`
 * reach sandbox models only and never spend credit.
 */
export const KEY_ENVIRONMENTS = ['live', 'test', 'staging', 'development'] as const;
export type KeyEnvironment = (typeof KEY_ENVIRONMENTS)[number];

/** The part of the secret after `slk_` that names the environment: `slk_dev_…` is a development key. */
export const KEY_ENVIRONMENT_PREFIXES: Readonly<Record<KeyEnvironment, string>> = { live: 'live', test: 'test', staging: 'staging', development: 'dev' };

/** Environments whose keys reach sandbox models only and never spend credit or appear on an invoice. */
export function isSandboxEnvironment(environment: KeyEnvironment): boolean {
  return environment === 'test' || environment === 'development';
}
export type KeyScope = 'inference' | 'read' | 'write';

/** Stored under `RedisKeys.apiKey(sha256(secret))`; a rotated key has two records until its grace ends. */
export interface ApiKeyRecordV1 {
  v: 1;
  id: string;
  tenant_id: string;
  team: { id: string; limits: RateLimits } | null;
  environment: KeyEnvironment;
  scopes: KeyScope[];
  status: 'active' | 'revoked';
  /** ISO-8601; for a rotated-out secret, the end of its grace period. */
  expires_at: string | null;
  /** Globs over model ids; null = every model the tenant may use. */
  allowed_models: string[] | null;
  /** CIDRs; null = any address. */
  allowed_ips: string[] | null;
  allowed_regions: string[] | null;
  /**
   * Host patterns (`app.example.com`, `*.example.com`) a request's `Origin`, else
   * `Referer`, must match; null = any. Absent in records written before the field existed.
   */
  allowed_origins?: string[] | null;
  /** Whether a request with neither header is allowed; absent = true. */
  allow_no_origin?: boolean;
  limits: RateLimits;
}

/** Stored under `RedisKeys.tenant(id)`. */
export interface TenantRecordV1 {
  v: 1;
  id: string;
  slug: string;
  status: TenantStatus;
  status_reason: string | null;
  plan: string;
  billing_mode: BillingMode;
  limits: TenantLimits;
  /** Current quota period, ISO-8601 bounds. */
  period_start: string;
  period_end: string;
  allowed_models: string[] | null;
}

export type ProviderKind = 'openai' | 'anthropic' | 'openai-compatible' | 'mock';

export interface DeploymentRecord {
  /** Stable within the model: `${model}/${index}` unless the catalog names it. */
  id: string;
  provider: ProviderKind;
  base_url: string;
  upstream_model: string;
  /** Name of the gateway environment variable holding the credential; null = none needed. */
  credential_env: string | null;
  weight: number;
  region: string | null;
  timeout_ms: number;
}

export interface ModelRecord {
  id: string;
  aliases: string[];
  provider: ProviderKind;
  deployments: DeploymentRecord[];
  fallbacks: string[];
  pricing: { input_per_mtok_usd: number; output_per_mtok_usd: number };
  context_window: number;
  max_output_tokens: number;
  capabilities: string[];
  sandbox: boolean;
  enabled: boolean;
}

/** Stored under `RedisKeys.catalog()`: the whole catalog in one record. */
export interface CatalogRecordV1 {
  v: 1;
  /** Changes whenever the catalog does, so readers can tell a stale copy. */
  revision: string;
  models: ModelRecord[];
}

export type ApiKeyRecord = ApiKeyRecordV1;
export type TenantRecord = TenantRecordV1;
export type CatalogRecord = CatalogRecordV1;

/** Parses a stored record, or null when it is absent, malformed or of an unknown version. */
export function parseProjectionRecord<T extends { v: number }>(raw: string | null): T | null {
  if (raw === null) return null;
  try {
    const record = JSON.parse(raw) as T;
    return record && record.v === 1 ? record : null;
  } catch {
    return null;
  }
}
