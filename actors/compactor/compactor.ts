// The compactor's loop. Every `compaction_interval`, when this process holds the lease:
//   1. compact every tenant's finished days (before today, and older than the ingesters' flush
//      lag), and delete what earlier generations superseded once readers have moved on;
//   2. when `retention_enabled`: apply retention, then sweep chunks whose delete delay passed;
//   3. run the registered tasks (delete requests register one) in registration order.
// The lease is checked before each tenant-day: a compactor that lost it stops where it is and
// leaves the rest to the new leader (every step is idempotent and resumes from the store).

import type { Logger } from 'pino';
import type { LimitsConfig } from '../../core/limits.js';
import { dayOf } from '../../storage/keys.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { IndexCompactor } from '../../storage/index/index-compactor.js';
import type { CompactorConfig } from './config.js';
import { compactIndex } from './index-compaction.js';
import { DeletionMarks } from './marks.js';
import type { CompactorMetrics } from './metrics.js';
import { Retention } from './retention.js';

const NS_PER_MS = 1_000_000n;

/** What a registered task gets each run. */
export interface CompactorTaskContext {
  /** Index maintenance: `removeChunkRefs(tenant, day, refs)`, `loadDay`, `tenants`, `days`. */
  readonly index: IndexCompactor;
  /** Durable deletion marks: `mark(chunkKeys, delayMs)`; the sweeper deletes unreferenced chunks. */
  readonly marks: DeletionMarks;
  readonly config: CompactorConfig;
  /** The limits now (per tenant through `limitsFor`): runtime overrides included. */
  readonly limits: () => LimitsConfig;
  readonly now: () => number;
  /** Whether this compactor still holds the lease: check between steps and stop when false. */
  isLeader(): boolean;
  /** Aborted when the compactor stops. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

export interface CompactorTask {
  readonly name: string;
  run(context: CompactorTaskContext): Promise<void>;
}

/** The lease as the loop uses it (lease.ts). */
export interface Leadership {
  readonly leader: boolean;
  start(): void;
  stop(options?: { release?: boolean }): Promise<void>;
}

export interface CompactorOptions {
  readonly store: ObjectStore;
  readonly lease: Leadership;
  readonly config: CompactorConfig;
  readonly limits: () => LimitsConfig;
  /** How long after a day ends ingesters may still flush into it (ms); such days wait. */
  readonly flushLagMs: number;
  /** How long superseded index objects stay readable (longer than readers' list cache TTL). */
  readonly cleanupDelayMs: number;
  readonly metrics: CompactorMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
  /** This process rewrote a day: drop it from its own index caches. */
  readonly onIndexChanged?: (tenant: string, day: number) => void;
}

export interface RunSummary {
  readonly daysCompacted: number;
  readonly objectsMerged: number;
  readonly objectsDeleted: number;
  readonly refsRemoved: number;
  readonly chunksDeleted: number;
  readonly bytesDeleted: number;
  readonly failures: number;
}

export class Compactor {
  readonly index: IndexCompactor;
  readonly marks: DeletionMarks;
  private readonly retention: Retention;
  private readonly tasks: CompactorTask[] = [];
  private readonly now: () => number;
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<RunSummary | undefined> | undefined;
  private stopped = true;
  /** Runs done as leader. */
  private runs = 0;

  constructor(private readonly options: CompactorOptions) {
    this.now = options.now ?? Date.now;
    this.index = new IndexCompactor(options.store, {
      cleanupDelayMs: options.cleanupDelayMs,
      now: this.now,
      onMerged: (count) => options.metrics.indexObjectsMerged.inc(count),
      ...(options.onIndexChanged !== undefined ? { onChanged: options.onIndexChanged } : {}),
    });
    this.marks = new DeletionMarks(options.store, this.index, this.now);
    this.retention = new Retention({
      index: this.index,
      marks: this.marks,
      limits: options.limits,
      deleteDelayMs: options.config.retentionDeleteDelayMs,
      now: this.now,
    });
  }

  get leader(): boolean {
    return !this.stopped && this.options.lease.leader;
  }

  /** Adds a task run after compaction and retention on every run; returns its removal. */
  registerTask(task: CompactorTask): () => void {
    this.tasks.push(task);
    return () => {
      const at = this.tasks.indexOf(task);
      if (at >= 0) this.tasks.splice(at, 1);
    };
  }

  /** Starts competing for the lease and running every interval. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.options.lease.start();
    const tick = (): void => {
      this.timer = setTimeout(() => {
        void this.runOnce().finally(() => {
          if (!this.stopped) tick();
        });
      }, this.nextDelayMs());
      this.timer.unref?.();
    };
    tick();
  }

  /**
   * Stops the loop, waits for a run in progress to notice, and releases the lease (`release:
   * false` lets it run out instead, as a crash would).
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.current?.catch(() => undefined);
    await this.options.lease.stop(options);
  }

  /** One run, when leader (undefined otherwise). Runs never overlap. */
  runOnce(): Promise<RunSummary | undefined> {
    if (this.current !== undefined) return this.current;
    const run = this.run().finally(() => {
      if (this.current === run) this.current = undefined;
    });
    this.current = run;
    return run;
  }

  /** Soon after start (once the lease's first attempt is done), then every interval. */
  private nextDelayMs(): number {
    return this.runs === 0 ? Math.min(1_000, this.options.config.compactionIntervalMs) : this.options.config.compactionIntervalMs;
  }

  private async run(): Promise<RunSummary | undefined> {
    if (!this.options.lease.leader) return undefined;
    this.runs++;
    const { metrics, logger, config } = this.options;
    const isLeader = (): boolean => !this.abort.signal.aborted && this.options.lease.leader;
    const pass = await compactIndex({ index: this.index, metrics, logger, now: this.now, lastFinishedDay: this.lastFinishedDay(), proceed: isLeader });
    const { tenantDays } = pass;
    let summary: RunSummary = {
      daysCompacted: pass.daysCompacted,
      objectsMerged: pass.objectsMerged,
      objectsDeleted: pass.objectsDeleted,
      refsRemoved: 0,
      chunksDeleted: 0,
      bytesDeleted: 0,
      failures: pass.failures,
    };

    if (config.retentionEnabled && isLeader()) summary = { ...summary, ...(await this.applyRetention(tenantDays, isLeader, summary)) };

    let taskFailures = 0;
    for (const task of [...this.tasks]) {
      if (!isLeader()) break;
      try {
        await task.run({
          index: this.index,
          marks: this.marks,
          config,
          limits: this.options.limits,
          now: this.now,
          isLeader,
          signal: this.abort.signal,
          logger,
        });
        metrics.taskRuns.inc({ task: task.name, status: 'success' });
      } catch (error) {
        taskFailures++;
        metrics.taskRuns.inc({ task: task.name, status: 'failure' });
        logger.warn({ err: error, task: task.name }, 'compactor: task failed; it runs again next time');
      }
    }
    summary = { ...summary, failures: summary.failures + taskFailures };
    if (summary.daysCompacted + summary.refsRemoved + summary.chunksDeleted + summary.objectsDeleted > 0) logger.info(summary, 'compactor: run done');
    return summary;
  }

  private async applyRetention(tenantDays: Map<string, number[]>, isLeader: () => boolean, summary: RunSummary): Promise<Partial<RunSummary>> {
    const { metrics, logger } = this.options;
    const start = this.now();
    let failed = false;
    let { refsRemoved, failures } = summary;
    let chunksDeleted = 0;
    let bytesDeleted = 0;
    for (const [tenant, days] of tenantDays) {
      if (!isLeader()) break;
      try {
        const result = await this.retention.applyTenant(tenant, days, isLeader);
        refsRemoved += result.refsRemoved;
        metrics.chunksMarked.inc(result.chunksMarked);
        metrics.generationsWritten.inc(result.daysRewritten);
      } catch (error) {
        failed = true;
        failures++;
        logger.warn({ err: error, tenant }, 'compactor: retention failed for a tenant; retried next run');
      }
    }
    try {
      if (isLeader()) {
        const swept = await this.marks.sweep(isLeader);
        chunksDeleted = swept.chunksDeleted;
        bytesDeleted = swept.bytesDeleted;
        metrics.chunksDeleted.inc(swept.chunksDeleted);
        metrics.chunkBytesDeleted.inc(swept.bytesDeleted);
        metrics.markersDeleted.inc(swept.markersDeleted);
      }
      metrics.markersCurrent.set((await this.marks.count()).markers);
    } catch (error) {
      failed = true;
      failures++;
      logger.warn({ err: error }, 'compactor: sweeping marked chunks failed; retried next run');
    }
    metrics.retentionOperations.inc({ status: failed ? 'failure' : 'success' });
    metrics.retentionDurationSeconds.set((this.now() - start) / 1000);
    if (!failed) metrics.retentionLastSuccess.set(this.now() / 1000);
    return { refsRemoved, chunksDeleted, bytesDeleted, failures };
  }

  /** The newest day no ingester should flush into any more: it ended at least flushLag ago. */
  private lastFinishedDay(): number {
    return dayOf((BigInt(this.now()) - BigInt(Math.max(0, this.options.flushLagMs))) * NS_PER_MS) - 1;
  }
}
