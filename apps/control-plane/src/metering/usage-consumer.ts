import { RedisKeys, USAGE_CONSUMER_GROUP, type UsageDeadLetterReason } from '@sluice/contracts';
import type { UsageEventInput } from '@sluice/control-plane/data-access';
import type Redis from 'ioredis';
import { parseUsageEvent } from './usage-event-validation';

/** The field of a stream entry that holds the event (the gateway's `USAGE_EVENT_FIELD`). */
export const USAGE_EVENT_FIELD = 'event';

/** Where a batch of valid events goes: one transaction, committed when the promise resolves. */
export interface UsageBatchWriter {
  /** Resolves to how many events were new (the rest were already recorded). */
  write(events: UsageEventInput[]): Promise<number>;
  /** Whether a failed write refused the data itself (a value out of range, say), rather than failed for want of a working database. */
  refusesData(error: unknown): boolean;
}

export interface UsageConsumerObserver {
  recorded(count: number): void;
  duplicates(count: number): void;
  deadLettered(reason: UsageDeadLetterReason, count: number): void;
  failed(error: unknown): void;
}

export interface UsageConsumerOptions {
  /** A connection of its own: XREADGROUP blocks it (a duplicate carries the acknowledgements). Closed by `stop()`. */
  redis: Redis;
  writer: UsageBatchWriter;
  /** Unique per process: a restarted process is a new consumer, and claims its predecessor's entries like any other's. */
  consumerName: string;
  batchSize: number;
  /** Pending entries idle this long belong to a consumer presumed dead and are claimed. */
  claimIdleMs: number;
  /** How long one read waits for new entries; also the longest `stop()` waits for an idle read. */
  blockMs?: number;
  observer?: UsageConsumerObserver;
}

type StreamEntry = [id: string, fields: string[] | null];

interface DeadLetter {
  id: string;
  raw: string;
  reason: string;
}

const RETRY_DELAY_MS = 1_000;

/**
 * Consumes the usage stream into the ledger (docs/limits.md, Metering) as one member of the
 * control plane's consumer group:
 *
 * 1. takes a batch: first entries idle past `claimIdleMs` in any consumer's
 *    pending list (XAUTOCLAIM: a consumer that died mid-batch), else new ones
 *    (XREADGROUP, blocking briefly);
 * 2. validates each; an invalid one is set aside for the dead-letter stream;
 * 3. writes the valid ones in one transaction (idempotent by request id);
 * 4. only after the commit, appends the dead letters and acknowledges the
 *    whole batch.
 *
 * A crash before step 4 leaves the batch pending: another consumer claims it
 * and the ledger skips what was committed, so every event counts exactly
 * once. If the database refuses a batch's data, the events are written one
 * by one and each one it refuses goes to the dead-letter stream with the
 * database's reason: no event is retried forever. Any other failure (the
 * database down, the schema not migrated yet) acknowledges nothing.
 */
export class UsageConsumer {
  private readonly redis: Redis;
  private readonly acks: Redis;
  private readonly stream = RedisKeys.usageStream();
  private readonly blockMs: number;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private claimCursor = '0-0';
  private nextClaimAt = 0;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: UsageConsumerOptions) {
    this.redis = options.redis;
    this.acks = options.redis.duplicate();
    this.blockMs = options.blockMs ?? 1_000;
  }

  /** Creates the group when missing (from the stream's start, so nothing appended before it is skipped) and starts consuming. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Finishes the batch in hand (committed and acknowledged), then stops and closes the connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.loop;
    this.redis.disconnect();
    this.acks.disconnect();
  }

  /**
   * While one batch is being written, the next is already read (on the
   * reading connection; acknowledgements go over their own, so a blocked read
   * never delays them). A batch read when the stop comes is still handled.
   */
  private async run(): Promise<void> {
    let groupReady = false;
    let next: Promise<StreamEntry[]> | null = null;
    while (!this.stopping || next) {
      try {
        if (!groupReady) groupReady = await this.ensureGroup();
        const prefetched = next;
        next = null;
        const batch = prefetched ? await prefetched : await this.take();
        if (batch.length === 0) continue;
        if (!this.stopping) next = this.take();
        // A failed prefetch surfaces when awaited; until then it must not count as unhandled.
        next?.catch(() => undefined);
        await this.handle(batch);
      } catch (error) {
        // Redis restarted without its data (or the stream was deleted): the group is gone and must be created again.
        if (isMissingGroup(error)) groupReady = false;
        this.options.observer?.failed(error);
        await this.pause(RETRY_DELAY_MS);
      }
    }
  }

  private async take(): Promise<StreamEntry[]> {
    return (await this.claimStale()) ?? (await this.readNew());
  }

  private async ensureGroup(): Promise<boolean> {
    try {
      // ioredis does not prefix XGROUP's key (nor XINFO's): name it in full.
      await this.redis.xgroup('CREATE', prefixed(this.redis, this.stream), USAGE_CONSUMER_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
    }
    return true;
  }

  /** Entries another (dead) consumer left pending, or null when none is due; scans the pending list at most every half idle time. */
  private async claimStale(): Promise<StreamEntry[] | null> {
    if (Date.now() < this.nextClaimAt) return null;
    const [cursor, entries] = (await this.redis.xautoclaim(
      this.stream,
      USAGE_CONSUMER_GROUP,
      this.options.consumerName,
      this.options.claimIdleMs,
      this.claimCursor,
      'COUNT',
      this.options.batchSize,
    )) as [string, StreamEntry[]];
    this.claimCursor = cursor;
    if (cursor === '0-0') this.nextClaimAt = Date.now() + Math.min(this.options.claimIdleMs / 2, 5_000);
    return entries.length > 0 ? entries : null;
  }

  private async readNew(): Promise<StreamEntry[]> {
    const reply = (await this.redis.xreadgroup(
      'GROUP',
      USAGE_CONSUMER_GROUP,
      this.options.consumerName,
      'COUNT',
      this.options.batchSize,
      'BLOCK',
      this.blockMs,
      'STREAMS',
      this.stream,
      '>',
    )) as Array<[string, StreamEntry[]]> | null;
    return reply?.[0]?.[1] ?? [];
  }

  private async handle(entries: StreamEntry[]): Promise<void> {
    const events = new Map<string, { id: string; raw: string; event: UsageEventInput }>();
    const deadLetters: DeadLetter[] = [];
    let repeated = 0;
    for (const [id, fields] of entries) {
      // An entry trimmed from the stream while pending has no fields left: nothing to record.
      if (!fields) continue;
      const raw = fieldValue(fields, USAGE_EVENT_FIELD);
      const parsed = parseUsageEvent(raw);
      if (!parsed.ok) deadLetters.push({ id, raw: raw ?? '', reason: parsed.reason });
      else if (events.has(parsed.event.request_id)) repeated++;
      else events.set(parsed.event.request_id, { id, raw: raw as string, event: parsed.event });
    }
    const valid = [...events.values()];
    const invalid = deadLetters.length;
    const recorded = await this.write(valid, deadLetters);
    if (deadLetters.length > 0) await this.appendDeadLetters(deadLetters);
    await this.acks.xack(this.stream, USAGE_CONSUMER_GROUP, ...entries.map(([id]) => id));
    const refused = deadLetters.length - invalid;
    this.options.observer?.recorded(recorded);
    this.options.observer?.duplicates(valid.length - refused - recorded + repeated);
    if (invalid > 0) this.options.observer?.deadLettered('invalid', invalid);
    if (refused > 0) this.options.observer?.deadLettered('refused', refused);
  }

  /** Writes the batch; when the database refuses its data, writes one by one and dead-letters what it refuses. */
  private async write(valid: Array<{ id: string; raw: string; event: UsageEventInput }>, deadLetters: DeadLetter[]): Promise<number> {
    if (valid.length === 0) return 0;
    try {
      return await this.options.writer.write(valid.map((entry) => entry.event));
    } catch (error) {
      if (!this.options.writer.refusesData(error)) throw error;
    }
    let recorded = 0;
    for (const entry of valid) {
      try {
        recorded += await this.options.writer.write([entry.event]);
      } catch (error) {
        if (!this.options.writer.refusesData(error)) throw error;
        deadLetters.push({ id: entry.id, raw: entry.raw, reason: `refused by the ledger: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
    return recorded;
  }

  private async appendDeadLetters(deadLetters: DeadLetter[]): Promise<void> {
    const pipeline = this.acks.pipeline();
    for (const letter of deadLetters) {
      pipeline.xadd(RedisKeys.usageDeadLetters(), '*', 'event', letter.raw, 'reason', letter.reason, 'source_id', letter.id, 'consumer', this.options.consumerName);
    }
    const results = (await pipeline.exec()) ?? [];
    const failure = results.find(([error]) => error);
    if (failure) throw failure[0];
  }

  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}

/** A key as Redis names it: ioredis adds `keyPrefix` to most commands' keys, but not to every subcommand's. */
export function prefixed(redis: Redis, key: string): string {
  return `${redis.options.keyPrefix ?? ''}${key}`;
}

function isMissingGroup(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOGROUP');
}

function fieldValue(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
