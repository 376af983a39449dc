// The seam between the LogQL engine and the places data lives. The engine (logql/) parses and
// plans a query, then pulls from a `Querier`; the actors implement `Querier` over ingesters'
// memory and over chunks in object storage, running the compiled pipelines where the data is.

import type { Entry, Labels } from '../core/model.js';

export type Direction = 'forward' | 'backward';

/** What `/query` and `/query_range` ask the engine for. All times in ns. */
export interface QueryParams {
  readonly tenant: string;
  readonly query: string;
  /** Inclusive start (range queries); for instant queries equal to `end`. */
  readonly start: bigint;
  /** Exclusive end for log queries; evaluation time of the last step for metric queries. */
  readonly end: bigint;
  /** Step between evaluations of a metric range query, ns. 0 for instant queries. */
  readonly step: bigint;
  /** Loki's `interval` for log range queries (return one entry per interval), ns; 0 when unset. */
  readonly interval: bigint;
  readonly limit: number;
  readonly direction: Direction;
  readonly kind: 'range' | 'instant';
  /** Evaluate over this shard of the tenant's streams only (the query frontend's sharding). */
  readonly shard?: StreamShard;
}

/**
 * One of `of` disjoint parts of a tenant's streams: a stream belongs to the part
 * `fingerprint mod of == index`, so the parts' union is every stream, each once.
 */
export interface StreamShard {
  readonly index: number;
  readonly of: number;
}

export interface StreamResult {
  readonly labels: Labels;
  readonly entries: Entry[];
}

export interface Point {
  /** Milliseconds since the epoch (Prometheus resolution). */
  readonly t: number;
  readonly v: number;
}

export interface SeriesResult {
  readonly metric: Labels;
  readonly points: Point[];
}

export interface VectorSample {
  readonly metric: Labels;
  readonly t: number;
  readonly v: number;
}

export type QueryData =
  | { readonly resultType: 'streams'; readonly result: StreamResult[] }
  | { readonly resultType: 'matrix'; readonly result: SeriesResult[] }
  | { readonly resultType: 'vector'; readonly result: VectorSample[] }
  | { readonly resultType: 'scalar'; readonly result: Point };

/** Counters the engine and data sources fill in; rendered as Loki's `data.stats`. */
export interface QueryStats {
  totalBytesProcessed: number;
  totalLinesProcessed: number;
  totalEntriesReturned: number;
  totalChunksRef: number;
  totalChunksDownloaded: number;
  ingesterBytesProcessed: number;
  ingesterLinesProcessed: number;
  storeBytesProcessed: number;
  storeLinesProcessed: number;
  execTimeSeconds: number;
  queueTimeSeconds: number;
  subqueries: number;
  /** Time splits the query frontend cut the query into (0: not split). */
  splits: number;
  /** Shards the query frontend ran, over all splits (0: not sharded). */
  shards: number;
}

export interface QueryResponse {
  readonly data: QueryData;
  readonly stats: QueryStats;
}

/**
 * A delete request as a data source applies it (Loki's `Delete` in a query request): an entry
 * of a stream that `query`'s selector matches, with `start <= ts <= end` (ns, both inclusive as
 * in Loki) and a line `query`'s pipeline keeps, is left out before anything else looks at it.
 */
export interface DeleteFilter {
  /** A log selector with optional pipeline, as the delete request was made: `{app="a"} |= "secret"`. */
  readonly query: string;
  readonly start: bigint;
  readonly end: bigint;
}

/** Asks a data source for log entries that match a log selector with its pipeline. */
export interface SelectLogsParams {
  readonly tenant: string;
  /** Canonical text of a log selector expression, pipeline included: `{app="a"} |= "x" | json`. */
  readonly selector: string;
  /** [start, end) in ns. */
  readonly start: bigint;
  readonly end: bigint;
  readonly direction: Direction;
  /** A source returns at most this many entries in all, the first ones in `direction`. */
  readonly limit: number;
  /** Lines hidden by delete requests: dropped before the pipeline and the limit. */
  readonly deletes?: readonly DeleteFilter[];
  /** Only streams of this shard. */
  readonly shard?: StreamShard;
}

/** Asks a data source for samples extracted by a range aggregation's inner expression. */
export interface SelectSamplesParams {
  readonly tenant: string;
  /**
   * Canonical text of the range aggregation whose samples are wanted, e.g.
   * `count_over_time({app="a"} | logfmt [5m])` or `sum_over_time({app="a"} | unwrap bytes [1m])`.
   * It may also be a `sum` over one, `sum by (level)(count_over_time(...))`: sources then group
   * samples by those labels while extracting (`compileSampleExpr` handles both forms).
   */
  readonly expr: string;
  /** [start, end) in ns: already widened by the range and offset the engine needs. */
  readonly start: bigint;
  readonly end: bigint;
  /** Lines hidden by delete requests: dropped before any sample is extracted. */
  readonly deletes?: readonly DeleteFilter[];
  /** Only streams of this shard. */
  readonly shard?: StreamShard;
  /**
   * The windows the engine will sum these samples over, when it only sums them (`count_over_time`,
   * `rate`, `bytes_over_time`, `bytes_rate` without `unwrap`). With `foldBefore`, a source may
   * hand in, instead of each entry's sample, one sample per stretch between window edges carrying
   * the stretch's sum (`SampleColumns.summed`).
   */
  readonly windows?: SampleWindows;
  /**
   * Entries older than this (ns) are in no other source of the query: set by the querier for the
   * store scan only, from what every ingester it asks holds. Without it nothing is folded.
   */
  readonly foldBefore?: bigint;
}

/** Windows `(end - rangeNs, end]` for the ends `firstEnd + k * step`, k in [0, count). */
export interface SampleWindows {
  readonly firstEnd: bigint;
  readonly step: bigint;
  readonly count: number;
  readonly rangeNs: bigint;
}

export interface Sample {
  readonly ts: bigint;
  readonly value: number;
  /**
   * Hash of the entry the sample came from: its stream's labels, line and structured metadata
   * (`hashEntry`), so replicas' copies deduplicate and distinct entries never do.
   */
  readonly hash: number;
}

export interface SampleSeries {
  readonly labels: Labels;
  readonly samples: Sample[];
  /**
   * The same samples in bulk, when the source built them so (`columnarSeries`): reading these
   * costs no object and no BigInt per sample; `samples` is then built only if asked for.
   */
  readonly columns?: SampleColumns;
}

/** One series' samples as parallel arrays of equal length, in time order. */
export interface SampleColumns {
  /** ns. */
  readonly ts: BigInt64Array;
  readonly values: Float64Array;
  /** `Sample.hash`. */
  readonly hashes: Uint32Array;
  /**
   * Each sample sums the entries of a stretch of time that lies whole inside every window that
   * holds its timestamp (`SelectSamplesParams.windows`); none is a copy of another sample, so
   * merging never drops one (their hashes are 0).
   */
  readonly summed?: boolean;
}

/** A data source. Batches may repeat a stream; within a batch entries follow `direction`. */
export interface Querier {
  selectLogs(params: SelectLogsParams, stats: QueryStats): AsyncIterable<StreamResult>;
  selectSamples(params: SelectSamplesParams, stats: QueryStats): AsyncIterable<SampleSeries>;
}

export function emptyStats(): QueryStats {
  return {
    totalBytesProcessed: 0,
    totalLinesProcessed: 0,
    totalEntriesReturned: 0,
    totalChunksRef: 0,
    totalChunksDownloaded: 0,
    ingesterBytesProcessed: 0,
    ingesterLinesProcessed: 0,
    storeBytesProcessed: 0,
    storeLinesProcessed: 0,
    execTimeSeconds: 0,
    queueTimeSeconds: 0,
    subqueries: 0,
    splits: 0,
    shards: 0,
  };
}

/** Field-wise sum, for answers stitched from several tenants. */
export function addStats(into: QueryStats, from: QueryStats): QueryStats {
  for (const key of Object.keys(into) as (keyof QueryStats)[]) into[key] += from[key];
  return into;
}
