// Carries out delete requests (tenants in `filter-and-delete` mode) as a compactor task, one
// part of a request at a time, once the request's cancel period is over:
//
//   1. find the chunks of the streams the request's selector matches that overlap the part's
//      window (the chunk store's index);
//   2. rewrite each chunk that holds deleted lines: the remaining lines in a new chunk of the
//      same layout and compression, stored and indexed (`putChunk`); none when nothing remains;
//   3. mark the old chunks for deletion (durably, before their refs leave the index), then
//      remove their refs from every day that indexes them; the sweeper deletes the objects
//      after `retention_delete_delay`, so readers whose index listing is a little old still
//      find the chunk they listed;
//   4. record the part as processed.
//
// While both an old chunk and its rewrite are indexed, readers see each surviving entry twice
// in one stream; the store scan merges a stream's chunks and drops equal entries, and sample
// hashes are per entry, so neither log nor metric queries count anything twice. Every step is
// idempotent: a run cut short (a crash, a lost lease) is resumed by the next one, which
// rewrites the same chunks into the same content-addressed objects.

import { limitsFor, type LimitsConfig } from '../../../core/limits.js';
import type { Labels } from '../../../core/model.js';
import { compileLogSelector, matchesLabels } from '../../../logql/mod.js';
import { daysBetween } from '../../../storage/keys.js';
import type { ChunkRef, IndexedStream } from '../../../storage/mod.js';
import type { CompactorTask, CompactorTaskContext } from '../compactor.js';
import { deletedTest } from './line-filter.js';
import type { DeletionMetrics } from './metrics.js';
import { toFilters, type DeleteRequestPart, type StoredDeleteRequest } from './model.js';
import type { DeleteRequestStore } from './request-store.js';
import { rewriteChunk } from './rewrite-chunk.js';

/** What the task reads and writes chunks through: the chunk store (storage/chunk-store.ts). */
export interface DeletionChunks {
  readonly index: { streams(tenant: string, from: bigint, through: bigint, filter?: (labels: Labels) => boolean): Promise<IndexedStream[]> };
  getChunk(ref: ChunkRef): Promise<{ readonly bytes: Uint8Array }>;
  putChunk(tenant: string, labels: Labels, bytes: Uint8Array): Promise<ChunkRef>;
}

export interface DeleteTaskDeps {
  readonly requests: DeleteRequestStore;
  readonly chunks: DeletionChunks;
  readonly metrics?: DeletionMetrics;
}

export interface PartResult {
  readonly chunksRewritten: number;
  readonly deletedLines: number;
}

const NS_PER_MS = 1_000_000n;

export class DeleteRequestsTask implements CompactorTask {
  readonly name = 'delete-requests';

  constructor(private readonly deps: DeleteTaskDeps) {}

  async run(context: CompactorTaskContext): Promise<void> {
    const now = context.now();
    const cancelPeriodMs = context.config.deleteRequestCancelPeriodMs;
    const dueAt = async (nowMs: number) =>
      (await this.deps.requests.listAll()).filter(
        (request) => isDue(request, nowMs, cancelPeriodMs) && modeOf(context.limits(), request.tenant) === 'filter-and-delete',
      );
    const due = await dueAt(now);
    this.report(due, now, cancelPeriodMs);
    let failure: unknown;
    for (const listed of due) {
      if (!context.isLeader() || context.signal.aborted) return;
      try {
        await this.processRequest(context, listed);
      } catch (error) {
        // One request that cannot be carried out now (storage down, a corrupt chunk) does not
        // hold up the others; it is retried next run, and the run counts as failed.
        failure ??= error;
        this.deps.metrics?.failures.inc({ cause: 'process_request' });
        context.logger.warn({ err: error, tenant: listed.tenant, requestId: listed.id }, 'delete request: processing failed; retried next run');
      }
    }
    this.report(await dueAt(context.now()), context.now(), cancelPeriodMs);
    // With retention on, the compactor sweeps marked chunks itself on every run; without it,
    // the chunks this task replaced are swept here (after their delay, once unreferenced).
    if (!context.config.retentionEnabled && context.isLeader()) await context.marks.sweep(context.isLeader);
    if (failure !== undefined) throw failure;
  }

  /** The request's pending parts in order, each read again first: one cancelled meanwhile is left alone. */
  private async processRequest(context: CompactorTaskContext, listed: StoredDeleteRequest): Promise<void> {
    for (let index = 0; index < listed.parts.length; index++) {
      if (!context.isLeader() || context.signal.aborted) return;
      const request = await this.deps.requests.get(listed.tenant, listed.id);
      if (request === undefined || request.parts.length !== listed.parts.length) return;
      if (request.parts[index]!.status !== 'received') continue;
      const result = await this.processPart(context, request, request.parts[index]!);
      const outcome = await this.markProcessed(request, index, context.now());
      context.logger.info({ tenant: request.tenant, requestId: request.id, part: index, ...result }, 'delete request part processed');
      if (outcome === 'finished') this.deps.metrics?.processed.inc({ user: request.tenant });
      if (outcome === 'cancelled') return;
    }
  }

  /** Rewrites every stored chunk holding lines of one part; returns what it did. */
  async processPart(context: CompactorTaskContext, request: StoredDeleteRequest, part: DeleteRequestPart): Promise<PartResult> {
    const plan = compileLogSelector(request.query);
    const filters = toFilters({ ...request, parts: [part] });
    const from = BigInt(part.startMs) * NS_PER_MS;
    const through = BigInt(part.endMs) * NS_PER_MS + 1n;
    const streams = await this.deps.chunks.index.streams(request.tenant, from, through, (labels) => matchesLabels(plan.matchers, labels));
    let chunksRewritten = 0;
    let deletedLines = 0;
    for (const stream of streams) {
      const deleted = deletedTest(filters, stream.labels, from, through);
      if (deleted === undefined) continue;
      const replaced: ChunkRef[] = [];
      let streamLines = 0;
      for (const ref of stream.chunks) {
        const stored = await this.deps.chunks.getChunk(ref);
        const rewritten = rewriteChunk(stored.bytes, deleted);
        if (rewritten.deletedLines === 0) continue;
        if (rewritten.bytes !== undefined) await this.deps.chunks.putChunk(request.tenant, stream.labels, rewritten.bytes);
        replaced.push(ref);
        streamLines += rewritten.deletedLines;
      }
      if (replaced.length === 0) continue;
      // Marked before the refs leave the index: a crash between the two leaves chunks the
      // sweeper finds still referenced and keeps; the other order would leak them.
      await context.marks.mark(replaced.map((ref) => ref.key), context.config.retentionDeleteDelayMs);
      const byDay = new Map<number, ChunkRef[]>();
      for (const ref of replaced) {
        for (const day of daysBetween(ref.from, ref.through)) byDay.set(day, [...(byDay.get(day) ?? []), ref]);
      }
      for (const [day, refs] of byDay) await context.index.removeChunkRefs(request.tenant, day, refs);
      chunksRewritten += replaced.length;
      deletedLines += streamLines;
      this.deps.metrics?.chunksRewritten.inc({ user: request.tenant }, replaced.length);
      this.deps.metrics?.deletedLines.inc({ user: request.tenant }, streamLines);
    }
    return { chunksRewritten, deletedLines };
  }

  /**
   * Records part `index` as processed on the request as it is stored now. A request cancelled
   * (with `force`) meanwhile is written back with only its processed parts: some of its lines
   * are gone, and it is listed as processed, as Loki lists it.
   */
  private async markProcessed(request: StoredDeleteRequest, index: number, nowMs: number): Promise<'finished' | 'pending' | 'cancelled'> {
    const current = await this.deps.requests.get(request.tenant, request.id);
    const base = current ?? request;
    let parts: DeleteRequestPart[] = base.parts.map((part, i) => (i === index ? { ...part, status: 'processed' as const, processedAtMs: nowMs } : part));
    if (current === undefined) parts = parts.filter((part) => part.status === 'processed');
    await this.deps.requests.put({ ...base, parts });
    if (current === undefined) return 'cancelled';
    return parts.every((part) => part.status === 'processed') ? 'finished' : 'pending';
  }

  /** Loki's gauges: requests past their cancel period not yet processed, and the oldest one's wait. */
  private report(due: readonly StoredDeleteRequest[], now: number, cancelPeriodMs: number): void {
    const pending = due.filter((request) => request.parts.some((part) => part.status === 'received'));
    this.deps.metrics?.pending.set(pending.length);
    const oldest = Math.min(...pending.map((request) => request.createdAtMs + cancelPeriodMs));
    this.deps.metrics?.oldestPendingAgeSeconds.set(pending.length === 0 ? 0 : Math.max(0, now - oldest) / 1000);
  }
}

function isDue(request: StoredDeleteRequest, nowMs: number, cancelPeriodMs: number): boolean {
  return request.createdAtMs + cancelPeriodMs < nowMs;
}

function modeOf(limits: LimitsConfig, tenant: string): string {
  return limitsFor(limits, tenant).deletionMode;
}
