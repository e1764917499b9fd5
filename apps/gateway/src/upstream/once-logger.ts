import { Logger } from '@nestjs/common';

/** Enough to tell an operator, bounded so that many distinct keys cannot grow it without end. */
const MAX_REMEMBERED = 1_000;

/**
 * Warns once per key: a misconfigured deployment fails every request that
 * reaches it, and one log line per request would bury everything else.
 */
export class OnceLogger {
  private readonly logger: Logger;
  private readonly seen = new Set<string>();

  constructor(context: string) {
    this.logger = new Logger(context);
  }

  warn(key: string, message: string): void {
    if (this.seen.has(key)) return;
    if (this.seen.size >= MAX_REMEMBERED) this.seen.clear();
    this.seen.add(key);
    this.logger.warn(message);
  }
}
