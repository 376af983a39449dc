// The read path: fans each selection out to every ingester that may hold the range and to
// object storage, and gives the LogQL engine the union. Replicas' copies are removed by the
// engine's deduplication (equal timestamp, labels and line).
//
// An acknowledged line lives on at least a quorum of its replicas, so a query may lose up to
// RF - quorum ingesters and still see every line; one more failure fails the query rather than
// silently returning less.

import type { Logger } from 'pino';
import type { Bus } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import { compileLogSelector, Engine, matchesLabels, parseExpr } from '../../logql/mod.js';
import type {
  QueryParams,
  QueryResponse,
  QueryStats,
  Querier,
  SampleSeries,
  SelectLogsParams,
  SelectSamplesParams,
  StreamResult,
} from '../../logql/types.js';
import { labelsToRecord, labelsToString, NS_PER_MS, type Labels } from '../../core/model.js';
import { formatGoDuration } from '../../core/go/mod.js';
import { queryLimitsFor, type LimitsConfig } from '../../core/limits.js';
import type { QuerierConfig } from './config.js';
import type { IngesterQueryFrame, IngesterQueryRequest, LabelQuery } from '../ingester/protocol.js';
import { toleratedFailures } from '../ring/model.js';
import type { RingWatcher } from '../ring/ring-watcher.js';
import { selectStoredLogs, selectStoredSamples, storedSeries, type ChunkSource, type StoredChunkRef } from './store-source.js';
import type { IndexStats, LiveTail, LiveTailHandlers, QueryService, TimeRange, VolumeGroup, VolumeOptions } from './api.js';
import { startLiveTail } from './live-tail.js';
import { figuresPerStream, summarize, volumeGroups, type StreamFigures } from './index-stats.js';
import { ValidationError } from '../distributor/validation.js';
import { fanOut } from './fan-out.js';
import { fanIn } from './fan-in.js';
import type { ScanPool } from './scan-pool/pool.js';
import { decodeSampleBatch } from '../select/sample-batch.js';
import { entriesBefore, foldBound, type FoldOutcome } from './fold-bound.js';
import { FoldConflict } from '../../logql/errors.js';
import { NornError } from '../../core/errors.js';
import { abortable } from './abortable.js';
import { DeletesQuerier, loadDeleteFilters, type DeleteFiltersSource } from './with-deletes.js';

/** How long a query waits for the last ingesters once enough of them answered. */
const STRAGGLER_GRACE_MS = 1_000;

export interface QuerierDeps {
  readonly bus: Bus;
  readonly ring: RingWatcher;
  readonly store: ChunkSource;
  /** Worker threads for the store scan; without one the scan runs in this thread. */
  readonly scanPool?: ScanPool;
  readonly config: QuerierConfig;
  readonly limits: LimitsConfig;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Delete requests to hide at query time (log deletion); none when absent. */
  readonly deletes?: DeleteFiltersSource;
  /** Told how each metric selection's store scan went (fold-bound.ts). */
  readonly onFold?: (outcome: FoldOutcome) => void;
}

export class QueryError extends NornError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('QUERY_INGESTERS_UNAVAILABLE', message, options);
  }
}

export class ClusterQuerier implements Querier, QueryService {
  private readonly engine = new Engine();
  private readonly now: () => number;

  constructor(private readonly deps: QuerierDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** `signal` stops the query's ingester requests and store scan (a sub-query its gateway cancelled). */
  async query(params: QueryParams, options: { readonly signal?: AbortSignal } = {}): Promise<QueryResponse> {
    // A query that does not parse is refused for that, before any limit is looked at (as Loki).
    parseExpr(params.query);
    // The tenant's own limits (the smallest of a multi-tenant query's), runtime overrides included.
    const { maxEntriesLimitPerQuery, maxQueryLengthMs, maxQuerySeries } = queryLimitsFor(this.deps.limits, params.tenant);
    // 0 is "no limit", as in Loki.
    if (maxEntriesLimitPerQuery > 0 && params.limit > maxEntriesLimitPerQuery) {
      throw new ValidationError(`max entries limit per query exceeded, limit > max_entries_limit (${params.limit} > ${maxEntriesLimitPerQuery})`);
    }
    const lengthNs = params.end - params.start;
    const limitNs = BigInt(maxQueryLengthMs) * NS_PER_MS;
    if (limitNs > 0n && lengthNs > limitNs) {
      throw new ValidationError(
        `the query time range exceeds the limit (query length: ${formatGoDuration(lengthNs)}, limit: ${formatGoDuration(limitNs)})`,
      );
    }
    const source = await this.withDeletes(params.tenant, options.signal !== undefined ? abortable(this, options.signal) : this);
    return this.engine.query(params, source, { maxQuerySeries });
  }

  /**
   * The query's data source carrying its tenants' delete requests, loaded once per query, not
   * per selection: a query makes one selection per range aggregation (and a log query may read
   * further), all under the same requests.
   */
  private async withDeletes(tenant: string, source: Querier): Promise<Querier> {
    if (this.deps.deletes === undefined) return source;
    const filters = await loadDeleteFilters(this.deps.deletes, tenant.split('|'));
    return filters.size === 0 ? source : new DeletesQuerier(source, filters);
  }

  /**
   * The store scan and the ingesters' streamed replies, consumed together as they arrive; the
   * engine merges them and keeps only its result.
   */
  async *selectLogs(params: SelectLogsParams, stats: QueryStats): AsyncIterable<StreamResult> {
    const store = wrap(selectStoredLogs(this.deps.store, params, stats, { pool: this.deps.scanPool }));
    for await (const part of this.withIngesters({ kind: 'logs', params }, store)) {
      if ('stored' in part) yield part.stored;
      else {
        addStats(stats, part.frame.stats);
        yield* part.frame.streams ?? [];
      }
    }
  }

  async *selectSamples(params: SelectSamplesParams, stats: QueryStats): AsyncIterable<SampleSeries> {
    const members = this.deps.ring.ring.membersFor('read', this.now());
    // The store scan folds what no ingester holds (fold-bound.ts); the ingesters never fold.
    const { windows, foldBefore: _ignored, ...unfolded } = params;
    // Folding happens in the scan's worker threads (actors/select/stored-samples.ts).
    const folding = windows !== undefined && (this.deps.scanPool?.size ?? 0) > 0;
    const foldBefore = folding ? await foldBound(this.deps.bus, members, params, this.deps.config.ingesterQueryTimeoutMs) : undefined;
    if (folding) this.deps.onFold?.(foldBefore === undefined ? 'unfolded' : 'folded');
    const storeParams = foldBefore === undefined ? unfolded : { ...unfolded, windows: windows!, foldBefore };
    const store = wrap(selectStoredSamples(this.deps.store, storeParams, stats, { pool: this.deps.scanPool }));
    for await (const part of this.withIngesters({ kind: 'samples', params: unfolded }, store, members)) {
      if ('stored' in part) yield part.stored;
      else {
        addStats(stats, part.frame.stats);
        for (const batch of part.frame.sampleBatches ?? []) {
          const series = decodeSampleBatch(batch);
          if (foldBefore !== undefined && entriesBefore(series.columns!, foldBefore)) {
            this.deps.onFold?.('conflict');
            throw new FoldConflict('an ingester answered with an entry older than the folding bound');
          }
          yield series;
        }
      }
    }
  }

  /** `store`'s items and every readable ingester's frames, in arrival order; tolerates RF - quorum failures. */
  private withIngesters<S>(
    request: IngesterQueryRequest,
    store: AsyncIterable<{ stored: S }>,
    members = this.deps.ring.ring.membersFor('read', this.now()),
  ): AsyncIterable<{ stored: S } | { frame: IngesterQueryFrame }> {
    const tolerated = toleratedFailures(this.deps.ring.ring.replicationFactor);
    const timeoutMs = this.deps.config.ingesterQueryTimeoutMs;
    const replicas = members.map((member) => ({
      name: member.id,
      items: frames(this.deps.bus.requestStream<IngesterQueryFrame>(subjects.ingesterQuery(member.id), request, { timeoutMs })),
    }));
    return fanIn<{ stored: S } | { frame: IngesterQueryFrame }>(store, replicas, {
      tolerated,
      graceMs: STRAGGLER_GRACE_MS,
      onFailure: (ingester, error) => this.deps.logger.warn({ err: error, ingester }, 'ingester query failed'),
      onAbandoned: (ingester) => this.deps.logger.warn({ ingester }, 'ingester query too slow: answered without it'),
      // The query itself is wrong (a template over its limit, say): every replica says so.
      isFatal: (error) => error instanceof NornError && error.status >= 400 && error.status < 500,
      tooManyFailures: (failures) => {
        const first = failures[0]!.error;
        const reason = first instanceof Error ? first.message : String(first);
        return new QueryError(`${failures.length} ingesters failed to answer (at most ${tolerated} may): ${reason}`, { cause: first });
      },
    });
  }

  /** Label and series lookups cover at most the max query length, ending at the range's end. */
  private clamp(range: TimeRange, tenant: string): TimeRange {
    const maxNs = BigInt(queryLimitsFor(this.deps.limits, tenant).maxQueryLengthMs) * 1_000_000n;
    return maxNs > 0n && range.end - range.start > maxNs ? { start: range.end - maxNs, end: range.end } : range;
  }

  tail(tenant: string, query: string, handlers: LiveTailHandlers): Promise<LiveTail> {
    return startLiveTail({ bus: this.deps.bus, ring: this.deps.ring, logger: this.deps.logger, now: this.now }, tenant, query, handlers);
  }

  async labelNames(tenant: string, requested: TimeRange, query?: string): Promise<string[]> {
    const range = this.clamp(requested, tenant);
    const request: LabelQuery = { tenant, ...range, ...(query ? { query } : {}) };
    const frames = await this.askIngesters({ kind: 'labelNames', params: request });
    const names = new Set<string>();
    for (const frame of frames) for (const name of frame.values ?? []) names.add(name);
    if (query) {
      for (const labels of await storedSeries(this.deps.store, tenant, [compileLogSelector(query).matchers], range.start, range.end)) {
        for (const label of labels) names.add(label.name);
      }
    } else {
      for (const name of await this.deps.store.labelNames(tenant, range.start, range.end)) names.add(name);
    }
    return [...names].sort();
  }

  async labelValues(tenant: string, name: string, requested: TimeRange, query?: string): Promise<string[]> {
    const range = this.clamp(requested, tenant);
    const request = { tenant, name, ...range, ...(query ? { query } : {}) };
    const frames = await this.askIngesters({ kind: 'labelValues', params: request });
    const values = new Set<string>();
    for (const frame of frames) for (const value of frame.values ?? []) values.add(value);
    if (query) {
      for (const labels of await storedSeries(this.deps.store, tenant, [compileLogSelector(query).matchers], range.start, range.end)) {
        for (const label of labels) if (label.name === name) values.add(label.value);
      }
    } else {
      for (const value of await this.deps.store.labelValues(tenant, name, range.start, range.end)) values.add(value);
    }
    return [...values].sort();
  }

  async series(tenant: string, matchers: readonly string[], requested: TimeRange): Promise<Record<string, string>[]> {
    const range = this.clamp(requested, tenant);
    const selectors = matchers.map((text) => compileLogSelector(text).matchers);
    const frames = await this.askIngesters({ kind: 'series', params: { tenant, matchers, ...range } });
    const unique = new Map<string, Labels>();
    for (const frame of frames) for (const labels of frame.series ?? []) unique.set(labelsToString(labels), labels);
    for (const labels of await storedSeries(this.deps.store, tenant, selectors, range.start, range.end)) {
      unique.set(labelsToString(labels), labels);
    }
    return [...unique.keys()].sort().map((key) => labelsToRecord(unique.get(key)!));
  }

  async indexStats(tenant: string, query: string, requested: TimeRange): Promise<IndexStats> {
    return summarize(await this.streamFigures(tenant, query, this.clamp(requested, tenant)));
  }

  async volume(tenant: string, query: string, requested: TimeRange, options: VolumeOptions): Promise<VolumeGroup[]> {
    const names = compileLogSelector(query).matchers.map((matcher) => matcher.name);
    return volumeGroups(await this.streamFigures(tenant, query, this.clamp(requested, tenant)), names, options);
  }

  /** Chunk metadata of the matching streams from the ingesters and the index, each chunk once. */
  private async streamFigures(tenant: string, query: string, range: TimeRange): Promise<StreamFigures[]> {
    const { matchers } = compileLogSelector(query);
    const fromIngesters = this.askIngesters({ kind: 'indexStats', params: { tenant, query, ...range } });
    fromIngesters.catch(() => undefined);
    const stored = await this.deps.store.streams(tenant, range.start, range.end, (labels) => matchesLabels(matchers, labels));
    const inMemory = (await fromIngesters).flatMap((frame) => frame.chunkFigures ?? []);
    const fetch = (ref: StoredChunkRef) => this.deps.store.fetch(ref);
    return figuresPerStream(stored, inMemory, fetch, range, this.deps.ring.ring.replicationFactor);
  }

  /** Asks every readable ingester for a small answer (labels, series, chunk figures); tolerates RF - quorum failures. */
  private async askIngesters(request: IngesterQueryRequest): Promise<IngesterQueryFrame[]> {
    const members = this.deps.ring.ring.membersFor('read', this.now());
    const tolerated = toleratedFailures(this.deps.ring.ring.replicationFactor);
    const timeoutMs = this.deps.config.ingesterQueryTimeoutMs;
    const result = await fanOut(
      members.map((member) => async () => {
        const frames: IngesterQueryFrame[] = [];
        for await (const frame of this.deps.bus.requestStream<IngesterQueryFrame>(subjects.ingesterQuery(member.id), request, { timeoutMs })) {
          frames.push(frame);
        }
        return frames;
      }),
      tolerated,
      STRAGGLER_GRACE_MS,
    );
    for (const { index, error } of result.failures) {
      this.deps.logger.warn({ err: error, ingester: members[index]!.id }, 'ingester query failed');
    }
    for (const index of result.abandoned) {
      this.deps.logger.warn({ ingester: members[index]!.id }, 'ingester query too slow: answered without it');
    }
    if (result.failures.length > tolerated) {
      const first = result.failures[0]!.error;
      const reason = first instanceof Error ? first.message : String(first);
      throw new QueryError(`${result.failures.length} ingesters failed to answer (at most ${tolerated} may): ${reason}`, { cause: first });
    }
    return result.answers.flat();
  }
}

async function* wrap<S>(items: AsyncIterable<S>): AsyncGenerator<{ stored: S }> {
  for await (const stored of items) yield { stored };
}

async function* frames(items: AsyncIterable<IngesterQueryFrame>): AsyncGenerator<{ frame: IngesterQueryFrame }> {
  for await (const frame of items) yield { frame };
}

function addStats(stats: QueryStats, part: Partial<QueryStats> | undefined): void {
  if (part === undefined) return;
  stats.ingesterBytesProcessed += part.totalBytesProcessed ?? 0;
  stats.ingesterLinesProcessed += part.totalLinesProcessed ?? 0;
  stats.totalBytesProcessed += part.totalBytesProcessed ?? 0;
  stats.totalLinesProcessed += part.totalLinesProcessed ?? 0;
}
