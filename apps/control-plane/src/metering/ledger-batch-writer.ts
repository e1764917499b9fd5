import type { UnitOfWork, UsageLedgerRepository, UsageEventInput } from '@sluice/control-plane/data-access';
import { touchApiKeys } from './api-key-last-used';
import type { UsageBatchWriter } from './usage-consumer';
import type { UsageThresholds } from './usage-thresholds';

/** Deadlock and serialisation failure: the transaction did nothing and may simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

/**
 * One ledger transaction per batch, retried when two consumers' batches
 * deadlock on the same rollup rows; the same transaction brings the keys'
 * `last_used_at` up to the minute.
 */
export class LedgerBatchWriter implements UsageBatchWriter {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly ledger: UsageLedgerRepository,
    private readonly thresholds?: Pick<UsageThresholds, 'check'>,
  ) {}

  async write(events: UsageEventInput[]): Promise<number> {
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

function sqlState(error: unknown): string | undefined {
  const candidate = error as { driverError?: { code?: string }; code?: string } | null;
  return candidate?.driverError?.code ?? candidate?.code;
}
