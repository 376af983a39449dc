// How a block of the column layout is stored (drawn in README.md). `norn-v1` compresses the
// serialized block whole. `norn-v2` compresses its two sections apart:
//
//   uvarint header bytes (raw) | uvarint header bytes (compressed) = H | H bytes: the header,
//   compressed | the rest: the lines, compressed
//
// The header is everything before the lines: the entry count, the timestamps, the lengths and
// the metadata. A scan that needs only those (counting lines, summing their bytes, grouping by
// metadata) inflates the header alone; the lines are a block's bulk, 80-90% of loghub's raw bytes.

import { corruptChunk } from './corrupt.js';
import type { ChunkFormat } from './chunk-format.js';
import type { BlockCodec } from './encoding.js';
import { ByteReader, putUvarint, uvarintSize } from './varint.js';

/** Compresses a serialized block into the bytes `format` stores. */
export function compressBlock(format: ChunkFormat, codec: BlockCodec, raw: Uint8Array): Buffer {
  if (format !== 'norn-v2') return codec.compress(raw);
  const split = columnLinesOffset(raw);
  const header = codec.compress(raw.subarray(0, split));
  const lines = codec.compress(raw.subarray(split));
  const out = Buffer.allocUnsafe(uvarintSize(split) + uvarintSize(header.length) + header.length + lines.length);
  let pos = putUvarint(out, 0, split);
  pos = putUvarint(out, pos, header.length);
  out.set(header, pos);
  out.set(lines, pos + header.length);
  return out;
}

/** A `norn-v2` block's two compressed sections and their raw sizes. */
export interface StoredSections {
  readonly header: Uint8Array;
  readonly headerLength: number;
  readonly lines: Uint8Array;
  readonly linesLength: number;
}

/** Splits a stored `norn-v2` block into its sections, checking the framing against the metas. */
export function storedSections(data: Uint8Array, uncompressedLength: number, section: string): StoredSections {
  const reader = new ByteReader(data, 0, data.length, section);
  const headerLength = reader.uvarint();
  const compressed = reader.uvarint();
  if (headerLength > uncompressedLength) {
    throw corruptChunk(section, `header claims ${headerLength} bytes of the block's ${uncompressedLength}`);
  }
  if (compressed > reader.remaining) throw corruptChunk(section, `header claims ${compressed} compressed bytes, ${reader.remaining} follow`);
  const start = reader.pos;
  return {
    header: data.subarray(start, start + compressed),
    headerLength,
    lines: data.subarray(start + compressed),
    linesLength: uncompressedLength - headerLength,
  };
}

/** A column-layout block inflated: the header, and the lines (the same buffer for `norn-v1`). */
export interface InflatedColumns {
  readonly header: Buffer;
  /** Where the lines are; for `norn-v1`, `header` itself, the lines after the header's end. */
  readonly lines: Buffer;
  /** Whether `header` holds the header only (and `lines` the lines only). */
  readonly split: boolean;
}

/** Inflates a stored column-layout block whole. */
export function inflateColumns(format: ChunkFormat, codec: BlockCodec, data: Uint8Array, uncompressedLength: number, section: string): InflatedColumns {
  if (format !== 'norn-v2') {
    const raw = codec.decompress(data, uncompressedLength);
    return { header: raw, lines: raw, split: false };
  }
  const parts = storedSections(data, uncompressedLength, section);
  return {
    header: codec.decompress(parts.header, parts.headerLength),
    lines: codec.decompress(parts.lines, parts.linesLength),
    split: true,
  };
}

/** Where the lines start in a serialized column block (its header's length). */
export function columnLinesOffset(raw: Uint8Array): number {
  const reader = new ByteReader(raw, 0, raw.length, 'serialized block');
  const n = reader.uvarint();
  for (let i = 0; i < n; i++) reader.skipVarint();
  for (let i = 0; i < n; i++) reader.skipVarint();
  reader.skip(reader.uvarint());
  return reader.pos;
}
