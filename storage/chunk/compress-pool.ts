// Worker threads that compress cut blocks for the ingesters, so the push thread only serializes
// a block (into shared memory) and posts it, which shares its bytes with the thread, while
// another core compresses it. Measured on loghub blocks, a block costs the posting thread about a
// third of what node:zlib's asynchronous gzip costs it (that API's stream machinery and its 16 KiB
// output steps run on the calling thread) and a tenth of an inline gzipSync.
//
// A thread that fails or exits fails the blocks it held, each with an error saying so; MemChunk
// keeps those blocks raw and readable and retries them, and the next block starts a new thread.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerEntry, type WorkerEntry } from '../../core/worker-entry.js';
import type { BlockCompressor } from './block-compressor.js';
import type { ChunkFormat } from './chunk-format.js';
import type { Encoding } from './encoding.js';

export interface CompressRequest {
  readonly id: number;
  readonly format: ChunkFormat;
  readonly encoding: Encoding;
  readonly raw: Uint8Array;
}

export type CompressReply = { readonly id: number; readonly data: Uint8Array } | { readonly id: number; readonly error: string };

export interface CompressPoolOptions {
  /** Threads (default: one fewer than the cores, at least one, at most four). */
  readonly threads?: number;
  /** The thread's script (tests pass one that misbehaves). */
  readonly entry?: WorkerEntry;
}

interface Pending {
  readonly resolve: (data: Buffer) => void;
  readonly reject: (error: Error) => void;
}

/** A compression thread failed or exited; the blocks it held were not compressed. */
export class CompressWorkerError extends Error {}

class PoolThread {
  readonly pending = new Map<number, Pending>();
  dead = false;
  private readonly thread: Worker;

  constructor(index: number, entry: WorkerEntry, onDeath: (thread: PoolThread) => void) {
    this.thread = new Worker(entry.script, { eval: entry.eval, name: `norn-compress-${index}` });
    this.thread.unref();
    this.thread.on('message', (reply: CompressReply) => {
      const pending = this.pending.get(reply.id);
      if (pending === undefined) return;
      this.pending.delete(reply.id);
      if ('data' in reply) pending.resolve(Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength));
      else pending.reject(new CompressWorkerError(`compression thread failed on a block: ${reply.error}`));
    });
    const die = (reason: string, cause?: unknown): void => {
      if (this.dead) return;
      this.dead = true;
      onDeath(this);
      for (const pending of this.pending.values()) pending.reject(new CompressWorkerError(`compression thread ${reason}`, { cause }));
      this.pending.clear();
    };
    this.thread.on('error', (error) => die(`failed: ${error.message}`, error));
    this.thread.on('exit', (code) => die(`exited with code ${code}`));
  }

  send(request: CompressRequest, pending: Pending): void {
    this.pending.set(request.id, pending);
    this.thread.postMessage(request);
  }

  terminate(): Promise<number> {
    return this.thread.terminate();
  }
}

export class CompressPool implements BlockCompressor {
  private readonly threads: Array<PoolThread | undefined>;
  private readonly entry: WorkerEntry;
  private nextId = 1;

  constructor(options: CompressPoolOptions = {}) {
    const count = options.threads ?? Math.min(4, Math.max(1, availableParallelism() - 1));
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`compression threads must be a positive integer, got ${count}`);
    this.threads = new Array<PoolThread | undefined>(count).fill(undefined);
    this.entry = options.entry ?? workerEntry(import.meta.url, 'compress-worker');
  }

  supports(encoding: Encoding): boolean {
    return encoding !== 'none';
  }

  /**
   * Blocks are serialized into shared memory: posting one to a thread then shares its bytes
   * instead of copying them (a copy cost the push thread a few percent in bench:push). A block is
   * never written again once cut, so both threads only read it.
   */
  readonly allocate = (size: number): Buffer => Buffer.from(new SharedArrayBuffer(size));

  compress(format: ChunkFormat, encoding: Encoding, raw: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      // A block in shared memory is shared, any other is copied: either way it stays readable here.
      this.threadFor().send({ id, format, encoding, raw }, { resolve, reject });
    });
  }

  /** Stops every thread; blocks in flight fail (and their chunks keep them raw). */
  async close(): Promise<void> {
    const threads = this.threads.splice(0, this.threads.length, ...this.threads.map(() => undefined));
    await Promise.all(threads.map((thread) => thread?.terminate()));
  }

  /** The least busy thread, started (or restarted after a death) on demand. */
  private threadFor(): PoolThread {
    let best = -1;
    for (let i = 0; i < this.threads.length; i++) {
      const thread = this.threads[i];
      if (thread === undefined || thread.dead) {
        this.threads[i] = new PoolThread(i, this.entry, (dead) => {
          if (this.threads[i] === dead) this.threads[i] = undefined;
        });
        return this.threads[i]!;
      }
      if (best < 0 || thread.pending.size < this.threads[best]!.pending.size) best = i;
    }
    return this.threads[best]!;
  }
}

let shared: CompressPool | undefined;

/** The process's pool, started on first use: every ingester in the process shares its threads. */
export function sharedCompressPool(): CompressPool {
  return (shared ??= new CompressPool());
}
