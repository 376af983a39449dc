// The entry layout inside a decompressed block (drawn in README.md):
//   varint ts | uvarint len | line | uvarint #pairs | (uvarint len | name | uvarint len | value)*
// Sizes are computed exactly before writing so a block is serialized into one allocation.

import type { Entry, Labels } from '../../core/model.js';
import { putUvarint, putVarint64, uvarintSize, varint64Size } from './varint.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function assertTimestamp(ts: bigint): void {
  if (typeof ts !== 'bigint' || ts < INT64_MIN || ts > INT64_MAX) {
    throw new RangeError(`entry timestamp must be a signed 64-bit bigint of nanoseconds, got ${String(ts)}`);
  }
}

/** Exact encoded size of an entry; `lineBytes` is the line's UTF-8 length. */
export function encodedEntrySize(entry: Entry, lineBytes: number): number {
  const size = timestampSize(entry.ts) + uvarintSize(lineBytes) + lineBytes;
  const metadata = entry.metadata;
  if (metadata === undefined || metadata.length === 0) return size + 1;
  return size + metadataSize(metadata);
}

/**
 * Timestamps of this era (2^55 ns is 1971, 2^62 ns 2116) all take nine bytes: two comparisons
 * instead of the general BigInt size, once per appended entry.
 */
function timestampSize(ts: bigint): number {
  return ts >= 36_028_797_018_963_968n && ts < 4_611_686_018_427_387_904n ? 9 : varint64Size(ts);
}

/**
 * The metadata's encoded size, remembered per array: equal metadata mostly arrives as one shared
 * array (interned, or the push path's frozen `detected_level` pairs).
 */
const metadataSizes = new WeakMap<Labels, number>();

function metadataSize(metadata: Labels): number {
  const known = metadataSizes.get(metadata);
  if (known !== undefined) return known;
  let size = uvarintSize(metadata.length);
  for (const { name, value } of metadata) {
    const nameBytes = Buffer.byteLength(name);
    const valueBytes = Buffer.byteLength(value);
    size += uvarintSize(nameBytes) + nameBytes + uvarintSize(valueBytes) + valueBytes;
  }
  // Only frozen metadata (array and pairs) is remembered: what can still change is measured each time.
  if (Object.isFrozen(metadata) && metadata.every((pair) => Object.isFrozen(pair))) metadataSizes.set(metadata, size);
  return size;
}

/**
 * Serializes entries (already in the order they should be stored) into exactly `size` bytes.
 * `lineBytes[i]` is the UTF-8 length of `entries[i].line`.
 */
export function serializeEntries(entries: readonly Entry[], lineBytes: readonly number[], size: number, allocate: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  const buf = allocate(size);
  let pos = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const length = lineBytes[i]!;
    pos = putVarint64(buf, pos, entry.ts);
    pos = putUvarint(buf, pos, length);
    pos += buf.write(entry.line, pos, length, 'utf8');
    const metadata = entry.metadata;
    if (metadata === undefined || metadata.length === 0) {
      buf[pos++] = 0;
      continue;
    }
    pos = putUvarint(buf, pos, metadata.length);
    for (const { name, value } of metadata) {
      pos = writeString(buf, pos, name);
      pos = writeString(buf, pos, value);
    }
  }
  if (pos !== size) throw new Error(`block serialization wrote ${pos} bytes, expected ${size}`);
  return buf;
}

function writeString(buf: Buffer, pos: number, value: string): number {
  const length = Buffer.byteLength(value);
  pos = putUvarint(buf, pos, length);
  return pos + buf.write(value, pos, length, 'utf8');
}
