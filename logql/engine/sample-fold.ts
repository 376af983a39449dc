// Folding samples into the stretches between window edges, where the data is. When the engine
// only sums a range aggregation's samples (`count_over_time`, `rate`, `bytes_*`), a source that
// knows no other source holds an entry may add its value into the stretch of time it falls in
// instead of sending a sample: the edges are every window's start and end, so each stretch lies
// whole inside a window or whole outside it, and the stretch's sum, stamped at its inclusive end,
// lands in exactly the windows its entries would have. Sums of integers (counts, byte lengths) are
// exact, so the windows' values are the same as from the samples one by one. What leaves is one
// sample per stretch and series instead of one per entry: no hash, no sort, no merge per entry.

import type { Labels } from '../../core/model.js';
import type { SampleColumns, SampleSeries, SampleWindows } from '../types.js';
import { columnarSeries, writeTimeAfter } from './sample-columns.js';

/**
 * Range aggregations whose windows only add up their samples' values, each an integer (without
 * `unwrap`): the ones whose samples may be folded.
 */
export const SUMMED_OPS: ReadonlySet<string> = new Set(['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate']);

/** Stretch sums kept at once, over all series of one scan (8 bytes each plus one of presence). */
const MAX_CELLS = 4 * 1024 * 1024;

/**
 * The window edges as ns after `base`, ascending, distinct: a window `(s, e]` is the union of
 * the stretches `(edges[k-1], edges[k]]` with `s <= edges[k-1]` and `edges[k] <= e`.
 */
export function windowEdges(windows: SampleWindows, base: bigint): Float64Array {
  const { firstEnd, step, count, rangeNs } = windows;
  const all = new Float64Array(2 * count);
  const first = Number(firstEnd - base);
  const stepNs = Number(step);
  const range = Number(rangeNs);
  for (let k = 0; k < count; k++) {
    const end = first + k * stepNs;
    all[2 * k] = end - range;
    all[2 * k + 1] = end;
  }
  all.sort();
  let n = 0;
  for (let k = 0; k < all.length; k++) if (n === 0 || all[k] !== all[n - 1]) all[n++] = all[k]!;
  return all.slice(0, n);
}

/** The first index whose value is at least `value`, in an ascending array (its length if none). */
export function firstAtLeast(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The stretch `(edges[k-1], edges[k]]` holding t: its k. */
export function stretchOf(edges: Float64Array, t: number): number {
  return firstAtLeast(edges, t);
}

/** One series' stretch sums. */
export class FoldedSeries {
  readonly sums: Float64Array;
  readonly seen: Uint8Array;

  constructor(
    readonly labels: Labels,
    size: number,
  ) {
    this.sums = new Float64Array(size);
    this.seen = new Uint8Array(size);
  }

  add(stretch: number, value: number): void {
    this.sums[stretch]! += value;
    this.seen[stretch] = 1;
  }
}

/** The stretch sums of every series of one scan; a series that would pass the bound is not folded. */
export class SampleFolder {
  readonly edges: Float64Array;
  private readonly series = new Map<string, FoldedSeries | null>();
  private cells = 0;

  constructor(
    windows: SampleWindows,
    readonly base: bigint,
  ) {
    this.edges = windowEdges(windows, base);
  }

  /** The series' sums, or undefined when folding it would pass the scan's bound (send its samples). */
  seriesFor(key: string, labels: Labels): FoldedSeries | undefined {
    const known = this.series.get(key);
    if (known !== undefined) return known ?? undefined;
    const size = this.edges.length + 1;
    if (this.cells + size > MAX_CELLS) {
      this.series.set(key, null);
      return undefined;
    }
    this.cells += size;
    const folded = new FoldedSeries(labels, size);
    this.series.set(key, folded);
    return folded;
  }

  /** One summed series per series that got anything: a sample at the end of each stretch used. */
  finish(): SampleSeries[] {
    const out: SampleSeries[] = [];
    const { edges, base } = this;
    const baseLo = Number(BigInt.asUintN(32, base));
    const baseHi = Number(BigInt.asIntN(32, base >> 32n));
    for (const folded of this.series.values()) {
      if (folded === null) continue;
      // Stretch 0 (up to the first window's start) and the one after the last end lie in no window.
      const last = edges.length - 1;
      let n = 0;
      for (let k = 1; k <= last; k++) n += folded.seen[k]!;
      if (n === 0) continue;
      const columns: SampleColumns = { ts: new BigInt64Array(n), values: new Float64Array(n), hashes: new Uint32Array(n), summed: true };
      const words = new Uint32Array(columns.ts.buffer);
      let at = 0;
      for (let k = 1; k <= last; k++) {
        if (folded.seen[k] === 0) continue;
        // Edges are whole ns after base.
        writeTimeAfter(words, at, baseLo, baseHi, edges[k]!);
        columns.values[at] = folded.sums[k]!;
        at++;
      }
      out.push(columnarSeries(folded.labels, columns));
    }
    return out;
  }
}
