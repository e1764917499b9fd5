import type { ServerResponse } from 'node:http';
import { AbortEmitter } from '../upstream/abort-emitter';

export interface ClientAbort {
  /** Aborts when the client disconnects before the response has been fully written (an AbortEmitter: no AbortController per request). */
  signal: AbortEmitter;
  dispose(): void;
}

/**
 * The response's `close` is the one signal Node gives for both a finished
 * response and a vanished client; only the second leaves it unfinished.
 */
export function watchClientAbort(raw: ServerResponse): ClientAbort {
  const signal = new AbortEmitter();
  const onClose = () => {
    if (!raw.writableFinished) signal.abort(new Error('The client disconnected'));
  };
  raw.on('close', onClose);
  // The client may have left before anyone was listening (during authentication or admission).
  if (raw.destroyed || raw.socket?.destroyed === true) onClose();
  return { signal, dispose: () => raw.off('close', onClose) };
}
