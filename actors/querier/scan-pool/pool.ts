// A pool of worker threads for the store scan: decompression, line filters and parsers run
// off the main thread, which keeps the HTTP and bus work. Tasks go to the least busy worker;
// callers await them in the order they submitted them, so results merge in order.
//
// A task that throws in its worker fails with that error's code and message. A worker that
// dies (a crash, its heap limit) fails every task it held with QUERY_WORKER_FAILED and is
// replaced on the next submit; other queries and the node carry on.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { isErrorCode, NornError } from '../../../core/errors.js';
import type { ScanResult, ScanTask } from './scan-task.js';
import { workerEntry } from '../../../core/worker-entry.js';

export type WorkerReply =
  | { readonly id: number; readonly result: ScanResult }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string; readonly code?: string } };

export class QueryWorkerError extends NornError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('QUERY_WORKER_FAILED', message, options);
  }
}

/** An error a task threw in its worker, with the code it carried there (status follows the code). */
export class RemoteScanError extends NornError {
  constructor(code: string | undefined, message: string) {
    super(isErrorCode(code) ? code : 'QUERY_WORKER_FAILED', message);
  }
}

export interface ScanPoolOptions {
  /** Threads; 0 runs no pool (callers scan in their own thread). */
  readonly size: number;
  /** V8 old-generation limit per worker, MiB (undefined: Node's default). */
  readonly maxHeapMb?: number;
}

/** Workers to start by default: one per core, at least one. */
export function defaultQueryWorkers(): number {
  return Math.max(1, availableParallelism());
}

interface Pending {
  readonly resolve: (result: ScanResult) => void;
  readonly reject: (error: Error) => void;
}

class PoolWorker {
  readonly pending = new Map<number, Pending>();
  dead = false;
  readonly thread: Worker;
  /** Kept: a dead thread's `threadId` reads -1. */
  readonly threadId: number;

  constructor(index: number, options: ScanPoolOptions, onDeath: (worker: PoolWorker) => void) {
    const entry = workerEntry(import.meta.url, 'scan-worker');
    this.thread = new Worker(entry.script, {
      eval: entry.eval,
      name: `norn-scan-${index}`,
      ...(options.maxHeapMb !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb } } : {}),
    });
    this.threadId = this.thread.threadId;
    this.thread.unref();
    this.thread.on('message', (reply: WorkerReply) => {
      const pending = this.pending.get(reply.id);
      if (pending === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.thread.unref();
      if ('result' in reply) pending.resolve(reply.result);
      else pending.reject(new RemoteScanError(reply.error.code, reply.error.message));
    });
    const die = (reason: string, cause?: unknown): void => {
      if (this.dead) return;
      this.dead = true;
      onDeath(this);
      for (const pending of this.pending.values()) pending.reject(new QueryWorkerError(`query worker ${this.threadId} ${reason}`, { cause }));
      this.pending.clear();
    };
    this.thread.on('error', (error) => die(`failed: ${error.message}`, error));
    this.thread.on('exit', (code) => die(`exited with code ${code}`));
  }
}

export class ScanPool {
  private readonly workers: Array<PoolWorker | undefined>;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: ScanPoolOptions) {
    this.workers = Array.from({ length: Math.max(0, options.size) }, () => undefined);
  }

  /** Starts every worker now, so the first query does not wait for threads to load their code. */
  warm(): this {
    for (let i = 0; i < this.workers.length; i++) this.workerAt(i);
    return this;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs a task on the least busy worker; workers start on first use and after a death. */
  run(task: ScanTask): Promise<ScanResult> {
    if (this.closed) return Promise.reject(new QueryWorkerError('the query worker pool is closed'));
    const worker = this.pick();
    const id = this.nextId++;
    return new Promise<ScanResult>((resolve, reject) => {
      worker.pending.set(id, { resolve, reject });
      // A busy worker keeps the process alive until its answer is in; an idle one does not.
      worker.thread.ref();
      try {
        worker.thread.postMessage({ id, task });
      } catch (error) {
        worker.pending.delete(id);
        reject(new QueryWorkerError(`could not send a task to a query worker: ${(error as Error).message}`, { cause: error }));
      }
    });
  }

  /** Thread ids of the live workers (for operators' logs and tests). */
  threadIds(): number[] {
    return this.workers.filter((w): w is PoolWorker => w !== undefined && !w.dead).map((w) => w.threadId);
  }

  async close(): Promise<void> {
    this.closed = true;
    const running = this.workers.filter((w): w is PoolWorker => w !== undefined);
    this.workers.fill(undefined);
    await Promise.all(running.map((w) => w.thread.terminate()));
  }

  private pick(): PoolWorker {
    let best: PoolWorker | undefined;
    for (let i = 0; i < this.workers.length; i++) {
      const worker = this.workerAt(i);
      if (best === undefined || worker.pending.size < best.pending.size) best = worker;
    }
    if (best === undefined) throw new QueryWorkerError('the query worker pool has no workers');
    return best;
  }

  private workerAt(i: number): PoolWorker {
    let worker = this.workers[i];
    if (worker === undefined || worker.dead) {
      worker = new PoolWorker(i, this.options, (dead) => {
        if (this.workers[i] === dead) this.workers[i] = undefined;
      });
      this.workers[i] = worker;
    }
    return worker;
  }
}
