import { describe, expect, it } from 'vitest';
import { emptyStats, type QueryResponse } from '../../../logql/types.js';
import { decodeExtents, encodeExtents, gaps, mergeExtents } from './extents.js';
import { MemoryCacheStore } from './memory-store.js';
import { ResultsCache } from './results-cache.js';

const S = 1_000_000_000n;
const step = 60n * S;

/** A matrix with one series whose value at each step is its time in seconds. */
function answer(start: bigint, end: bigint): QueryResponse {
  const points = [];
  for (let t = start; t <= end; t += step) points.push({ t: Number(t / 1_000_000n), v: Number(t / S) });
  return { data: { resultType: 'matrix', result: [{ metric: [{ name: 'a', value: 'b' }], points }] }, stats: emptyStats() };
}

describe('extents', () => {
  it('finds the gaps between extents and merges touching ones', () => {
    const extents = [
      { start: 120n * S, end: 240n * S, series: [] },
      { start: 480n * S, end: 540n * S, series: [] },
    ];
    expect(gaps(extents, 0n, 600n * S, step)).toEqual([
      { start: 0n, end: 60n * S },
      { start: 300n * S, end: 420n * S },
      { start: 600n * S, end: 600n * S },
    ]);
    expect(gaps(extents, 120n * S, 240n * S, step)).toEqual([]);
    const merged = mergeExtents([...extents, { start: 300n * S, end: 420n * S, series: [] }], step);
    expect(merged.map((e) => [e.start, e.end])).toEqual([[120n * S, 540n * S]]);
  });

  it('keeps NaN, infinities and negative zero through encoding', () => {
    const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1.5];
    const extent = { start: 0n, end: 4n * step, series: [{ metric: [], points: values.map((v, i) => ({ t: i * 60_000, v })) }] };
    const [decoded] = decodeExtents(encodeExtents([extent]));
    expect(decoded!.series[0]!.points.map((p) => p.v)).toEqual(values);
    expect(Object.is(decoded!.series[0]!.points[3]!.v, -0)).toBe(true);
  });
});

describe('ResultsCache', () => {
  it('runs only the gaps of an overlapping request, and never stores steps past the freshness bound', async () => {
    const cache = new ResultsCache(new MemoryCacheStore(1 << 20));
    const ran: [bigint, bigint][] = [];
    const execute = async (start: bigint, end: bigint) => {
      ran.push([start, end]);
      return answer(start, end);
    };
    const split = { key: 'k', step, cacheableUntil: 300n * S };
    const first = await cache.run({ ...split, start: 0n, end: 240n * S }, execute);
    expect(first.hit).toBe(false);
    expect(first.response.data).toEqual(answer(0n, 240n * S).data);

    const second = await cache.run({ ...split, start: 120n * S, end: 480n * S }, execute);
    expect(second.hit).toBe(true);
    expect(ran).toEqual([[0n, 240n * S], [300n * S, 480n * S]]);
    expect(second.response.data).toEqual(answer(120n * S, 480n * S).data);

    // 360..480 were newer than the bound: asked again, they run again; 0..300 come from the cache.
    ran.length = 0;
    const third = await cache.run({ ...split, start: 0n, end: 480n * S }, execute);
    expect(ran).toEqual([[360n * S, 480n * S]]);
    expect(third.response.data).toEqual(answer(0n, 480n * S).data);
  });

  it('evicts the least recently used entries past its byte bound', async () => {
    const store = new MemoryCacheStore(100);
    await store.set('a', 'x'.repeat(40));
    await store.set('b', 'y'.repeat(40));
    await store.get('a');
    await store.set('c', 'z'.repeat(40));
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBe('x'.repeat(40));
    expect(store.size).toBeLessThanOrEqual(100);
  });
});
