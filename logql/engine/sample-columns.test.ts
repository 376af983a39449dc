import { describe, expect, it } from 'vitest';
import { labelsFromRecord } from '../../core/model.js';
import type { SampleColumns } from '../types.js';
import { ColumnBuilder, columnarSeries, columnsOf, sortColumnsByTime } from './sample-columns.js';
import { mergeSeries } from './series-merge.js';

const T0 = 1_700_000_000_000_000_000n;
const labels = labelsFromRecord({ app: 'a' });

function columns(samples: ReadonlyArray<[bigint, number, number]>): SampleColumns {
  return {
    ts: BigInt64Array.from(samples.map(([ts]) => ts)),
    values: Float64Array.from(samples.map(([, value]) => value)),
    hashes: Uint32Array.from(samples.map(([, , hash]) => hash)),
  };
}

describe('typed sample columns', () => {
  it('grow past their first capacity and come back exactly as long as the samples', () => {
    const builder = new ColumnBuilder();
    for (let i = 0; i < 1000; i++) builder.push(T0 + BigInt(i), i * 0.5, i ^ 0xabcd);
    const out = builder.finish();
    expect(out.ts.length).toBe(1000);
    expect(out.ts.buffer.byteLength).toBe(8000);
    expect(out.ts[999]).toBe(T0 + 999n);
    expect(out.values[3]).toBe(1.5);
    expect(out.hashes[7]).toBe(7 ^ 0xabcd);
  });

  it('sort samples pushed out of order by time, keeping equal times in push order', () => {
    const builder = new ColumnBuilder();
    builder.push(T0 + 5n, 1, 10);
    builder.push(T0 + 2n, 2, 20);
    builder.push(T0 + 5n, 3, 30);
    builder.push(T0 + 2n, 4, 40);
    expect(builder.sorted).toBe(false);
    const out = builder.finish();
    expect([...out.ts]).toEqual([T0 + 2n, T0 + 2n, T0 + 5n, T0 + 5n]);
    expect([...out.values]).toEqual([2, 4, 1, 3]);
    expect([...out.hashes]).toEqual([20, 40, 10, 30]);
    expect(sortColumnsByTime(out)).toEqual(out);
  });

  it('take times as a base and whole ns after it, carrying across the low word, for any base', () => {
    const words = (base: bigint) => [Number(BigInt.asUintN(32, base)), Number(BigInt.asIntN(32, base >> 32n))] as const;
    for (const base of [T0, T0 + 4_294_967_000n, -5_000_000_000n, -1n, 0n, 2n ** 62n]) {
      const builder = new ColumnBuilder();
      const [lo, hi] = words(base);
      for (const rel of [0, 295, 296, 1_000_000, 2 ** 40 + 3, 2 ** 52]) builder.pushAfter(lo, hi, rel, 1, 0);
      expect(builder.sorted).toBe(true);
      expect([...builder.finish().ts]).toEqual([0n, 295n, 296n, 1_000_000n, 2n ** 40n + 3n, 2n ** 52n].map((rel) => base + rel));
    }
    const mixed = new ColumnBuilder();
    const [lo, hi] = words(T0);
    mixed.pushAfter(lo, hi, 10, 1, 1);
    mixed.push(T0 + 5n, 2, 2);
    mixed.pushAfter(lo, hi, 7, 3, 3);
    expect(mixed.sorted).toBe(false);
    const out = mixed.finish();
    expect([...out.ts]).toEqual([T0 + 5n, T0 + 7n, T0 + 10n]);
    expect([...out.values]).toEqual([2, 3, 1]);
  });

  it('read as sample objects only when asked, equal to a series built from those samples', () => {
    const cols = columns([[T0, 1, 7], [T0 + 1n, 2, 8]]);
    const series = columnarSeries(labels, cols);
    expect(columnsOf(series)).toBe(cols);
    expect(series.samples).toEqual([{ ts: T0, value: 1, hash: 7 }, { ts: T0 + 1n, value: 2, hash: 8 }]);
    expect(series.samples).toBe(series.samples);
    expect(series).toEqual({ labels, samples: series.samples });
    expect(columnsOf({ labels, samples: series.samples })).toEqual(cols);
  });
});

describe('the per-series merge', () => {
  it('merges sources into time order and drops copies equal in time, hash and value', () => {
    const replicaA = columns([[T0 + 1n, 1, 5], [T0 + 3n, 1, 6], [T0 + 3n, 1, 9]]);
    const replicaB = columns([[T0 + 1n, 1, 5], [T0 + 2n, 1, 4], [T0 + 3n, 1, 9], [T0 + 3n, 2, 9]]);
    const merged = mergeSeries(labels, [replicaA, replicaB], T0);
    expect([...merged.times]).toEqual([1, 2, 3, 3, 3]);
    expect([...merged.values]).toEqual([1, 1, 1, 1, 2]);
    expect([...merged.prefix!]).toEqual([0, 1, 2, 3, 4, 6]);
  });

  it('keeps two samples of one time that differ only in hash (two entries of one instant)', () => {
    const merged = mergeSeries(labels, [columns([[T0 + 10n, 1, 2], [T0 + 10n, 1, 1]])], T0);
    expect([...merged.times]).toEqual([10, 10]);
  });

  it('measures times from the base across the 32-bit word boundary, before and after it', () => {
    const base = T0 + 4_294_967_000n;
    const merged = mergeSeries(labels, [columns([[base - 7n, 1, 1], [base + 1_000n, 1, 1], [base + 5_000_000_000n, 1, 1]])], base);
    expect([...merged.times]).toEqual([-7, 1_000, 5_000_000_000]);
  });

  it('gives no prefix sums when a value is fractional or the sums would not stay exact', () => {
    expect(mergeSeries(labels, [columns([[T0, 0.5, 1], [T0 + 1n, 1, 2]])], T0).prefix).toBeUndefined();
    expect(mergeSeries(labels, [columns([[T0, Number.MAX_SAFE_INTEGER, 1], [T0 + 1n, 1, 2]])], T0).prefix).toBeUndefined();
    expect(mergeSeries(labels, [columns([[T0, -3, 1], [T0 + 1n, 5, 2]])], T0).prefix).toEqual(Float64Array.from([0, -3, 2]));
  });

  it('treats NaN as equal to NaN and -0 as distinct from 0 when finding copies', () => {
    const merged = mergeSeries(labels, [columns([[T0, NaN, 1], [T0, NaN, 1], [T0 + 1n, 0, 2], [T0 + 1n, -0, 2]])], T0);
    expect(merged.values.length).toBe(3);
  });
});
