// Vector aggregations over one step's samples, grouped `by` / `without` labels as Prometheus
// and Loki group them. `topk` / `bottomk` keep the chosen samples' own labels; `sort` /
// `sort_desc` only order an instant result.

import { labelsToString, type Labels } from '../../core/model.js';
import type { Grouping, VectorAggregationExpr } from '../syntax/ast.js';
import { compareLabels, type StepSample } from './vectors.js';
import { variance } from './variance.js';

function groupLabels(labels: Labels, grouping: Grouping): Labels {
  const groups = grouping.groups ?? [];
  // An empty value is no label at all in a metric result.
  if (grouping.without) return labels.filter((l) => !groups.includes(l.name) && l.value !== '');
  return labels.filter((l) => groups.includes(l.name) && l.value !== '');
}

interface Group {
  labels: Labels;
  key: string;
  samples: StepSample[];
}

function groupSamples(samples: readonly StepSample[], grouping: Grouping): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const s of samples) {
    const labels = groupLabels(s.labels, grouping);
    const key = labelsToString(labels);
    let g = groups.get(key);
    if (g === undefined) {
      g = { labels, key, samples: [] };
      groups.set(key, g);
    }
    g.samples.push(s);
  }
  return groups;
}

/** Larger first for topk; NaN always ranks last. */
function rank(a: number, b: number, descending: boolean): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return descending ? b - a : a - b;
}

export function aggregateStep(expr: VectorAggregationExpr, samples: readonly StepSample[]): StepSample[] {
  if (expr.op === 'sort' || expr.op === 'sort_desc') {
    const desc = expr.op === 'sort_desc';
    return [...samples].sort((a, b) => rank(a.value, b.value, desc));
  }
  const groups = groupSamples(samples, expr.grouping);
  const out: StepSample[] = [];
  for (const g of groups.values()) {
    const values = g.samples.map((s) => s.value);
    switch (expr.op) {
      case 'topk':
      case 'approx_topk':
      case 'bottomk': {
        const desc = expr.op !== 'bottomk';
        // Ties go to the smaller label set, so the choice does not depend on the order the
        // sources answered in (a sharded query merges shards' top k into the same answer).
        const chosen = [...g.samples].sort((a, b) => rank(a.value, b.value, desc) || compareLabels(a.labels, b.labels)).slice(0, expr.param ?? 0);
        for (const s of chosen) out.push(s);
        continue;
      }
      case 'sum': out.push({ labels: g.labels, key: g.key, value: values.reduce((a, b) => a + b, 0) }); continue;
      case 'avg': out.push({ labels: g.labels, key: g.key, value: values.reduce((a, b) => a + b, 0) / values.length }); continue;
      case 'count': out.push({ labels: g.labels, key: g.key, value: values.length }); continue;
      case 'min': {
        let min = values[0]!;
        for (const v of values) if (v < min || Number.isNaN(min)) min = v;
        out.push({ labels: g.labels, key: g.key, value: min });
        continue;
      }
      case 'max': {
        let max = values[0]!;
        for (const v of values) if (v > max || Number.isNaN(max)) max = v;
        out.push({ labels: g.labels, key: g.key, value: max });
        continue;
      }
      case 'stdvar': out.push({ labels: g.labels, key: g.key, value: variance(values) }); continue;
      case 'stddev': out.push({ labels: g.labels, key: g.key, value: Math.sqrt(variance(values)) }); continue;
    }
  }
  return out;
}
