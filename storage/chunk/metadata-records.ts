// The structured-metadata section of a column block, indexed in one pass: where each entry's
// record starts, and which of the block's distinct records it is. A block's entries mostly carry
// a handful of distinct records (a `detected_level` and a few values), so a scan resolves each
// distinct record to labels once per block and finds an entry's by its number, instead of
// comparing or hashing every entry's bytes.

import type { StorageError } from '../object-store.js';
import { corruptChunk } from './corrupt.js';

/** Past this many distinct records in a block, entries are not numbered (`ids` is undefined). */
const MAX_DISTINCT = 64;

export interface MetadataIndex {
  /** Where entry i's record starts; `[n]` is where the section ends. */
  readonly offsets: Int32Array;
  /** Entry i's record as a number of the block's distinct records; undefined past MAX_DISTINCT. */
  readonly ids: Uint8Array | undefined;
  /** For each distinct record, the first entry that carries it. */
  readonly firstEntry: readonly number[];
}

/**
 * Walks the section `buf[start, end)` once, checking that it holds exactly one record per entry:
 * uvarint #pairs, then per pair uvarint length + name, uvarint length + value.
 */
export function indexMetadata(buf: Uint8Array, n: number, start: number, end: number, section: string): MetadataIndex {
  const corrupt = (what: string) => corruptChunk(section, what);
  const offsets = new Int32Array(n + 1);
  let ids: Uint8Array | undefined = new Uint8Array(n);
  const firstEntry: number[] = [];
  // The distinct records so far, by where they are and how long.
  const knownStart: number[] = [];
  const knownLength: number[] = [];
  let last = -1;
  let pos = start;
  for (let i = 0; i < n; i++) {
    offsets[i] = pos;
    if (ids !== undefined) {
      // Records delimit themselves: bytes equal to a known record are that record, so an entry
      // that repeats one is found without walking its pairs (the last one's first, then the rest).
      const id = knownAt(buf, pos, end, knownStart, knownLength, last);
      if (id >= 0) {
        ids[i] = id;
        last = id;
        pos += knownLength[id]!;
        continue;
      }
    }
    // Every count and length is a uvarint; one byte (below 128) is the common case.
    let pairs = buf[pos]!;
    if (pos < end && pairs < 0x80) pos++;
    else [pairs, pos] = uvarintAt(buf, pos, end, corrupt);
    if (pairs * 2 > end - pos) throw corrupt(`metadata pair count ${pairs} overruns the block`);
    for (let k = 0; k < pairs * 2; k++) {
      let length = buf[pos]!;
      if (pos < end && length < 0x80) pos++;
      else [length, pos] = uvarintAt(buf, pos, end, corrupt);
      if (length > end - pos) throw corrupt(`metadata length ${length} at byte ${pos} overruns the section`);
      pos += length;
    }
    if (ids === undefined) continue;
    if (firstEntry.length === MAX_DISTINCT) {
      ids = undefined;
      continue;
    }
    last = firstEntry.length;
    ids[i] = last;
    firstEntry.push(i);
    knownStart.push(offsets[i]!);
    knownLength.push(pos - offsets[i]!);
  }
  if (pos !== end) throw corrupt(`${end - pos} bytes of metadata belong to no entry`);
  offsets[n] = end;
  return { offsets, ids, firstEntry };
}

/** Which known record the bytes at `pos` are (trying `last` first); -1 for none. */
function knownAt(buf: Uint8Array, pos: number, end: number, knownStart: readonly number[], knownLength: readonly number[], last: number): number {
  if (last >= 0 && sameBytes(buf, knownStart[last]!, knownLength[last]!, pos, end)) return last;
  for (let d = 0; d < knownStart.length; d++) {
    if (d !== last && sameBytes(buf, knownStart[d]!, knownLength[d]!, pos, end)) return d;
  }
  return -1;
}

/**
 * Whether `buf[b, b + length)`, inside `end`, equals `buf[a, a + length)`. Compared from the
 * end: records of the same names differ in their values, which come last.
 */
function sameBytes(buf: Uint8Array, a: number, length: number, b: number, end: number): boolean {
  if (b + length > end) return false;
  for (let k = length - 1; k >= 0; k--) if (buf[a + k] !== buf[b + k]) return false;
  return true;
}

function uvarintAt(buf: Uint8Array, pos: number, end: number, corrupt: (what: string) => StorageError): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= end) throw corrupt(`has a truncated varint at byte ${pos}`);
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) break;
    scale *= 128;
    if (scale > 2 ** 49) throw corrupt(`has a varint overflow at byte ${pos}`);
  }
  return [value, pos];
}
