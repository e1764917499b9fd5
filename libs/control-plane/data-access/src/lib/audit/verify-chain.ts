import { CHAIN_BATCH_SIZE, type AuditRepository } from './audit.repository';
import { checkChainBatch, ChainStitcher, type ChainBatchResult } from './chain-batch';
import { ChainHashPool, defaultHashThreads } from './chain-hash-pool';
import { parseChainRow } from './chain-row';
import { ChainVerifier, MAX_BROKEN_LINKS, type ChainVerification } from './chain-verifier';
import { BATCH_BUFFER_BYTES, newByteBuffer } from './copy-out-batches';

export interface VerifyProgress {
  verified: number;
  total: number;
}

export interface VerifyChainOptions {
  /** Hashing threads to start for a long chain; 0 hashes on the calling thread only. Default: one per CPU. */
  threads?: number;
  /** Events read before threads are started: a shorter chain is hashed faster than threads start. */
  threadsAfter?: number;
  /** Threads of the caller's to use instead of starting some (left running). */
  pool?: ChainHashPool;
}

/** Below this many events a chain is verified on the calling thread alone: starting threads costs more CPU than a short chain saves (each loads a fresh V8 isolate). */
export const THREADS_AFTER_EVENTS = 50_000;

/**
 * Hashing threads this process runs at once, over all verifications: one per
 * CPU. Concurrent verifications (several API requests) share them; one that
 * finds none free checks its chain on its own thread, as a short chain does,
 * so that requests cannot multiply threads and their memory.
 */
let threadsInUse = 0;

function leaseThreads(wanted: number): { count: number; release(): void } {
  const count = Math.max(0, Math.min(wanted, defaultHashThreads() - threadsInUse));
  threadsInUse += count;
  let released = false;
  return {
    count,
    release() {
      if (released) return;
      released = true;
      threadsInUse -= count;
    },
  };
}

/**
 * The batch buffers of one verification, handed back and filled again: a long
 * chain reuses a few instead of allocating (and zeroing) one per batch, which
 * also keeps the memory allocator from fragmenting between threads.
 */
class BufferShelf {
  private readonly free: Buffer[] = [];

  constructor(private readonly capacity: number) {}

  readonly take = (size: number): Buffer => {
    const buffer = this.free.pop();
    return buffer && buffer.length >= size ? buffer : newByteBuffer(size);
  };

  readonly put = (bytes: Uint8Array): void => {
    if (this.free.length < this.capacity && bytes.buffer.byteLength >= BATCH_BUFFER_BYTES) this.free.push(Buffer.from(bytes.buffer as ArrayBuffer));
  };
}

/**
 * Verifies one chain straight from the database, with exactly the result of
 * checking its events one by one in `seq` order (`verifyChainInThread`).
 *
 * The calling thread only reads: the chain streams out of PostgreSQL by one
 * `COPY` in batches of raw bytes (`streamChainBytes`), and each batch goes to
 * a hashing thread (`ChainHashPool`) that decodes it and checks everything
 * that needs only the batch. The answers are joined in chain order
 * (`ChainStitcher`): each batch's first event must follow the previous batch's
 * last. Memory stays flat: at most two batches per thread wait for an answer,
 * and while they do the reading stops, which pauses the COPY (PostgreSQL then
 * waits on a full socket). Until the threads are up, and for a short chain,
 * the calling thread checks the batches itself.
 */
export async function verifyChain(
  repository: AuditRepository,
  tenantId: string | null,
  onProgress?: (progress: VerifyProgress) => void,
  batchSize = CHAIN_BATCH_SIZE,
  options: VerifyChainOptions = {},
): Promise<ChainVerification> {
  const total = onProgress ? await repository.countChain(tenantId) : 0;
  const stitcher = new ChainStitcher(tenantId);
  const threads = options.pool ? 0 : (options.threads ?? defaultHashThreads());
  const threadsAfter = options.threadsAfter ?? THREADS_AFTER_EVENTS;
  let pool = options.pool;
  let ownPool: ChainHashPool | undefined;
  let lease: { count: number; release(): void } | undefined;
  const answers: Array<Promise<ChainBatchResult>> = [];
  const maxWaiting = 2 * Math.max(1, options.threads ?? defaultHashThreads());
  // Enough for every batch that can be in flight: waiting for an answer, queued by the COPY, being filled.
  const shelf = new BufferShelf(maxWaiting + 4);
  const join = (result: ChainBatchResult) => {
    stitcher.add(result);
    onProgress?.({ verified: stitcher.checked, total });
  };
  try {
    let read = 0;
    for await (const batch of repository.streamChainBytes(tenantId, batchSize, shelf.take)) {
      read += batch.rows;
      if (!pool && !lease && threads > 0 && read > threadsAfter) {
        lease = leaseThreads(threads);
        if (lease.count > 0) pool = ownPool = ChainHashPool.start(lease.count);
      }
      const answer = pool?.check(batch, MAX_BROKEN_LINKS, shelf.put);
      if (answer) {
        // Awaited in order below; a failure must not count as unhandled meanwhile.
        answer.catch(() => undefined);
        answers.push(answer);
      } else {
        answers.push(Promise.resolve(checkChainBatch(batch.bytes)));
        shelf.put(batch.bytes);
      }
      while (answers.length >= maxWaiting) join(await (answers.shift() as Promise<ChainBatchResult>));
    }
    for (const answer of answers.splice(0)) join(await answer);
  } finally {
    await ownPool?.close();
    lease?.release();
  }
  return stitcher.result();
}

/**
 * The reference verifier: the chain decoded and checked one event at a time
 * on the calling thread (`ChainVerifier`). `verifyChain` must answer exactly
 * as it does; the tests and `npm run bench:audit` compare the two.
 */
export async function verifyChainInThread(
  repository: AuditRepository,
  tenantId: string | null,
  onProgress?: (progress: VerifyProgress) => void,
  batchSize = CHAIN_BATCH_SIZE,
): Promise<ChainVerification> {
  const total = onProgress ? await repository.countChain(tenantId) : 0;
  const verifier = new ChainVerifier(tenantId);
  let checked = 0;
  for await (const rows of repository.streamChainRows(tenantId, batchSize)) {
    for (const row of rows) verifier.add(parseChainRow(row));
    checked += rows.length;
    onProgress?.({ verified: checked, total });
  }
  return verifier.result();
}
