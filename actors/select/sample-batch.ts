// Samples in bulk on the bus: one series' timestamps, values and entry hashes as three byte
// arrays (little-endian int64 ns, float64, uint32), not an object with a BigInt per sample. A
// sample costs 20 bytes on the wire and nothing to encode beyond a copy; batches of one series
// are cut so each fits the frame budget the bus allows.

import type { Labels } from '../../core/model.js';
import type { SampleColumns, SampleSeries } from '../../logql/types.js';
import { columnarSeries, columnsOf } from '../../logql/engine/sample-columns.js';

/** One series' samples, in time order, as MessagePack `bin` arrays any language can read. */
export interface SampleBatch {
  readonly labels: Labels;
  /** int64 little-endian, ns. */
  readonly ts: Uint8Array;
  /** float64 little-endian. */
  readonly values: Uint8Array;
  /** uint32 little-endian: `Sample.hash`. */
  readonly hashes: Uint8Array;
  /** `SampleColumns.summed`: each sample sums a stretch of entries (`logql/engine/sample-fold.ts`). */
  readonly summed?: boolean;
}

export const BYTES_PER_SAMPLE = 20;

/** MessagePack overhead of one batch beyond its samples and labels (keys, bin headers). */
const BATCH_OVERHEAD_BYTES = 64;

export function labelsBytes(labels: Labels): number {
  let size = 8;
  for (const { name, value } of labels) size += Buffer.byteLength(name) + Buffer.byteLength(value) + 12;
  return size;
}

/** Encoded size of a batch of `count` samples of a series with these labels. */
export function sampleBatchBytes(labels: Labels, count: number): number {
  return BATCH_OVERHEAD_BYTES + labelsBytes(labels) + count * BYTES_PER_SAMPLE;
}

/** Cuts one series into batches of at most `budgetBytes` each (at least one sample per batch). */
export function* sampleBatches(series: SampleSeries, budgetBytes: number): Generator<SampleBatch> {
  const { labels } = series;
  const columns = columnsOf(series);
  const count = columns.ts.length;
  const fixed = sampleBatchBytes(labels, 0);
  const perBatch = Math.max(1, Math.floor((budgetBytes - fixed) / BYTES_PER_SAMPLE));
  for (let at = 0; at < count; at += perBatch) {
    yield encodeSamples(labels, columns, at, Math.min(count, at + perBatch));
  }
}

/** The columns' bytes as they are when the batch is the whole series, else a copy of the part. */
function encodeSamples(labels: Labels, columns: SampleColumns, from: number, to: number): SampleBatch {
  const whole = from === 0 && to === columns.ts.length;
  const part = <A extends BigInt64Array | Float64Array | Uint32Array>(array: A): A =>
    (whole && array.byteOffset === 0 && array.byteLength === array.buffer.byteLength ? array : array.slice(from, to)) as A;
  const batch = { labels, ts: bytesOf(part(columns.ts)), values: bytesOf(part(columns.values)), hashes: bytesOf(part(columns.hashes)) };
  return columns.summed === true ? { ...batch, summed: true } : batch;
}

/**
 * Back to a series the engine reads in bulk (`columns`). Received arrays may sit unaligned in a
 * frame, so those are copied; aligned ones are read where they are.
 */
export function decodeSampleBatch(batch: SampleBatch): SampleSeries {
  const ts = new BigInt64Array(aligned(batch.ts).buffer);
  const values = new Float64Array(aligned(batch.values).buffer);
  const hashes = new Uint32Array(aligned(batch.hashes).buffer);
  if (ts.length !== values.length || ts.length !== hashes.length) {
    throw new Error(`sample batch of ${ts.length} timestamps, ${values.length} values and ${hashes.length} hashes`);
  }
  return columnarSeries(batch.labels, batch.summed === true ? { ts, values, hashes, summed: true } : { ts, values, hashes });
}

function bytesOf(array: BigInt64Array | Float64Array | Uint32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 8 === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // Every platform Node ships for is little-endian; the wire format relies on it.
  throw new Error('sample batches need a little-endian platform');
}
