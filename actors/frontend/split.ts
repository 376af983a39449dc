// Time splits, as Loki's `split_by_interval`: boundaries at multiples of the tenant's
// `split_queries_by_interval` (epoch-aligned, so a repeated dashboard query cuts the same way and
// its pieces are cacheable).
//
// Metric range queries are cut between evaluation steps: each piece evaluates the steps
// `start + k * step` that fall in its interval, with the same step and phase. A step's value
// depends only on the samples its own window reads, `(T - offset - range, T - offset]`, and the
// engine fetches exactly what a piece's steps need, so concatenating the pieces' points is the
// unsplit answer, whatever the range, offset or `[$__interval]` (Grafana substitutes it before
// the query is sent). Nothing is moved onto a step grid of the frontend's own: the answer keeps
// the steps the client asked for.
//
// Log queries are cut into `[start, end)` pieces, run newest first for `backward` (oldest first
// for `forward`), each asked for the entries still missing, until `limit` are in hand.

import type { Direction, QueryParams } from '../../logql/types.js';
import type { SampleExpr } from '../../logql/mod.js';
import { defaultStep } from '../../logql/engine/steps.js';

export interface StepSplit {
  /** First and last evaluation time of the piece (inclusive, on the query's grid), ns. */
  readonly start: bigint;
  readonly end: bigint;
  /** The interval the piece lies in, `floor(start / interval)`: part of its cache key. */
  readonly interval: bigint;
}

export interface TimeSplit {
  /** `[start, end)`, ns. */
  readonly start: bigint;
  readonly end: bigint;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/** The step the engine evaluates a range query at: the asked one, or Loki's default for the range. */
export function effectiveStep(params: QueryParams): bigint {
  return params.step > 0n ? params.step : defaultStep(params.start, params.end);
}

/** Evaluation steps of `[start, end]` every `step`, grouped by the `interval` they fall in. */
export function splitSteps(start: bigint, end: bigint, step: bigint, interval: bigint): StepSplit[] {
  const splits: StepSplit[] = [];
  let t = start;
  while (t <= end) {
    const index = floorDiv(t, interval);
    const nextBoundary = (index + 1n) * interval;
    let last = t + ((nextBoundary - 1n - t) / step) * step;
    if (last > end) last = t + ((end - t) / step) * step;
    splits.push({ start: t, end: last, interval: index });
    t = last + step;
  }
  return splits;
}

/** `[start, end)` cut at multiples of `interval`, in the order a log query reads them. */
export function splitLogRange(start: bigint, end: bigint, interval: bigint, direction: Direction): TimeSplit[] {
  const splits: TimeSplit[] = [];
  let from = start;
  while (from < end) {
    const boundary = (floorDiv(from, interval) + 1n) * interval;
    const to = boundary < end ? boundary : end;
    splits.push({ start: from, end: to });
    from = to;
  }
  return direction === 'backward' ? splits.reverse() : splits;
}

/** The range aggregations of a metric query: what reads data at all. */
export function rangeAggregationsOf(expr: SampleExpr): Extract<SampleExpr, { kind: 'rangeAggregation' }>[] {
  switch (expr.kind) {
    case 'rangeAggregation':
      return [expr];
    case 'vectorAggregation':
    case 'labelReplace':
      return rangeAggregationsOf(expr.expr);
    case 'binOp':
      return [...rangeAggregationsOf(expr.lhs), ...rangeAggregationsOf(expr.rhs)];
    case 'variants':
      return expr.variants.flatMap(rangeAggregationsOf);
    case 'literal':
    case 'vector':
      return [];
  }
}

/**
 * How far past an evaluation time its windows reach (a negative `offset` reads the future):
 * a step is cacheable only once `T + lookahead` is older than the freshness bound.
 */
export function lookaheadNs(expr: SampleExpr): bigint {
  let most = 0n;
  for (const range of rangeAggregationsOf(expr)) if (-range.range.offsetNs > most) most = -range.range.offsetNs;
  return most;
}
