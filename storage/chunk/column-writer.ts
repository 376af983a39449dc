// Writing Norn's block layout (chunk formats `norn-v1` and `norn-v2`, drawn in README.md; read by
// column-block.ts and line-columns.ts):
//
//   uvarint n | varint ts[0] | varint (ts[i] - ts[i-1]) for i = 1..n-1 | uvarint len[i] x n
//   | uvarint metadata bytes M | M bytes: per entry uvarint #pairs, (uvarint len | bytes) x 2 per pair
//   | per entry: line bytes, '\n'
//
// The writer takes the block as columns, as the head block keeps it: no Entry and no BigInt per
// entry on the push thread's cut. Sizes are computed exactly first, so a block is serialized into
// one allocation (shared memory, for the compression threads).

import type { Entry, Labels } from '../../core/model.js';
import { putUvarint, putVarint64, uvarintSize, varint64Size } from './varint.js';

const NEWLINE = 0x0a;

/** A block's timestamps in order: `base + offsets[i]` (exact numbers) or `wide[i]`. */
export type BlockTimestamps = { readonly base: bigint; readonly offsets: readonly number[] } | { readonly wide: readonly bigint[] };

/** A block's entries as columns, in timestamp order (stable). */
export interface ColumnsToWrite {
  readonly lines: readonly string[];
  /** UTF-8 length of each line. */
  readonly lineBytes: readonly number[];
  readonly timestamps: BlockTimestamps;
  /** Entry i's metadata; equal metadata should be the same array (it is serialized once). */
  metadataOf(i: number): Labels | undefined;
}

/** Entries (in timestamp order) as columns. */
export function columnsOfEntries(entries: readonly Entry[], lineBytes: readonly number[]): ColumnsToWrite {
  return {
    lines: entries.map((entry) => entry.line),
    lineBytes,
    timestamps: { wide: entries.map((entry) => entry.ts) },
    metadataOf: (i) => entries[i]!.metadata,
  };
}

/** Serializes a block's columns into the column layout. */
export function serializeColumns(columns: ColumnsToWrite, allocate: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  const { lines, lineBytes } = columns;
  const n = lines.length;
  const records = new MetadataRecords();
  const times = encodedTimes(columns.timestamps, n);
  const { size, metadataSize, hasMetadata } = measure(columns, times, records);
  const buf = allocate(size);
  let pos = putUvarint(buf, 0, n);
  if (n > 0) pos = putVarint64(buf, pos, times.first);
  if (times.zigzag !== undefined) {
    for (let i = 1; i < n; i++) pos = putUvarint(buf, pos, times.zigzag[i]!);
  } else {
    for (let i = 1; i < n; i++) pos = putVarint64(buf, pos, times.wide![i]! - times.wide![i - 1]!);
  }
  for (let i = 0; i < n; i++) pos = putUvarint(buf, pos, lineBytes[i]!);
  pos = putUvarint(buf, pos, metadataSize);
  if (hasMetadata) {
    for (let i = 0; i < n; i++) {
      const record = records.of(columns.metadataOf(i));
      // Records are short: a byte loop beats a call into Buffer.set.
      for (let k = 0; k < record.length; k++) buf[pos + k] = record[k]!;
      pos += record.length;
    }
  }
  // The lines joined by newlines are exactly the lines section: one UTF-8 write of the whole
  // instead of one per line (a call cost about 100 ns however short the line; 4x faster on a
  // block of loghub lines). Lengths were measured line by line, so the total is checked below.
  if (n > 0) {
    pos += buf.write(lines.join('\n'), pos, size - pos, 'utf8');
    buf[pos++] = NEWLINE;
  }
  if (pos !== size) throw new Error(`column block serialization wrote ${pos} bytes, expected ${size}`);
  return buf;
}

/** Exact size of a block's columns in the column layout. */
export function columnBlockSize(columns: ColumnsToWrite): number {
  return measure(columns, encodedTimes(columns.timestamps, columns.lines.length), new MetadataRecords()).size;
}

/**
 * The timestamps as written: the first, then each delta's zigzag form (`2 * delta`: deltas are
 * never negative) as numbers while every one is exact, else the BigInt timestamps.
 */
interface EncodedTimes {
  readonly first: bigint;
  readonly zigzag: number[] | undefined;
  readonly wide: readonly bigint[] | undefined;
}

function encodedTimes(timestamps: BlockTimestamps, n: number): EncodedTimes {
  const order = () => new RangeError('column blocks hold entries in timestamp order');
  if ('offsets' in timestamps) {
    const { base, offsets } = timestamps;
    const zigzag = new Array<number>(n);
    let exact = true;
    for (let i = 1; i < n && exact; i++) {
      const delta = offsets[i]! - offsets[i - 1]!;
      if (delta < 0) throw order();
      exact = delta <= MAX_EXACT_DELTA;
      zigzag[i] = 2 * delta;
    }
    if (exact) return { first: n > 0 ? base + BigInt(offsets[0]!) : 0n, zigzag, wide: undefined };
    return encodedTimes({ wide: offsets.map((offset) => base + BigInt(offset)) }, n);
  }
  const { wide } = timestamps;
  for (let i = 1; i < n; i++) if (wide[i]! < wide[i - 1]!) throw order();
  return { first: n > 0 ? wide[0]! : 0n, zigzag: undefined, wide };
}

/** Deltas whose zigzag form (twice the delta) is still an exact uvarint number. */
const MAX_EXACT_DELTA = Math.floor(Number.MAX_SAFE_INTEGER / 2);

/**
 * Each distinct metadata array of a block serialized once (entries share their arrays: the head
 * block interns them): uvarint #pairs, then per pair uvarint length + name, uvarint length + value.
 */
class MetadataRecords {
  private readonly known = new Map<Labels, Uint8Array>();
  private static readonly NONE = new Uint8Array([0]);

  of(metadata: Labels | undefined): Uint8Array {
    if (metadata === undefined || metadata.length === 0) return MetadataRecords.NONE;
    let record = this.known.get(metadata);
    if (record === undefined) {
      let size = uvarintSize(metadata.length);
      for (const { name, value } of metadata) size += stringSize(name) + stringSize(value);
      const out = Buffer.allocUnsafe(size);
      let pos = putUvarint(out, 0, metadata.length);
      for (const { name, value } of metadata) {
        pos = writeString(out, pos, name);
        pos = writeString(out, pos, value);
      }
      record = out;
      this.known.set(metadata, record);
    }
    return record;
  }
}

function measure(columns: ColumnsToWrite, times: EncodedTimes, records: MetadataRecords): { size: number; metadataSize: number; hasMetadata: boolean } {
  const { lineBytes } = columns;
  const n = columns.lines.length;
  let hasMetadata = false;
  let metadataSize = 0;
  for (let i = 0; i < n; i++) {
    const metadata = columns.metadataOf(i);
    if (metadata === undefined || metadata.length === 0) {
      metadataSize += 1;
      continue;
    }
    hasMetadata = true;
    metadataSize += records.of(metadata).length;
  }
  if (!hasMetadata) metadataSize = 0;

  let size = uvarintSize(n) + uvarintSize(metadataSize) + metadataSize;
  if (n > 0) size += varint64Size(times.first);
  for (let i = 1; i < n; i++) size += times.zigzag !== undefined ? uvarintSize(times.zigzag[i]!) : varint64Size(times.wide![i]! - times.wide![i - 1]!);
  for (let i = 0; i < n; i++) size += uvarintSize(lineBytes[i]!) + lineBytes[i]! + 1;
  return { size, metadataSize, hasMetadata };
}

function stringSize(value: string): number {
  const bytes = Buffer.byteLength(value);
  return uvarintSize(bytes) + bytes;
}

function writeString(buf: Buffer, pos: number, value: string): number {
  const length = Buffer.byteLength(value);
  pos = putUvarint(buf, pos, length);
  return pos + buf.write(value, pos, length, 'utf8');
}
