// The functions range aggregations apply to the samples of one window `(T - range, T]`.

import type { RangeOp } from '../syntax/ast.js';
import { variance } from './variance.js';

export interface WindowSample {
  readonly ts: bigint;
  readonly value: number;
}

/** Prometheus' `quantile`: linear interpolation between closest ranks. */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0) return NaN;
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(sorted.length - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

/** Prometheus' extrapolated counter rate, which Loki's `rate_counter` uses. */
function counterRate(window: readonly WindowSample[], rangeStartNs: bigint, rangeEndNs: bigint, rangeSeconds: number): number | undefined {
  if (window.length < 2) return undefined;
  const first = window[0]!;
  const last = window[window.length - 1]!;
  let result = last.value - first.value;
  let prev = first.value;
  for (let i = 1; i < window.length; i++) {
    const v = window[i]!.value;
    if (v < prev) result += prev;
    prev = v;
  }
  const seconds = (ns: bigint): number => Number(ns) / 1e9;
  let durationToStart = seconds(first.ts - rangeStartNs);
  const durationToEnd = seconds(rangeEndNs - last.ts);
  const sampled = seconds(last.ts - first.ts);
  const average = sampled / (window.length - 1);
  if (result > 0 && first.value >= 0) {
    const durationToZero = sampled * (first.value / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = average * 1.1;
  let interval = sampled;
  interval += durationToStart < threshold ? durationToStart : average / 2;
  interval += durationToEnd < threshold ? durationToEnd : average / 2;
  return (result * (interval / sampled)) / rangeSeconds;
}

/** The aggregated value of a non-empty window, or undefined for no point. */
export function aggregateWindow(
  op: RangeOp,
  window: readonly WindowSample[],
  param: number | undefined,
  rangeNs: bigint,
  windowEndNs: bigint,
): number | undefined {
  const rangeSeconds = Number(rangeNs) / 1e9;
  let sum = 0;
  for (const s of window) sum += s.value;
  switch (op) {
    case 'count_over_time': return window.length;
    case 'rate':
    case 'bytes_rate': return sum / rangeSeconds;
    case 'bytes_over_time':
    case 'sum_over_time': return sum;
    case 'avg_over_time': return sum / window.length;
    case 'min_over_time': {
      let min = window[0]!.value;
      for (const s of window) if (s.value < min || Number.isNaN(min)) min = s.value;
      return min;
    }
    case 'max_over_time': {
      let max = window[0]!.value;
      for (const s of window) if (s.value > max || Number.isNaN(max)) max = s.value;
      return max;
    }
    case 'stdvar_over_time': return variance(window.map((s) => s.value));
    case 'stddev_over_time': return Math.sqrt(variance(window.map((s) => s.value)));
    case 'quantile_over_time': return quantile(param ?? NaN, window.map((s) => s.value));
    case 'first_over_time': return window[0]!.value;
    case 'last_over_time': return window[window.length - 1]!.value;
    case 'rate_counter': return counterRate(window, windowEndNs - rangeNs, windowEndNs, rangeSeconds);
    case 'absent_over_time': return undefined;
  }
}
