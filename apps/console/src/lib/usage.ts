/** Figures of one usage group (a day, a model, a key) as the usage endpoints return them. */
export interface UsageRow {
  requests: number;
  total_tokens: number;
  cost_usd: number;
  [group: string]: string | number;
}

export type UsageMetric = 'requests' | 'total_tokens' | 'cost_usd';

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a UTC day `daysBack` days before `today`. */
export function dayBefore(today: Date, daysBack: number): string {
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) - daysBack * DAY_MS).toISOString().slice(0, 10);
}

/**
 * One point per UTC day from `from` to `to` (inclusive), zero where the API
 * has no row: a chart's x axis must not skip quiet days.
 */
export function dailySeries(rows: readonly UsageRow[], from: string, to: string, metric: UsageMetric): { days: string[]; values: number[] } {
  const byDay = new Map<string, number>();
  for (const row of rows) {
    const day = String(row['day'] ?? '').slice(0, 10);
    if (day) byDay.set(day, (byDay.get(day) ?? 0) + Number(row[metric] ?? 0));
  }
  const days: string[] = [];
  const values: number[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let time = Date.parse(`${from}T00:00:00Z`); time <= end && days.length < 400; time += DAY_MS) {
    const day = new Date(time).toISOString().slice(0, 10);
    days.push(day);
    values.push(byDay.get(day) ?? 0);
  }
  return { days, values };
}

/** The largest groups by `metric`, the rest summed into one "other" row, each with its share of the largest (for bars). */
export function topGroups(rows: readonly UsageRow[], field: string, metric: UsageMetric, limit = 8): Array<{ label: string; value: number; share: number }> {
  const sorted = rows.map((row) => ({ label: String(row[field] ?? '—'), value: Number(row[metric] ?? 0) })).sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
  const top = sorted.slice(0, limit);
  const rest = sorted.slice(limit).reduce((sum, row) => sum + row.value, 0);
  if (rest > 0) top.push({ label: `${sorted.length - limit} others`, value: rest });
  const largest = Math.max(0, ...top.map((row) => row.value));
  return top.map((row) => ({ ...row, share: largest > 0 ? row.value / largest : 0 }));
}
