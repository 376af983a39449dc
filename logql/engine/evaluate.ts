// Metric query evaluation: each node yields one vector per step (or a scalar), children first,
// then the result takes Loki's shape: `vector` / `scalar` for instant queries, `matrix` for range
// queries (series sorted by labels, points by time, gaps where a step had no value).

import { nsToMs, sortLabels } from '../../core/model.js';
import type { SampleExpr } from '../syntax/ast.js';
import type { QueryData, QueryParams, Querier, QueryStats, VectorSample } from '../types.js';
import { vectorScalar, vectorVector } from './binop.js';
import { labelReplacer } from './label-replace.js';
import { evaluateRangeAggregation } from './range-eval.js';
import { pushedDownGrouping } from '../plan.js';
import { stepGrid } from './steps.js';
import { aggregateStep } from './vector-agg.js';
import { compareLabels, sample, stepsToMatrix, type Evaluated, type StepSample } from './vectors.js';

/** The label `variants(...)` adds to each variant's series. */
export const VARIANT_LABEL = '__variant__';

interface Context {
  readonly times: bigint[];
  readonly tenant: string;
  readonly querier: Querier;
  readonly stats: QueryStats;
}

async function evaluate(expr: SampleExpr, ctx: Context): Promise<Evaluated> {
  switch (expr.kind) {
    case 'literal':
      return { kind: 'scalar', value: expr.value };
    case 'vector':
      return { kind: 'vectors', steps: ctx.times.map(() => [{ labels: [], key: '{}', value: expr.value }]) };
    case 'rangeAggregation':
      return { kind: 'vectors', steps: await evaluateRangeAggregation(expr, ctx.times, ctx.tenant, ctx.querier, ctx.stats) };
    case 'vectorAggregation': {
      const pushed = pushedDownGrouping(expr);
      const inner =
        pushed !== undefined && expr.expr.kind === 'rangeAggregation'
          ? await evaluateRangeAggregation(expr.expr, ctx.times, ctx.tenant, ctx.querier, ctx.stats, pushed)
          : asVectors(await evaluate(expr.expr, ctx), ctx);
      return { kind: 'vectors', steps: inner.map((step) => aggregateStep(expr, step)) };
    }
    case 'variants': {
      // Each variant on its own, its series tagged with its index; then the union per step.
      const each = await Promise.all(expr.variants.map((v) => evaluate(v, ctx)));
      const steps = ctx.times.map((_, i) =>
        each.flatMap((e, index) =>
          asVectors(e, ctx)[i]!.map((s) => {
            const labels = sortLabels([...s.labels.filter((l) => l.name !== VARIANT_LABEL), { name: VARIANT_LABEL, value: String(index) }]);
            return sample(labels, s.value);
          }),
        ),
      );
      return { kind: 'vectors', steps };
    }
    case 'labelReplace': {
      const inner = asVectors(await evaluate(expr.expr, ctx), ctx);
      const replace = labelReplacer(expr);
      return { kind: 'vectors', steps: inner.map((step) => step.map(replace)) };
    }
    case 'binOp': {
      const [lhs, rhs] = await Promise.all([evaluate(expr.lhs, ctx), evaluate(expr.rhs, ctx)]);
      if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
        const fold = vectorScalar({ ...expr, returnBool: true }, [{ labels: [], key: '{}', value: lhs.value }], rhs.value, false);
        return { kind: 'scalar', value: fold[0]!.value };
      }
      if (lhs.kind === 'scalar') {
        return { kind: 'vectors', steps: asVectors(rhs, ctx).map((step) => vectorScalar(expr, step, lhs.value, true)) };
      }
      if (rhs.kind === 'scalar') {
        return { kind: 'vectors', steps: lhs.steps.map((step) => vectorScalar(expr, step, rhs.value, false)) };
      }
      return { kind: 'vectors', steps: lhs.steps.map((step, i) => vectorVector(expr, step, rhs.steps[i]!)) };
    }
  }
}

function asVectors(e: Evaluated, ctx: Context): StepSample[][] {
  if (e.kind === 'vectors') return e.steps;
  return ctx.times.map(() => [{ labels: [], key: '{}', value: e.value }]);
}

/**
 * How an instant vector is ordered: by the outermost `sort` / `sort_desc` (or `topk` /
 * `bottomk`), looking through arithmetic with a scalar, which keeps its operand's order;
 * otherwise by labels.
 */
function outermostSort(expr: SampleExpr): 'labels' | 'asc' | 'desc' {
  if (expr.kind === 'binOp') {
    if (expr.lhs.kind === 'literal') return outermostSort(expr.rhs);
    if (expr.rhs.kind === 'literal') return outermostSort(expr.lhs);
    return 'labels';
  }
  if (expr.kind !== 'vectorAggregation') return 'labels';
  if (expr.op === 'sort' || expr.op === 'bottomk') return 'asc';
  if (expr.op === 'sort_desc' || expr.op === 'topk' || expr.op === 'approx_topk') return 'desc';
  return 'labels';
}

export async function evaluateMetricQuery(
  expr: SampleExpr,
  params: QueryParams,
  querier: Querier,
  stats: QueryStats,
  maxPoints: number,
): Promise<QueryData> {
  const grid = stepGrid(params, maxPoints);
  const ctx: Context = { times: grid.times, tenant: params.tenant, querier, stats };
  const result = await evaluate(expr, ctx);
  if (grid.instant) {
    const t = nsToMs(grid.times[0]!);
    if (result.kind === 'scalar') return { resultType: 'scalar', result: { t, v: result.value } };
    const step = result.steps[0]!;
    const order = outermostSort(expr);
    const samples: VectorSample[] = (order === 'labels' ? [...step].sort((a, b) => compareLabels(a.labels, b.labels)) : step).map(
      (s) => ({ metric: s.labels, t, v: s.value }),
    );
    return { resultType: 'vector', result: samples };
  }
  const matrix = stepsToMatrix(asVectors(result, ctx), grid.times);
  return { resultType: 'matrix', result: matrix };
}
