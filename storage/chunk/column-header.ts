// The per-entry columns of a column block's header, read in tight loops: the timestamp deltas as
// numbers after the first entry's timestamp (no BigInt per entry) and the line lengths. Both
// readers of the layout use them: the entry cursor (column-block.ts) and the line-free scans
// (line-columns.ts). Every read is bounded, so a forged header fails with CORRUPT_CHUNK.

import { corruptChunk } from './corrupt.js';

/** Timestamps are read as numbers while a block spans less than this many ns (exact in a double). */
export const SPAN_LIMIT = 2 ** 49;

/**
 * Reads entries 1..n-1's zigzag timestamp deltas from `pos` into `ts` as ns after entry 0
 * (`ts[0]` stays 0). Returns where they end, or undefined when the block spans SPAN_LIMIT ns or
 * more (the caller reads it with BigInt timestamps instead).
 */
export function readDeltas(buf: Uint8Array, pos: number, ts: Float64Array, section: string): number | undefined {
  const end = buf.length;
  const n = ts.length;
  let previous = 0;
  for (let i = 1; i < n; i++) {
    let u = 0;
    let scale = 1;
    let byte: number;
    do {
      if (pos >= end) throw corruptChunk(section, `has a truncated varint at byte ${pos}`);
      byte = buf[pos++]!;
      u += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte >= 0x80 && scale < SPAN_LIMIT);
    // Longer than seven bytes: a delta of 2^49 ns or more.
    if (byte >= 0x80) return undefined;
    if (u % 2 === 1) throw corruptChunk(section, `entry ${i} has a negative timestamp delta`);
    previous += u / 2;
    if (previous >= SPAN_LIMIT) return undefined;
    ts[i] = previous;
  }
  return pos;
}

/**
 * Reads n line lengths from `pos` into `lineLength` (each at most `maxLength`), returning where
 * they end and the bytes the lines take with their newlines.
 */
export function readLengths(buf: Uint8Array, pos: number, lineLength: Int32Array, maxLength: number, section: string): { end: number; linesBytes: number } {
  const end = buf.length;
  let linesBytes = 0;
  for (let i = 0; i < lineLength.length; i++) {
    let length = 0;
    let scale = 1;
    let byte: number;
    do {
      if (pos >= end) throw corruptChunk(section, `has a truncated varint at byte ${pos}`);
      byte = buf[pos++]!;
      length += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte >= 0x80 && scale <= 2 ** 28);
    if (byte >= 0x80 || length > maxLength) throw corruptChunk(section, `line ${i} claims ${length} bytes`);
    lineLength[i] = length;
    linesBytes += length + 1;
  }
  return { end: pos, linesBytes };
}
