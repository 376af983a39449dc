// The query engine: parses a query, pulls entries or samples from a `Querier` and shapes Loki's
// result. Log queries merge the sources' batches, drop replicas' duplicate entries and keep the
// first `limit` in direction; metric queries evaluate over the samples' range aggregations.

import { labelsToString } from '../../core/model.js';
import { QueryLimitError } from '../errors.js';
import { parseExpr } from '../syntax/parser.js';
import { exprToString } from '../syntax/printer.js';
import type { LogSelectorExpr } from '../syntax/ast.js';
import {
  emptyStats, type QueryData, type QueryParams, type QueryResponse, type Querier, type QueryStats, type SampleSeries,
  type SelectLogsParams, type SelectSamplesParams, type StreamResult, type StreamShard,
} from '../types.js';
import { compileQueryPlans } from '../plan.js';
import { evaluateMetricQuery } from './evaluate.js';
import { TenantsQuerier, tenantsOf } from './tenants.js';
import { groupStreams, TopEntries, type Kept } from './top-entries.js';

export interface EngineOptions {
  /** Points a single series may hold in a range query result (Loki: 11,000). */
  readonly maxPointsPerSeries?: number;
  /** Series a metric query may return (Loki's `max_query_series`, default 500). */
  readonly maxQuerySeries?: number;
}

export class Engine {
  constructor(private readonly options: EngineOptions = {}) {}

  /** `overrides` carries the query's tenant's own limits over the engine's defaults. */
  async query(params: QueryParams, single: Querier, overrides: EngineOptions = {}): Promise<QueryResponse> {
    const started = performance.now();
    const tenants = tenantsOf(params.tenant);
    const tenantsQuerier = tenants.length > 1 ? new TenantsQuerier(single, tenants) : single;
    // A shard of the query frontend's reaches every selection the query makes.
    const querier = params.shard !== undefined ? new ShardQuerier(tenantsQuerier, params.shard) : tenantsQuerier;
    const stats = emptyStats();
    const expr = parseExpr(params.query);
    compileQueryPlans(expr);
    let data: QueryData;
    if (expr.kind === 'logSelector') {
      data = { resultType: 'streams', result: await this.selectLogs(expr, params, querier, stats) };
    } else {
      data = await evaluateMetricQuery(expr, params, querier, stats, overrides.maxPointsPerSeries ?? this.options.maxPointsPerSeries ?? 11_000);
      if (data.resultType === 'vector' || data.resultType === 'matrix') {
        const maxSeries = overrides.maxQuerySeries ?? this.options.maxQuerySeries ?? 500;
        if (data.result.length > maxSeries) throw new QueryLimitError(`maximum of series (${maxSeries}) reached for a single query`);
        stats.totalEntriesReturned = data.result.length;
      }
    }
    stats.execTimeSeconds = (performance.now() - started) / 1000;
    return { data, stats };
  }

  private async selectLogs(expr: LogSelectorExpr, params: QueryParams, querier: Querier, stats: QueryStats): Promise<StreamResult[]> {
    const selector = exprToString(expr);
    let streams: StreamResult[];
    if (params.interval > 0n) {
      // The limit counts entries the interval lets through, so read ever further until `limit`
      // of them are found or the sources have nothing more.
      let fetch = Math.max(params.limit, 1) * INTERVAL_READ_FACTOR;
      for (;;) {
        const top = await this.readTop(selector, params, fetch, querier, stats);
        const full = top.full;
        const thinned = applyInterval(top.ordered(), params.interval, params.direction === 'forward', params.limit);
        if (thinned.length >= params.limit || !full || fetch >= MAX_INTERVAL_READ) {
          streams = groupStreams(thinned);
          break;
        }
        fetch *= INTERVAL_READ_FACTOR;
      }
    } else {
      streams = (await this.readTop(selector, params, params.limit, querier, stats)).streams();
    }
    stats.totalEntriesReturned = streams.reduce((n, s) => n + s.entries.length, 0);
    return streams.filter((s) => s.entries.length > 0);
  }

  /** The first `limit` entries in direction over all sources, replicas' copies removed. */
  private async readTop(selector: string, params: QueryParams, limit: number, querier: Querier, stats: QueryStats): Promise<TopEntries> {
    const top = new TopEntries(limit, params.direction, true);
    const batches = querier.selectLogs(
      { tenant: params.tenant, selector, start: params.start, end: params.end, direction: params.direction, limit },
      stats,
    );
    for await (const batch of batches) {
      const key = labelsToString(batch.labels);
      for (const entry of batch.entries) {
        if (entry.ts < params.start || entry.ts >= params.end) continue;
        if (top.exhaustedAt(entry.ts)) break;
        top.offer(entry.ts, key, batch.labels, entry.line, entry);
      }
    }
    return top;
  }
}

/** Narrows every selection to one shard of the tenant's streams (`QueryParams.shard`). */
class ShardQuerier implements Querier {
  constructor(private readonly inner: Querier, private readonly shard: StreamShard) {}

  selectLogs(params: SelectLogsParams, stats: QueryStats): AsyncIterable<StreamResult> {
    return this.inner.selectLogs({ ...params, shard: this.shard }, stats);
  }

  selectSamples(params: SelectSamplesParams, stats: QueryStats): AsyncIterable<SampleSeries> {
    return this.inner.selectSamples({ ...params, shard: this.shard }, stats);
  }
}

const INTERVAL_READ_FACTOR = 8;
/** Entries one interval query reads at most before it answers with what it has. */
const MAX_INTERVAL_READ = 10_000_000;

/**
 * Loki's `interval` for log queries: walking all streams' entries together in direction order,
 * an entry is emitted when it is at least `interval` past the last one emitted (in any stream),
 * and emitting stops at `limit`.
 */
function applyInterval(items: readonly Kept[], interval: bigint, forward: boolean, limit: number): Kept[] {
  const out: Kept[] = [];
  let last: bigint | undefined;
  for (const item of items) {
    if (out.length >= limit) break;
    if (last === undefined || (forward ? item.ts >= last + interval : item.ts <= last - interval)) {
      out.push(item);
      last = item.ts;
    }
  }
  return out;
}
