import type { Connection, Submittable } from 'pg';

/**
 * A `COPY ... TO STDOUT` (text format) run as a node-postgres submittable,
 * handing out its rows as text lines, `batchSize` at a time, through
 * `batches()`.
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
export class CopyOutBatches implements Submittable {
  private filling: string[] = [];
  private readonly queued: string[][] = [];
  private connection: Connection | undefined;
  private paused = false;
  private discarding = false;
  private failure: Error | undefined;
  private finished = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly sql: string,
    private readonly batchSize: number,
    private readonly maxQueuedBatches = 2,
  ) {}

  submit(connection: Connection): void {
    this.connection = connection;
    connection.query(this.sql);
  }

  async *batches(): AsyncGenerator<string[]> {
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
    this.filling = [];
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
    // The chunk is a view into node-postgres' read buffer, which the next
    // socket read may overwrite: it must be decoded now. Each row ends in '\n'.
    const { chunk } = message;
    this.filling.push(chunk.toString('utf8', 0, chunk.length - 1));
    if (this.filling.length >= this.batchSize) this.publish();
  }

  handleCommandComplete(): void {
    if (this.filling.length > 0 && !this.discarding) this.publish();
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
    this.queued.push(this.filling);
    this.filling = [];
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
