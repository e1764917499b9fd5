/** The primary tells a worker to drain (a second time: to stop at once), as a signal would. */
export const SHUTDOWN_MESSAGE = 'sluice:gateway-shutdown';

export interface ShutdownMessage {
  type: typeof SHUTDOWN_MESSAGE;
  reason: string;
}

export function isShutdownMessage(message: unknown): message is ShutdownMessage {
  return typeof message === 'object' && message !== null && (message as ShutdownMessage).type === SHUTDOWN_MESSAGE;
}
