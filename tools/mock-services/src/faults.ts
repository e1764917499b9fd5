/** Per-request fault injection (README): what one request should suffer. */
export interface Faults {
  /** Answer with this status and an error body. */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Answer 200 with a body that is not a valid page. */
  malformed?: boolean;
}

const MAX_DELAY_MS = 60_000;

export class FaultError extends Error {
  override readonly name = 'FaultError';
}

/**
 * Parses `status=500;delay_ms=1500;malformed` (separators `;`, `,` or `+`),
 * the syntax of the `x-mock` header, of the `/_mock/<faults>/` path prefix
 * and of queued faults.
 */
export function parseFaults(spec: string): Faults {
  const faults: Faults = {};
  for (const part of spec.split(/[;,+]/).map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = part.split('=', 2).map((p) => p.trim());
    if (key === 'malformed' && value === undefined) faults.malformed = true;
    else if (key === 'status' && /^\d{3}$/.test(value ?? '') && Number(value) >= 100 && Number(value) <= 599) faults.status = Number(value);
    else if (key === 'delay_ms' && /^\d{1,6}$/.test(value ?? '') && Number(value) <= MAX_DELAY_MS) faults.delayMs = Number(value);
    else throw new FaultError(`Invalid fault "${part}": use status=<100-599>, delay_ms=<0-${MAX_DELAY_MS}> or malformed`);
  }
  return faults;
}

/** Faults for the next `times` requests whose path contains `pathContains`: a page that fails once, a slow health check. */
export interface QueuedFault {
  pathContains: string;
  faults: Faults;
  times: number;
}

export class FaultQueue {
  private readonly queued: QueuedFault[] = [];

  add(fault: QueuedFault): void {
    this.queued.push({ ...fault });
  }

  /** The first queued fault matching `path`, used up by this request. */
  take(path: string): Faults | null {
    const index = this.queued.findIndex((fault) => path.includes(fault.pathContains));
    if (index === -1) return null;
    const fault = this.queued[index];
    fault.times -= 1;
    if (fault.times <= 0) this.queued.splice(index, 1);
    return fault.faults;
  }

  clear(): void {
    this.queued.length = 0;
  }
}
