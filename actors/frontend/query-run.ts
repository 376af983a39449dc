// One client query inside the frontend: cut into time splits, each split answered from the
// results cache or sharded, every piece queued fairly and run by the executor; then merged back
// into the answer the querier would have given, with Loki's `splits` / `shards` / `subqueries` /
// `queueTime` in its stats.

import { labelsToString, NS_PER_MS, type Entry, type Labels } from '../../core/model.js';
import { matchersToString, sampleToString, type SampleExpr } from '../../logql/mod.js';
import { addStats, emptyStats, type QueryData, type QueryParams, type QueryResponse, type QueryStats, type StreamResult } from '../../logql/types.js';
import type { QueryService } from '../querier/api.js';
import type { SubQueryExecutor } from './executor.js';
import type { FairQueue } from './fair-queue.js';
import type { FrontendLimits } from './limits.js';
import type { FrontendMetrics } from './metrics.js';
import { cacheKey } from './results-cache/extents.js';
import type { ResultsCache } from './results-cache/results-cache.js';
import { shardPlan } from './shard.js';
import { effectiveStep, lookaheadNs, rangeAggregationsOf, splitLogRange, splitSteps, type StepSplit } from './split.js';
import { concatMatrices, evaluationTimes, fromSteps, toSteps } from './steps.js';

/** Points one series may hold (the engine's limit): a query past it runs whole, for the engine's error. */
const MAX_POINTS = 11_000n;

export interface RunDeps {
  readonly downstream: QueryService;
  readonly executor: SubQueryExecutor;
  readonly queue: FairQueue;
  readonly cache: ResultsCache | undefined;
  readonly metrics: FrontendMetrics | undefined;
  readonly nowMs: () => number;
}

export class QueryRun {
  readonly stats: QueryStats = emptyStats();
  private splits = 0;
  private shards = 0;
  private subqueries = 0;
  private queueSeconds = 0;

  private readonly signal: AbortSignal;

  /** `controller` aborts the whole query: its first failing piece takes the others down with it. */
  constructor(
    private readonly deps: RunDeps,
    private readonly limits: FrontendLimits,
    private readonly controller: AbortController,
    /** The client's query, whole: what index stats are asked over. */
    private readonly query: QueryParams,
  ) {
    this.signal = controller.signal;
  }

  /** The stats of everything run, with the frontend's own figures. */
  finalStats(data: QueryData, execSeconds: number): QueryStats {
    const stats = this.stats;
    stats.splits = this.splits;
    stats.shards = this.shards;
    stats.subqueries = this.subqueries;
    stats.queueTimeSeconds = this.queueSeconds;
    stats.execTimeSeconds = execSeconds;
    if (data.resultType === 'streams') stats.totalEntriesReturned = data.result.reduce((n, s) => n + s.entries.length, 0);
    else if (data.resultType !== 'scalar') stats.totalEntriesReturned = data.result.length;
    return stats;
  }

  /** One piece through the tenant's queue and the executor. */
  async piece(params: QueryParams): Promise<QueryResponse> {
    const run = async (): Promise<QueryResponse> => {
      const started = performance.now();
      let status = 'ok';
      try {
        return await this.deps.executor.execute({ params }, { signal: this.signal });
      } catch (error) {
        status = this.signal.aborted ? 'canceled' : 'error';
        throw error;
      } finally {
        this.deps.metrics?.subqueryDuration.observe({ status }, (performance.now() - started) / 1000);
      }
    };
    let queued;
    try {
      queued = await this.deps.queue.run(params.tenant, run, this.signal);
    } catch (error) {
      // The answer cannot be whole now: nothing else of the query is worth running or queueing.
      if (!this.signal.aborted) this.controller.abort(error);
      throw error;
    }
    const { value, queuedSeconds } = queued;
    this.subqueries++;
    this.queueSeconds += queuedSeconds;
    addStats(this.stats, value.stats);
    return value;
  }

  async metric(params: QueryParams, expr: SampleExpr): Promise<QueryData> {
    // Literals and `vector()` read nothing: nothing to gain from cutting them.
    if (rangeAggregationsOf(expr).length === 0) return (await this.piece(params)).data;
    if (params.kind === 'instant') return this.sharded(params, expr);
    const step = effectiveStep(params);
    if (params.end < params.start || (params.end - params.start) / step + 1n > MAX_POINTS) return (await this.piece(params)).data;
    const interval = BigInt(this.limits.splitQueriesByIntervalMs) * NS_PER_MS;
    const splits: StepSplit[] = interval > 0n ? splitSteps(params.start, params.end, step, interval) : [{ start: params.start, end: params.end, interval: 0n }];
    if (interval > 0n) {
      this.splits += splits.length;
      this.deps.metrics?.splits.inc(splits.length);
    }
    const parts = await Promise.all(splits.map((split) => this.metricSplit({ ...params, start: split.start, end: split.end, step }, expr, split, interval)));
    return concatMatrices(parts);
  }

  private async metricSplit(params: QueryParams, expr: SampleExpr, split: StepSplit, interval: bigint): Promise<QueryData> {
    const cache = this.deps.cache;
    if (cache === undefined || interval === 0n) return this.sharded(params, expr);
    const now = BigInt(Math.floor(this.deps.nowMs())) * NS_PER_MS;
    const cacheableUntil = now - BigInt(this.limits.maxCacheFreshnessPerQueryMs) * NS_PER_MS - lookaheadNs(expr);
    const phase = ((params.start % params.step) + params.step) % params.step;
    // The canonical text: the same query written differently shares its extents.
    const key = cacheKey({ tenant: params.tenant, query: sampleToString(expr), step: params.step, phase, splitBy: interval, interval: split.interval });
    const outcome = await cache.run(
      { key, start: params.start, end: params.end, step: params.step, cacheableUntil },
      async (start, end) => ({ data: await this.sharded({ ...params, start, end }, expr), stats: emptyStats() }),
    );
    (outcome.hit ? this.deps.metrics?.cacheHits : this.deps.metrics?.cacheMisses)?.inc();
    return outcome.response.data;
  }

  /** A split (or an instant query) sharded when its plan and its size allow, else run whole. */
  private async sharded(params: QueryParams, expr: SampleExpr): Promise<QueryData> {
    const plan = shardPlan(expr);
    const count = plan === undefined ? 1 : await this.shardCount(params, expr);
    if (plan === undefined || count <= 1) return (await this.piece(params)).data;
    this.shards += count;
    this.deps.metrics?.shards.inc(count);
    const instant = params.kind === 'instant';
    const times = evaluationTimes(params.start, params.end, params.step, instant);
    const perLeg = await Promise.all(
      plan.legs.map((query) =>
        Promise.all(
          Array.from({ length: count }, async (_, index) => {
            const response = await this.piece({ ...params, query, shard: { index, of: count } });
            return toSteps(response.data, times);
          }),
        ),
      ),
    );
    return fromSteps(plan.merge(perLeg), times, instant, plan.order);
  }

  /**
   * Shards as Loki's TSDB sizing picks them: the bytes the query's largest selector reads over
   * the piece over `tsdb_max_bytes_per_shard`, rounded up to a power of two, at most
   * `max_query_parallelism`. The index stats (chunk metadata only) are asked once per selector
   * for the whole query and shared out to its pieces by the share of the time they read, so a
   * 30-day query costs one index lookup, not one per split.
   */
  private async shardCount(params: QueryParams, expr: SampleExpr): Promise<number> {
    let bytes = 0;
    for (const range of rangeAggregationsOf(expr)) {
      const selector = matchersToString(range.range.selector.matchers);
      const from = params.start - range.range.offsetNs - range.range.rangeNs;
      const to = params.end - range.range.offsetNs + 1n;
      const whole = this.wholeQueryStats(params, selector, range.range.rangeNs, range.range.offsetNs);
      let figures;
      try {
        figures = await whole;
      } catch {
        // Without figures the piece runs whole: correct, only less parallel.
        return 1;
      }
      const overlap = Number((to < figures.end ? to : figures.end) - (from > figures.start ? from : figures.start));
      const span = Number(figures.end - figures.start);
      if (span > 0 && overlap > 0) bytes = Math.max(bytes, (figures.bytes * overlap) / span);
    }
    const wanted = Math.ceil(bytes / Math.max(1, this.limits.tsdbMaxBytesPerShard));
    if (wanted <= 1) return 1;
    const power = 2 ** Math.ceil(Math.log2(wanted));
    return Math.max(1, Math.min(power, this.limits.maxQueryParallelism));
  }

  private readonly indexFigures = new Map<string, Promise<{ bytes: number; start: bigint; end: bigint }>>();

  /** A selector's index stats over everything the whole query reads, asked once per query. */
  private wholeQueryStats(piece: QueryParams, selector: string, rangeNs: bigint, offsetNs: bigint): Promise<{ bytes: number; start: bigint; end: bigint }> {
    const key = `${selector} ${rangeNs} ${offsetNs}`;
    let figures = this.indexFigures.get(key);
    if (figures === undefined) {
      const start = this.query.start - offsetNs - rangeNs;
      const end = (this.query.kind === 'instant' ? this.query.start : this.query.end) - offsetNs + 1n;
      figures = this.deps.downstream.indexStats(piece.tenant, selector, { start, end }).then((stats) => ({ bytes: stats.bytes, start, end }));
      figures.catch(() => undefined);
      this.indexFigures.set(key, figures);
    }
    return figures;
  }

  /**
   * A log query split by interval, read in direction order (newest first for `backward`), each
   * split asked for the entries still missing; stops once `limit` are in hand.
   */
  async logs(params: QueryParams): Promise<QueryData> {
    const interval = BigInt(this.limits.splitQueriesByIntervalMs) * NS_PER_MS;
    // `interval` thins entries across the whole range at once: it is not cut.
    if (interval <= 0n || params.interval > 0n || params.kind === 'instant' || params.limit <= 0) return (await this.piece(params)).data;
    const splits = splitLogRange(params.start, params.end, interval, params.direction);
    this.splits += splits.length;
    this.deps.metrics?.splits.inc(splits.length);
    const streams = new Map<string, { labels: Labels; entries: Entry[] }>();
    let remaining = params.limit;
    for (const split of splits) {
      if (remaining <= 0) break;
      const response = await this.piece({ ...params, start: split.start, end: split.end, limit: remaining });
      if (response.data.resultType !== 'streams') return response.data;
      for (const stream of response.data.result) {
        const key = labelsToString(stream.labels);
        let entry = streams.get(key);
        if (entry === undefined) streams.set(key, (entry = { labels: stream.labels, entries: [] }));
        // Splits come in direction order, so a stream's entries stay in order.
        for (const e of stream.entries) entry.entries.push(e);
        remaining -= stream.entries.length;
      }
    }
    const result: StreamResult[] = [...streams.keys()].sort().map((key) => streams.get(key)!);
    return { resultType: 'streams', result };
  }
}
