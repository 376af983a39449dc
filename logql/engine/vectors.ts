// Per-step values flowing between evaluation nodes: a vector of labelled samples per step, or a
// scalar (a literal) the same at every step.

import { labelsToString, type Labels } from '../../core/model.js';

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
