import type {
  AdmissionRefusal,
  AdmissionRequest,
  AdmissionResult,
  RateLimitState,
  SettlementOutcome,
  SettlementRequest,
  WindowState,
} from './admission.types';
import { ADMIT_LUA } from './admit.lua';
import { LuaScript, type RedisCommander } from './lua-script';
import { admissionCall, settlementCall, ticketFor } from './script-calls';
import { SETTLE_LUA } from './settle.lua';

const admitScript = new LuaScript(ADMIT_LUA);
const settleScript = new LuaScript(SETTLE_LUA);

/** Thrown when a request id is admitted twice: ids must be unique per request. */
export class DuplicateAdmissionError extends Error {
  constructor(requestId: string) {
    super(`Request ${requestId} was already admitted`);
    this.name = 'DuplicateAdmissionError';
  }
}

/** Admitted: status, then the request and token windows' limit, remaining and reset; refused: the same, then the refusal. */
type AdmitReply = [status: number, ...windows: [number, number, number, number, number, number], kind?: string, index?: number, retryAfter?: number];

/**
 * Limits, quota and credit for one request in one Redis round trip each way:
 * `admit` before the provider call, `settle` after it (see docs/limits.md).
 */
export class Admission {
  constructor(private readonly redis: RedisCommander) {}

  async admit(request: AdmissionRequest): Promise<AdmissionResult> {
    const { keys, args } = admissionCall(request);
    // Before the provider call, on the request's critical path: never held behind another batch.
    const reply = (await admitScript.runAtOnce(this.redis, keys, args)) as AdmitReply;
    if (reply[0] === -1) throw new DuplicateAdmissionError(request.requestId);
    const rateLimit: RateLimitState = { requests: windowState(reply[1], reply[2], reply[3]), tokens: windowState(reply[4], reply[5], reply[6]) };
    if (reply[0] === 1) return { admitted: true, ticket: ticketFor(request), rateLimit };
    return { admitted: false, refusal: describeRefusal(request, reply[7] ?? '', reply[8] ?? 0, reply[9] ?? 0), rateLimit };
  }

  async settle(settlement: SettlementRequest): Promise<SettlementOutcome> {
    const { keys, args } = settlementCall(settlement);
    return (await settleScript.run(this.redis, keys, args)) as SettlementOutcome;
  }
}

function windowState(limit: number, remaining: number, resetEpochSeconds: number): WindowState | null {
  return limit < 0 ? null : { limit, remaining, resetEpochSeconds };
}

/** Maps the script's (kind, 1-based index) back to the limit the request carried. */
function describeRefusal({ limits }: AdmissionRequest, kind: string, index: number, retryAfterSeconds: number): AdmissionRefusal {
  switch (kind) {
    case 'window': {
      const window = limits.windows[index - 1];
      return { code: 'rate_limit_exceeded', level: window.level, limit: window.window, retryAfterSeconds };
    }
    case 'concurrency':
      return { code: 'concurrency_limit_exceeded', level: limits.concurrency[index - 1].level, limit: 'max_concurrency', retryAfterSeconds };
    case 'quota_calls':
      return { code: 'quota_exceeded', level: 'tenant', limit: 'api_calls_per_period', retryAfterSeconds };
    case 'quota_tokens':
      return { code: 'quota_exceeded', level: 'tenant', limit: 'ai_tokens_per_period', retryAfterSeconds };
    case 'credits':
      return { code: 'insufficient_credits', level: 'tenant', limit: 'credits', retryAfterSeconds: null };
    case 'budget': {
      const budget = limits.budgets[index - 1];
      return {
        code: 'insufficient_credits',
        level: budget.level,
        limit: 'budget_usd',
        retryAfterSeconds: budget.periodEndEpochSeconds === null ? null : retryAfterSeconds,
        budget: { usd: budget.limitMicros / 1e6, period: budget.period },
      };
    }
    default:
      throw new Error(`Admission script refused with an unknown kind: ${kind}`);
  }
}
