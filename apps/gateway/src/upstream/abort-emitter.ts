import { EventEmitter } from 'node:events';

/**
 * A one-shot abort as undici takes it in place of an AbortSignal: an
 * EventEmitter with `aborted` and `reason` that emits `abort` once. On Node 20
 * an AbortController costs ~4.5 µs to create and each EventTarget listener
 * ~4 µs more to add and remove, where this costs ~0.3 µs; the hot path made two
 * controllers and three listeners per request (docs/decisions.md, "Issue 22,
 * plain path, session 8"). An AbortSignal is still made, on first use, for
 * the APIs that take nothing else (`toAbortSignal`).
 */
export class AbortEmitter extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;
  private controller: AbortController | undefined = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.emit('abort');
  }

  /** The same abort as an AbortSignal (made on the first call), for APIs that take only one. */
  toAbortSignal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }
}

/** What cancels an upstream call: an AbortEmitter or any AbortSignal. */
export type AbortSource = AbortEmitter | AbortSignal;

/** Calls `listener` once, when `source` aborts. */
export function onAbort(source: AbortSource, listener: () => void): void {
  if (source instanceof AbortEmitter) source.once('abort', listener);
  else source.addEventListener('abort', listener, { once: true });
}

export function offAbort(source: AbortSource, listener: () => void): void {
  if (source instanceof AbortEmitter) source.removeListener('abort', listener);
  else source.removeEventListener('abort', listener);
}

export function toAbortSignal(source: AbortSource): AbortSignal {
  return source instanceof AbortEmitter ? source.toAbortSignal() : source;
}
