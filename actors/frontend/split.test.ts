import { describe, expect, it } from 'vitest';
import { parseSampleExpr } from '../../logql/mod.js';
import { lookaheadNs, rangeAggregationsOf, splitLogRange, splitSteps } from './split.js';

const S = 1_000_000_000n;
const H = 3600n * S;

describe('splitSteps', () => {
  it('keeps every evaluation step once, on the query grid, grouped by aligned interval', () => {
    // Steps every 7 minutes from 00:10 to 03:05, split by the hour.
    const start = 600n * S;
    const end = 3n * H + 300n * S;
    const step = 420n * S;
    const splits = splitSteps(start, end, step, H);
    const times: bigint[] = [];
    for (const split of splits) for (let t = split.start; t <= split.end; t += step) times.push(t);
    const expected: bigint[] = [];
    for (let t = start; t <= end; t += step) expected.push(t);
    expect(times).toEqual(expected);
    expect(splits.map((s) => s.interval)).toEqual([0n, 1n, 2n, 3n]);
    for (const split of splits) {
      expect(split.start / H).toBe(split.interval);
      expect(split.end / H).toBe(split.interval);
    }
  });

  it('gives one split per step when the step is longer than the interval', () => {
    expect(splitSteps(0n, 4n * H, 2n * H, H)).toEqual([
      { start: 0n, end: 0n, interval: 0n },
      { start: 2n * H, end: 2n * H, interval: 2n },
      { start: 4n * H, end: 4n * H, interval: 4n },
    ]);
  });
});

describe('splitLogRange', () => {
  it('cuts [start, end) at interval boundaries, newest first for backward', () => {
    const forward = splitLogRange(30n * S, 2n * H + 10n * S, H, 'forward');
    expect(forward).toEqual([
      { start: 30n * S, end: H },
      { start: H, end: 2n * H },
      { start: 2n * H, end: 2n * H + 10n * S },
    ]);
    expect(splitLogRange(30n * S, 2n * H + 10n * S, H, 'backward')).toEqual([...forward].reverse());
  });
});

describe('what a query reads', () => {
  it('finds range aggregations through every node, and how far a negative offset looks ahead', () => {
    const expr = parseSampleExpr('sum(rate({a="b"}[5m] offset -10m)) / sum(count_over_time({a="c"}[1m] offset 1h)) * 2');
    expect(rangeAggregationsOf(expr)).toHaveLength(2);
    expect(lookaheadNs(expr)).toBe(600n * S);
    expect(rangeAggregationsOf(parseSampleExpr('vector(1) + 2'))).toHaveLength(0);
  });
});
