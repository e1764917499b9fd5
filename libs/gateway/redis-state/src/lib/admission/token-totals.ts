/**
 * A tenant's token totals for `GET /metrics/{tenant_id}`: settlement adds each
 * request's tokens to its UTC day (per model) and UTC calendar month. The day
 * and month come from the gateway's clock at settlement, not Redis's: the keys
 * must be named in the script's KEYS (Redis Cluster routes by them).
 */

/** Today's hash is read for a day; kept a little longer so a request settled just after midnight still finds yesterday's. */
export const DAILY_TOKENS_TTL_SECONDS = 3 * 86_400;
/** Longer than any month, so this month's total survives until the month is over. */
export const MONTHLY_TOKENS_TTL_SECONDS = 40 * 86_400;

/** `yyyymmdd` of the UTC day `at` falls on. */
export function utcDayStamp(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll('-', '');
}

/** `yyyymm` of the UTC month `at` falls in. */
export function utcMonthStamp(at: Date): string {
  return at.toISOString().slice(0, 7).replace('-', '');
}
