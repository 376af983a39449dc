// Moves chunks from memory to object storage. A sweep finds chunks that are full, idle or old;
// a small pool uploads them. A failed upload is retried with exponential backoff and never
// dropped: the chunk stays in memory (and in the WAL) until storage takes it. A chunk waiting
// for its retry holds no upload slot, so a few chunks that keep failing cannot stop the others.
// A failure that can never succeed (a key storage refuses: INVALID_KEY) is set aside with an
// error log and `norn_ingester_flush_set_aside_total` instead of being retried forever.

import type { Logger } from 'pino';
import type { Labels } from '../../core/model.js';
import type { IngesterConfig } from './config.js';
import type { IngesterMetrics } from './metrics.js';
import type { ChunkSlot, FlushReason, IngesterStream } from './stream.js';

/** Where flushed chunks go: the chunk store, adapted by the composition root. */
export interface FlushTarget {
  putChunk(tenant: string, labels: Labels, encoded: Uint8Array, from: bigint, through: bigint): Promise<void>;
}

interface FlushJob {
  readonly stream: IngesterStream;
  readonly slot: ChunkSlot;
  readonly reason: FlushReason;
  attempt: number;
  backoffMs: number;
}

/** Errors no retry can fix: storage refused the key itself. */
function isPermanent(error: unknown): boolean {
  for (let cause = error, depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    if ((cause as { code?: unknown }).code === 'INVALID_KEY') return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

export class Flusher {
  private readonly queue: FlushJob[] = [];
  /** Failed jobs waiting for their backoff to pass; they hold no slot. */
  private readonly delayed = new Map<FlushJob, NodeJS.Timeout>();
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
        this.queue.push({ stream, slot, reason, attempt: 1, backoffMs: this.config.flushBackoffMs });
        queued++;
      }
    }
    this.pump();
    return queued;
  }

  /** Resolves when nothing is queued, uploading or waiting for a retry. */
  idle(): Promise<void> {
    if (this.isIdle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pending(): number {
    return this.queue.length + this.running + this.delayed.size;
  }

  /** Stops retrying and starting uploads; chunks not yet flushed stay in memory (and in the WAL). */
  stop(): void {
    this.stopped = true;
    for (const [job, timer] of this.delayed) {
      clearTimeout(timer);
      job.stream.flushAbandoned(job.slot);
    }
    this.delayed.clear();
    for (const job of this.queue.splice(0)) job.stream.flushAbandoned(job.slot);
    this.notifyIdle();
  }

  private get isIdle(): boolean {
    return this.queue.length === 0 && this.running === 0 && this.delayed.size === 0;
  }

  private notifyIdle(): void {
    if (!this.isIdle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.config.concurrentFlushes && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void this.flushOnce(job).finally(() => {
        this.running--;
        this.pump();
        this.notifyIdle();
      });
    }
  }

  private async flushOnce(job: FlushJob): Promise<void> {
    const { stream, slot } = job;
    try {
      const encoded = slot.chunk.encode();
      await this.target.putChunk(stream.tenant, stream.labels, encoded, slot.chunk.minTs, slot.chunk.maxTs);
      stream.markFlushed(slot, this.now());
      this.metrics.chunksFlushed.inc({ reason: job.reason });
      this.metrics.chunkFlushedBytes.inc(encoded.length);
    } catch (error) {
      this.metrics.flushFailures.inc();
      if (isPermanent(error)) {
        // Stays marked as flushing: no sweep queues it again. Memory and the WAL keep it.
        this.metrics.flushSetAside.inc();
        this.logger.error({ err: error, tenant: stream.tenant, stream: stream.labelString }, 'chunk can never be flushed (storage refuses its key): set aside, not retried');
        return;
      }
      if (this.stopped) {
        stream.flushAbandoned(slot);
        this.logger.warn({ err: error, stream: stream.labelString }, 'flush abandoned at shutdown; the WAL keeps the data');
        return;
      }
      const retryInMs = job.backoffMs;
      this.logger.warn({ err: error, stream: stream.labelString, attempt: job.attempt, retryInMs }, 'chunk flush failed, retrying');
      this.metrics.flushRetries.inc();
      job.attempt++;
      job.backoffMs = Math.min(job.backoffMs * 2, this.config.maxFlushBackoffMs);
      const timer = setTimeout(() => {
        this.delayed.delete(job);
        this.queue.push(job);
        this.pump();
      }, retryInMs);
      timer.unref?.();
      this.delayed.set(job, timer);
    }
  }
}
