import { finished } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { UpstreamExchange } from './upstream-exchange';

type UndiciBody = Dispatcher.ResponseData['body'];

/** What `UpstreamBody.read` hands each chunk to: true for more, false to stop reading, or a promise the next chunk waits for (backpressure). */
export type ChunkConsumer = (chunk: Uint8Array) => boolean | Promise<unknown>;

/**
 * A response body to be read once, as chunks arrive: `read` (or iterate it)
 * to stream, `text()` for a small answer, `discard()` when it is not wanted. Read
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

  /**
   * Reads the body as it arrives, each chunk (what arrived since the last,
   * joined) handed to `consume`: what `for await` over the body does, without
   * the promises an iterator costs per chunk (undici's and this class's).
   * `consume` returns true for more, false to stop (the rest is read and
   * dropped, as after a `break`), or a promise the next chunk waits for.
   * Resolves at the body's end or the stop; rejects with an `UpstreamError`
   * when reading fails, or with what `consume` threw or rejected with.
   */
  read(consume: ChunkConsumer): Promise<void> {
    try {
      this.claim();
    } catch (error) {
      return Promise.reject(error);
    }
    const { source, exchange } = this;
    return new Promise<void>((resolve, reject) => {
      let waiting = false;
      let over = false;
      const end = (failure: { error: unknown } | undefined, fromBody: boolean): void => {
        if (over) return;
        over = true;
        source.off('readable', pull);
        stopWatching();
        if (failure === undefined || !fromBody) {
          // Stopped early: the rest is read and dropped, so the connection goes back to the pool (or closes if there is a lot).
          if (!source.readableEnded) source.dump({ limit: DISCARD_READ_LIMIT_BYTES }).catch(() => undefined);
          exchange.finish();
        }
        if (failure === undefined) resolve();
        else reject(fromBody ? exchange.failure(failure.error, 'body') : failure.error);
      };
      const pull = (): void => {
        while (!waiting && !over) {
          const chunk = source.read() as Uint8Array | null;
          if (chunk === null) return;
          let next: boolean | Promise<unknown>;
          try {
            next = consume(chunk);
          } catch (error) {
            return end({ error }, false);
          }
          if (next === false) return end(undefined, false);
          if (next !== true) {
            waiting = true;
            next.then(
              () => {
                waiting = false;
                pull();
              },
              (error: unknown) => end({ error }, false),
            );
          }
        }
      };
      // The body's end, failure or premature close, also when it came before this call.
      const stopWatching = finished(source, { writable: false }, (error) => end(error ? { error } : undefined, true));
      source.on('readable', pull);
    });
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
