// Samples in bulk: sources extract into growable typed arrays (one BigInt64Array of timestamps,
// one Float64Array of values, one Uint32Array of entry hashes per series) instead of an object
// with a BigInt per sample, batches carry those arrays as they are, and the engine reads them.
// `samples` objects are built only for a caller that asks for them.

import type { Labels } from '../../core/model.js';
import type { Sample, SampleColumns, SampleSeries } from '../types.js';

const INITIAL_CAPACITY = 64;
const TWO_32 = 4294967296;

/** Appends samples to one series' columns, doubling the arrays as they fill. */
export class ColumnBuilder {
  private ts = new BigInt64Array(INITIAL_CAPACITY);
  /** The same timestamps as 32-bit words (little-endian: low word first). */
  private words = new Uint32Array(this.ts.buffer);
  private values = new Float64Array(INITIAL_CAPACITY);
  private hashes = new Uint32Array(INITIAL_CAPACITY);
  length = 0;
  /** Still in time order (each timestamp at or after the one before). */
  sorted = true;
  private lastTs = 0n;
  /** Whether `lastTs` is the last timestamp (`pushAfter` does not keep it). */
  private lastTsKnown = true;

  push(ts: bigint, value: number, hash: number): void {
    const at = this.length;
    if (at === this.ts.length) this.grow();
    if (at > 0 && ts < (this.lastTsKnown ? this.lastTs : this.ts[at - 1]!)) this.sorted = false;
    this.lastTs = ts;
    this.lastTsKnown = true;
    this.ts[at] = ts;
    this.values[at] = value;
    this.hashes[at] = hash;
    this.length = at + 1;
  }

  /**
   * `push` of the time `base + rel`, base given as its low (unsigned) and high (signed) 32-bit
   * words and rel as whole ns in [0, 2^53): the timestamp is written as words, with no BigInt.
   */
  pushAfter(baseLo: number, baseHi: number, rel: number, value: number, hash: number): void {
    const at = this.length;
    if (at === this.ts.length) this.grow();
    const words = this.words;
    writeTimeAfter(words, at, baseLo, baseHi, rel);
    if (at > 0 && this.sorted) {
      const hi = words[2 * at + 1]! | 0;
      const previousHi = words[2 * at - 1]! | 0;
      if (hi < previousHi || (hi === previousHi && words[2 * at]! < words[2 * at - 2]!)) this.sorted = false;
    }
    this.lastTsKnown = false;
    this.values[at] = value;
    this.hashes[at] = hash;
    this.length = at + 1;
  }

  /** The columns, exactly as long as the samples (each array owns its buffer), in time order. */
  finish(): SampleColumns {
    const n = this.length;
    const columns = { ts: this.ts.slice(0, n), values: this.values.slice(0, n), hashes: this.hashes.slice(0, n) };
    return this.sorted ? columns : sortColumnsByTime(columns);
  }

  private grow(): void {
    const size = this.ts.length * 2;
    const ts = new BigInt64Array(size);
    ts.set(this.ts);
    const values = new Float64Array(size);
    values.set(this.values);
    const hashes = new Uint32Array(size);
    hashes.set(this.hashes);
    this.ts = ts;
    this.words = new Uint32Array(ts.buffer);
    this.values = values;
    this.hashes = hashes;
  }
}

/**
 * Writes the timestamp `base + rel` as the 32-bit words of entry `at` of a BigInt64Array's
 * buffer (little-endian: low word first), base given as its low (unsigned) and high (signed)
 * words and rel as whole ns in (-2^53, 2^53): no BigInt.
 */
export function writeTimeAfter(words: Uint32Array, at: number, baseLo: number, baseHi: number, rel: number): void {
  const relHi = Math.floor(rel / TWO_32);
  let lo = baseLo + (rel - relHi * TWO_32);
  let hi = baseHi + relHi;
  if (lo >= TWO_32) {
    lo -= TWO_32;
    hi++;
  }
  words[2 * at] = lo;
  words[2 * at + 1] = hi | 0;
}

/** A stable sort by timestamp: samples of equal time keep the order they were extracted in. */
export function sortColumnsByTime(columns: SampleColumns): SampleColumns {
  const n = columns.ts.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const ts = columns.ts;
  order.sort((a, b) => (ts[a]! < ts[b]! ? -1 : ts[a]! > ts[b]! ? 1 : a - b));
  const out = { ts: new BigInt64Array(n), values: new Float64Array(n), hashes: new Uint32Array(n) };
  for (let i = 0; i < n; i++) {
    const from = order[i]!;
    out.ts[i] = ts[from]!;
    out.values[i] = columns.values[from]!;
    out.hashes[i] = columns.hashes[from]!;
  }
  return out;
}

/** A series backed by its columns; `samples` is built on first read and kept. */
export function columnarSeries(labels: Labels, columns: SampleColumns): SampleSeries {
  let samples: Sample[] | undefined;
  const series = { labels } as { labels: Labels; samples: Sample[]; columns: SampleColumns };
  Object.defineProperty(series, 'samples', {
    enumerable: true,
    get: () => (samples ??= samplesOf(columns)),
  });
  // Not enumerable: a series compares equal to one built from the same `samples`.
  Object.defineProperty(series, 'columns', { enumerable: false, value: columns });
  return series;
}

function samplesOf(columns: SampleColumns): Sample[] {
  const n = columns.ts.length;
  const samples: Sample[] = new Array(n);
  for (let i = 0; i < n; i++) samples[i] = { ts: columns.ts[i]!, value: columns.values[i]!, hash: columns.hashes[i]! };
  return samples;
}

/** A series' columns: its own when it has them, else built from its `samples`. */
export function columnsOf(series: SampleSeries): SampleColumns {
  if (series.columns !== undefined) return series.columns;
  const n = series.samples.length;
  const columns = { ts: new BigInt64Array(n), values: new Float64Array(n), hashes: new Uint32Array(n) };
  series.samples.forEach((sample, i) => {
    columns.ts[i] = sample.ts;
    columns.values[i] = sample.value;
    columns.hashes[i] = sample.hash;
  });
  return columns;
}
