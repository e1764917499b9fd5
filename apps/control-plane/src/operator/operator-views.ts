/** What the operator endpoints answer (docs/operations.md, Operator endpoints). */

export interface RefreshModelsView {
  regions_created: string[];
  regions_updated: string[];
  models_created: string[];
  models_updated: string[];
  /** Regions and models the refresh changed; 0: the database already matched the file. */
  changed: number;
}

export interface GatewaySeenView {
  id: string;
  version: string;
  projection_age_ms: number;
  projection_ready: boolean;
  invalidations_applied: number;
  cached_entries: number;
  last_seen_at: string;
}

export interface CacheStatusView {
  records: { api_key: number; tenant: number; catalog: number };
  last_full_rebuild_at: string | null;
  outbox: { backlog: number; oldest_at: string | null };
  invalidations_published: number;
  usage_stream: { length: number; pending: number | null; lag: number | null };
  gateways: GatewaySeenView[];
}

export interface UsageTotalsView {
  requests: number;
  tokens: number;
  cost_usd: number;
}

export interface TopTenantView extends UsageTotalsView {
  tenant: string;
  slug: string;
}

export interface TopModelView extends UsageTotalsView {
  model: string;
}

export interface StatusCountView {
  status: string;
  count: number;
}

export interface ErrorCountsView {
  /** Error code (`invalid_api_key`, `rate_limit_exceeded`, `provider_unavailable`, …) → requests answered with it. */
  by_reason: Record<string, number>;
  total: number;
}

export interface MonitorView {
  at: string;
  tenants_by_status: StatusCountView[];
  today: UsageTotalsView;
  month: UsageTotalsView;
  top_tenants: TopTenantView[];
  top_models: TopModelView[];
  usage_stream: { length: number; pending: number | null; lag: number | null; dead_letters: number };
  credit_liabilities_usd: number;
  gateways_seen: number;
  /** Inference requests the gateways refused or failed, UTC today and this month (counted in Redis). */
  errors_today: ErrorCountsView;
  errors_month: ErrorCountsView;
}

export interface BalanceView {
  tenant: string;
  slug: string;
  name: string;
  plan: string;
  /** The ledger's balance (the source of truth). */
  ledger_balance_usd: number;
  /** What the gateways spend from (Redis) minus live reservations; null when Redis holds none. */
  live_balance_usd: number | null;
}

export interface PriceRangeView {
  min: number;
  max: number;
}

export interface ProviderView {
  provider: string;
  models: string[];
  deployments: number;
  regions: string[];
  pricing: { input_per_mtok_usd: PriceRangeView; output_per_mtok_usd: PriceRangeView };
  /** Circuit-breaker states as the gateways seen in the last 30 s report them. */
  health: { gateways_reporting: number; open: string[]; half_open: string[] };
}
