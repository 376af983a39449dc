// The query engine: parses a query, pulls entries or samples from a `Querier` and shapes Loki's
// result. Log queries merge the sources' batches, drop replicas' duplicate entries and keep the
// first `limit` in direction; metric queries evaluate over the samples' range aggregations.

import { labelsToString } from '../../core/model.js';
import { QueryLimitError } from '../errors.js';
import { parseExpr } from '../syntax/parser.js';
import { exprToString } from '../syntax/printer.js';
import type { LogSelectorExpr } from '../syntax/ast.js';
import { emptyStats, type QueryData, type QueryParams, type QueryResponse, type Querier, type QueryStats, type StreamResult } from '../types.js';
import { evaluateMetricQuery } from './evaluate.js';
import { TopEntries } from './top-entries.js';

export interface EngineOptions {
  /** Points a single series may hold in a range query result (Loki: 11,000). */
  readonly maxPointsPerSeries?: number;
  /** Series a metric query may return (Loki's `max_query_series`, default 500). */
  readonly maxQuerySeries?: number;
}

export class Engine {
  constructor(private readonly options: EngineOptions = {}) {}

  async query(params: QueryParams, querier: Querier): Promise<QueryResponse> {
    const started = performance.now();
    const stats = emptyStats();
    const expr = parseExpr(params.query);
    let data: QueryData;
    if (expr.kind === 'logSelector') {
      data = { resultType: 'streams', result: await this.selectLogs(expr, params, querier, stats) };
    } else {
      data = await evaluateMetricQuery(expr, params, querier, stats, this.options.maxPointsPerSeries ?? 11_000);
      if (data.resultType === 'vector' || data.resultType === 'matrix') {
        const maxSeries = this.options.maxQuerySeries ?? 500;
        if (data.result.length > maxSeries) throw new QueryLimitError(`maximum of series (${maxSeries}) reached for a single query`);
        stats.totalEntriesReturned = data.result.length;
      }
    }
    stats.execTimeSeconds = (performance.now() - started) / 1000;
    return { data, stats };
  }

  private async selectLogs(expr: LogSelectorExpr, params: QueryParams, querier: Querier, stats: QueryStats): Promise<StreamResult[]> {
    const selector = exprToString(expr);
    const top = new TopEntries(params.limit, params.direction, true);
    const batches = querier.selectLogs(
      { tenant: params.tenant, selector, start: params.start, end: params.end, direction: params.direction, limit: params.limit },
      stats,
    );
    for await (const batch of batches) {
      const key = labelsToString(batch.labels);
      for (const entry of batch.entries) {
        if (entry.ts < params.start || entry.ts >= params.end) continue;
        if (top.exhaustedAt(entry.ts)) break;
        top.offer(entry.ts, key, batch.labels, entry.line);
      }
    }
    let streams = top.streams();
    if (params.interval > 0n) streams = streams.map((s) => applyInterval(s, params.interval, params.direction === 'forward'));
    stats.totalEntriesReturned = streams.reduce((n, s) => n + s.entries.length, 0);
    return streams.filter((s) => s.entries.length > 0);
  }
}

/** Loki's `interval` for log queries: at most one entry per interval step in each stream. */
function applyInterval(stream: StreamResult, interval: bigint, forward: boolean): StreamResult {
  const entries = [];
  let next: bigint | undefined;
  for (const entry of stream.entries) {
    if (next === undefined || (forward ? entry.ts >= next : entry.ts <= next)) {
      entries.push(entry);
      next = forward ? entry.ts + interval : entry.ts - interval;
    }
  }
  return { labels: stream.labels, entries };
}
