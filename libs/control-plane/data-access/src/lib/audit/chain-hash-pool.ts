import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ChainBatchResult } from './chain-batch';
import type { HashRequest, HashResponse } from './chain-hash-protocol';
import type { RowBytes } from './copy-out-batches';

/** Hashing threads by default: one per CPU the process may use, within reason. */
export function defaultHashThreads(): number {
  return Math.min(8, Math.max(1, availableParallelism()));
}

interface Waiting {
  resolve(result: ChainBatchResult): void;
  reject(error: Error): void;
  returned?(bytes: Uint8Array): void;
}

class HashThread {
  ready = false;
  failure: Error | undefined;
  readonly waiting = new Map<number, Waiting>();

  constructor(readonly worker: Worker) {
    worker.on('message', (response: HashResponse) => this.answer(response));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`audit hashing thread exited (code ${code})`)));
  }

  private answer(response: HashResponse): void {
    if ('ready' in response) {
      this.ready = true;
      return;
    }
    const waiting = this.waiting.get(response.id);
    this.waiting.delete(response.id);
    waiting?.returned?.(response.bytes);
    if ('error' in response) waiting?.reject(new Error(response.error));
    else waiting?.resolve(response.result);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.ready = false;
    for (const waiting of this.waiting.values()) waiting.reject(this.failure);
    this.waiting.clear();
  }
}

/**
 * A few worker threads that check batches of a chain (`checkChainBatch`) while
 * the calling thread reads the next ones from PostgreSQL. Each batch travels
 * as the bytes COPY sent, transferred (not copied) to the thread; the answer
 * is a few numbers and the batch's broken links. `verifyChain` joins the
 * answers in chain order (`ChainStitcher`).
 *
 * The thread's code is `chain-hash-worker`: the `.js` file next to the running
 * bundle (apps/control-plane/webpack.config.js emits it), or, when this module
 * runs from its TypeScript source (ts-node, Jest), the `.ts` file loaded
 * through ts-node. A bundle without it gets no pool: its caller hashes on its
 * own thread, as before.
 */
export class ChainHashPool {
  private nextId = 0;
  private checked = 0;

  private constructor(private readonly threads: HashThread[]) {}

  /**
   * Starts `size` threads (they load in the background: `check` uses them once
   * they are ready); undefined when the thread's code is not there.
   * `workerFile`: a built `chain-hash-worker.js` to run instead of the one
   * found next to this code (`npm run bench:audit` runs the bundle's).
   */
  static start(size = defaultHashThreads(), workerFile?: string): ChainHashPool | undefined {
    const script = workerFile ? () => new Worker(resolve(workerFile), { execArgv: THREAD_EXEC_ARGV, resourceLimits: THREAD_LIMITS }) : workerScript();
    if (!script) return undefined;
    return new ChainHashPool(Array.from({ length: Math.max(1, size) }, () => new HashThread(script())));
  }

  /** Batches the threads have checked: lets a test see that they did the work. */
  get batchesChecked(): number {
    return this.checked;
  }

  /** Whether a thread is up to take a batch. */
  get ready(): boolean {
    return this.threads.some((thread) => thread.ready);
  }

  /** Resolves once every thread is ready (or has failed). */
  async whenReady(): Promise<void> {
    while (this.threads.some((thread) => !thread.ready && !thread.failure)) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /**
   * Hands a batch to the ready thread with the least work; the batch's buffer
   * is transferred, so the caller must not touch it afterwards (`returned`
   * gets it back once the thread is done with it). Undefined when no thread
   * is ready: the caller checks the batch itself.
   */
  check(batch: RowBytes, maxBrokenLinks: number, returned?: (bytes: Uint8Array) => void): Promise<ChainBatchResult> | undefined {
    let chosen: HashThread | undefined;
    for (const thread of this.threads) {
      if (thread.ready && (!chosen || thread.waiting.size < chosen.waiting.size)) chosen = thread;
    }
    if (!chosen) return undefined;
    const thread = chosen;
    const id = this.nextId++;
    const request: HashRequest = { id, bytes: batch.bytes, maxBrokenLinks };
    return new Promise<ChainBatchResult>((resolve, reject) => {
      thread.waiting.set(id, {
        resolve: (result) => {
          this.checked += 1;
          resolve(result);
        },
        reject,
        returned,
      });
      thread.worker.postMessage(request, [batch.bytes.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }
}

const WORKER_NAME = 'chain-hash-worker';

/**
 * A thread holds one batch at a time and its garbage: a small young generation
 * is collected often and cheaply, and keeps the process's memory flat (V8's
 * default lets each thread's young generation grow to tens of megabytes).
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 8 };

/**
 * No Node options for a thread of the bundled worker, which needs none. By
 * default a thread inherits the process's, preloads included: under ts-node
 * (the benches', or a CLI run with `-r ts-node/register`) each thread loaded
 * the TypeScript compiler, about a second of CPU per thread for nothing. (A
 * filtered copy is not an option: a thread refuses V8 flags such as
 * `--expose-gc` when they are passed explicitly.)
 */
const THREAD_EXEC_ARGV: string[] = [];

/** How to start a thread, or undefined when its code is missing. */
function workerScript(): (() => Worker) | undefined {
  if (__filename.endsWith('.ts')) {
    const source = join(__dirname, `${WORKER_NAME}.ts`);
    // ts-node from the source's own node_modules; no inherited `-r` flags, so it is registered once.
    const bootstrap = `const load = require('node:module').createRequire(${JSON.stringify(source)});
load('ts-node').register({ transpileOnly: true, skipProject: true, compilerOptions: { module: 'commonjs', target: 'es2022', esModuleInterop: true } });
load(${JSON.stringify(source)});`;
    return () => new Worker(bootstrap, { eval: true, execArgv: [], resourceLimits: THREAD_LIMITS });
  }
  const bundled = join(__dirname, `${WORKER_NAME}.js`);
  if (!existsSync(bundled)) return undefined;
  return () => new Worker(bundled, { execArgv: THREAD_EXEC_ARGV, resourceLimits: THREAD_LIMITS });
}
