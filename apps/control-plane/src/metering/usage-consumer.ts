import { RedisKeys, USAGE_CONSUMER_GROUP, type UsageDeadLetterReason } from '@sluice/contracts';
import type { UsageEventInput } from '@sluice/control-plane/data-access';
import { duplicateRedisClient } from '@sluice/platform';
import type Redis from 'ioredis';
import { parseUsageEvent } from './usage-event-validation';
import { UsageShardLeases, type HeldShard } from './usage-shard-leases';

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
  /** A connection of its own: XREADGROUP blocks it (a duplicate carries the acknowledgements and the leases). Closed by `stop()`. */
  redis: Redis;
  writer: UsageBatchWriter;
  /** Unique per process: a restarted process is a new consumer, and claims its predecessor's entries like any other's. */
  consumerName: string;
  batchSize: number;
  /** Pending entries idle this long belong to a consumer presumed dead and are claimed; a dead consumer's shards move within it. */
  claimIdleMs: number;
  /** USAGE_STREAM_SHARDS (docs/scaling.md); 1, the default, is the one stream of before. */
  streamShards?: number;
  /** How long a shard lease lasts without renewal; half the claim idle time unless set. */
  leaseMs?: number;
  /** How long one read of a lone shard waits for new entries; also the longest `stop()` waits for an idle read. */
  blockMs?: number;
  /** With several shards (read without blocking), the pause after a round that found nothing. */
  pollMs?: number;
  observer?: UsageConsumerObserver;
}

type StreamEntry = [id: string, fields: string[] | null];

interface DeadLetter {
  id: string;
  raw: string;
  reason: string;
}

/** Entries read from one shard, handled (committed, acknowledged) as one batch. */
interface Batch {
  shard: HeldShard;
  entries: StreamEntry[];
}

interface ValidEntry {
  id: string;
  raw: string;
  event: UsageEventInput;
}

/** A batch parsed and validated: what is written, what is dead-lettered, how many repeated a request id of the batch. */
interface ParsedBatch extends Batch {
  valid: ValidEntry[];
  deadLetters: DeadLetter[];
  repeated: number;
}

/** What this consumer tracks of a shard it holds. */
interface ShardState {
  groupReady: boolean;
  claimCursor: string;
  nextClaimAt: number;
  /** A leased shard just taken over: claim every pending entry at once, whoever it was delivered to (the previous holder lost the lease). */
  takeOver: boolean;
  /** Batches read from it and not yet handled: the shard is released only at zero. */
  inFlight: number;
}

const RETRY_DELAY_MS = 1_000;

/**
 * Consumes the usage stream shards into the ledger (docs/limits.md, Metering;
 * docs/scaling.md, Usage stream shards) as one member of the control plane's
 * consumer group on each shard it holds the lease of ({@link UsageShardLeases}):
 *
 * 1. takes a batch from one of its shards, in turn: first entries idle past
 *    `claimIdleMs` in any consumer's pending list (XAUTOCLAIM: a consumer
 *    that died mid-batch; on a shard just taken over, all of them), else new
 *    ones (XREADGROUP);
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
 *
 * A shard is read only while its lease is valid, and given up (surplus over
 * the fair share, or at stop) only once its batches are acknowledged, so a
 * tenant's events, all in one shard, are handled in order by one consumer.
 * The single stream of `USAGE_STREAM_SHARDS=1` has no lease: every replica
 * reads it through the group, as before shards existed.
 */
export class UsageConsumer {
  private readonly redis: Redis;
  private readonly acks: Redis;
  private readonly leases: UsageShardLeases;
  /** By held shard (a shard given up and taken again is a new one, so a late batch of the old never counts against it). */
  private readonly states = new Map<HeldShard, ShardState>();
  private readonly leaseMs: number;
  private readonly blockMs: number;
  private readonly pollMs: number;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private turn = 0;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: UsageConsumerOptions) {
    this.redis = options.redis;
    this.acks = duplicateRedisClient(options.redis);
    this.leaseMs = options.leaseMs ?? Math.max(Math.floor(options.claimIdleMs / 2), 50);
    this.blockMs = options.blockMs ?? 1_000;
    this.pollMs = options.pollMs ?? 100;
    this.leases = new UsageShardLeases({ redis: this.acks, consumerName: options.consumerName, shards: options.streamShards ?? 1, leaseMs: this.leaseMs });
  }

  /** The shards this consumer holds now (their stream keys). */
  get heldShards(): string[] {
    return this.leases.shards.map((shard) => shard.keys.stream);
  }

  /** Takes its shards (creating each one's group when missing, from the stream's start, so nothing appended before it is skipped) and starts consuming. */
  start(): void {
    if (this.loop) return;
    this.refreshLeases();
    this.leaseTimer = setInterval(() => this.refreshLeases(), Math.max(Math.floor(this.leaseMs / 4), 10));
    this.loop = this.run();
  }

  /** Finishes the batches in hand (committed and acknowledged), gives its shards up, then stops and closes the connections. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.loop;
    clearInterval(this.leaseTimer);
    this.leaseTimer = undefined;
    await this.refreshing;
    await this.leases.releaseAll().catch(() => undefined);
    this.redis.disconnect();
    this.acks.disconnect();
  }

  /** Renews and takes leases (on the acknowledging connection, never behind a blocked read), and releases the surplus that is idle. */
  private refreshLeases(): void {
    if (this.refreshing) return;
    this.refreshing = (async () => {
      try {
        // While stopping, the leases are still renewed (the last batches are being written) but no shard is taken.
        for (const shard of await this.leases.refresh({ take: !this.stopping })) {
          this.states.set(shard, { groupReady: false, claimCursor: '0-0', nextClaimAt: 0, takeOver: !shard.shared, inFlight: 0 });
        }
        await this.releaseIdleSurplus();
        const held = new Set(this.leases.shards);
        for (const shard of this.states.keys()) if (!held.has(shard)) this.states.delete(shard);
      } catch (error) {
        this.options.observer?.failed(error);
      } finally {
        this.refreshing = undefined;
      }
    })();
  }

  private async releaseIdleSurplus(): Promise<void> {
    for (const shard of this.leases.shards) {
      if (shard.releasing && (this.states.get(shard)?.inFlight ?? 0) === 0) await this.leases.release(shard);
    }
  }

  /**
   * While one batch is being written, the next is already read (on the
   * reading connection; acknowledgements go over their own, so a blocked read
   * never delays them). A batch read when the stop comes is still handled.
   */
  private async run(): Promise<void> {
    let next: Promise<ParsedBatch | null> | null = null;
    while (!this.stopping || next) {
      let batch: ParsedBatch | null = null;
      try {
        const prefetched = next;
        next = null;
        batch = prefetched ? await prefetched : await this.takeParsed();
        if (!batch) continue;
        if (!this.stopping) next = this.takeParsed();
        // A failed prefetch surfaces when awaited; until then it must not count as unhandled.
        next?.catch(() => undefined);
        await this.handle(batch);
      } catch (error) {
        // Redis restarted without its data (or the stream was deleted): the group is gone and must be created again.
        if (isMissingGroup(error)) for (const state of this.states.values()) state.groupReady = false;
        this.options.observer?.failed(error);
        await this.pause(RETRY_DELAY_MS);
      } finally {
        if (batch) this.done(batch.shard);
      }
    }
  }

  /**
   * The next batch, parsed as soon as it arrives: a batch read ahead is
   * parsed while the one before it is being written, not after.
   */
  private async takeParsed(): Promise<ParsedBatch | null> {
    const batch = await this.take();
    return batch && { ...batch, ...parseBatch(batch.entries) };
  }

  /** The next batch from the held shards in turn; null (after a pause) when none has anything. */
  private async take(): Promise<Batch | null> {
    const readable = this.leases.shards.filter((shard) => !shard.releasing && shard.validUntil > Date.now() && this.states.has(shard));
    if (readable.length === 0) {
      await this.pause(this.pollMs);
      return null;
    }
    for (let i = 0; i < readable.length; i++) {
      const shard = readable[this.turn++ % readable.length];
      const state = this.states.get(shard) as ShardState;
      state.inFlight++;
      let entries: StreamEntry[] = [];
      try {
        if (!state.groupReady) state.groupReady = await this.ensureGroup(shard);
        // A lone shard is read blocking, as the single stream always was; several are polled in turn.
        entries = (await this.claimStale(shard, state)) ?? (await this.readNew(shard, readable.length === 1 ? this.blockMs : null));
      } catch (error) {
        state.inFlight--;
        if (isMissingGroup(error)) state.groupReady = false;
        throw error;
      }
      if (entries.length > 0) return { shard, entries };
      state.inFlight--;
      if (this.stopping) return null;
    }
    if (readable.length > 1) await this.pause(this.pollMs);
    return null;
  }

  /** A batch of the shard is acknowledged (or given up on): a shard being released may go. */
  private done(shard: HeldShard): void {
    const state = this.states.get(shard);
    if (state) state.inFlight--;
    if (shard.releasing && (state?.inFlight ?? 0) <= 0) this.leases.release(shard).catch((error) => this.options.observer?.failed(error));
  }

  private async ensureGroup(shard: HeldShard): Promise<boolean> {
    try {
      // ioredis does not prefix XGROUP's key (nor XINFO's): name it in full.
      await this.redis.xgroup('CREATE', prefixed(this.redis, shard.keys.stream), USAGE_CONSUMER_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
    }
    return true;
  }

  /**
   * Entries another (dead) consumer left pending, or null when none is due; scans the pending list at most every
   * half idle time, and at once, whatever their idle time, on a shard just taken over.
   */
  private async claimStale(shard: HeldShard, state: ShardState): Promise<StreamEntry[] | null> {
    if (Date.now() < state.nextClaimAt) return null;
    const [cursor, entries] = (await this.redis.xautoclaim(
      shard.keys.stream,
      USAGE_CONSUMER_GROUP,
      this.options.consumerName,
      state.takeOver ? 0 : this.options.claimIdleMs,
      state.claimCursor,
      'COUNT',
      this.options.batchSize,
    )) as [string, StreamEntry[]];
    state.claimCursor = cursor;
    if (cursor === '0-0') {
      state.takeOver = false;
      state.nextClaimAt = Date.now() + Math.min(this.options.claimIdleMs / 2, 5_000);
    }
    return entries.length > 0 ? entries : null;
  }

  private async readNew(shard: HeldShard, blockMs: number | null): Promise<StreamEntry[]> {
    const block = blockMs === null ? [] : ['BLOCK', blockMs];
    const reply = (await this.redis.xreadgroup(
      'GROUP',
      USAGE_CONSUMER_GROUP,
      this.options.consumerName,
      'COUNT',
      this.options.batchSize,
      ...(block as ['BLOCK', number]),
      'STREAMS',
      shard.keys.stream,
      '>',
    )) as Array<[string, StreamEntry[]]> | null;
    return reply?.[0]?.[1] ?? [];
  }

  private async handle({ shard, entries, valid, deadLetters, repeated }: ParsedBatch): Promise<void> {
    const invalid = deadLetters.length;
    const recorded = await this.write(valid, deadLetters);
    if (deadLetters.length > 0) await this.appendDeadLetters(deadLetters);
    await this.acks.xack(shard.keys.stream, USAGE_CONSUMER_GROUP, ...entries.map(([id]) => id));
    const refused = deadLetters.length - invalid;
    this.options.observer?.recorded(recorded);
    this.options.observer?.duplicates(valid.length - refused - recorded + repeated);
    if (invalid > 0) this.options.observer?.deadLettered('invalid', invalid);
    if (refused > 0) this.options.observer?.deadLettered('refused', refused);
  }

  /** Writes the batch; when the database refuses its data, writes one by one and dead-letters what it refuses. */
  private async write(valid: ValidEntry[], deadLetters: DeadLetter[]): Promise<number> {
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

/** Each entry validated; an invalid one set aside for the dead-letter stream, a request id repeated within the batch counted once. */
function parseBatch(entries: StreamEntry[]): Pick<ParsedBatch, 'valid' | 'deadLetters' | 'repeated'> {
  const events = new Map<string, ValidEntry>();
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
  return { valid: [...events.values()], deadLetters, repeated };
}

function fieldValue(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
