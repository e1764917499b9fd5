/**
 * A hashing thread of `ChainHashPool`: checks the batches of a chain it is
 * sent (`checkChainBatch`) and answers each with its small result, in the
 * order received. Built as its own entry next to the app's bundle
 * (`chain-hash-worker.js`, see apps/control-plane/webpack.config.js); run from
 * the TypeScript source under ts-node or Jest.
 */
import { parentPort } from 'node:worker_threads';
import { checkChainBatch } from './chain-batch';
import type { HashRequest, HashResponse } from './chain-hash-protocol';

const port = parentPort;
if (!port) throw new Error('chain-hash-worker runs only as a worker thread');

port.on('message', ({ id, bytes, maxBrokenLinks }: HashRequest) => {
  let response: HashResponse;
  try {
    response = { id, bytes, result: checkChainBatch(bytes, maxBrokenLinks) };
  } catch (error) {
    response = { id, bytes, error: error instanceof Error ? error.message : String(error) };
  }
  // The batch is checked: its buffer goes back to be filled again.
  port.postMessage(response, [bytes.buffer as ArrayBuffer]);
});
port.postMessage({ ready: true } satisfies HashResponse);
