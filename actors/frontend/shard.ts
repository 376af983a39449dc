// Which metric queries shard, and how the shards' answers merge: Loki's shard mapper, decided on
// the parsed query. A shard is `fingerprint mod N == i` of the tenant's streams (`params.shard`),
// so shards are disjoint and together hold every stream. Only what merges exactly is sharded:
//
// - a range aggregation without grouping, whose series keep their stream's labels (no `drop`,
//   `keep` or `label_format`; not `absent_over_time`), alone or under arithmetic or a comparison
//   with a number: every series lives in one shard, so the answer is the shards' union;
// - `sum`, `max`, `min` over such a series set, or over the same aggregation of one (`sum(sum by
//   (a) (...))`), and `sum` over a `count` of one: the same aggregation of the shards' answers;
// - `count` over such a set: the sum of the shards' counts; `avg`: their summed `sum` over their
//   summed `count`;
// - `topk` / `bottomk` without grouping over such a set: the global top k are each among their
//   own shard's top k, so `topk` of the shards' answers;
// - any of these aggregations under arithmetic or a comparison with a number, applied after the
//   merge.
//
// Everything else (binary operations between two vectors, `label_replace`, `quantile_over_time
// by`, `stddev`, `sort`, `absent_over_time`, `variants`, grouped `topk`, log queries) runs unsharded.

import type { BinOpExpr, RangeAggregationExpr, SampleExpr, VectorAggregationExpr } from '../../logql/mod.js';
import { sampleToString } from '../../logql/mod.js';
import { aggregateStep } from '../../logql/engine/vector-agg.js';
import { vectorScalar } from '../../logql/engine/binop.js';
import { isSetOp } from '../../logql/syntax/literal-math.js';
import type { Steps } from './steps.js';

export interface ShardPlan {
  /** The queries every shard runs (`avg` runs two: its `sum` and its `count`). */
  readonly legs: readonly string[];
  /** `perLeg[leg][shard]`: every shard's steps, merged into the query's steps. */
  merge(perLeg: readonly (readonly Steps[])[]): Steps;
  /** How an instant answer is ordered: by labels, or as merged (an outermost `topk`). */
  readonly order: 'labels' | 'keep';
}

/** Arithmetic or a comparison with a number, and which side the number is on. */
interface ScalarOp {
  readonly expr: BinOpExpr;
  readonly scalar: number;
  readonly scalarLeft: boolean;
}

function scalarOp(expr: SampleExpr): { op: ScalarOp; inner: SampleExpr } | undefined {
  if (expr.kind !== 'binOp' || isSetOp(expr.op)) return undefined;
  if (expr.lhs.kind === 'literal' && expr.rhs.kind !== 'literal') return { op: { expr, scalar: expr.lhs.value, scalarLeft: true }, inner: expr.rhs };
  if (expr.rhs.kind === 'literal' && expr.lhs.kind !== 'literal') return { op: { expr, scalar: expr.rhs.value, scalarLeft: false }, inner: expr.lhs };
  return undefined;
}

const RELABELLING_STAGES = new Set(['drop', 'keep', 'labelFormat']);

/** Every output series comes from the streams of one shard. */
function partitioned(expr: SampleExpr): boolean {
  if (expr.kind === 'rangeAggregation') return streamPreserving(expr);
  const peeled = scalarOp(expr);
  return peeled !== undefined && partitioned(peeled.inner);
}

function streamPreserving(expr: RangeAggregationExpr): boolean {
  return (
    expr.op !== 'absent_over_time' &&
    expr.grouping === undefined &&
    !expr.range.selector.stages.some((stage) => RELABELLING_STAGES.has(stage.kind))
  );
}

/** `sum` / `max` / `min` of shards' answers equals the aggregation over all of them. */
function decomposes(op: 'sum' | 'max' | 'min', inner: SampleExpr): boolean {
  if (partitioned(inner)) return true;
  if (inner.kind !== 'vectorAggregation') return false;
  if (inner.op === op) return decomposes(op, inner.expr);
  return op === 'sum' && inner.op === 'count' && partitioned(inner.expr);
}

const ALL_LABELS = { without: true, groups: [] } as const;

function reduce(op: 'sum' | 'max' | 'min', shards: readonly Steps[], template: VectorAggregationExpr): Steps {
  const merger: VectorAggregationExpr = { ...template, op, grouping: ALL_LABELS, param: undefined };
  return union(shards).map((step) => aggregateStep(merger, step));
}

function union(shards: readonly Steps[]): Steps {
  const steps: Steps = shards[0]!.map(() => []);
  for (const shard of shards) shard.forEach((step, i) => steps[i]!.push(...step));
  return steps;
}

function withScalarOps(steps: Steps, ops: readonly ScalarOp[]): Steps {
  // Innermost first, as the engine applies them.
  return steps.map((step) => ops.reduceRight((samples, op) => vectorScalar(op.expr, samples, op.scalar, op.scalarLeft), step));
}

/** The plan for a metric query, or undefined when it must run unsharded. */
export function shardPlan(expr: SampleExpr): ShardPlan | undefined {
  if (partitioned(expr)) {
    return { legs: [sampleToString(expr)], merge: (perLeg) => union(perLeg[0]!), order: 'labels' };
  }
  const ops: ScalarOp[] = [];
  let core = expr;
  for (let peeled = scalarOp(core); peeled !== undefined; peeled = scalarOp(core)) {
    ops.push(peeled.op);
    core = peeled.inner;
  }
  if (core.kind !== 'vectorAggregation') return undefined;
  const agg = core;
  const finish = (merge: (perLeg: readonly (readonly Steps[])[]) => Steps, order: 'labels' | 'keep', legs = [sampleToString(agg)]): ShardPlan => ({
    legs,
    merge: (perLeg) => withScalarOps(merge(perLeg), ops),
    order,
  });
  switch (agg.op) {
    case 'sum':
    case 'max':
    case 'min': {
      const op = agg.op;
      return decomposes(op, agg.expr) ? finish((perLeg) => reduce(op, perLeg[0]!, agg), 'labels') : undefined;
    }
    case 'count':
      return partitioned(agg.expr) ? finish((perLeg) => reduce('sum', perLeg[0]!, agg), 'labels') : undefined;
    case 'avg': {
      if (!partitioned(agg.expr)) return undefined;
      const legs = [sampleToString({ ...agg, op: 'sum' }), sampleToString({ ...agg, op: 'count' })];
      return finish((perLeg) => divide(reduce('sum', perLeg[0]!, agg), reduce('sum', perLeg[1]!, agg)), 'labels', legs);
    }
    case 'topk':
    case 'bottomk': {
      const grouped = agg.grouping.without || (agg.grouping.groups?.length ?? 0) > 0;
      if (grouped || !partitioned(agg.expr)) return undefined;
      return finish((perLeg) => union(perLeg[0]!).map((step) => aggregateStep(agg, step)), 'keep');
    }
    default:
      return undefined;
  }
}

/** `avg` from merged sums and counts, series by series. */
function divide(sums: Steps, counts: Steps): Steps {
  return sums.map((step, i) => {
    const count = new Map(counts[i]!.map((s) => [s.key, s.value]));
    return step.map((s) => ({ labels: s.labels, key: s.key, value: s.value / count.get(s.key)! }));
  });
}
