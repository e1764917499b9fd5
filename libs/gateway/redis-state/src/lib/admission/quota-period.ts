/**
 * The quota period `now` falls in, given the one a tenant's projection record
 * names (`period_start`, `period_end`); null when the record's period is
 * unreadable.
 *
 * The record holds the period that was current when the control plane last
 * wrote it, and nothing rewrites it at the boundary but the control plane's
 * periodic reconcile (a minute later by default): until then a tenant at its
 * quota would stay refused in a period that has ended. Periods follow each
 * other at one length from the tenant's last reset (the control plane's
 * `currentQuotaPeriod`), so the gateway rolls the record's period forward
 * itself, in the same milliseconds: both name the same Redis counter and the
 * same `tenant_period_usage` row. By the gateway's clock, like budget periods:
 * a skewed clock moves the renewal by its skew, nothing more.
 */
export function quotaPeriodAt(recordStart: string, recordEnd: string, now: Date): { start: string; endMs: number } | null {
  const startMs = Date.parse(recordStart);
  const endMs = Date.parse(recordEnd);
  if (Number.isNaN(endMs)) return null;
  const length = endMs - startMs;
  const nowMs = now.getTime();
  // Unreadable start or a period not over yet: the record's own period, its start verbatim.
  if (!(length > 0) || nowMs < endMs) return { start: recordStart, endMs };
  const start = startMs + Math.floor((nowMs - startMs) / length) * length;
  return { start: new Date(start).toISOString(), endMs: start + length };
}
