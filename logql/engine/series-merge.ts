// One series' samples as every source sent them (replicas' copies included), merged into time
// order with the copies removed, in bulk arrays. Times become float64 ns after the selection's
// start: exact while the selection spans less than 2^53 ns (104 days), and compared without a
// BigInt. Samples order by (time, entry hash) and a sample equal to the one kept before it in
// time, hash and value is a copy, exactly as the sort over sample objects this replaces.

import type { Labels } from '../../core/model.js';
import type { SampleColumns } from '../types.js';

/** Selections spanning less than this many ns merge on float64 times. */
export const EXACT_SPAN_NS = 2n ** 53n;

export interface MergedSeries {
  readonly labels: Labels;
  /** ns after the selection's start, ascending. */
  readonly times: Float64Array;
  readonly values: Float64Array;
  /**
   * `prefix[k]` = the sum of `values[0..k)`, when every value is an integer and the sums stay
   * exact: a window's sum is then `prefix[hi] - prefix[lo]`, equal to adding it up.
   */
  readonly prefix: Float64Array | undefined;
}

const TWO_32 = 4294967296;

/** `ts - base` as a number for each timestamp, read as two 32-bit words: no BigInt per sample. */
function relativeTimes(ts: BigInt64Array, base: bigint, out: Float64Array, at: number): void {
  const words = new Uint32Array(ts.buffer, ts.byteOffset, ts.length * 2);
  const baseLo = Number(BigInt.asUintN(32, base));
  const baseHi = Number(BigInt.asIntN(32, base >> 32n));
  for (let i = 0; i < ts.length; i++) {
    out[at + i] = ((words[2 * i + 1]! | 0) - baseHi) * TWO_32 + (words[2 * i]! - baseLo);
  }
}

export function mergeSeries(labels: Labels, parts: readonly SampleColumns[], base: bigint): MergedSeries {
  let count = 0;
  for (const part of parts) count += part.ts.length;
  const times = new Float64Array(count);
  const hashes = new Uint32Array(count);
  const values = new Float64Array(count);
  // Marks the samples of summed parts, which are never copies (only when there are any).
  const summed = parts.some((part) => part.summed === true) ? new Uint8Array(count) : undefined;
  let at = 0;
  for (const part of parts) {
    relativeTimes(part.ts, base, times, at);
    hashes.set(part.hashes, at);
    values.set(part.values, at);
    if (part.summed === true) summed!.fill(1, at, at + part.ts.length);
    at += part.ts.length;
  }
  let inOrder = true;
  for (let i = 1; i < count && inOrder; i++) {
    inOrder = times[i - 1]! < times[i]! || (times[i - 1] === times[i] && hashes[i - 1]! <= hashes[i]!);
  }
  let order: Uint32Array | undefined;
  if (!inOrder) {
    order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    // Ties in time and hash keep arrival order, as a stable sort would.
    order.sort((a, b) => times[a]! - times[b]! || hashes[a]! - hashes[b]! || a - b);
  }
  const outTimes = new Float64Array(count);
  const outValues = new Float64Array(count);
  let n = 0;
  let lastHash = 0;
  let lastSummed = false;
  let integral = true;
  let magnitude = 0;
  for (let k = 0; k < count; k++) {
    const i = order === undefined ? k : order[k]!;
    const t = times[i]!;
    const v = values[i]!;
    const h = hashes[i]!;
    const isSummed = summed !== undefined && summed[i] === 1;
    if (n > 0 && !isSummed && !lastSummed && outTimes[n - 1] === t && lastHash === h && Object.is(outValues[n - 1], v)) continue;
    outTimes[n] = t;
    outValues[n] = v;
    lastHash = h;
    lastSummed = isSummed;
    n++;
    if (integral) {
      magnitude += Math.abs(v);
      integral = Number.isInteger(v) && magnitude < Number.MAX_SAFE_INTEGER;
    }
  }
  const kept = { times: outTimes.subarray(0, n), values: outValues.subarray(0, n) };
  let prefix: Float64Array | undefined;
  if (integral) {
    prefix = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + kept.values[i]!;
  }
  return { labels, ...kept, prefix };
}
