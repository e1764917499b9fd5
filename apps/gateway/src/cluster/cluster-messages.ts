/**
 * The primary tells a worker to drain (`attempt` 1) or, on a second signal, to
 * stop at once (2), as a signal would. Numbered so that a repeat is harmless: the
 * primary sends it again to a worker that was still starting.
 */
export const SHUTDOWN_MESSAGE = 'sluice:gateway-shutdown';

export interface ShutdownMessage {
  type: typeof SHUTDOWN_MESSAGE;
  attempt: number;
  reason: string;
}

export function isShutdownMessage(message: unknown): message is ShutdownMessage {
  return typeof message === 'object' && message !== null && (message as ShutdownMessage).type === SHUTDOWN_MESSAGE && Number.isInteger((message as ShutdownMessage).attempt);
}
