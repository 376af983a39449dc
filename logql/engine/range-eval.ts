// Range aggregations: one `selectSamples` over the whole span the steps need; each series' batches
// (bulk arrays, from every source) merged into time order with replicas' copies removed
// (`series-merge.ts`), then folded over its windows `(T - offset - range, T - offset]` with two
// cursors. A window without samples leaves a gap; a series still carrying `__error__` fails the
// query, as Loki.

import { labelsToString, labelValue, type Labels } from '../../core/model.js';
import { PipelineError } from '../errors.js';
import { ERROR_LABEL } from '../log/labels-builder.js';
import type { Grouping, LabelMatcher, RangeAggregationExpr } from '../syntax/ast.js';
import { sampleToString } from '../syntax/printer.js';
import type { Querier, QueryStats, Sample, SampleColumns, SampleWindows } from '../types.js';
import { FoldConflict } from '../errors.js';
import { aggregateWindow, type WindowSample } from './range-functions.js';
import { columnsOf } from './sample-columns.js';
import { EXACT_SPAN_NS, mergeSeries, type MergedSeries } from './series-merge.js';
import { SUMMED_OPS } from './sample-fold.js';
import type { StepSample } from './vectors.js';

/** The text sources compile: the range aggregation, or the `sum` whose grouping they may apply. */
function fetchText(expr: RangeAggregationExpr, pushed: Grouping | undefined): string {
  if (pushed === undefined) return sampleToString(expr);
  return sampleToString({ kind: 'vectorAggregation', op: 'sum', grouping: pushed, expr, param: undefined });
}

interface Collected {
  readonly labels: Labels;
  readonly parts: SampleColumns[];
}

/** What one range aggregation selects: its samples over `span`, grouped as `pushed` says. */
interface Selection {
  readonly expr: RangeAggregationExpr;
  readonly span: { readonly start: bigint; readonly end: bigint };
  readonly tenant: string;
  readonly querier: Querier;
  readonly stats: QueryStats;
  readonly pushed: Grouping | undefined;
}

/** Every source's batches, per series in arrival order, kept as they came (bulk arrays). */
async function collectSeries(selection: Selection, windows: SampleWindows | undefined): Promise<Map<string, Collected>> {
  try {
    return await collectOnce(selection, windows);
  } catch (error) {
    // A source found that folding would have counted an entry twice: ask again, unfolded.
    if (!(error instanceof FoldConflict) || windows === undefined) throw error;
    return collectOnce(selection, undefined);
  }
}

async function collectOnce({ expr, span, tenant, querier, stats, pushed }: Selection, windows: SampleWindows | undefined): Promise<Map<string, Collected>> {
  const collected = new Map<string, Collected>();
  const params = { tenant, expr: fetchText(expr, pushed), start: span.start, end: span.end, ...(windows !== undefined ? { windows } : {}) };
  for await (const series of querier.selectSamples(params, stats)) {
    const key = labelsToString(series.labels);
    let entry = collected.get(key);
    if (entry === undefined) {
      entry = { labels: series.labels, parts: [] };
      collected.set(key, entry);
    }
    const columns = columnsOf(series);
    if (columns.ts.length > 0) entry.parts.push(columns);
  }
  for (const [key, series] of collected) {
    const error = labelValue(series.labels, ERROR_LABEL);
    if (error !== undefined && error !== '') throw pipelineError(error, key);
  }
  return collected;
}

export function pipelineError(error: string, series: string): PipelineError {
  return new PipelineError(
    `pipeline error: '${error}' for series: '${series}'.\n` +
      `Use a label filter to intentionally skip this error. (e.g | __error__!="${error}").\n` +
      'To skip all potential errors you can match empty errors.(e.g __error__="")\n' +
      'The label filter can also be specified after unwrap. (e.g | unwrap latency | __error__="" )\n',
  );
}

export async function evaluateRangeAggregation(
  expr: RangeAggregationExpr,
  times: readonly bigint[],
  tenant: string,
  querier: Querier,
  stats: QueryStats,
  pushed?: Grouping,
): Promise<StepSample[][]> {
  const { rangeNs, offsetNs } = expr.range;
  const start = times[0]! - offsetNs - rangeNs + 1n;
  const end = times[times.length - 1]! - offsetNs + 1n;
  const collected = await collectSeries({ expr, span: { start, end }, tenant, querier, stats, pushed }, summedWindows(expr, times, end - start));
  if (end - start >= EXACT_SPAN_NS) return wideSteps(expr, collected, times);
  // Window bounds as ns after `start`, like the merged times.
  const ends = times.map((t) => Number(t - offsetNs - start));
  const starts = times.map((t) => Number(t - offsetNs - rangeNs - start));
  const merged: Array<{ key: string; series: MergedSeries }> = [];
  for (const [key, s] of collected) merged.push({ key, series: mergeSeries(s.labels, s.parts, start) });
  collected.clear();
  if (expr.op === 'absent_over_time') return absentSteps(expr, merged.map((m) => m.series), starts, ends);
  const steps: StepSample[][] = times.map(() => []);
  const rangeSeconds = Number(rangeNs) / 1e9;
  for (const { key, series } of merged) {
    const { times: ts } = series;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < times.length; i++) {
      while (lo < ts.length && ts[lo]! <= starts[i]!) lo++;
      if (hi < lo) hi = lo;
      while (hi < ts.length && ts[hi]! <= ends[i]!) hi++;
      if (hi === lo) continue;
      const value = windowValue(expr, series, lo, hi, rangeSeconds, times[i]! - offsetNs, start);
      if (value !== undefined) steps[i]!.push({ labels: series.labels, key, value });
    }
  }
  return steps;
}

/**
 * The windows to hand the sources when they may fold samples (`sample-fold.ts`): evenly spaced
 * ends, sums of integers, and a span merged on float64 times.
 */
function summedWindows(expr: RangeAggregationExpr, times: readonly bigint[], span: bigint): SampleWindows | undefined {
  if (!SUMMED_OPS.has(expr.op) || expr.range.unwrap !== undefined || span >= EXACT_SPAN_NS) return undefined;
  const step = times.length > 1 ? times[1]! - times[0]! : 0n;
  for (let i = 2; i < times.length; i++) if (times[i]! - times[i - 1]! !== step) return undefined;
  return { firstEnd: times[0]! - expr.range.offsetNs, step, count: times.length, rangeNs: expr.range.rangeNs };
}

/**
 * The range function over samples `[lo, hi)` of a merged series. Sums add in time order (or come
 * from the prefix sums when they are exact integers), as `aggregateWindow` adds them; functions
 * that need more than counts and sums get the window as samples.
 */
function windowValue(
  expr: RangeAggregationExpr,
  series: MergedSeries,
  lo: number,
  hi: number,
  rangeSeconds: number,
  windowEndNs: bigint,
  base: bigint,
): number | undefined {
  const { values, prefix } = series;
  const sum = (): number => {
    if (prefix !== undefined) return prefix[hi]! - prefix[lo]!;
    let total = 0;
    for (let k = lo; k < hi; k++) total += values[k]!;
    return total;
  };
  switch (expr.op) {
    // Each sample counts 1, or, folded, the entries of its stretch: the sum counts both.
    case 'count_over_time': return sum();
    case 'rate':
    case 'bytes_rate': return sum() / rangeSeconds;
    case 'bytes_over_time':
    case 'sum_over_time': return sum();
    case 'avg_over_time': return sum() / (hi - lo);
    case 'first_over_time': return values[lo]!;
    case 'last_over_time': return values[hi - 1]!;
    default: {
      const window: WindowSample[] = [];
      for (let k = lo; k < hi; k++) window.push({ ts: base + BigInt(series.times[k]!), value: values[k]! });
      return aggregateWindow(expr.op, window, expr.param, expr.range.rangeNs, windowEndNs);
    }
  }
}

/** Prometheus' labels for `absent`: the selector's equality matchers, names used once. */
export function absentLabels(matchers: readonly LabelMatcher[]): Labels {
  const counts = new Map<string, number>();
  for (const m of matchers) counts.set(m.name, (counts.get(m.name) ?? 0) + 1);
  const labels = matchers
    .filter((m) => m.type === '=' && counts.get(m.name) === 1)
    .map((m) => ({ name: m.name, value: m.value }));
  return labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `absent_over_time`: a point where no series has a sample in the window. */
function absentSteps(expr: RangeAggregationExpr, series: readonly MergedSeries[], starts: readonly number[], ends: readonly number[]): StepSample[][] {
  const labels = absentLabels(expr.range.selector.matchers);
  const key = labelsToString(labels);
  const present = new Array<boolean>(ends.length).fill(false);
  for (const s of series) {
    let lo = 0;
    for (let i = 0; i < ends.length; i++) {
      while (lo < s.times.length && s.times[lo]! <= starts[i]!) lo++;
      if (lo < s.times.length && s.times[lo]! <= ends[i]!) present[i] = true;
    }
  }
  return present.map((p) => (p ? [] : [{ labels, key, value: 1 }]));
}

/**
 * Selections spanning 2^53 ns (104 days) or more: samples as objects with BigInt times, sorted
 * by (time, hash) with copies removed, each window through `aggregateWindow`.
 */
function wideSteps(expr: RangeAggregationExpr, collected: Map<string, Collected>, times: readonly bigint[]): StepSample[][] {
  const { rangeNs, offsetNs } = expr.range;
  const all: Array<{ key: string; labels: Labels; samples: Sample[] }> = [];
  for (const [key, s] of collected) {
    const samples: Sample[] = [];
    for (const part of s.parts) for (let i = 0; i < part.ts.length; i++) samples.push({ ts: part.ts[i]!, value: part.values[i]!, hash: part.hashes[i]! });
    all.push({ key, labels: s.labels, samples: dedupe(samples) });
  }
  const inWindow = (samples: readonly Sample[], t: bigint): Sample[] => samples.filter((x) => x.ts > t - offsetNs - rangeNs && x.ts <= t - offsetNs);
  if (expr.op === 'absent_over_time') {
    const labels = absentLabels(expr.range.selector.matchers);
    return times.map((t) => (all.some((s) => inWindow(s.samples, t).length > 0) ? [] : [{ labels, key: labelsToString(labels), value: 1 }]));
  }
  return times.map((t) => {
    const step: StepSample[] = [];
    for (const s of all) {
      const window = inWindow(s.samples, t);
      if (window.length === 0) continue;
      const value = aggregateWindow(expr.op, window, expr.param, rangeNs, t - offsetNs);
      if (value !== undefined) step.push({ labels: s.labels, key: s.key, value });
    }
    return step;
  });
}

function dedupe(samples: Sample[]): Sample[] {
  samples.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.hash - b.hash));
  const out: Sample[] = [];
  for (const s of samples) {
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.ts === s.ts && prev.hash === s.hash && Object.is(prev.value, s.value)) continue;
    out.push(s);
  }
  return out;
}
