export type QuotaLevel = 'ok' | 'warn' | 'full';

/** A quota bar: how full (0-100, clamped), and whether to warn (80 %) or say it is used up. A null limit is unlimited. */
export function quotaBar(used: number, limit: number | null | undefined): { percent: number; level: QuotaLevel; unlimited: boolean } {
  if (limit === null || limit === undefined || limit <= 0) return { percent: 0, level: 'ok', unlimited: limit === null || limit === undefined };
  const percent = Math.min(100, Math.max(0, (used / limit) * 100));
  return { percent, level: used >= limit ? 'full' : percent >= 80 ? 'warn' : 'ok', unlimited: false };
}
