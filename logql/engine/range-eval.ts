// Range aggregations: one `selectSamples` over the whole span the steps need, replicas' copies
// removed, then each series folded over its windows `(T - offset - range, T - offset]`. A window
// without samples leaves a gap; a series still carrying `__error__` fails the query, as Loki.

import { labelsToString, labelValue, type Labels } from '../../core/model.js';
import { PipelineError } from '../errors.js';
import { ERROR_LABEL } from '../log/labels-builder.js';
import type { Grouping, LabelMatcher, RangeAggregationExpr } from '../syntax/ast.js';
import { sampleToString } from '../syntax/printer.js';
import type { Querier, QueryStats, Sample } from '../types.js';
import { aggregateWindow } from './range-functions.js';
import type { StepSample } from './vectors.js';

interface MergedSeries {
  labels: Labels;
  samples: Sample[];
}

/** The text sources compile: the range aggregation, or the `sum` whose grouping they may apply. */
function fetchText(expr: RangeAggregationExpr, pushed: Grouping | undefined): string {
  if (pushed === undefined) return sampleToString(expr);
  return sampleToString({ kind: 'vectorAggregation', op: 'sum', grouping: pushed, expr, param: undefined });
}

export async function fetchSeries(
  expr: RangeAggregationExpr,
  times: readonly bigint[],
  tenant: string,
  querier: Querier,
  stats: QueryStats,
  pushed?: Grouping,
): Promise<Map<string, MergedSeries>> {
  const { rangeNs, offsetNs } = expr.range;
  const start = times[0]! - offsetNs - rangeNs + 1n;
  const end = times[times.length - 1]! - offsetNs + 1n;
  const merged = new Map<string, MergedSeries>();
  for await (const series of querier.selectSamples({ tenant, expr: fetchText(expr, pushed), start, end }, stats)) {
    const key = labelsToString(series.labels);
    const entry = merged.get(key);
    if (entry === undefined) merged.set(key, { labels: series.labels, samples: series.samples.slice() });
    else for (const sample of series.samples) entry.samples.push(sample);
  }
  for (const series of merged.values()) {
    series.samples = dedupe(series.samples);
    const error = labelValue(series.labels, ERROR_LABEL);
    if (error !== undefined && error !== '') throw pipelineError(error, labelsToString(series.labels));
  }
  return merged;
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
  const series = await fetchSeries(expr, times, tenant, querier, stats, pushed);
  const steps: StepSample[][] = times.map(() => []);
  const { rangeNs, offsetNs } = expr.range;
  if (expr.op === 'absent_over_time') return absentSteps(expr, series, times);
  for (const [key, s] of series) {
    let lo = 0;
    let hi = 0;
    const samples = s.samples;
    for (let i = 0; i < times.length; i++) {
      const windowEnd = times[i]! - offsetNs;
      const windowStart = windowEnd - rangeNs;
      while (lo < samples.length && samples[lo]!.ts <= windowStart) lo++;
      if (hi < lo) hi = lo;
      while (hi < samples.length && samples[hi]!.ts <= windowEnd) hi++;
      if (hi === lo) continue;
      const value = aggregateWindow(expr.op, samples.slice(lo, hi), expr.param, rangeNs, windowEnd);
      if (value !== undefined) steps[i]!.push({ labels: s.labels, key, value });
    }
  }
  return steps;
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

function absentSteps(expr: RangeAggregationExpr, series: Map<string, MergedSeries>, times: readonly bigint[]): StepSample[][] {
  const labels = absentLabels(expr.range.selector.matchers);
  const key = labelsToString(labels);
  // All sample times, sorted: a window is empty when no time falls in (start, end].
  const all = [...series.values()].flatMap((s) => s.samples.map((x) => x.ts)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let lo = 0;
  return times.map((t) => {
    const windowEnd = t - expr.range.offsetNs;
    const windowStart = windowEnd - expr.range.rangeNs;
    while (lo < all.length && all[lo]! <= windowStart) lo++;
    const present = lo < all.length && all[lo]! <= windowEnd;
    return present ? [] : [{ labels, key, value: 1 }];
  });
}
