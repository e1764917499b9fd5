import { RedisKeys } from '@sluice/contracts';
import { countsTokens, type AdmissionRequest, type AdmissionTicket, type SettlementRequest } from './admission.types';
import { utcDayStamp, utcMonthStamp } from './token-totals';

/** KEYS and ARGV of one script call, in the layout its Lua header documents. */
export interface ScriptCall {
  keys: string[];
  args: string[];
}

/**
 * An unsettled record lives past its holds so that a request that outlived its
 * hold is still settled (its cost charged once); a settlement later than this is ignored.
 */
export function admissionRecordTtlMs(holdTtlMs: number): number {
  return holdTtlMs + Math.max(holdTtlMs, 60_000);
}

export function creditKeys(tenantId: string): string[] {
  return [
    RedisKeys.credits(tenantId),
    RedisKeys.creditHolds(tenantId),
    RedisKeys.creditHoldAmounts(tenantId),
    RedisKeys.creditHeld(tenantId),
  ];
}

/** The admission script's KEYS and ARGV: only the limits the request carries (layout in admit.lua.ts). */
export function admissionCall(request: AdmissionRequest): ScriptCall {
  const { tenantId, requestId, limits } = request;
  const keys = [RedisKeys.admission(tenantId, requestId)];
  const args = [
    requestId,
    integer(request.holdTtlMs),
    integer(admissionRecordTtlMs(request.holdTtlMs)),
    integer(request.reservedTokens),
    String(limits.windows.length),
  ];
  for (const window of limits.windows) {
    keys.push(RedisKeys.limitWindow(tenantId, window.subject, window.window));
    args.push(window.window, integer(window.limit));
  }
  if (limits.concurrency.length > 0) {
    args.push('c', String(limits.concurrency.length));
    for (const concurrency of limits.concurrency) {
      keys.push(RedisKeys.concurrency(tenantId, concurrency.subject));
      args.push(integer(concurrency.limit));
    }
  }
  const quota = limits.quota;
  if (quota && (isLimited(quota.apiCalls) || isLimited(quota.aiTokens))) {
    args.push('q', optionalLimit(quota.apiCalls), optionalLimit(quota.aiTokens), integer(quota.periodEndEpochSeconds));
    if (isLimited(quota.apiCalls)) keys.push(RedisKeys.quotaCounter(tenantId, quota.periodStart, 'calls'));
    if (isLimited(quota.aiTokens)) keys.push(RedisKeys.quotaCounter(tenantId, quota.periodStart, 'tokens'));
  }
  if (limits.budgets.length > 0) {
    args.push('b', String(limits.budgets.length), integer(request.budgetReservationMicros));
    for (const budget of limits.budgets) {
      keys.push(...budgetKeys(tenantId, budget));
      args.push(integer(budget.limitMicros), optionalLimit(budget.periodEndEpochSeconds));
    }
  }
  if (request.creditReservationMicros !== null) {
    args.push('k', integer(request.creditReservationMicros));
    keys.push(...creditKeys(tenantId));
  }
  return { keys, args };
}

function budgetKeys(tenantId: string, { subject, periodKey }: { subject: string; periodKey: string }): string[] {
  return [RedisKeys.budgetSpend(tenantId, subject, periodKey), RedisKeys.budgetHolds(tenantId, subject, periodKey)];
}

/** What settlement will need, known as soon as the request is admitted. */
export function ticketFor(request: AdmissionRequest): AdmissionTicket {
  const { limits } = request;
  return {
    tenantId: request.tenantId,
    requestId: request.requestId,
    concurrencySubjects: limits.concurrency.map((limit) => limit.subject),
    tokenWindows: limits.windows
      .filter((limit) => countsTokens(limit.window))
      .map((limit) => ({ subject: limit.subject, window: limit.window })),
    quotaTokens: limits.quota && isLimited(limits.quota.aiTokens) ? { periodStart: limits.quota.periodStart } : null,
    holdsCredit: request.creditReservationMicros !== null,
    budgets: limits.budgets.map(({ subject, periodKey, periodEndEpochSeconds }) => ({ subject, periodKey, periodEndEpochSeconds })),
  };
}

/** The settlement script's KEYS and ARGV: only what the admission charged (layout in settle.lua.ts). */
export function settlementCall({ ticket, actualTokens, actualCostMicros, tokenTotals }: SettlementRequest): ScriptCall {
  const { tenantId } = ticket;
  const keys = [RedisKeys.admission(tenantId, ticket.requestId)];
  const args = [ticket.requestId, integer(actualTokens), integer(actualCostMicros)];
  if (ticket.concurrencySubjects.length > 0) {
    args.push('c', String(ticket.concurrencySubjects.length));
    for (const subject of ticket.concurrencySubjects) keys.push(RedisKeys.concurrency(tenantId, subject));
  }
  if (ticket.tokenWindows.length > 0) {
    args.push('w', String(ticket.tokenWindows.length));
    for (const { subject, window } of ticket.tokenWindows) keys.push(RedisKeys.limitWindow(tenantId, subject, window));
  }
  if (ticket.quotaTokens) {
    args.push('q');
    keys.push(RedisKeys.quotaCounter(tenantId, ticket.quotaTokens.periodStart, 'tokens'));
  }
  if (ticket.holdsCredit) {
    args.push('k');
    keys.push(...creditKeys(tenantId));
  }
  if (ticket.budgets.length > 0) {
    args.push('b', String(ticket.budgets.length), ...ticket.budgets.map((budget) => optionalLimit(budget.periodEndEpochSeconds)));
    for (const budget of ticket.budgets) keys.push(...budgetKeys(tenantId, budget));
  }
  if (tokenTotals) {
    args.push('t', tokenTotals.model);
    keys.push(
      RedisKeys.tenantDailyTokens(tenantId, utcDayStamp(tokenTotals.settledAt)),
      RedisKeys.tenantMonthlyTokens(tenantId, utcMonthStamp(tokenTotals.settledAt)),
    );
  }
  return { keys, args };
}

function isLimited(limit: number | null | undefined): limit is number {
  return limit !== null && limit !== undefined;
}

function optionalLimit(limit: number | null | undefined): string {
  return isLimited(limit) ? integer(limit) : '-1';
}

/** Counters are integers; a fractional or negative input is a caller bug, refused before it reaches Redis. */
function integer(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`Expected a non-negative integer, got ${value}`);
  return String(value);
}
