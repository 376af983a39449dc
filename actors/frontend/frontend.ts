// The query frontend, in every gateway, as Loki's: a `QueryService` whose `query` validates the
// tenant's limits, cuts the query into time splits and shards (query-run.ts), queues the
// pieces fairly among tenants (fair-queue.ts), answers what it can from the results cache and
// runs the rest on a `SubQueryExecutor` (this process, or queriers over the bus). Everything
// else a query service does goes to the querier unchanged.
//
// `query_timeout` and the client's going away both abort the query's signal: queued pieces are
// dropped and running ones stopped where they run.

import { NS_PER_MS } from '../../core/model.js';
import { NornError } from '../../core/errors.js';
import { formatGoDuration } from '../../core/go/mod.js';
import type { LimitsConfig } from '../../core/limits.js';
import { parseExpr, QueryLimitError } from '../../logql/mod.js';
import type { QueryParams, QueryResponse } from '../../logql/types.js';
import { ValidationError } from '../distributor/validation.js';
import type { QueryOptions, QueryService } from '../querier/api.js';
import type { FrontendConfig } from './config.js';
import type { SubQueryExecutor } from './executor.js';
import { FairQueue, TooManyOutstandingRequests } from './fair-queue.js';
import { frontendLimits, type FrontendLimits } from './limits.js';
import type { FrontendMetrics } from './metrics.js';
import { ResultsCache } from './results-cache/results-cache.js';
import type { CacheStore } from './results-cache/store.js';
import { QueryRun } from './query-run.js';

export const TIMEOUT_MESSAGE =
  'request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed';
export const CANCELED_MESSAGE = 'the request was cancelled by the client';

export interface QueryFrontendDeps {
  /** The querier's service: every method but `query`, and queries the frontend does not cut (several tenants). */
  readonly downstream: QueryService;
  readonly executor: SubQueryExecutor;
  readonly limits: LimitsConfig;
  readonly config: FrontendConfig;
  /** Where extents are cached; absent: no results cache. */
  readonly cacheStore?: CacheStore;
  readonly metrics?: FrontendMetrics;
  /** ms since the epoch; tests pin it. */
  readonly now?: () => number;
}

export class QueryFrontend implements QueryService {
  private readonly queue: FairQueue;
  private readonly cache: ResultsCache | undefined;
  private readonly now: () => number;

  // Grafana Logs Drilldown's endpoints, where the querier has them.
  readonly detectedLabels?: QueryService['detectedLabels'];
  readonly detectedFields?: QueryService['detectedFields'];
  readonly detectedFieldValues?: QueryService['detectedFieldValues'];
  readonly patterns?: QueryService['patterns'];
  readonly volumeRange?: QueryService['volumeRange'];
  readonly tail?: QueryService['tail'];

  constructor(private readonly deps: QueryFrontendDeps) {
    this.now = deps.now ?? Date.now;
    this.queue = new FairQueue({
      concurrency: () => deps.executor.concurrency(),
      parallelismOf: (tenant) => frontendLimits(deps.limits, tenant).maxQueryParallelism,
      maxOutstandingPerTenant: deps.config.maxOutstandingPerTenant,
      ...(deps.metrics !== undefined ? { metrics: deps.metrics } : {}),
    });
    this.cache = deps.config.cacheResults && deps.cacheStore !== undefined ? new ResultsCache(deps.cacheStore) : undefined;
    const down = deps.downstream;
    if (down.detectedLabels) this.detectedLabels = down.detectedLabels.bind(down);
    if (down.detectedFields) this.detectedFields = down.detectedFields.bind(down);
    if (down.detectedFieldValues) this.detectedFieldValues = down.detectedFieldValues.bind(down);
    if (down.patterns) this.patterns = down.patterns.bind(down);
    if (down.volumeRange) this.volumeRange = down.volumeRange.bind(down);
    if (down.tail) this.tail = down.tail.bind(down);
  }

  async query(params: QueryParams, options: QueryOptions = {}): Promise<QueryResponse> {
    // Several tenants are stitched by the querier's multi-tenant layer (or refused there).
    if (!this.deps.config.enabled || params.tenant.includes('|')) return this.deps.downstream.query(params, options);
    const started = performance.now();
    // A query that does not parse is refused for that, before any limit is looked at (as Loki).
    const expr = parseExpr(params.query);
    const limits = frontendLimits(this.deps.limits, params.tenant);
    checkLimits(params, limits);

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new NornError('QUERY_TIMEOUT', TIMEOUT_MESSAGE)), limits.queryTimeoutMs);
    const onClientGone = (): void => controller.abort(new NornError('QUERY_CANCELED', CANCELED_MESSAGE));
    if (options.signal?.aborted) onClientGone();
    options.signal?.addEventListener('abort', onClientGone, { once: true });
    const run = new QueryRun(
      { downstream: this.deps.downstream, executor: this.deps.executor, queue: this.queue, cache: this.cache, metrics: this.deps.metrics, nowMs: this.now },
      limits,
      controller,
      params,
    );
    try {
      const work = expr.kind === 'logSelector' ? run.logs(params) : run.metric(params, expr);
      work.catch(() => undefined); // raced below; a late failure must not go unhandled
      const data = await Promise.race([work, aborted(controller.signal)]);
      if ((data.resultType === 'vector' || data.resultType === 'matrix') && data.result.length > limits.maxQuerySeries) {
        throw new QueryLimitError(`maximum of series (${limits.maxQuerySeries}) reached for a single query`);
      }
      return { data, stats: run.finalStats(data, (performance.now() - started) / 1000) };
    } catch (error) {
      if (error instanceof TooManyOutstandingRequests) this.deps.metrics?.discardedRequests.inc({ tenant: params.tenant });
      throw error;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onClientGone);
      // Whatever of the query is still queued or running (another piece failed) is not wanted now.
      if (!controller.signal.aborted) controller.abort(new NornError('QUERY_CANCELED', 'the query has already finished'));
    }
  }

  labelNames(...args: Parameters<QueryService['labelNames']>): ReturnType<QueryService['labelNames']> {
    return this.deps.downstream.labelNames(...args);
  }
  labelValues(...args: Parameters<QueryService['labelValues']>): ReturnType<QueryService['labelValues']> {
    return this.deps.downstream.labelValues(...args);
  }
  series(...args: Parameters<QueryService['series']>): ReturnType<QueryService['series']> {
    return this.deps.downstream.series(...args);
  }
  indexStats(...args: Parameters<QueryService['indexStats']>): ReturnType<QueryService['indexStats']> {
    return this.deps.downstream.indexStats(...args);
  }
  volume(...args: Parameters<QueryService['volume']>): ReturnType<QueryService['volume']> {
    return this.deps.downstream.volume(...args);
  }
}

/** Loki's per-tenant checks, with its messages, on the whole query before it is cut. */
function checkLimits(params: QueryParams, limits: FrontendLimits): void {
  const maxEntries = limits.maxEntriesLimitPerQuery;
  // 0 is "no limit", as in Loki.
  if (maxEntries > 0 && params.limit > maxEntries) {
    throw new ValidationError(`max entries limit per query exceeded, limit > max_entries_limit (${params.limit} > ${maxEntries})`);
  }
  const lengthNs = params.end - params.start;
  const limitNs = BigInt(limits.maxQueryLengthMs) * NS_PER_MS;
  if (limitNs > 0n && lengthNs > limitNs) {
    throw new ValidationError(`the query time range exceeds the limit (query length: ${formatGoDuration(lengthNs)}, limit: ${formatGoDuration(limitNs)})`);
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
