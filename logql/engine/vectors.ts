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
