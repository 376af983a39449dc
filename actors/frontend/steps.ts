// A metric answer as one vector per evaluation step, the form the engine evaluates in: shards'
// answers are merged step by step with the engine's own aggregation and operator code, then
// shaped back into Loki's `vector` or `matrix` exactly as the engine shapes them.

import { labelsToString, nsToMs } from '../../core/model.js';
import type { QueryData, SeriesResult, VectorSample } from '../../logql/types.js';
import { compareLabels, stepsToMatrix, type StepSample } from '../../logql/engine/vectors.js';

export type Steps = StepSample[][];

/** `vector` / `matrix` data as one sample list per evaluation time. */
export function toSteps(data: QueryData, times: readonly bigint[]): Steps {
  const steps: Steps = times.map(() => []);
  if (data.resultType === 'vector') {
    for (const s of data.result) steps[0]!.push({ labels: s.metric, key: labelsToString(s.metric), value: s.v });
    return steps;
  }
  if (data.resultType !== 'matrix') throw new Error(`a sharded piece answered ${data.resultType}, not a vector or matrix`);
  const index = new Map<number, number>();
  times.forEach((t, i) => index.set(nsToMs(t), i));
  for (const series of data.result) {
    const key = labelsToString(series.metric);
    for (const point of series.points) {
      const i = index.get(point.t);
      if (i !== undefined) steps[i]!.push({ labels: series.metric, key, value: point.v });
    }
  }
  return steps;
}

/**
 * Steps back into Loki's shape. `order`: `labels` sorts an instant vector by labels, `keep`
 * keeps the merge's order (an outermost `topk` / `bottomk`), as the engine does.
 */
export function fromSteps(steps: Steps, times: readonly bigint[], instant: boolean, order: 'labels' | 'keep'): QueryData {
  if (instant) {
    const t = nsToMs(times[0]!);
    const step = steps[0] ?? [];
    const sorted = order === 'labels' ? [...step].sort((a, b) => compareLabels(a.labels, b.labels)) : step;
    const result: VectorSample[] = sorted.map((s) => ({ metric: s.labels, t, v: s.value }));
    return { resultType: 'vector', result };
  }
  return { resultType: 'matrix', result: stepsToMatrix(steps, times) };
}

/** Matrices of consecutive pieces of one query, concatenated series by series. */
export function concatMatrices(parts: readonly QueryData[]): QueryData {
  const series = new Map<string, { metric: SeriesResult['metric']; points: SeriesResult['points'][number][] }>();
  for (const part of parts) {
    if (part.resultType !== 'matrix') throw new Error(`a time split answered ${part.resultType}, not a matrix`);
    for (const s of part.result) {
      const key = labelsToString(s.metric);
      const entry = series.get(key);
      if (entry === undefined) series.set(key, { metric: s.metric, points: [...s.points] });
      else for (const p of s.points) entry.points.push(p);
    }
  }
  return { resultType: 'matrix', result: [...series.values()].sort((a, b) => compareLabels(a.metric, b.metric)) };
}

/** Evaluation times of `[start, end]` every `step` (instant: `[end]`). */
export function evaluationTimes(start: bigint, end: bigint, step: bigint, instant: boolean): bigint[] {
  if (instant) return [end];
  const times: bigint[] = [];
  for (let t = start; t <= end; t += step) times.push(t);
  return times;
}
