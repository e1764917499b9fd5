import type { UnitOfWork, UsageLedgerRepository, UsageEventInput } from '@sluice/control-plane/data-access';
import type { UsageBatchWriter } from './usage-consumer';

/** Deadlock and serialisation failure: the transaction did nothing and may simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

/** One ledger transaction per batch, retried when two consumers' batches deadlock on the same rollup rows. */
export class LedgerBatchWriter implements UsageBatchWriter {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly ledger: UsageLedgerRepository,
  ) {}

  async write(events: UsageEventInput[]): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.unitOfWork.run((tx) => this.ledger.ingest(tx, events));
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
