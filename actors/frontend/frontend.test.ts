// The frontend against a real node (in process, embedded bus) holding loghub's logs, part in
// object storage and part in the ingester's memory: every query answers exactly as the querier
// alone answers it, split and sharded; repeated metric queries come from the results cache.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { RunningNorn } from '../../app/norn.js';
import { startTestNorn } from '../../test/helpers/norn.js';
import { LokiClient } from '../../test/helpers/loki-client.js';
import { DEFAULT_LIMITS, type LimitsConfig } from '../../core/limits.js';
import { emptyStats, type QueryParams, type QueryResponse } from '../../logql/types.js';
import { renderQueryResponse } from '../../gateway/render.js';
import { statusOf } from '../../gateway/errors.js';
import { DEFAULT_FRONTEND, type FrontendConfig } from './config.js';
import { QueryFrontend } from './frontend.js';
import { LocalExecutor } from './local-executor.js';
import { createFrontendMetrics, type FrontendMetrics } from './metrics.js';
import { MemoryCacheStore } from './results-cache/memory-store.js';
import type { SubQueryExecutor } from './executor.js';
import { corpusStreams, partition } from './testing/corpus.js';

const S = 1_000_000_000n;
const MIN = 60n * S;
const HOUR = 60n * MIN;
// Seven hours of logs ending an hour ago: everything is older than the cache's freshness bound.
const NOW_MS = Date.now();
const BASE = (BigInt(NOW_MS) * 1_000_000n / HOUR - 8n) * HOUR + 7n * MIN;
const SPACING = 12n * S; // 2,000 lines a source over 6 h 40 min
const END = BASE + 7n * HOUR;

const LIMITS: LimitsConfig = {
  ...DEFAULT_LIMITS,
  discoverServiceName: [],
  discoverLogLevels: false,
  splitQueriesByIntervalMs: 30 * 60_000,
  maxQueryParallelism: 8,
  // About 2 MB of logs over 32 streams, 150 KB in a half-hour split: up to 8 shards a split.
  tsdbMaxBytesPerShard: 30_000,
};

let norn: RunningNorn;

beforeAll(async () => {
  norn = await startTestNorn({ limits: LIMITS, ingester: { retainFlushedMs: 0 }, querier: { queryWorkers: 1 } });
  const loki = new LokiClient(norn.address);
  const [older, newer] = partition(corpusStreams(BASE, SPACING), BASE + 3n * HOUR);
  for (const stream of older) await loki.push([stream]);
  // The first half goes to the store (and leaves memory), the second stays in the ingester.
  await norn.ingester!.flush();
  for (const stream of newer) await loki.push([stream]);
}, 120_000);

afterAll(async () => {
  await norn?.stop();
});

function frontendOf(options: { config?: Partial<FrontendConfig>; limits?: Partial<LimitsConfig>; executor?: SubQueryExecutor; cache?: boolean; metrics?: FrontendMetrics } = {}): QueryFrontend {
  const config: FrontendConfig = { ...DEFAULT_FRONTEND, cacheResults: options.cache ?? false, ...options.config };
  return new QueryFrontend({
    downstream: norn.querier!.service,
    executor: options.executor ?? new LocalExecutor(norn.querier!.querier, 4),
    limits: { ...LIMITS, ...options.limits },
    config,
    ...(options.cache ? { cacheStore: new MemoryCacheStore(64 << 20) } : {}),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
    now: () => NOW_MS,
  });
}

function rangeParams(query: string, extra: Partial<QueryParams> = {}): QueryParams {
  return { tenant: 'fake', query, start: BASE, end: END, step: 60n * S, interval: 0n, limit: 100, direction: 'backward', kind: 'range', ...extra };
}

function instantParams(query: string, at: bigint): QueryParams {
  return { tenant: 'fake', query, start: at, end: at, step: 0n, interval: 0n, limit: 100, direction: 'backward', kind: 'instant' };
}

/**
 * A response as its client gets it (Loki's JSON), stats left out, sample values rounded to 12
 * significant digits: merging shards adds floating-point numbers in another order, which may
 * move the last bits of a sum, never more.
 */
function comparable(response: QueryResponse, forward: boolean): unknown {
  const text = renderQueryResponse({ data: response.data, stats: emptyStats() }, { categorizeLabels: false, forward });
  const body = JSON.parse(text) as { data: { resultType: string; result: unknown } };
  return { resultType: body.data.resultType, result: roundValues(body.data.result) };
}

function roundValues(value: unknown): unknown {
  if (Array.isArray(value)) {
    if (value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string') {
      const n = Number(value[1]);
      return [value[0], Number.isFinite(n) ? String(Number(n.toPrecision(12))) : value[1]];
    }
    return value.map(roundValues);
  }
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundValues(v)]));
  return value;
}

async function same(params: QueryParams): Promise<QueryResponse> {
  const forward = params.direction === 'forward';
  const [direct, fronted] = await Promise.all([norn.querier!.service.query(params), frontendOf().query(params)]);
  expect(comparable(fronted, forward), params.query).toEqual(comparable(direct, forward));
  return fronted;
}

const ALL = '{source=~".+"}';
/** Range queries, and whether the frontend shards them (besides splitting them). */
const RANGE_QUERIES: [string, boolean][] = [
  // Shardable, but too small for more than one shard.
  ['count_over_time({source="HDFS"}[5m])', false],
  [`count_over_time(${ALL}[5m])`, true],
  [`sum by (host) (count_over_time(${ALL}[10m]))`, true],
  [`sum(rate(${ALL} |= "error" [5m]))`, true],
  ['sum without (host) (bytes_over_time({source=~"H.*"}[15m]))', true],
  [`avg by (source) (rate(${ALL}[5m]))`, true],
  [`max by (source) (count_over_time(${ALL}[5m] offset 30m))`, true],
  [`min(bytes_rate(${ALL}[5m]))`, true],
  [`topk(3, bytes_over_time(${ALL}[10m]))`, true],
  [`bottomk(2, bytes_over_time(${ALL} |= "INFO" [10m]))`, true],
  [`quantile_over_time(0.9, ${ALL} | regexp "(?P<num>[0-9]+)" | unwrap num [10m])`, true],
  [`sum by (source) (count_over_time(${ALL}[5m])) > 20`, true],
  [`label_replace(sum by (source) (rate(${ALL}[5m])), "src", "$1", "source", "(.*)")`, false],
  [`sum(count_over_time({source="Linux"}[5m])) / sum(count_over_time(${ALL}[5m]))`, false],
  [`count(rate(${ALL}[5m]))`, true],
  [`sum by (host) (count_over_time(${ALL}[1m]))`, true],
  ['absent_over_time({source="nothing"}[5m])', false],
  [`stddev by (source) (rate(${ALL}[5m]))`, false],
  [`sum(rate(${ALL}[5m])) * 100`, true],
  [`sum by (source) (count_over_time(${ALL} | regexp "(?P<word>[A-Z]{4,})" [15m]))`, true],
  ['vector(1) + 2', false],
  [`sum(sum by (host) (count_over_time(${ALL}[10m] offset -5m)))`, true],
];

describe('stream shards', () => {
  it('are disjoint and together every stream, over the store (worker threads) and the ingester', async () => {
    const seriesOf = async (shard?: { index: number; of: number }) => {
      const params = { ...rangeParams(`count_over_time(${ALL}[10m])`), ...(shard ? { shard } : {}) };
      const response = await norn.querier!.querier.query(params);
      // The first half of the corpus is read from flushed chunks.
      expect(response.stats.totalChunksDownloaded).toBeGreaterThan(0);
      return response.data.resultType === 'matrix' ? response.data.result.map((s) => JSON.stringify(s.metric)) : [];
    };
    const all = await seriesOf();
    expect(all).toHaveLength(32);
    const shards = await Promise.all([0, 1, 2, 3].map((index) => seriesOf({ index, of: 4 })));
    expect(shards.every((series) => series.length > 0)).toBe(true);
    expect(shards.flat().sort()).toEqual([...all].sort());
  });
});

describe('frontend answers as the querier alone', () => {
  it.each(RANGE_QUERIES)('range %s (sharded: %s)', async (query, sharded) => {
    const response = await same(rangeParams(query));
    if (sharded) expect(response.stats.shards).toBeGreaterThan(response.stats.splits);
    else expect(response.stats.shards).toBe(0);
  });

  it('splits range queries step-aligned, with steps not on the interval grid', async () => {
    const response = await same(rangeParams(`sum by (source) (count_over_time(${ALL}[7m]))`, { start: BASE + 17n * S, step: 7n * MIN + 3n * S }));
    expect(response.stats.splits).toBeGreaterThan(10);
    expect(response.stats.shards).toBeGreaterThan(response.stats.splits);
  });

  it.each([
    `sum by (source) (count_over_time(${ALL}[1h]))`,
    `topk(3, bytes_over_time(${ALL}[30m]))`,
    `avg(rate(${ALL}[10m]))`,
    `quantile_over_time(0.5, ${ALL} | regexp "(?P<num>[0-9]+)" | unwrap num [1h])`,
    'count_over_time({source="HDFS"}[2h] offset 1h)',
    `sum(rate(${ALL}[5m])) / sum(rate({source="Apache"}[5m]))`,
  ])('instant %s', async (query) => {
    await same(instantParams(query, BASE + 3n * HOUR + 7n * S));
  });

  it.each([
    ['{source="HDFS"}', 'backward', 100],
    ['{source="HDFS"}', 'forward', 100],
    [`${ALL} |= "error"`, 'backward', 1000],
    ['{source=~"Li.*"}', 'forward', 5000],
    ['{source="Apache"} | regexp "(?P<level>notice|error)"', 'backward', 50],
    [`${ALL} != "INFO"`, 'forward', 3000],
  ] as const)('logs %s %s limit %d', async (query, direction, limit) => {
    const response = await same(rangeParams(query, { direction, limit }));
    expect(response.stats.splits).toBe(15);
  });

  it('counts splits and shards in the stats, and shards only what merges exactly', async () => {
    const sharded = await frontendOf().query(rangeParams(`sum by (source) (rate(${ALL}[5m]))`));
    expect(sharded.stats.splits).toBe(15);
    expect(sharded.stats.shards).toBeGreaterThan(15);
    expect(sharded.stats.subqueries).toBeGreaterThanOrEqual(sharded.stats.shards);
    const unsharded = await frontendOf().query(rangeParams(`sum(rate({source="Linux"}[5m])) / sum(rate(${ALL}[5m]))`));
    expect(unsharded.stats.splits).toBe(15);
    expect(unsharded.stats.shards).toBe(0);
    expect(unsharded.stats.subqueries).toBe(15);
    const instant = await frontendOf().query(instantParams(`count(rate(${ALL}[1h]))`, END));
    expect(instant.stats.splits).toBe(0);
    expect(instant.stats.shards).toBeGreaterThan(1);
  });

  it('turned off, passes queries to the querier whole', async () => {
    const params = rangeParams(`sum by (source) (rate(${ALL}[5m]))`);
    const off = await frontendOf({ config: { enabled: false } }).query(params);
    expect(off.stats.splits).toBe(0);
    expect(off.stats.subqueries).toBe(0);
    expect(comparable(off, false)).toEqual(comparable(await frontendOf().query(params), false));
  });

  it('refuses more series than max_query_series with Loki message', async () => {
    const error = await frontendOf({ limits: { maxQuerySeries: 3 } }).query(rangeParams(`count_over_time(${ALL}[5m])`)).catch((e: unknown) => e);
    expect(statusOf(error)).toBe(400);
    expect((error as Error).message).toBe('maximum of series (3) reached for a single query');
  });
});

/** An executor whose pieces wait until their signal fires; it records what it was given. */
function stuckExecutor(concurrency = 1) {
  const started: { params: QueryParams; signal: AbortSignal | undefined }[] = [];
  const executor: SubQueryExecutor = {
    concurrency: () => concurrency,
    execute: (job, { signal }) => {
      started.push({ params: job.params, signal });
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
    },
  };
  return { executor, started };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('limits and cancellation', () => {
  it('a client going away cancels the running piece and drops the queued ones', async () => {
    const { executor, started } = stuckExecutor(1);
    const frontend = frontendOf({ executor });
    const client = new AbortController();
    const answer = frontend.query(rangeParams(`sum(count_over_time(${ALL}[5m])) / sum(count_over_time({source="HDFS"}[5m]))`), { signal: client.signal });
    await until(() => started.length === 1);
    client.abort();
    const error = await answer.catch((e: unknown) => e);
    expect(statusOf(error)).toBe(499);
    expect((error as Error).message).toBe('the request was cancelled by the client');
    expect(started[0]!.signal!.aborted).toBe(true);
    // Fifteen splits were queued behind the first: none of them ever started.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).toHaveLength(1);
  });

  it('fails with 504 past query_timeout', async () => {
    const { executor, started } = stuckExecutor(2);
    const error = await frontendOf({ executor, limits: { queryTimeoutMs: 50 } }).query(rangeParams(`count_over_time(${ALL}[5m])`)).catch((e: unknown) => e);
    expect(statusOf(error)).toBe(504);
    expect((error as Error).message).toMatch(/^request timed out, decrease the duration of the request/);
    expect(started.every((piece) => piece.signal!.aborted)).toBe(true);
  });

  it('answers 429 "too many outstanding requests" past max_outstanding_per_tenant, other tenants unaffected', async () => {
    const { executor } = stuckExecutor(1);
    const registry = new Registry();
    const frontend = frontendOf({ executor, config: { maxOutstandingPerTenant: 5 }, metrics: createFrontendMetrics(registry) });
    const error = await frontend.query(rangeParams(`sum(count_over_time(${ALL}[5m])) / sum(count_over_time({source="HDFS"}[5m]))`)).catch((e: unknown) => e);
    expect(statusOf(error)).toBe(429);
    expect((error as Error).message).toBe('too many outstanding requests');
    const discarded = (await registry.getSingleMetric('norn_query_frontend_discarded_requests_total')!.get()).values;
    expect(discarded).toEqual([expect.objectContaining({ labels: { tenant: 'fake' }, value: 1 })]);
  });

  it('checks max_entries_limit_per_query and max_query_length per tenant before running anything', async () => {
    const { executor, started } = stuckExecutor(1);
    const frontend = frontendOf({ executor, limits: { maxEntriesLimitPerQuery: 10, maxQueryLengthMs: 3_600_000 } });
    const tooMany = await frontend.query(rangeParams('{source="HDFS"}', { end: BASE + MIN, limit: 11 })).catch((e: unknown) => e);
    expect((tooMany as Error).message).toBe('max entries limit per query exceeded, limit > max_entries_limit (11 > 10)');
    const tooLong = await frontend.query(rangeParams('{source="HDFS"}', { limit: 10 })).catch((e: unknown) => e);
    expect(statusOf(tooLong)).toBe(400);
    expect((tooLong as Error).message).toBe('the query time range exceeds the limit (query length: 7h0m0s, limit: 1h0m0s)');
    expect(started).toHaveLength(0);
  });
});

describe('the gateway', () => {
  it('serves query_range through the frontend, with its stats and metrics', async () => {
    const loki = new LokiClient(norn.address);
    const body = (await loki.getJson('/loki/api/v1/query_range', {
      query: `sum by (source) (count_over_time(${ALL}[5m]))`,
      start: String(BASE),
      end: String(END),
      step: '60',
    })) as { data: { stats: { summary: { splits: number; shards: number; subqueries: number } } } };
    expect(body.data.stats.summary.splits).toBe(15);
    expect(body.data.stats.summary.shards).toBeGreaterThan(15);
    expect(body.data.stats.summary.subqueries).toBeGreaterThan(15);
    const metrics = await (await fetch(`${norn.address}/metrics`)).text();
    expect(metrics).toMatch(/^norn_query_frontend_splits_total \d+/m);
    expect(metrics).toMatch(/^norn_query_frontend_subquery_duration_seconds_count\{status="ok"\} \d+/m);
    expect(metrics).toContain('norn_query_frontend_queue_length');
  });
});

describe('results cache', () => {
  it('answers a repeated metric query from the cache, and reuses extents for an overlapping one', async () => {
    const registry = new Registry();
    const metrics = createFrontendMetrics(registry);
    const frontend = frontendOf({ cache: true, metrics });
    const query = `sum by (source) (count_over_time(${ALL}[5m]))`;
    const first = await frontend.query(rangeParams(query));
    expect(first.stats.subqueries).toBeGreaterThan(0);
    const counter = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
    expect(await counter('norn_query_frontend_results_cache_misses_total')).toBe(15);

    const second = await frontend.query(rangeParams(query));
    expect(second.stats.subqueries).toBe(0);
    expect(await counter('norn_query_frontend_results_cache_hits_total')).toBe(15);
    expect(comparable(second, false)).toEqual(comparable(first, false));

    // Half an hour earlier to an hour later: only the steps outside the cached extents run.
    const overlapping = rangeParams(query, { start: BASE - 30n * MIN, end: END + HOUR });
    const third = await frontend.query(overlapping);
    const direct = await norn.querier!.service.query(overlapping);
    expect(comparable(third, false)).toEqual(comparable(direct, false));
    expect(await counter('norn_query_frontend_results_cache_hits_total')).toBe(15 + 15);
    const fresh = await frontendOf().query(overlapping);
    expect(third.stats.subqueries).toBeLessThan(fresh.stats.subqueries);
  });
});
