// The evaluation grid of a metric query. Range queries step from `start` to `end` inclusive;
// a missing step defaults to Loki's `max(floor(range / 250), 1s)`. Instant queries evaluate once,
// at `end`.

import { QueryLimitError } from '../errors.js';
import type { QueryParams } from '../types.js';

const SECOND = 1_000_000_000n;

export function defaultStep(start: bigint, end: bigint): bigint {
  const seconds = (end - start) / SECOND / 250n;
  return (seconds > 1n ? seconds : 1n) * SECOND;
}

export interface StepGrid {
  /** Evaluation times, ns. */
  readonly times: bigint[];
  readonly instant: boolean;
}

export function stepGrid(params: QueryParams, maxPoints: number): StepGrid {
  if (params.kind === 'instant') return { times: [params.end], instant: true };
  if (params.end < params.start) throw new QueryLimitError('end timestamp must not be before start time');
  const step = params.step > 0n ? params.step : defaultStep(params.start, params.end);
  const points = (params.end - params.start) / step + 1n;
  if (points > BigInt(maxPoints)) {
    throw new QueryLimitError(
      `exceeded maximum resolution of ${maxPoints.toLocaleString('en-US')} points per timeseries. Try decreasing the query resolution (?step=XX)`,
    );
  }
  const times: bigint[] = [];
  for (let t = params.start; t <= params.end; t += step) times.push(t);
  return { times, instant: false };
}
