import {
  countsTokens,
  DuplicateAdmissionError,
  WINDOW_SECONDS,
  type AdmissionRefusal,
  type AdmissionRequest,
  type RateLimitState,
  type WindowState,
} from '@sluice/gateway/redis-state';

export type LocalAdmissionResult =
  | { admitted: true; rateLimit: RateLimitState }
  | { admitted: false; refusal: AdmissionRefusal; rateLimit: RateLimitState };

/** One fixed window's count: `index` is the window's number since the epoch; an older index counts as empty. */
interface WindowCount {
  index: number;
  used: number;
  resetEpochSeconds: number;
}

/** What settlement must give back for one locally admitted request. */
interface LocalHold {
  slotKeys: string[];
  tokenWindows: Array<{ key: string; index: number }>;
  reservedTokens: number;
  deadlineMs: number;
}

/** The admit script's precedence: a full window before a full concurrency set; among equals, the longest wait. */
const WINDOW_RANK = 2;
const CONCURRENCY_RANK = 1;

interface RankedRefusal {
  rank: number;
  refusal: AdmissionRefusal;
}

interface CheckedWindow {
  key: string;
  isTokens: boolean;
  limit: number;
  used: number;
  cost: number;
  index: number;
  resetEpochSeconds: number;
}

/** Stale windows and forgotten holds are dropped at most this often, on an admission. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Admission of last resort while Redis is unreachable (`ADMISSION_REDIS_DOWN_MODE=fail_open`):
 * the request's resolved request windows, token windows and concurrency limits,
 * counted in this process's memory with the admit script's rules (fixed windows
 * aligned to the epoch, all or nothing, the same refusal precedence and headers).
 *
 * Each process counts alone, on its own clock: with N gateway replicas up to
 * N × each limit can pass while Redis is down. Period quotas, credit and budgets
 * are not checked here, since their counters live in Redis; callers keep
 * requests that reserve money away from it.
 */
export class LocalAdmission {
  private readonly windows = new Map<string, WindowCount>();
  /** Concurrency slots per subject: request id → hold deadline (ms). */
  private readonly slots = new Map<string, Map<string, number>>();
  private readonly holds = new Map<string, LocalHold>();
  private nextSweepMs = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Requests admitted here and not settled yet. */
  get inFlight(): number {
    return this.holds.size;
  }

  admit(request: AdmissionRequest): LocalAdmissionResult {
    const nowMs = this.now();
    this.sweep(nowMs);
    if (this.holds.has(request.requestId)) throw new DuplicateAdmissionError(request.requestId);
    const nowSeconds = Math.floor(nowMs / 1000);
    const secondsUntil = (epochSeconds: number) => Math.max(1, Math.ceil((epochSeconds * 1000 - nowMs) / 1000));

    const refusals: RankedRefusal[] = [];

    const windows: CheckedWindow[] = request.limits.windows.map(({ level, subject, window, limit }) => {
      const seconds = WINDOW_SECONDS[window];
      const index = Math.floor(nowSeconds / seconds);
      const key = `${request.tenantId}|${subject}|${window}`;
      const stored = this.windows.get(key);
      const used = stored?.index === index ? stored.used : 0;
      const isTokens = countsTokens(window);
      const cost = isTokens ? request.reservedTokens : 1;
      const resetEpochSeconds = (index + 1) * seconds;
      if (used + cost > limit) {
        refusals.push({ rank: WINDOW_RANK, refusal: { code: 'rate_limit_exceeded', level, limit: window, retryAfterSeconds: secondsUntil(resetEpochSeconds) } });
      }
      return { key, isTokens, limit, used, cost, index, resetEpochSeconds };
    });

    const slotKeys = request.limits.concurrency.map(({ level, subject, limit }) => {
      const key = `${request.tenantId}|${subject}`;
      const held = this.liveSlots(key, nowMs);
      if (held + 1 > limit) {
        refusals.push({ rank: CONCURRENCY_RANK, refusal: { code: 'concurrency_limit_exceeded', level, limit: 'max_concurrency', retryAfterSeconds: 1 } });
      }
      return key;
    });

    const refusal = mostUrgent(refusals);
    const rateLimit = rateLimitState(windows, refusal === null);
    if (refusal !== null) return { admitted: false, refusal, rateLimit };

    const deadlineMs = nowMs + request.holdTtlMs;
    for (const window of windows) {
      this.windows.set(window.key, { index: window.index, used: window.used + window.cost, resetEpochSeconds: window.resetEpochSeconds });
    }
    for (const key of slotKeys) {
      const slots = this.slots.get(key) ?? new Map<string, number>();
      slots.set(request.requestId, deadlineMs);
      this.slots.set(key, slots);
    }
    const tokenWindows = windows.filter((window) => window.isTokens).map(({ key, index }) => ({ key, index }));
    this.holds.set(request.requestId, { slotKeys, tokenWindows, reservedTokens: request.reservedTokens, deadlineMs });
    return { admitted: true, rateLimit };
  }

  /**
   * Frees the request's slots and corrects its token windows by actual − reserved
   * (only while the window charged is still current). False when this process did
   * not admit the request (it belongs to Redis) or has settled it already.
   */
  settle(requestId: string, actualTokens: number): boolean {
    const hold = this.holds.get(requestId);
    if (!hold) return false;
    this.release(requestId, hold);
    const delta = actualTokens - hold.reservedTokens;
    if (delta !== 0) {
      for (const { key, index } of hold.tokenWindows) {
        const stored = this.windows.get(key);
        if (stored?.index === index) stored.used += delta;
      }
    }
    return true;
  }

  private liveSlots(key: string, nowMs: number): number {
    const slots = this.slots.get(key);
    if (!slots) return 0;
    for (const [requestId, deadlineMs] of slots) if (deadlineMs <= nowMs) slots.delete(requestId);
    return slots.size;
  }

  private release(requestId: string, hold: LocalHold): void {
    this.holds.delete(requestId);
    for (const key of hold.slotKeys) {
      const slots = this.slots.get(key);
      slots?.delete(requestId);
      if (slots?.size === 0) this.slots.delete(key);
    }
  }

  /** Bounds memory: windows that have ended and holds past their deadline (a request that never settled) go. */
  private sweep(nowMs: number): void {
    if (nowMs < this.nextSweepMs) return;
    this.nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
    const nowSeconds = Math.floor(nowMs / 1000);
    for (const [key, window] of this.windows) if (window.resetEpochSeconds <= nowSeconds) this.windows.delete(key);
    for (const [requestId, hold] of this.holds) if (hold.deadlineMs <= nowMs) this.release(requestId, hold);
  }
}

function mostUrgent(refusals: RankedRefusal[]): AdmissionRefusal | null {
  let best: RankedRefusal | null = null;
  for (const candidate of refusals) {
    const longer = (candidate.refusal.retryAfterSeconds ?? 0) > (best?.refusal.retryAfterSeconds ?? 0);
    if (best === null || candidate.rank > best.rank || (candidate.rank === best.rank && longer)) best = candidate;
  }
  return best?.refusal ?? null;
}

/** The admit script's header state: the request and token windows with the fewest left (ties: the smaller limit). */
function rateLimitState(windows: CheckedWindow[], admitted: boolean): RateLimitState {
  const tightest = (tokens: boolean): WindowState | null => {
    let best: WindowState | null = null;
    for (const window of windows) {
      if (window.isTokens !== tokens) continue;
      const remaining = Math.max(0, window.limit - window.used - (admitted ? window.cost : 0));
      if (best === null || remaining < best.remaining || (remaining === best.remaining && window.limit < best.limit)) {
        best = { limit: window.limit, remaining, resetEpochSeconds: window.resetEpochSeconds };
      }
    }
    return best;
  };
  return { requests: tightest(false), tokens: tightest(true) };
}
