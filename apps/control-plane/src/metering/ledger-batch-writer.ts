import type { UnitOfWork, UsageLedgerRepository, UsageEventInput } from '@sluice/control-plane/data-access';
import { touchApiKeys } from './api-key-last-used';
import type { UsageBatchWriter } from './usage-consumer';
import type { UsageThresholds } from './usage-thresholds';

/** Deadlock and serialisation failure: the transaction did nothing and may simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

/**
 * Writes a batch as up to `writers` ledger transactions at once, on as many
 * connections, the batch split by tenant: the rollup, period and balance rows
 * of different tenants never meet, so the transactions do not wait on each
 * other, and PostgreSQL spends more than one core on the batch
 * (docs/scaling.md, "PostgreSQL at volume"). Each transaction is retried
 * when two consumers' batches deadlock on the same rollup rows, and brings
 * the keys' `last_used_at` up to the minute. Should one fail after another
 * committed, the batch stays unacknowledged and comes again whole: the
 * committed part is skipped then, as any redelivered event is.
 */
export class LedgerBatchWriter implements UsageBatchWriter {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly ledger: UsageLedgerRepository,
    private readonly thresholds?: Pick<UsageThresholds, 'check'>,
    private readonly writers = 1,
  ) {}

  async write(events: UsageEventInput[]): Promise<number> {
    const parts = splitByTenant(events, this.writers);
    if (parts.length <= 1) return this.writePart(events);
    // Every part settles before the batch does: a failure never leaves another part's transaction running behind the caller's back.
    const outcomes = await Promise.allSettled(parts.map((part) => this.writePart(part)));
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    return outcomes.reduce((sum, outcome) => sum + (outcome as PromiseFulfilledResult<number>).value, 0);
  }

  private async writePart(events: UsageEventInput[]): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.unitOfWork.run(async (tx) => {
          const recorded = await this.ledger.ingest(tx, events);
          await touchApiKeys(tx, events);
          await this.thresholds?.check(tx, events);
          return recorded;
        });
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !RETRYABLE_SQLSTATES.has(sqlState(error) ?? '')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
      }
    }
  }

  /** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the event's fault, not the database's. */
  refusesData(error: unknown): boolean {
    return /^2[23]/.test(sqlState(error) ?? '');
  }
}

/** At most `writers` non-empty parts, each tenant's events all in one of them, in their batch order. */
export function splitByTenant(events: UsageEventInput[], writers: number): UsageEventInput[][] {
  if (writers <= 1) return [events];
  const parts: UsageEventInput[][] = Array.from({ length: writers }, () => []);
  const partOf = new Map<string, number>();
  for (const event of events) {
    let part = partOf.get(event.tenant_id);
    if (part === undefined) {
      part = partOf.size % writers;
      partOf.set(event.tenant_id, part);
    }
    parts[part].push(event);
  }
  return parts.filter((part) => part.length > 0);
}

function sqlState(error: unknown): string | undefined {
  const candidate = error as { driverError?: { code?: string }; code?: string } | null;
  return candidate?.driverError?.code ?? candidate?.code;
}
