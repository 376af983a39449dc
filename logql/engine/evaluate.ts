// Metric query evaluation: each node yields one vector per step (or a scalar), children first,
// then the result takes Loki's shape: `vector` / `scalar` for instant queries, `matrix` for range
// queries (series sorted by labels, points by time, gaps where a step had no value).

import { nsToMs } from '../../core/model.js';
import type { SampleExpr } from '../syntax/ast.js';
import type { Point, QueryData, QueryParams, Querier, QueryStats, SeriesResult, VectorSample } from '../types.js';
import { vectorScalar, vectorVector } from './binop.js';
import { labelReplacer } from './label-replace.js';
import { evaluateRangeAggregation } from './range-eval.js';
import { pushedDownGrouping } from '../plan.js';
import { stepGrid } from './steps.js';
import { aggregateStep } from './vector-agg.js';
import type { Evaluated, StepSample } from './vectors.js';

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

function outermostSort(expr: SampleExpr): 'labels' | 'asc' | 'desc' {
  if (expr.kind !== 'vectorAggregation') return 'labels';
  if (expr.op === 'sort' || expr.op === 'bottomk') return 'asc';
  if (expr.op === 'sort_desc' || expr.op === 'topk') return 'desc';
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
    const samples: VectorSample[] = (order === 'labels' ? [...step].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) : step).map(
      (s) => ({ metric: s.labels, t, v: s.value }),
    );
    return { resultType: 'vector', result: samples };
  }
  const steps = asVectors(result, ctx);
  const series = new Map<string, { metric: SeriesResult['metric']; points: Point[] }>();
  steps.forEach((step, i) => {
    const t = nsToMs(grid.times[i]!);
    for (const s of step) {
      let entry = series.get(s.key);
      if (entry === undefined) {
        entry = { metric: s.labels, points: [] };
        series.set(s.key, entry);
      }
      entry.points.push({ t, v: s.value });
    }
  });
  const keys = [...series.keys()].sort();
  return { resultType: 'matrix', result: keys.map((k) => series.get(k)!) };
}
