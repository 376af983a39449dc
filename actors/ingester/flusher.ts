// Moves chunks from memory to object storage. A sweep finds chunks that are full, idle or old;
// a small pool uploads them. A failed upload is retried with exponential backoff and never
// dropped: the chunk stays in memory (and in the WAL) until storage takes it.

import type { Logger } from 'pino';
import type { Labels } from '../../core/model.js';
import type { IngesterConfig } from './config.js';
import type { IngesterMetrics } from './metrics.js';
import type { ChunkSlot, FlushReason, IngesterStream } from './stream.js';

/** Where flushed chunks go: the chunk store, adapted by the composition root. */
export interface FlushTarget {
  putChunk(tenant: string, labels: Labels, labelString: string, encoded: Uint8Array, from: bigint, through: bigint): Promise<void>;
}

interface FlushJob {
  readonly stream: IngesterStream;
  readonly slot: ChunkSlot;
  readonly reason: FlushReason;
}

export class Flusher {
  private readonly queue: FlushJob[] = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly target: FlushTarget,
    private readonly config: IngesterConfig,
    private readonly metrics: IngesterMetrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues every chunk that is due (all unflushed ones when forced). */
  sweep(streams: Iterable<IngesterStream>, force = false): number {
    let queued = 0;
    for (const stream of streams) {
      for (const { slot, reason } of stream.dueForFlush(this.now(), force)) {
        slot.flushing = true;
        this.queue.push({ stream, slot, reason });
        queued++;
      }
    }
    this.pump();
    return queued;
  }

  /** Resolves when nothing is queued or uploading. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pending(): number {
    return this.queue.length + this.running;
  }

  /** Stops retrying; chunks not yet flushed stay in memory (and in the WAL). */
  stop(): void {
    this.stopped = true;
  }

  private pump(): void {
    while (this.running < this.config.concurrentFlushes && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void this.flushWithRetries(job).finally(() => {
        this.running--;
        this.pump();
        if (this.queue.length === 0 && this.running === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
    }
  }

  private async flushWithRetries(job: FlushJob): Promise<void> {
    const { stream, slot } = job;
    let backoff = this.config.flushBackoffMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const encoded = slot.chunk.encode();
        await this.target.putChunk(stream.tenant, stream.labels, stream.labelString, encoded, slot.chunk.minTs, slot.chunk.maxTs);
        slot.flushedMs = this.now();
        slot.flushing = false;
        this.metrics.chunksFlushed.inc({ reason: job.reason });
        this.metrics.chunkFlushedBytes.inc(encoded.length);
        return;
      } catch (error) {
        this.metrics.flushFailures.inc();
        if (this.stopped) {
          slot.flushing = false;
          this.logger.warn({ err: error, stream: stream.labelString }, 'flush abandoned at shutdown; the WAL keeps the data');
          return;
        }
        this.logger.warn({ err: error, stream: stream.labelString, attempt, retryInMs: backoff }, 'chunk flush failed, retrying');
        this.metrics.flushRetries.inc();
        await sleep(backoff);
        backoff = Math.min(backoff * 2, this.config.maxFlushBackoffMs);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
