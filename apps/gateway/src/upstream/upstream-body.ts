import type { Dispatcher } from 'undici';
import type { UpstreamExchange } from './upstream-exchange';

type UndiciBody = Dispatcher.ResponseData['body'];

/**
 * A response body to be read once, as chunks arrive: iterate it to stream,
 * `text()` for a small answer, `discard()` when it is not wanted. Read
 * failures surface as `UpstreamError`s (never retryable: the answer has
 * begun), and the end of reading ends the exchange's timers.
 */
export class UpstreamBody implements AsyncIterable<Uint8Array> {
  private claimed = false;

  constructor(
    private readonly source: UndiciBody,
    private readonly exchange: UpstreamExchange,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    this.claim();
    try {
      for await (const chunk of this.source) yield chunk as Uint8Array;
    } catch (error) {
      throw this.exchange.failure(error, 'body');
    } finally {
      // Also reached when the consumer stops early: the source iterator has then already destroyed the body.
      this.exchange.finish();
    }
  }

  /** The body as UTF-8, cut at `maxBytes` (the rest is not read: the connection is then closed, not reused). */
  async text(maxBytes = Number.POSITIVE_INFINITY): Promise<string> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of this) {
      const room = maxBytes - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size >= maxBytes) break;
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Drops the body; a short one is read to its end so the connection can be reused. */
  async discard(): Promise<void> {
    this.claim();
    try {
      await this.source.dump({ limit: DISCARD_READ_LIMIT_BYTES });
    } catch {
      // The body is unwanted: whatever broke it changes nothing.
    } finally {
      this.exchange.finish();
    }
  }

  private claim(): void {
    if (this.claimed) throw new Error('An upstream body can be read only once');
    this.claimed = true;
  }
}

const DISCARD_READ_LIMIT_BYTES = 128 * 1024;
