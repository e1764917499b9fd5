import type { Connection, Submittable } from 'pg';

/** Gathers the rows of one batch, in whatever form its consumer wants them. */
export interface RowBatchBuilder<Batch> {
  /**
   * Adds one row: a CopyData chunk, the row's text and its '\n'. The chunk is
   * a view into node-postgres' read buffer, which the next socket read may
   * overwrite: it must be copied or decoded now.
   */
  add(chunk: Buffer): void;
  /** Rows added since the last `take`. */
  readonly rows: number;
  /** The rows added since the last `take`, as one batch; the builder starts afresh. */
  take(): Batch;
}

/** Each row as one string without its newline. */
export class TextRowBatches implements RowBatchBuilder<string[]> {
  private lines: string[] = [];

  add(chunk: Buffer): void {
    this.lines.push(chunk.toString('utf8', 0, chunk.length - 1));
  }

  get rows(): number {
    return this.lines.length;
  }

  take(): string[] {
    const lines = this.lines;
    this.lines = [];
    return lines;
  }
}

/** A batch of rows as the bytes COPY sent (each row ending in '\n'), in a buffer of its own that can be transferred to another thread. */
export interface RowBytes {
  bytes: Uint8Array;
  rows: number;
}

/** Where `ByteRowBatches` takes its buffers from: at least `size` bytes, over an ArrayBuffer of its own (never node's shared pool), so that it can be transferred. */
export type ByteBufferSource = (size: number) => Buffer;

export const newByteBuffer: ByteBufferSource = (size) => Buffer.from(new ArrayBuffer(size));

/** Initial bytes of a batch's buffer: 500 typical events fit. */
export const BATCH_BUFFER_BYTES = 256 * 1024;

/** Rows copied, undecoded, into one buffer per batch: the cheapest for the reading thread, which then only copies memory. */
export class ByteRowBatches implements RowBatchBuilder<RowBytes> {
  private buffer: Buffer;
  private length = 0;
  private count = 0;

  constructor(private readonly buffers: ByteBufferSource = newByteBuffer) {
    this.buffer = buffers(BATCH_BUFFER_BYTES);
  }

  add(chunk: Buffer): void {
    if (this.length + chunk.length > this.buffer.length) {
      const grown = newByteBuffer(Math.max(this.buffer.length * 2, this.length + chunk.length));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    chunk.copy(this.buffer, this.length);
    this.length += chunk.length;
    this.count += 1;
  }

  get rows(): number {
    return this.count;
  }

  take(): RowBytes {
    const batch = { bytes: this.buffer.subarray(0, this.length), rows: this.count };
    this.buffer = this.buffers(BATCH_BUFFER_BYTES);
    this.length = 0;
    this.count = 0;
    return batch;
  }
}

/**
 * A `COPY ... TO STDOUT` (text format) run as a node-postgres submittable,
 * handing out its rows, `batchSize` at a time and in the form `RowBatchBuilder`
 * gives them, through `batches()`.
 *
 * Why not a SELECT: node-postgres turns every column of every row into its
 * own string and the row into an object, which cost more than hashing the
 * event; here each row arrives as one CopyData message and becomes one string.
 * The query also runs once, so PostgreSQL scans the index without a round trip
 * per batch.
 *
 * Memory stays flat through backpressure: once `maxQueuedBatches` batches
 * wait for the consumer, the socket is paused (PostgreSQL then blocks on a full
 * send buffer) and resumed as the consumer catches up.
 */
export class CopyOutBatches<Batch = string[]> implements Submittable {
  private readonly queued: Batch[] = [];
  private connection: Connection | undefined;
  private paused = false;
  private discarding = false;
  private failure: Error | undefined;
  private finished = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly sql: string,
    private readonly batchSize: number,
    private readonly filling: RowBatchBuilder<Batch>,
    private readonly maxQueuedBatches = 2,
  ) {}

  submit(connection: Connection): void {
    this.connection = connection;
    connection.query(this.sql);
  }

  async *batches(): AsyncGenerator<Batch> {
    for (;;) {
      const batch = this.queued.shift();
      if (batch) {
        if (this.queued.length < this.maxQueuedBatches) this.resume();
        yield batch;
      } else if (this.failure) {
        throw this.failure;
      } else if (this.finished) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    }
  }

  /** Drops what is queued and whatever still arrives, so an abandoned COPY can run out without holding memory. */
  discard(): void {
    this.discarding = true;
    this.queued.length = 0;
    this.filling.take();
    this.resume();
  }

  /** Whether the server is done with the query (successfully or not). */
  get done(): boolean {
    return this.finished || this.failure !== undefined;
  }

  /** Resolves once the server is done with the query (successfully or not). */
  async settled(): Promise<void> {
    while (!this.done) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  // The node-postgres Client calls the methods below for each backend message.

  handleCopyData(message: { chunk: Buffer }): void {
    if (this.discarding) return;
    this.filling.add(message.chunk);
    if (this.filling.rows >= this.batchSize) this.publish();
  }

  handleCommandComplete(): void {
    if (this.filling.rows > 0 && !this.discarding) this.publish();
  }

  handleReadyForQuery(): void {
    this.finished = true;
    this.notify();
  }

  handleError(error: Error): void {
    this.failure ??= error;
    this.resume();
    this.notify();
  }

  handleCopyInResponse(connection: Connection & { sendCopyFail(message: string): void }): void {
    connection.sendCopyFail('CopyOutBatches only reads');
  }

  handleRowDescription(): void {
    // SET and COPY send no result set.
  }

  handleDataRow(): void {
    // SET and COPY send no result set.
  }

  handleEmptyQuery(): void {
    // Never empty: the query text is ours.
  }

  handlePortalSuspended(): void {
    // Simple query protocol: there is no portal.
  }

  private publish(): void {
    this.queued.push(this.filling.take());
    if (this.queued.length >= this.maxQueuedBatches && !this.paused && this.connection) {
      this.connection.stream.pause();
      this.paused = true;
    }
    this.notify();
  }

  private resume(): void {
    if (!this.paused || !this.connection) return;
    this.paused = false;
    this.connection.stream.resume();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
