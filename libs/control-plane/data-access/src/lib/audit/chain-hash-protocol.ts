import type { ChainBatchResult } from './chain-batch';

/** One batch for a hashing thread; `bytes` is transferred, not copied. */
export interface HashRequest {
  id: number;
  bytes: Uint8Array;
  maxBrokenLinks: number;
}

/** A hashing thread's answer: loaded (once), or a batch's result or failure, with the batch's buffer transferred back for reuse. */
export type HashResponse = { ready: true } | { id: number; bytes: Uint8Array; result: ChainBatchResult } | { id: number; bytes: Uint8Array; error: string };
