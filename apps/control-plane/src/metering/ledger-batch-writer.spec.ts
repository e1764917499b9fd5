import type { Transaction, UnitOfWork, UsageEventInput, UsageLedgerRepository } from '@sluice/control-plane/data-access';
import { LedgerBatchWriter, splitByTenant } from './ledger-batch-writer';

const event = (tenant: string, n: number) => ({ request_id: `${tenant}-${n}`, tenant_id: tenant, api_key_id: tenant, finished_at: new Date().toISOString() }) as UsageEventInput;

/** A unit of work that runs each transaction after the others have started, so the test sees how many run at once. */
class RecordingUnitOfWork {
  running = 0;
  mostAtOnce = 0;
  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    this.running += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      return await work({ manager: { query: async () => [] } } as unknown as Transaction);
    } finally {
      this.running -= 1;
    }
  }
}

describe('LedgerBatchWriter', () => {
  it("splits a batch by tenant: each tenant's events in one part, in batch order, never an empty part", () => {
    const batch = [event('a', 1), event('b', 1), event('c', 1), event('a', 2), event('b', 2)];
    const parts = splitByTenant(batch, 2);
    expect(parts.map((part) => part.map((e) => e.request_id))).toEqual([['a-1', 'c-1', 'a-2'], ['b-1', 'b-2']]);
    expect(splitByTenant([event('a', 1), event('a', 2)], 4)).toEqual([[event('a', 1), event('a', 2)].map((e) => expect.objectContaining({ request_id: e.request_id }))]);
    expect(splitByTenant(batch, 1)).toEqual([batch]);
  });

  it('writes the parts at once, one transaction each, and answers how many were new in all', async () => {
    const unitOfWork = new RecordingUnitOfWork();
    const ingested: string[][] = [];
    const ledger = { ingest: async (_tx: Transaction, events: UsageEventInput[]) => (ingested.push(events.map((e) => e.tenant_id)), events.length) };
    const writer = new LedgerBatchWriter(unitOfWork as unknown as UnitOfWork, ledger as unknown as UsageLedgerRepository, undefined, 2);
    expect(await writer.write([event('a', 1), event('b', 1), event('a', 2)])).toBe(3);
    expect(unitOfWork.mostAtOnce).toBe(2);
    expect(ingested.map((tenants) => [...new Set(tenants)])).toEqual(expect.arrayContaining([['a'], ['b']]));
  });

  it('fails the batch when one part fails, only after every part has settled', async () => {
    const unitOfWork = new RecordingUnitOfWork();
    const settled: string[] = [];
    const ledger = {
      ingest: async (_tx: Transaction, events: UsageEventInput[]) => {
        if (events[0].tenant_id === 'a') throw Object.assign(new Error('value out of range'), { code: '22003' });
        await new Promise((resolve) => setTimeout(resolve, 20));
        settled.push(events[0].tenant_id);
        return events.length;
      },
    };
    const writer = new LedgerBatchWriter(unitOfWork as unknown as UnitOfWork, ledger as unknown as UsageLedgerRepository, undefined, 2);
    const failure = await writer.write([event('a', 1), event('b', 1)]).catch((error: unknown) => error);
    expect(writer.refusesData(failure)).toBe(true);
    expect(settled).toEqual(['b']);
    expect(unitOfWork.running).toBe(0);
  });
});
