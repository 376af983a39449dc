// Cached pieces of a metric range query, as Loki's results cache keeps them: under one key (a
// tenant, a query, its step and phase, one split interval) a list of extents, each the answer
// for a run of consecutive evaluation steps `[start, end]`. A request takes what the extents
// cover and runs only the gaps; new pieces are merged into the extents.

import { createHash } from 'node:crypto';
import { nsToMs } from '../../../core/model.js';
import type { SeriesResult } from '../../../logql/types.js';

export interface Extent {
  /** First and last evaluation time held, ns (inclusive, on the key's step grid). */
  readonly start: bigint;
  readonly end: bigint;
  readonly series: readonly SeriesResult[];
}

/** A key safe for any store (NATS KV keys included): a hash of everything the answer depends on. */
export function cacheKey(parts: { tenant: string; query: string; step: bigint; phase: bigint; splitBy: bigint; interval: bigint }): string {
  const text = [parts.tenant, parts.query, parts.step, parts.phase, parts.splitBy, parts.interval].join('\n');
  return createHash('sha256').update(text).digest('hex');
}

/** Values as text: JSON has no NaN, infinities or negative zero, and a cached answer must keep them. */
const valueText = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

interface EncodedExtent {
  readonly start: string;
  readonly end: string;
  readonly series: { metric: SeriesResult['metric']; points: [number, string][] }[];
}

export function encodeExtents(extents: readonly Extent[]): string {
  const encoded: EncodedExtent[] = extents.map((e) => ({
    start: String(e.start),
    end: String(e.end),
    series: e.series.map((s) => ({ metric: s.metric, points: s.points.map((p): [number, string] => [p.t, valueText(p.v)]) })),
  }));
  return JSON.stringify(encoded);
}

export function decodeExtents(text: string | undefined): Extent[] {
  if (text === undefined) return [];
  try {
    const raw = JSON.parse(text) as EncodedExtent[];
    return raw.map((e) => ({
      start: BigInt(e.start),
      end: BigInt(e.end),
      series: e.series.map((s) => ({ metric: s.metric, points: s.points.map(([t, v]) => ({ t, v: Number(v) })) })),
    }));
  } catch {
    // Something else under the key, or a torn value: as good as nothing cached.
    return [];
  }
}

/** The runs of steps in `[start, end]` that no extent holds. */
export function gaps(extents: readonly Extent[], start: bigint, end: bigint, step: bigint): { start: bigint; end: bigint }[] {
  const out: { start: bigint; end: bigint }[] = [];
  let cursor = start;
  for (const extent of [...extents].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))) {
    if (extent.end < cursor || extent.start > end) continue;
    if (extent.start > cursor) out.push({ start: cursor, end: extent.start - step });
    if (extent.end + step > cursor) cursor = extent.end + step;
  }
  if (cursor <= end) out.push({ start: cursor, end });
  return out;
}

/** An extent's points within `[start, end]`, as matrix series. */
export function slice(extent: Extent, start: bigint, end: bigint): SeriesResult[] {
  const from = nsToMs(start);
  const to = nsToMs(end);
  const out: SeriesResult[] = [];
  for (const series of extent.series) {
    const points = series.points.filter((p) => p.t >= from && p.t <= to);
    if (points.length > 0) out.push({ metric: series.metric, points });
  }
  return out;
}

/** Extents that overlap or touch (the next step) merged into one, so the list stays short. */
export function mergeExtents(extents: readonly Extent[], step: bigint): Extent[] {
  const sorted = [...extents].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Extent[] = [];
  for (const extent of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && extent.start <= last.end + step) {
      out[out.length - 1] = {
        start: last.start,
        end: extent.end > last.end ? extent.end : last.end,
        series: unionSeries(last.series, extent.series),
      };
    } else {
      out.push(extent);
    }
  }
  return out;
}

function unionSeries(a: readonly SeriesResult[], b: readonly SeriesResult[]): SeriesResult[] {
  const byKey = new Map<string, { metric: SeriesResult['metric']; points: Map<number, number> }>();
  for (const series of [...a, ...b]) {
    const key = JSON.stringify(series.metric);
    let entry = byKey.get(key);
    if (entry === undefined) byKey.set(key, (entry = { metric: series.metric, points: new Map() }));
    for (const p of series.points) entry.points.set(p.t, p.v);
  }
  return [...byKey.values()].map((e) => ({
    metric: e.metric,
    points: [...e.points.entries()].sort((x, y) => x[0] - y[0]).map(([t, v]) => ({ t, v })),
  }));
}
