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
    let settled = false;
    try {
      // A consumer that stops early (a stream's last event arrives before the body's final bytes) must not destroy the
      // body: that costs an AbortError with a stack trace per stream and, before the end has arrived, the connection.
      for await (const chunk of this.source.iterator({ destroyOnReturn: false })) yield chunk as Uint8Array;
      settled = true;
    } catch (error) {
      settled = true;
      throw this.exchange.failure(error, 'body');
    } finally {
      // Stopped early: the rest is read and dropped, so the connection goes back to the pool (or closes if there is a lot).
      if (!settled) this.source.dump({ limit: DISCARD_READ_LIMIT_BYTES }).catch(() => undefined);
      this.exchange.finish();
    }
  }

  /** The body as UTF-8, cut at `maxBytes` (up to 128 KiB of the rest is read and dropped, so the connection can be reused). */
  async text(maxBytes = Number.POSITIVE_INFINITY): Promise<string> {
    if (maxBytes === Number.POSITIVE_INFINITY) return this.wholeText();
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

  /** The whole body, read by undici itself: a plain answer's read without the async iterator's machinery per chunk. */
  private async wholeText(): Promise<string> {
    this.claim();
    try {
      return await this.source.text();
    } catch (error) {
      throw this.exchange.failure(error, 'body');
    } finally {
      this.exchange.finish();
    }
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
