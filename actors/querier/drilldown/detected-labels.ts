// Loki's `detected_labels`: the stream labels of a selector's streams over a range, with how
// many values each has, for Drilldown's label tabs. As Loki, labels whose every value is a number
// or a UUID are left out (ids are no filter), except the always-useful `cluster`, `namespace`,
// `instance` and `pod`.

import type { DetectedLabel } from '../api.js';
import { isGoFloat } from './field-types.js';

const STATIC_LABELS = new Set(['cluster', 'namespace', 'instance', 'pod']);
const UUID = /^(?:urn:uuid:)?\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$/;

function allIds(values: Iterable<string>): boolean {
  for (const value of values) if (!isGoFloat(value) && !UUID.test(value)) return false;
  return true;
}

export function detectedLabels(series: readonly Record<string, string>[]): DetectedLabel[] {
  const values = new Map<string, Set<string>>();
  for (const labels of series) {
    for (const [name, value] of Object.entries(labels)) {
      let set = values.get(name);
      if (set === undefined) values.set(name, (set = new Set()));
      set.add(value);
    }
  }
  const out: DetectedLabel[] = [];
  for (const [label, set] of values) {
    if (!STATIC_LABELS.has(label) && allIds(set)) continue;
    out.push({ label, cardinality: set.size });
  }
  return out.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}
