import { Logger } from '@nestjs/common';
import { ProjectionOutboxRepository, UnitOfWork, type OutboxTarget, type Transaction } from '@sluice/control-plane/data-access';
import type { ProjectionEntry, ProjectionWriter, ReconcileResult } from '@sluice/projection';
import type { ProjectionSource } from './projection-source';

const DRAIN_BATCH = 500;

/**
 * Keeps the Redis projection in step with the database (docs/decisions.md, The Redis projection).
 *
 * A change queues its targets in the outbox inside its own transaction
 * ({@link enqueue}); after the commit the caller {@link flush}es, which writes
 * the records to Redis and only then removes them from the outbox. If Redis
 * is down the rows stay, and the next flush or the periodic {@link reconcile}
 * writes them: nothing is written before the commit, nothing is lost after it.
 * Drains and reconciles hold one advisory lock, so a slower drain that read
 * older rows can never overwrite a newer record.
 */
export class Projector {
  private readonly logger = new Logger('Projection');
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly outbox: ProjectionOutboxRepository,
    private readonly source: ProjectionSource,
    private readonly writer: ProjectionWriter,
  ) {}

  /** Queues records to rewrite; call inside the transaction that changes them. */
  enqueue(tx: Transaction, targets: OutboxTarget[]): Promise<void> {
    return this.outbox.enqueue(tx, targets);
  }

  /**
   * Writes what the outbox holds (call after the commit). Never throws: when
   * Redis is unavailable the work stays queued for the reconcile. Concurrent
   * callers share drains: one runs at a time per process, and a caller that
   * arrives while one runs waits for the next (the running one may have read
   * the outbox before the caller's commit), so a burst of changes costs two
   * drains rather than one each.
   */
  flush(): Promise<void> {
    if (!this.running) {
      this.running = this.drainLogged().finally(() => (this.running = null));
      return this.running;
    }
    this.next ??= this.running.then(() => {
      this.next = null;
      return this.flush();
    });
    return this.next;
  }

  private async drainLogged(): Promise<void> {
    try {
      await this.drain();
    } catch (error) {
      this.logger.warn(`Projection write deferred to the reconcile: ${describe(error)}`);
    }
  }

  /** Writes every queued record; throws if Redis refuses (the queue is then left as it was). */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const drained = await this.unitOfWork.run(async (tx) => {
        await this.outbox.lockProjection(tx);
        return this.drainBatch(tx);
      });
      total += drained;
      if (drained < DRAIN_BATCH) return total;
    }
  }

  /**
   * Drains the outbox, then compares every record the database implies with
   * what Redis holds and repairs any difference (missing, stale or orphaned
   * records). On an empty Redis this is the full rebuild.
   */
  async reconcile(): Promise<ReconcileResult & { drained: number }> {
    return this.unitOfWork.run(async (tx) => {
      await this.outbox.lockProjection(tx);
      let drained = 0;
      let batch: number;
      do {
        batch = await this.drainBatch(tx);
        drained += batch;
      } while (batch === DRAIN_BATCH);
      const desired: ProjectionEntry[] = [];
      for await (const entry of this.source.allEntries(tx)) desired.push(entry);
      return { drained, ...(await this.writer.reconcile(desired)) };
    });
  }

  private async drainBatch(tx: Transaction): Promise<number> {
    const pending = await this.outbox.pending(tx, DRAIN_BATCH);
    if (pending.length === 0) return 0;
    const targets = new Map(pending.map((entry) => [targetKey(entry.target), entry.target]));
    const entries: ProjectionEntry[] = [];
    for (const target of targets.values()) entries.push(await this.source.entryFor(target, tx));
    await this.writer.write(entries);
    await this.outbox.remove(tx, pending.map((entry) => entry.id));
    return pending.length;
  }
}

function targetKey(target: OutboxTarget): string {
  return target.kind === 'catalog' ? 'catalog' : `${target.kind}:${target.id}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
