import type { LimitLevel, WindowName } from './live-limits';

export interface LiveWindowView {
  level: LimitLevel;
  /** The team whose counter this is (level `team`), else null. */
  team_id: string | null;
  limit: WindowName;
  /** The limit in force at this level: its own value clamped by the levels above. */
  value: number;
  used: number;
  remaining: number;
  /** When the window ends (epoch seconds, as `X-RateLimit-Reset`). */
  reset: number;
  reset_at: string;
}

export interface LiveConcurrencyView {
  level: LimitLevel;
  team_id: string | null;
  value: number;
  in_use: number;
  remaining: number;
}

export interface HeaderWindowView {
  limit: number;
  remaining: number;
  reset: number;
}

export interface QuotaFigureView {
  /** Null: no quota on this. */
  limit: number | null;
  used: number;
  remaining: number | null;
}

export interface LiveQuotaView {
  period_start: string;
  period_end: string;
  api_calls: QuotaFigureView;
  ai_tokens: QuotaFigureView;
}

export interface LiveCreditsView {
  billing_mode: 'prepaid' | 'postpaid';
  /** What the gateway admits against (micro-USD); null when Redis holds no balance for the tenant. */
  balance_micros: number | null;
  /** Reserved by requests in flight. */
  held_micros: number;
  /** Balance minus holds: what the next request may reserve; null without a balance. */
  available_micros: number | null;
}

/** Every limit that applies now, read from the counters the gateway admits against (docs/limits.md, Live limits). */
export interface LiveLimitsView {
  tenant: string;
  api_key_id: string | null;
  /** Redis's clock when the counters were read: the gateway's windows run on it. */
  checked_at: string;
  windows: LiveWindowView[];
  concurrency: LiveConcurrencyView[];
  /** What the rate-limit headers show: the request and token windows with the fewest left. */
  rate_limit: { requests: HeaderWindowView | null; tokens: HeaderWindowView | null };
  quota: LiveQuotaView;
  credits: LiveCreditsView;
}
