// The results cache for metric range queries: one time split at a time, the steps its extents
// hold are taken from the cache and only the gaps are run; what was run is stored, except the
// steps newer than the freshness bound (`max_cache_freshness_per_query`), whose data may still
// be arriving.

import { addStats, emptyStats, type QueryData, type QueryResponse, type QueryStats } from '../../../logql/types.js';
import { nsToMs } from '../../../core/model.js';
import { concatMatrices } from '../steps.js';
import { decodeExtents, encodeExtents, gaps, mergeExtents, slice, type Extent } from './extents.js';
import type { CacheStore } from './store.js';

export interface CachedSplit {
  /** Cache key of the split (`cacheKey`). */
  readonly key: string;
  /** First and last evaluation time of the split, ns. */
  readonly start: bigint;
  readonly end: bigint;
  readonly step: bigint;
  /** Steps after this one are never stored. */
  readonly cacheableUntil: bigint;
}

export interface CacheOutcome {
  readonly response: QueryResponse;
  /** Some of the split's steps came from the cache. */
  readonly hit: boolean;
}

export class ResultsCache {
  constructor(private readonly store: CacheStore) {}

  async run(split: CachedSplit, execute: (start: bigint, end: bigint) => Promise<QueryResponse>): Promise<CacheOutcome> {
    const extents = decodeExtents(await this.store.get(split.key).catch(() => undefined));
    const missing = gaps(extents, split.start, split.end, split.step);
    const ran = await Promise.all(missing.map(async (gap) => ({ gap, response: await execute(gap.start, gap.end) })));
    const stats: QueryStats = emptyStats();
    for (const { response } of ran) addStats(stats, response.stats);

    // The split's answer in time order: cached runs and fresh ones interleave.
    const pieces: { start: bigint; data: QueryData }[] = ran.map(({ gap, response }) => ({ start: gap.start, data: response.data }));
    for (const extent of extents) {
      if (extent.end < split.start || extent.start > split.end) continue;
      const from = extent.start > split.start ? extent.start : split.start;
      const to = extent.end < split.end ? extent.end : split.end;
      pieces.push({ start: from, data: { resultType: 'matrix', result: slice(extent, from, to) } });
    }
    pieces.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const data = concatMatrices(pieces.map((piece) => piece.data));

    const fresh = ran.flatMap(({ gap, response }) => storable(gap, response.data, split.cacheableUntil, split.step));
    if (fresh.length > 0) {
      await this.store.set(split.key, encodeExtents(mergeExtents([...extents, ...fresh], split.step))).catch(() => undefined);
    }
    const hit = extents.some((extent) => extent.end >= split.start && extent.start <= split.end);
    return { response: { data, stats }, hit };
  }
}

/** The part of a fresh piece old enough to keep: its steps up to `cacheableUntil`. */
function storable(gap: { start: bigint; end: bigint }, data: QueryData, cacheableUntil: bigint, step: bigint): Extent[] {
  if (data.resultType !== 'matrix' || gap.start > cacheableUntil) return [];
  // The last step kept, on the gap's grid, so extents' bounds stay steps of the query.
  const end = gap.end <= cacheableUntil ? gap.end : gap.start + ((cacheableUntil - gap.start) / step) * step;
  const until = nsToMs(end);
  const series = data.result
    .map((s) => ({ metric: s.metric, points: s.points.filter((p) => p.t <= until) }))
    .filter((s) => s.points.length > 0);
  return [{ start: gap.start, end, series }];
}
