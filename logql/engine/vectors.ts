// Per-step values flowing between evaluation nodes: a vector of labelled samples per step, or a
// scalar (a literal) the same at every step.

import { labelsToString, nsToMs, type Labels } from '../../core/model.js';
import type { Point, SeriesResult } from '../types.js';

export interface StepSample {
  readonly labels: Labels;
  /** Canonical label string: identifies the series. */
  readonly key: string;
  readonly value: number;
}

export type Evaluated =
  | { readonly kind: 'vectors'; readonly steps: StepSample[][] }
  | { readonly kind: 'scalar'; readonly value: number };

export function sample(labels: Labels, value: number, key = labelsToString(labels)): StepSample {
  return { labels, key, value };
}

/**
 * Prometheus' `labels.Compare`, the order of Loki's metric results: label by label, name then
 * value, and a set that is a prefix of another first (`{app="s"}` before `{app="s", x="1"}`).
 */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  return a.length - b.length;
}

/** One sample list per evaluation time (`times`, ns) as Loki's matrix: a series per label set, sorted by labels. */
export function stepsToMatrix(steps: readonly (readonly StepSample[])[], times: readonly bigint[]): SeriesResult[] {
  const series = new Map<string, { metric: SeriesResult['metric']; points: Point[] }>();
  steps.forEach((step, i) => {
    const t = nsToMs(times[i]!);
    for (const s of step) {
      let entry = series.get(s.key);
      if (entry === undefined) {
        entry = { metric: s.labels, points: [] };
        series.set(s.key, entry);
      }
      entry.points.push({ t, v: s.value });
    }
  });
  return [...series.values()].sort((a, b) => compareLabels(a.metric, b.metric));
}

