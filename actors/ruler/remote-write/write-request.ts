// Prometheus' remote-write body: `prometheus.WriteRequest` in protobuf, snappy-compressed in the
// block format (remote-write 1.0). Only the fields a recording rule fills are written:
//   WriteRequest { repeated TimeSeries timeseries = 1; }
//   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
//   Label        { string name = 1; string value = 2; }
//   Sample       { double value = 1; int64 timestamp = 2; }   // timestamp in ms

import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

export interface Series {
  /** Sorted by name, `__name__` included. */
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: ReadonlyArray<{ readonly value: number; readonly timestampMs: number; readonly stale?: boolean }>;
}

/** Prometheus' staleness marker, a NaN with its own bit pattern (0x7ff0000000000002), written as raw bits: a JS NaN may lose its payload. */
const STALE_LOW = 0x00000002;
const STALE_HIGH = 0x7ff00000;

export function encodeWriteRequest(series: readonly Series[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const one of series) {
    writer.uint32((1 << 3) | 2).fork();
    for (const name of Object.keys(one.labels).sort()) {
      writer.uint32((1 << 3) | 2).fork();
      writer.uint32((1 << 3) | 2).string(name);
      writer.uint32((2 << 3) | 2).string(one.labels[name]!);
      writer.ldelim();
    }
    for (const sample of one.samples) {
      writer.uint32((2 << 3) | 2).fork();
      if (sample.stale === true) writer.uint32((1 << 3) | 1).fixed32(STALE_LOW).fixed32(STALE_HIGH);
      else writer.uint32((1 << 3) | 1).double(sample.value);
      writer.uint32((2 << 3) | 0).int64(sample.timestampMs);
      writer.ldelim();
    }
    writer.ldelim();
  }
  return writer.finish();
}

interface SnappyCodec {
  compress(input: Uint8Array): Uint8Array;
}

const requireCjs = createRequire(import.meta.url);

/** The native binding when it loads, snappyjs otherwise: both write the block format. */
const snappy: SnappyCodec = (() => {
  try {
    const native = requireCjs('snappy') as { compressSync(input: Uint8Array): Buffer };
    return { compress: (input: Uint8Array) => native.compressSync(input) };
  } catch {
    return requireCjs('snappyjs') as SnappyCodec;
  }
})();

export function snappyBlock(data: Uint8Array): Uint8Array {
  return snappy.compress(data);
}
