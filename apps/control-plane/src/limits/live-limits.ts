import type { RateLimits } from '@sluice/contracts';

/**
 * Which counters the gateway admits one key's requests against, and how full
 * they are (docs/limits.md, Live limits). The same rules as the gateway's
 * `resolveLimits`: levels tenant → team → key, each level that sets a limit
 * has its own counter, a lower level's value is clamped by the levels above,
 * null, negative or non-numeric values are unset, and a tenant without `rpm`
 * gets the default request rate. The system test `live-limits` checks the
 * answers against the gateway's own rate-limit headers.
 */

export type LimitLevel = 'tenant' | 'team' | 'key';
export type WindowName = 'rpm' | 'rph' | 'rpd' | 'tpm' | 'tph' | 'tpd';

export const WINDOWS: ReadonlyArray<{ name: WindowName; seconds: number; tokens: boolean }> = [
  { name: 'rpm', seconds: 60, tokens: false },
  { name: 'rph', seconds: 3_600, tokens: false },
  { name: 'rpd', seconds: 86_400, tokens: false },
  { name: 'tpm', seconds: 60, tokens: true },
  { name: 'tph', seconds: 3_600, tokens: true },
  { name: 'tpd', seconds: 86_400, tokens: true },
];

export interface LimitLevelSource {
  level: LimitLevel;
  /** `tenant`, `team:<id>` or `key:<id>`: the counter's subject in its Redis key. */
  subject: string;
  limits: RateLimits;
}

export interface ApplicableWindow {
  level: LimitLevel;
  subject: string;
  window: WindowName;
  seconds: number;
  tokens: boolean;
  limit: number;
}

export interface ApplicableConcurrency {
  level: LimitLevel;
  subject: string;
  limit: number;
}

export function applicableLimits(levels: LimitLevelSource[], defaultRequestsPerMinute: number): { windows: ApplicableWindow[]; concurrency: ApplicableConcurrency[] } {
  const withDefault = levels.map((level) =>
    level.level === 'tenant' ? { ...level, limits: { ...level.limits, rpm: limitValue(level.limits.rpm) ?? defaultRequestsPerMinute } } : level,
  );
  const windows = WINDOWS.flatMap(({ name, seconds, tokens }) =>
    clamped(withDefault, (limits) => limits[name]).map((entry) => ({ ...entry, window: name, seconds, tokens })),
  );
  return { windows, concurrency: clamped(withDefault, (limits) => limits.max_concurrency) };
}

/** A fixed window's state at `nowSeconds` (Redis time) from its stored hash `{w, n}`: a stale index is an empty window. */
export function windowState(stored: { w: string | null; n: string | null }, nowSeconds: number, seconds: number, limit: number): { used: number; remaining: number; reset: number } {
  const current = Math.floor(nowSeconds / seconds);
  const used = stored.w !== null && Number(stored.w) === current ? Math.max(0, Number(stored.n ?? 0)) : 0;
  return { used, remaining: Math.max(0, limit - used), reset: (current + 1) * seconds };
}

/** The window a header would show: the fewest remaining, ties to the smaller limit (the admission script's rule). */
export function tightest<T extends { limit: number; remaining: number }>(windows: T[]): T | null {
  let best: T | null = null;
  for (const window of windows) {
    if (best === null || window.remaining < best.remaining || (window.remaining === best.remaining && window.limit < best.limit)) best = window;
  }
  return best;
}

function clamped(levels: LimitLevelSource[], pick: (limits: RateLimits) => number | null | undefined): Array<{ level: LimitLevel; subject: string; limit: number }> {
  const resolved: Array<{ level: LimitLevel; subject: string; limit: number }> = [];
  let above: number | null = null;
  for (const { level, subject, limits } of levels) {
    const own = limitValue(pick(limits));
    if (own === null) continue;
    const limit: number = above === null ? own : Math.min(own, above);
    resolved.push({ level, subject, limit });
    above = limit;
  }
  return resolved;
}

function limitValue(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : null;
}
