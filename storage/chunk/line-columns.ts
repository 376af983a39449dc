// A norn-v1 block opened as columns, for scans that need each line's time and bytes but not its
// text: counting lines, summing their bytes, hashing their bytes. Nothing is decoded to a string;
// the caller reads `buf` between `lineStart[i]` and `lineStart[i] + lineLength[i]`. The header is
// checked exactly as the entry cursor checks it, so a forged block fails alike.

import type { Label, Labels } from '../../core/model.js';
import { StorageError } from '../object-store.js';
import { codecFor } from './encoding.js';
import type { DecodedChunk } from './decoded-chunk.js';
import type { BlockMeta } from './scan.js';
import { ByteReader } from './varint.js';

const NEWLINE = 0x0a;

export interface LineColumns {
  /** The decompressed block. */
  readonly buf: Buffer;
  /** The first entry's timestamp, ns. */
  readonly base: bigint;
  /** Each entry's timestamp as whole ns after `base` (exact: a block spanning 2^49 ns or more is not read this way). */
  readonly ts: Float64Array;
  readonly lineStart: Int32Array;
  readonly lineLength: Int32Array;
  /** Whether any entry carries structured metadata. */
  readonly hasMetadata: boolean;
  /**
   * Where entry i's metadata record starts (`[n]` is where the section ends), when it has any:
   * uvarint #pairs, then per pair uvarint length + name, uvarint length + value.
   */
  readonly metadataOffsets: Int32Array | undefined;
}

/**
 * Inflates block `index` of a norn-v1 chunk and reads its header; undefined for legacy-v4 and
 * for a block whose timestamps do not fit the number form (a delta of 2^49 ns or more).
 */
export function openLineColumns(chunk: DecodedChunk, index: number): LineColumns | undefined {
  if (chunk.format !== 'norn-v1') return undefined;
  const block = chunk.blocks[index]!;
  const data = chunk.bytes.subarray(block.offset, block.offset + block.compressedLength);
  const raw = codecFor(chunk.encoding).decompress(data, block.uncompressedLength);
  return readHeader(raw, block, `block ${index}`);
}

function readHeader(buf: Buffer, bounds: BlockMeta, section: string): LineColumns | undefined {
  const corrupt = (what: string) => new StorageError('CORRUPT_CHUNK', `corrupt chunk: ${section} ${what}`);
  const reader = new ByteReader(buf, 0, buf.length, section);
  const n = reader.uvarint();
  if (n !== bounds.entries) throw corrupt(`holds ${n} entries, metas say ${bounds.entries}`);
  if (n * 3 > reader.remaining) throw corrupt(`claims ${n} entries in ${buf.length} bytes`);
  const ts = new Float64Array(n);
  const base = n > 0 ? reader.varint64() : 0n;
  let previous = 0;
  for (let i = 1; i < n; i++) {
    const delta = zigzagDelta(reader);
    if (delta === undefined) return undefined;
    if (delta < 0) throw corrupt(`entry ${i} has a negative timestamp delta`);
    previous += delta;
    if (previous >= SPAN_LIMIT) return undefined;
    ts[i] = previous;
  }
  if (n > 0 && (base < bounds.mint || base + BigInt(previous) > bounds.maxt)) {
    throw corrupt(`timestamps [${base}, ${base + BigInt(previous)}] outside the block's bounds [${bounds.mint}, ${bounds.maxt}]`);
  }
  const lineLength = new Int32Array(n);
  let linesBytes = 0;
  for (let i = 0; i < n; i++) {
    const length = reader.uvarint();
    if (length > buf.length) throw corrupt(`line ${i} claims ${length} bytes`);
    lineLength[i] = length;
    linesBytes += length + 1;
  }
  const metadataSize = reader.uvarint();
  const metadataStart = reader.skip(metadataSize);
  const metadataEnd = reader.pos;
  if (linesBytes !== reader.remaining) throw corrupt(`lines take ${reader.remaining} bytes, lengths say ${linesBytes}`);
  const lineStart = new Int32Array(n);
  let pos = reader.pos;
  for (let i = 0; i < n; i++) {
    lineStart[i] = pos;
    pos += lineLength[i]! + 1;
    if (buf[pos - 1] !== NEWLINE) throw corrupt(`line ${i} does not end where its length says`);
  }
  const metadataOffsets = metadataSize > 0 ? indexMetadata(buf, n, metadataStart, metadataEnd, section, corrupt) : undefined;
  return { buf, base, ts, lineStart, lineLength, hasMetadata: metadataSize > 0, metadataOffsets };
}

/** Blocks whose entries span this many ns or more are read with BigInt timestamps instead. */
const SPAN_LIMIT = 2 ** 49;

/** A zigzag varint delta of at most 7 bytes (below 2^49) as a number; undefined when longer. */
function zigzagDelta(reader: ByteReader): number | undefined {
  const buf = reader.buf;
  let length = 1;
  while (reader.pos + length <= reader.end && buf[reader.pos + length - 1]! >= 0x80) {
    if (++length > 7) return undefined;
  }
  const u = reader.uvarint();
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/** Walks the metadata section once, checking that it holds exactly one record per entry. */
function indexMetadata(buf: Buffer, n: number, start: number, end: number, section: string, corrupt: (what: string) => StorageError): Int32Array {
  const offsets = new Int32Array(n + 1);
  const reader = new ByteReader(buf, start, end, section);
  for (let i = 0; i < n; i++) {
    offsets[i] = reader.pos;
    const pairs = reader.uvarint();
    if (pairs * 2 > reader.remaining) throw corrupt(`metadata pair count ${pairs} overruns the block`);
    for (let k = 0; k < pairs * 2; k++) reader.skip(reader.uvarint());
  }
  if (reader.pos !== end) throw corrupt(`${end - reader.pos} bytes of metadata belong to no entry`);
  offsets[n] = end;
  return offsets;
}

/** Entry i's metadata as labels; undefined when it has none (as the entry cursor reads it). */
export function readLineMetadata(columns: LineColumns, i: number): Labels | undefined {
  const offsets = columns.metadataOffsets;
  if (offsets === undefined) return undefined;
  const buf = columns.buf;
  const reader = new ByteReader(buf, offsets[i]!, offsets[i + 1]!, 'metadata');
  const pairs = reader.uvarint();
  if (pairs === 0) return undefined;
  const metadata: Label[] = [];
  for (let k = 0; k < pairs; k++) {
    const nameLength = reader.uvarint();
    const nameStart = reader.skip(nameLength);
    const valueLength = reader.uvarint();
    const valueStart = reader.skip(valueLength);
    metadata.push({ name: buf.toString('utf8', nameStart, nameStart + nameLength), value: buf.toString('utf8', valueStart, valueStart + valueLength) });
  }
  return metadata;
}
