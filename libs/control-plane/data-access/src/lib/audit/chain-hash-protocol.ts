import type { ChainBatchResult } from './chain-batch';

/** One batch for a hashing thread; `bytes` is transferred, not copied. */
export interface HashRequest {
  id: number;
  bytes: Uint8Array;
  maxBrokenLinks: number;
}

/** A hashing thread's answer: loaded (once), or a batch's result or failure. */
export type HashResponse = { ready: true } | { id: number; result: ChainBatchResult } | { id: number; error: string };
