import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Redis from 'ioredis';
import { RedisKeys, usageStreamOf, type UsageEventV1 } from '@sluice/contracts';
import {
  copyLines,
  fileSize,
  findLeftoverSpillFiles,
  newSpillFileName,
  readSpilledLines,
  removeAbandonedRewrites,
  SpillFile,
  syncDirectory,
  writeAll,
} from './spill-file';

/** The field of a usage stream entry that holds the event, as JSON: `XADD usage:v1 * event {...}`. */
export const USAGE_EVENT_FIELD = 'event';

export interface UsageRecorderOptions {
  /**
   * Command connection with the deployment's `keyPrefix`; not closed by the
   * recorder. Its commands must fail while Redis is down (a finite
   * `maxRetriesPerRequest`), as the apps' client does, or a write would wait for Redis.
   */
  redis: Redis;
  /** Where spill files go; created if missing. It belongs to this gateway instance (see `findLeftoverSpillFiles`). */
  spillDirectory: string;
  /** Events held in memory before further ones go to disk. */
  memoryLimit?: number;
  /** XADDs per pipeline. */
  batchSize?: number;
  /** USAGE_STREAM_SHARDS: each event goes to its tenant's shard (docs/scaling.md); 1, the default, is the one stream of before. */
  streamShards?: number;
  /** Spilled lines between fsyncs; see {@link SpillFile} for the trade-off. */
  fsyncEvery?: number;
  /** The longest a spilled line waits for its fsync. */
  fsyncIntervalMs?: number;
  /** Backoff between write attempts while Redis fails, doubling from min to max. */
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
}

/** An event serialised already (the form both Redis and the disk want), with the stream of its tenant's shard. */
interface QueuedLine {
  text: string;
  stream: string;
}

/** Events waiting in memory. */
interface MemoryChunk {
  kind: 'memory';
  lines: QueuedLine[];
}

/** Events waiting in a spill file between two byte offsets; `end: null` while still being appended to. */
interface DiskChunk {
  kind: 'disk';
  path: string;
  own: boolean;
  start: number;
  end: number | null;
}

type Chunk = MemoryChunk | DiskChunk;

/**
 * The gateway's writer of usage events to the usage stream (docs/limits.md, Metering):
 * usage is never lost, whatever Redis does.
 *
 * Every event joins one ordered queue of chunks, drained by a single writer
 * with pipelined XADDs (never trimmed), each to the stream of its tenant's
 * shard: one pipeline per shard stream and batch, so that on Redis Cluster
 * each pipeline stays in one slot; a tenant's events stay in order, as they
 * are in one stream. While Redis fails, the queue grows:
 * up to `memoryLimit` events in memory, the rest appended to this process's
 * spill file. Once Redis answers again the chunks are replayed in the order
 * the events were recorded, then the spill file is removed. Files left by a
 * previous process go first, on start.
 *
 * Delivery is at least once: an XADD that Redis applied but whose reply was
 * lost is sent again, and a batch in flight at shutdown is also kept on disk.
 * The control plane's consumer is idempotent by `request_id`, which makes
 * that exactly-once in the ledger. Nothing is ever dropped, except lines of
 * a spill file that no longer parse (a torn last write).
 *
 * One recorder per process: it treats spill files of its own pid as leftovers.
 */
export class UsageRecorder {
  private readonly redis: Redis;
  private readonly directory: string;
  private readonly memoryLimit: number;
  private readonly batchSize: number;
  private readonly streamShards: number;
  /** Whether this process's shard count is in `usageShardCounts`, where consumers look for shards to drain. */
  private shardCountAnnounced = false;
  private readonly minRetryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly spill: SpillFile;
  private readonly fsyncTimer: NodeJS.Timeout;
  private readonly onRedisReady = () => {
    if (this.degraded) this.retryNow();
  };

  private chunks: Chunk[] = [];
  private memoryCount = 0;
  /** Bumped when the queue is rewritten to disk under a running drain, which must then start over. */
  private epoch = 0;
  private draining = false;
  private drainScheduled = false;
  private degraded = false;
  private closed = false;
  private retryAttempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];

  private writtenCount = 0;
  private spilledCount = 0;
  private replayedCount = 0;
  private skippedCount = 0;
  private spillFailureCount = 0;

  private constructor(options: UsageRecorderOptions) {
    this.redis = options.redis;
    this.directory = options.spillDirectory;
    this.memoryLimit = options.memoryLimit ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.streamShards = options.streamShards ?? 1;
    this.minRetryDelayMs = options.minRetryDelayMs ?? 50;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 2_000;
    mkdirSync(this.directory, { recursive: true });
    this.spill = new SpillFile(join(this.directory, newSpillFileName()), options.fsyncEvery ?? 256);
    this.fsyncTimer = setInterval(() => this.syncSpill(), options.fsyncIntervalMs ?? 200);
    this.fsyncTimer.unref();
    this.redis.on('ready', this.onRedisReady);
  }

  /** Starts recording, first queueing the spill files a previous process left behind. */
  static start(options: UsageRecorderOptions): UsageRecorder {
    const recorder = new UsageRecorder(options);
    recorder.adoptLeftovers();
    recorder.scheduleDrain();
    return recorder;
  }

  /** Events appended to the stream (replays included). */
  get written(): number {
    return this.writtenCount;
  }

  /** Events waiting in memory now (a gauge). */
  get buffered(): number {
    return this.memoryCount;
  }

  /** Events written to spill files. */
  get spilled(): number {
    return this.spilledCount;
  }

  /** Events appended to the stream from spill files, this process's or a previous one's. */
  get replayed(): number {
    return this.replayedCount;
  }

  /** Spill file lines that did not parse and were skipped (a torn write). */
  get skippedLines(): number {
    return this.skippedCount;
  }

  /** Spill writes that failed (disk full, say); those events stayed in memory instead. */
  get spillFailures(): number {
    return this.spillFailureCount;
  }

  /** Whether everything recorded so far has reached Redis. */
  get idle(): boolean {
    return this.chunks.length === 0;
  }

  /** Queues one event; never blocks on Redis or throws because Redis is down. */
  record(event: UsageEventV1): void {
    if (this.closed) throw new Error('UsageRecorder is closed');
    const line = { text: JSON.stringify(event), stream: usageStreamOf(event.tenant_id, this.streamShards) };
    const last = this.chunks.at(-1);
    if (this.memoryCount >= this.memoryLimit && this.spillLine(line.text, last)) {
      this.spilledCount++;
    } else {
      if (last?.kind === 'memory') last.lines.push(line);
      else {
        this.sealOwnChunk(last);
        this.chunks.push({ kind: 'memory', lines: [line] });
      }
      this.memoryCount++;
    }
    if (!this.degraded) this.scheduleDrain();
  }

  /**
   * Writes what it can within `timeoutMs`; whatever has not reached Redis by
   * then is persisted to this process's spill file (fsync'd), for this
   * recorder or the next process to replay. `complete` tells which happened.
   */
  async flush(timeoutMs: number): Promise<{ complete: boolean }> {
    if (this.chunks.length > 0) {
      this.retryNow();
      if (!(await this.waitForIdle(timeoutMs))) {
        this.persistQueue();
        return { complete: false };
      }
    }
    this.syncSpill();
    return { complete: true };
  }

  /** `flush`, then stop: no more events are accepted. The Redis connection is the caller's. */
  async close(timeoutMs: number): Promise<{ complete: boolean }> {
    const result = await this.flush(timeoutMs);
    this.closed = true;
    clearInterval(this.fsyncTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.redis.off('ready', this.onRedisReady);
    this.spill.close();
    return result;
  }

  private adoptLeftovers(): void {
    const ownName = this.spillFileName();
    removeAbandonedRewrites(this.directory, ownName);
    for (const name of findLeftoverSpillFiles(this.directory, ownName)) {
      const path = join(this.directory, name);
      this.chunks.push({ kind: 'disk', path, own: false, start: 0, end: fileSize(path) });
    }
  }

  /** Appends to this process's spill file, as part of the last chunk if that is still open. */
  private spillLine(line: string, last: Chunk | undefined): boolean {
    const start = this.spill.size;
    try {
      this.spill.append(line);
    } catch {
      this.spillFailureCount++;
      return false;
    }
    if (!(last?.kind === 'disk' && last.own && last.end === null)) {
      this.chunks.push({ kind: 'disk', path: this.spill.path, own: true, start, end: null });
    }
    return true;
  }

  /** Closes the range of an open disk chunk: later spilled lines belong to a new chunk. */
  private sealOwnChunk(chunk: Chunk | undefined): void {
    if (chunk?.kind === 'disk' && chunk.end === null) chunk.end = this.spill.size;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled || this.closed) return;
    this.drainScheduled = true;
    // Deferred, so the events recorded in one tick of the event loop share a pipeline.
    setImmediate(() => {
      this.drainScheduled = false;
      void this.drain();
    });
  }

  private retryNow(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    void this.drain();
  }

  private retryLater(): void {
    this.degraded = true;
    if (this.retryTimer || this.closed) return;
    const delay = Math.min(this.minRetryDelayMs * 2 ** this.retryAttempt++, this.maxRetryDelayMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.drain();
    }, delay);
    this.retryTimer.unref();
  }

  private async drain(): Promise<void> {
    if (this.draining || this.closed) return;
    this.draining = true;
    const epoch = this.epoch;
    try {
      while (this.chunks.length > 0) {
        const chunk = this.chunks[0];
        const done = chunk.kind === 'memory' ? await this.drainMemory(chunk, epoch) : await this.drainDisk(chunk, epoch);
        if (epoch !== this.epoch) return;
        if (!done) {
          this.retryLater();
          return;
        }
        this.chunks.shift();
        if (chunk.kind === 'disk') this.discard(chunk);
      }
      this.degraded = false;
      this.retryAttempt = 0;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    } catch {
      // An unreadable spill file, say: keep everything and try again later.
      if (epoch === this.epoch) this.retryLater();
    } finally {
      this.draining = false;
      if (epoch !== this.epoch && !this.closed) this.retryNow();
    }
  }

  private async drainMemory(chunk: MemoryChunk, epoch: number): Promise<boolean> {
    while (chunk.lines.length > 0) {
      const batch = chunk.lines.slice(0, this.batchSize);
      const written = await this.append(batch);
      if (epoch !== this.epoch) return false;
      chunk.lines.splice(0, written);
      this.memoryCount -= written;
      this.writtenCount += written;
      if (written < batch.length) return false;
    }
    return true;
  }

  private async drainDisk(chunk: DiskChunk, epoch: number): Promise<boolean> {
    this.sealOwnChunk(chunk);
    if (chunk.own) this.syncSpill();
    const end = chunk.end ?? chunk.start;
    let lines: QueuedLine[] = [];
    let offsets: number[] = [];
    let skipped = 0;
    let batchEnd = chunk.start;

    const writeBatch = async (): Promise<boolean> => {
      const written = lines.length > 0 ? await this.append(lines) : 0;
      if (epoch !== this.epoch) return false;
      this.writtenCount += written;
      this.replayedCount += written;
      if (written < lines.length) {
        // Resume after the last line Redis took, so a retry does not send it again.
        if (written > 0) chunk.start = offsets[written - 1];
        return false;
      }
      chunk.start = batchEnd;
      this.skippedCount += skipped;
      lines = [];
      offsets = [];
      skipped = 0;
      return true;
    };

    try {
      for await (const { text, next } of readSpilledLines(chunk.path, chunk.start, end)) {
        batchEnd = next;
        const tenant = usageEventTenant(text);
        if (tenant !== null) {
          lines.push({ text, stream: usageStreamOf(tenant, this.streamShards) });
          offsets.push(next);
        } else {
          skipped++;
        }
        if (lines.length >= this.batchSize && !(await writeBatch())) return false;
      }
    } catch (error) {
      // A file removed under us has nothing left to replay; anything else is retried.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw error;
    }
    return writeBatch();
  }

  /**
   * XADDs `lines`, one pipeline per stream (all sent at once); resolves to how
   * many, from the first, Redis took. A line after the first failure that
   * Redis took anyway is sent again with the retry: at least once, as ever.
   */
  private async append(lines: QueuedLine[]): Promise<number> {
    if (this.redis.status !== 'ready') return 0;
    if (!(await this.announceShardCount())) return 0;
    const byStream = new Map<string, number[]>();
    lines.forEach((line, position) => {
      const positions = byStream.get(line.stream);
      if (positions) positions.push(position);
      else byStream.set(line.stream, [position]);
    });
    const taken = new Array<boolean>(lines.length).fill(false);
    await Promise.all(
      [...byStream].map(async ([stream, positions]) => {
        const pipeline = this.redis.pipeline();
        for (const position of positions) pipeline.xadd(stream, '*', USAGE_EVENT_FIELD, lines[position].text);
        try {
          const results = (await pipeline.exec()) ?? [];
          positions.forEach((position, i) => (taken[position] = results[i]?.[0] === null));
        } catch {
          // Nothing of this stream counts as taken.
        }
      }),
    );
    let written = 0;
    while (written < lines.length && taken[written]) written++;
    return written;
  }

  /** Adds this process's shard count to the ones consumers drain, before its first event: a count no control plane runs with is still consumed. */
  private async announceShardCount(): Promise<boolean> {
    if (this.shardCountAnnounced) return true;
    try {
      await this.redis.sadd(RedisKeys.usageShardCounts(), String(this.streamShards));
      this.shardCountAnnounced = true;
    } catch {
      // Redis failed: the batch waits with the rest.
    }
    return this.shardCountAnnounced;
  }

  /** A replayed chunk is done: a leftover file goes at once, ours when no chunk needs it any more. */
  private discard(chunk: DiskChunk): void {
    if (!chunk.own) {
      removeFile(chunk.path);
      return;
    }
    if (!this.chunks.some((other) => other.kind === 'disk' && other.own)) this.spill.remove();
  }

  /**
   * Rewrites the whole queue, in order, into this process's spill file: memory
   * lines, ranges of spill files not yet replayed, and leftovers of previous
   * processes (then removed). Written beside it and renamed over it, so a
   * crash midway leaves the old files, which still hold every line.
   */
  private persistQueue(): void {
    this.epoch++;
    const temporary = `${this.spill.path}.tmp`;
    const fd = openSync(temporary, 'w');
    let memoryLines = 0;
    try {
      for (const chunk of this.chunks) {
        if (chunk.kind === 'memory') {
          if (chunk.lines.length > 0) writeAll(fd, Buffer.from(`${chunk.lines.map((line) => line.text).join('\n')}\n`));
          memoryLines += chunk.lines.length;
        } else {
          copyLines(chunk.path, chunk.start, chunk.end ?? this.spill.size, fd);
        }
      }
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      removeFile(temporary);
      throw error;
    }
    closeSync(fd);
    this.spill.close();
    renameSync(temporary, this.spill.path);
    syncDirectory(dirname(this.spill.path));
    for (const chunk of this.chunks) if (chunk.kind === 'disk' && !chunk.own) removeFile(chunk.path);
    this.spilledCount += memoryLines;
    this.memoryCount = 0;
    const size = this.spill.size;
    this.chunks = size > 0 ? [{ kind: 'disk', path: this.spill.path, own: true, start: 0, end: size }] : [];
    if (size === 0) this.spill.remove();
  }

  private syncSpill(): void {
    try {
      this.spill.sync();
    } catch {
      // Retried by the next batch or tick; the lines are in the page cache meanwhile.
    }
  }

  private waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.chunks.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== onIdle);
        resolve(false);
      }, timeoutMs);
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }

  private spillFileName(): string {
    return this.spill.path.slice(this.directory.length + 1);
  }
}

/**
 * The tenant of a spill file line worth replaying (a usage event of a version
 * this gateway writes), else null. A line without a tenant goes to shard 0:
 * the consumer sets it aside as invalid, as it would any other.
 */
function usageEventTenant(text: string): string | null {
  try {
    const event = JSON.parse(text) as Partial<UsageEventV1> | null;
    if (event === null || typeof event !== 'object' || event.v !== 1 || typeof event.request_id !== 'string') return null;
    return typeof event.tenant_id === 'string' ? event.tenant_id : '';
  } catch {
    return null;
  }
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
