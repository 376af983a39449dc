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
import { labelsToRecord, labelsToString, type Labels } from '../../core/model.js';
import type { LimitsConfig } from '../../core/limits.js';
import type { QuerierConfig } from './config.js';
import type { IngesterQueryFrame, IngesterQueryRequest, LabelQuery } from '../ingester/protocol.js';
import { quorumFor } from '../ring/model.js';
import type { RingWatcher } from '../ring/ring-watcher.js';
import { selectStoredLogs, selectStoredSamples, storedSeries, type ChunkSource, type StoredChunkRef } from './store-source.js';
import type { IndexStats, QueryService, TimeRange, VolumeGroup, VolumeOptions } from './api.js';
import { figuresPerStream, summarize, volumeGroups, type StreamFigures } from './index-stats.js';
import { ValidationError } from '../distributor/validation.js';
import { fanOut } from './fan-out.js';
import { StatusError } from '../../core/errors.js';

/** How long a query waits for the last ingesters once enough of them answered. */
const STRAGGLER_GRACE_MS = 1_000;

export interface QuerierDeps {
  readonly bus: Bus;
  readonly ring: RingWatcher;
  readonly store: ChunkSource;
  readonly config: QuerierConfig;
  readonly limits: LimitsConfig;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class QueryError extends StatusError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('QUERY_INGESTERS_UNAVAILABLE', 503, message, options);
  }
}

export class ClusterQuerier implements Querier, QueryService {
  private readonly engine = new Engine();
  private readonly now: () => number;

  constructor(private readonly deps: QuerierDeps) {
    this.now = deps.now ?? Date.now;
  }

  async query(params: QueryParams): Promise<QueryResponse> {
    // A query that does not parse is refused for that, before any limit is looked at (as Loki).
    parseExpr(params.query);
    const { maxEntriesLimitPerQuery, maxQueryLengthMs } = this.deps.limits;
    if (params.limit > maxEntriesLimitPerQuery) {
      throw new ValidationError(`max entries limit per query exceeded, limit > max_entries_limit (${params.limit} > ${maxEntriesLimitPerQuery})`);
    }
    const lengthMs = Number((params.end - params.start) / 1_000_000n);
    if (maxQueryLengthMs > 0 && lengthMs > maxQueryLengthMs) {
      throw new ValidationError(
        `the query time range exceeds the limit (query length: ${formatDuration(lengthMs)}, limit: ${formatDuration(maxQueryLengthMs)})`,
      );
    }
    return this.engine.query(params, this);
  }

  /** Ingesters answer while the store is scanned; the engine merges both, keeping only its result. */
  async *selectLogs(params: SelectLogsParams, stats: QueryStats): AsyncIterable<StreamResult> {
    const fromIngesters = this.askIngesters({ kind: 'logs', params }, stats);
    fromIngesters.catch(() => undefined);
    yield* selectStoredLogs(this.deps.store, params, stats);
    for (const frame of await fromIngesters) yield* frame.streams ?? [];
  }

  async *selectSamples(params: SelectSamplesParams, stats: QueryStats): AsyncIterable<SampleSeries> {
    const fromIngesters = this.askIngesters({ kind: 'samples', params }, stats);
    fromIngesters.catch(() => undefined);
    yield* selectStoredSamples(this.deps.store, params, stats);
    for (const frame of await fromIngesters) yield* frame.samples ?? [];
  }

  /** Label and series lookups cover at most the max query length, ending at the range's end. */
  private clamp(range: TimeRange): TimeRange {
    const maxNs = BigInt(this.deps.limits.maxQueryLengthMs) * 1_000_000n;
    return maxNs > 0n && range.end - range.start > maxNs ? { start: range.end - maxNs, end: range.end } : range;
  }

  async labelNames(tenant: string, requested: TimeRange, query?: string): Promise<string[]> {
    const range = this.clamp(requested);
    const request: LabelQuery = { tenant, ...range, ...(query ? { query } : {}) };
    const frames = await this.askIngesters({ kind: 'labelNames', params: request }, undefined);
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
    const range = this.clamp(requested);
    const request = { tenant, name, ...range, ...(query ? { query } : {}) };
    const frames = await this.askIngesters({ kind: 'labelValues', params: request }, undefined);
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
    const range = this.clamp(requested);
    const selectors = matchers.map((text) => compileLogSelector(text).matchers);
    const frames = await this.askIngesters({ kind: 'series', params: { tenant, matchers, ...range } }, undefined);
    const unique = new Map<string, Labels>();
    for (const frame of frames) for (const labels of frame.series ?? []) unique.set(labelsToString(labels), labels);
    for (const labels of await storedSeries(this.deps.store, tenant, selectors, range.start, range.end)) {
      unique.set(labelsToString(labels), labels);
    }
    return [...unique.keys()].sort().map((key) => labelsToRecord(unique.get(key)!));
  }

  async indexStats(tenant: string, query: string, requested: TimeRange): Promise<IndexStats> {
    return summarize(await this.streamFigures(tenant, query, this.clamp(requested)));
  }

  async volume(tenant: string, query: string, requested: TimeRange, options: VolumeOptions): Promise<VolumeGroup[]> {
    const names = compileLogSelector(query).matchers.map((matcher) => matcher.name);
    return volumeGroups(await this.streamFigures(tenant, query, this.clamp(requested)), names, options);
  }

  /** Chunk metadata of the matching streams from the ingesters and the index, each chunk once. */
  private async streamFigures(tenant: string, query: string, range: TimeRange): Promise<StreamFigures[]> {
    const { matchers } = compileLogSelector(query);
    const fromIngesters = this.askIngesters({ kind: 'indexStats', params: { tenant, query, ...range } }, undefined);
    fromIngesters.catch(() => undefined);
    const stored = await this.deps.store.streams(tenant, range.start, range.end, (labels) => matchesLabels(matchers, labels));
    const inMemory = (await fromIngesters).flatMap((frame) => frame.chunkFigures ?? []);
    const fetch = (ref: StoredChunkRef) => this.deps.store.fetch(ref);
    return figuresPerStream(stored, inMemory, fetch, range, this.deps.ring.ring.replicationFactor);
  }

  /** Asks every readable ingester; tolerates RF - quorum failures. */
  private async askIngesters(request: IngesterQueryRequest, stats: QueryStats | undefined): Promise<IngesterQueryFrame[]> {
    const members = this.deps.ring.ring.membersFor('read', this.now());
    const rf = this.deps.ring.ring.replicationFactor;
    const tolerated = Math.max(0, rf - quorumFor(rf));
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
    const frames = result.answers.flat();
    if (stats !== undefined) {
      for (const frame of frames) addStats(stats, frame.stats);
    }
    return frames;
  }
}

function addStats(stats: QueryStats, part: Partial<QueryStats> | undefined): void {
  if (part === undefined) return;
  stats.ingesterBytesProcessed += part.totalBytesProcessed ?? 0;
  stats.ingesterLinesProcessed += part.totalLinesProcessed ?? 0;
  stats.totalBytesProcessed += part.totalBytesProcessed ?? 0;
  stats.totalLinesProcessed += part.totalLinesProcessed ?? 0;
}

/** Go's time.Duration formatting for whole hours/minutes, as Loki's limit messages print. */
function formatDuration(ms: number): string {
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${seconds}s`;
}
