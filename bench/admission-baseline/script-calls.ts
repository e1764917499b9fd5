import { RedisKeys } from '@sluice/contracts';
import {
  admissionRecordTtlMs,
  countsTokens,
  DAILY_TOKENS_TTL_SECONDS,
  MONTHLY_TOKENS_TTL_SECONDS,
  utcDayStamp,
  utcMonthStamp,
  WINDOW_SECONDS,
  type AdmissionRequest,
  type AdmissionTicket,
  type SettlementRequest,
} from '@sluice/gateway/redis-state';

/**
 * The admission scripts' calls as they were before issue 23 ("cheaper admission"), kept only as
 * the baseline `bench/admission-cost.ts` measures beside the current ones. Not used by the product.
 */

/** KEYS and ARGV of one script call, in the layout its Lua header documents. */
export interface ScriptCall {
  keys: string[];
  args: string[];
}

/** A settled record is kept this long only to answer `already_settled`; after that a repeat is `unknown`, also a no-op. */
const SETTLED_RECORD_TTL_MS = 5 * 60_000;

export function creditKeys(tenantId: string): string[] {
  return [
    RedisKeys.credits(tenantId),
    RedisKeys.creditHolds(tenantId),
    RedisKeys.creditHoldAmounts(tenantId),
    RedisKeys.creditHeld(tenantId),
  ];
}

export function admissionCall(request: AdmissionRequest): ScriptCall {
  const { tenantId, requestId, limits } = request;
  const keys = [RedisKeys.admission(tenantId, requestId)];
  const args = [
    requestId,
    integer(request.holdTtlMs),
    integer(admissionRecordTtlMs(request.holdTtlMs)),
    integer(request.reservedTokens),
    request.creditReservationMicros === null ? '-1' : integer(request.creditReservationMicros),
    String(limits.windows.length),
    String(limits.concurrency.length),
    optionalLimit(limits.quota?.apiCalls),
    optionalLimit(limits.quota?.aiTokens),
    integer(limits.quota?.periodEndEpochSeconds ?? 0),
    String(limits.budgets.length),
    integer(request.budgetReservationMicros),
  ];
  for (const window of limits.windows) {
    keys.push(RedisKeys.limitWindow(tenantId, window.subject, window.window));
    args.push(countsTokens(window.window) ? '1' : '0', String(WINDOW_SECONDS[window.window]), integer(window.limit));
  }
  for (const concurrency of limits.concurrency) {
    keys.push(RedisKeys.concurrency(tenantId, concurrency.subject));
    args.push(integer(concurrency.limit));
  }
  const quota = limits.quota;
  if (quota && isLimited(quota.apiCalls)) keys.push(RedisKeys.quotaCounter(tenantId, quota.periodStart, 'calls'));
  if (quota && isLimited(quota.aiTokens)) keys.push(RedisKeys.quotaCounter(tenantId, quota.periodStart, 'tokens'));
  for (const budget of limits.budgets) {
    keys.push(...budgetKeys(tenantId, budget));
    args.push(integer(budget.limitMicros), optionalLimit(budget.periodEndEpochSeconds));
  }
  if (request.creditReservationMicros !== null) keys.push(...creditKeys(tenantId));
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

export function settlementCall({ ticket, actualTokens, actualCostMicros, tokenTotals }: SettlementRequest): ScriptCall {
  const { tenantId } = ticket;
  const keys = [
    RedisKeys.admission(tenantId, ticket.requestId),
    ...ticket.concurrencySubjects.map((subject) => RedisKeys.concurrency(tenantId, subject)),
    ...ticket.tokenWindows.map(({ subject, window }) => RedisKeys.limitWindow(tenantId, subject, window)),
  ];
  if (ticket.quotaTokens) keys.push(RedisKeys.quotaCounter(tenantId, ticket.quotaTokens.periodStart, 'tokens'));
  if (ticket.holdsCredit) keys.push(...creditKeys(tenantId));
  const { budgets } = ticket;
  for (const budget of budgets) keys.push(...budgetKeys(tenantId, budget));
  if (tokenTotals) {
    keys.push(
      RedisKeys.tenantDailyTokens(tenantId, utcDayStamp(tokenTotals.settledAt)),
      RedisKeys.tenantMonthlyTokens(tenantId, utcMonthStamp(tokenTotals.settledAt)),
    );
  }
  const args = [
    ticket.requestId,
    integer(actualTokens),
    integer(actualCostMicros),
    String(ticket.concurrencySubjects.length),
    String(ticket.tokenWindows.length),
    ticket.quotaTokens ? '1' : '0',
    ticket.holdsCredit ? '1' : '0',
    String(SETTLED_RECORD_TTL_MS),
    tokenTotals ? '1' : '0',
    tokenTotals?.model ?? '',
    String(DAILY_TOKENS_TTL_SECONDS),
    String(MONTHLY_TOKENS_TTL_SECONDS),
    String(budgets.length),
    ...budgets.map((budget) => optionalLimit(budget.periodEndEpochSeconds)),
  ];
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
