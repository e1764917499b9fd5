/** The parts of `process` a fake server's entry point uses. */
export interface ProcessLike {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  exit(code: number): void;
}

/**
 * The entry point of a local fake server: starts it, prints one JSON log line
 * saying where it listens, and on SIGTERM or SIGINT closes it and exits 0 (a
 * failed close exits 0 too: the process is going away either way). A failure
 * to start (bad configuration, port taken) prints `<service>: <reason>` on
 * stderr and exits 1.
 */
export async function runFakeServer<T extends { close(): Promise<void> }>(
  service: string,
  start: () => Promise<T>,
  listening: (server: T) => string,
  proc: ProcessLike = process,
): Promise<void> {
  try {
    const server = await start();
    proc.stdout.write(`${JSON.stringify({ level: 'info', service, msg: listening(server) })}\n`);
    const stop = (): void => {
      server.close().then(
        () => proc.exit(0),
        () => proc.exit(0),
      );
    };
    proc.once('SIGTERM', stop);
    proc.once('SIGINT', stop);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    proc.stderr.write(`${service}: ${reason}\n`);
    proc.exit(1);
  }
}
