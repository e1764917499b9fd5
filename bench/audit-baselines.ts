/**
 * Where `bench:audit`'s time goes, measured in the same run as the verifiers:
 * - `readOnly`: the chain's COPY streamed and thrown away, no hashing: the
 *   ceiling that PostgreSQL and the reading thread put on any verifier;
 * - `hashOnly`: the batch check (`checkChainBatch`, what each hashing thread
 *   runs) on batches already in memory, on this thread: the CPU one event's
 *   hashing costs;
 * - `hashEach`: each event decoded (`parseChainRow`) and hashed, with today's
 *   canonical form or the previous one (`audit-hash-baseline.ts`), for the two
 *   side by side; with today's, it is also what a hashing thread did per event
 *   before session 8 wrote the hashed text from the row's bytes;
 * - `copyBackendCpu`: the CPU time of the PostgreSQL backend serving a chain's
 *   COPY (from /proc: the server runs on this machine), so PostgreSQL's share
 *   is known too.
 */
import { checkChainBatch, parseChainRow, rowsOfBytes, type AuditRepository, type UnhashedAuditEvent } from '@sluice/control-plane/data-access';
import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';

/** Streams the first `limit` events' bytes and drops them; calls `onBatch` after each batch. */
export async function readOnly(repository: AuditRepository, tenantId: string, limit: number, batchSize: number, onBatch: () => void): Promise<number> {
  let read = 0;
  for await (const batch of repository.streamChainBytes(tenantId, batchSize)) {
    read += batch.rows;
    onBatch();
    if (read >= limit) break;
  }
  return read;
}

/** Reads the first `limit` events' batches into memory: the input of `hashOnly`. */
export async function batchesInMemory(repository: AuditRepository, tenantId: string, limit: number, batchSize: number): Promise<Uint8Array[]> {
  const batches: Uint8Array[] = [];
  let read = 0;
  for await (const batch of repository.streamChainBytes(tenantId, batchSize)) {
    batches.push(batch.bytes);
    read += batch.rows;
    if (read >= limit) break;
  }
  return batches;
}

/** Checks batches on this thread, as a hashing thread does; throws unless every event is intact. */
export function hashOnly(batches: Uint8Array[]): number {
  let events = 0;
  for (const bytes of batches) {
    const result = checkChainBatch(bytes);
    if (result.brokenAfterFirst.length > 0 || result.first?.hashBreak) throw new Error('hashOnly: the bench chain does not verify');
    events += result.count;
  }
  return events;
}

/** Decodes and hashes every event of the batches with `hash`; throws unless every hash matches. Returns the CPU µs per event. */
export function hashEach(batches: Uint8Array[], hash: (event: UnhashedAuditEvent) => string): number {
  let events = 0;
  const cpu = process.cpuUsage();
  for (const bytes of batches) {
    for (const row of rowsOfBytes(bytes)) {
      const event = parseChainRow(row);
      if (hash(event) !== event.hash) throw new Error('hashEach: the bench chain does not verify');
      events += 1;
    }
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / events;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process, in microseconds. */
function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * The CPU time of the backend that serves the chain's COPY: `sample()` on each
 * batch (the first finds the backend), `micros()` at the end. 0 when the
 * server's processes are not visible from here.
 */
export function copyBackendCpu(dataSource: DataSource): { sample(): void; micros(): Promise<number> } {
  let found: Promise<number | undefined> | undefined;
  let start = 0;
  return {
    sample() {
      found ??= (
        dataSource.query(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SET LOCAL datestyle%' AND state = 'active' LIMIT 1",
        ) as Promise<Array<{ pid: number }>>
      )
        .then(([row]) => {
          if (!row) return undefined;
          start = processCpuMicros(row.pid);
          return row.pid;
        })
        .catch(() => undefined);
    },
    async micros() {
      const pid = await found;
      try {
        return pid === undefined ? 0 : processCpuMicros(pid) - start;
      } catch {
        return 0;
      }
    },
  };
}
