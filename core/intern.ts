// Shared copies of strings and label sets that many long-lived objects hold equal copies of: an
// ingester keeps labels, metadata and pattern tokens for every stream, and decoding gives each
// its own strings (`job`, `detected_level`, `info` once per stream or per entry). Interning keeps
// one copy each. The tables are bounded and start over when full: interning is only a saving, so
// a miss costs memory, never correctness.

import type { Label, Labels } from './model.js';

const LIMIT = 16_384;
const strings = new Map<string, string>();

/**
 * An equal string shared with earlier callers. A new one is stored as a flat copy: a string cut
 * from a larger one (a label value from its quoted form, a token from its line) is a slice that
 * would otherwise keep the larger one alive.
 */
export function internString(value: string): string {
  const found = strings.get(value);
  if (found !== undefined) return found;
  if (strings.size >= LIMIT) strings.clear();
  const copy = value.length >= SLICE_MIN ? Buffer.from(value, 'utf8').toString('utf8') : value;
  strings.set(copy, copy);
  return copy;
}

/** V8 makes a substring a slice of its parent from this length up; shorter ones are copies. */
const SLICE_MIN = 13;

/** The labels with interned names and values, in a new frozen array of frozen pairs. */
export function internLabels(labels: Labels): Labels {
  const out = new Array<Label>(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = Object.freeze({ name: internString(labels[i]!.name), value: internString(labels[i]!.value) });
  return Object.freeze(out);
}

const labelSets = new Map<string, Labels>();

/** An equal label set shared with earlier callers (structured metadata repeats per entry). */
export function internLabelSet(labels: Labels): Labels {
  let key = '';
  // Lengths delimit the parts, so no name or value (whatever characters it holds) can run into the next.
  for (const { name, value } of labels) key += `${name.length}:${name}${value.length}:${value}`;
  const found = labelSets.get(key);
  if (found !== undefined) return found;
  if (labelSets.size >= LIMIT) labelSets.clear();
  const shared = internLabels(labels);
  labelSets.set(key, shared);
  return shared;
}
