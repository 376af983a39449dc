// The chunk's outer layout (drawn byte by byte in README.md):
//   magic u32 BE ("NORN", or Loki's for the legacy layout) | version u8 | encoding u8 | (block | crc32c u32 BE)* | metas | crc32c u32 BE | metas offset u64 BE
// metas = uvarint #blocks, then per block: uvarint #entries, varint mint, varint maxt,
//         uvarint offset, uvarint compressed length, uvarint uncompressed length.

import { StorageError } from '../object-store.js';
import { crc32c } from './crc32c.js';
import { encodingByte, encodingFromByte, type Encoding } from './encoding.js';
import type { BlockMeta } from './scan.js';
import { ByteReader, putUvarint, putVarint64, uvarintSize, varint64Size } from './varint.js';

/**
 * The layouts a chunk can have. `norn-v2`, which Norn writes, stores a block's column layout in
 * two sections compressed apart (block-sections.ts), so a scan that needs only times, lengths
 * and metadata inflates only the first; `norn-v1` compresses the same layout whole. Both have a
 * magic number of their own, so no reader can take them for Loki's; `legacy-v4` is what Norn
 * wrote first, under Loki's magic and version 4 although its entry layout differs from Loki's
 * v4. All three are read.
 */
export type ChunkFormat = 'norn-v2' | 'norn-v1' | 'legacy-v4';
export const CHUNK_FORMATS: readonly ChunkFormat[] = ['norn-v2', 'norn-v1', 'legacy-v4'];
/** What new chunks are written in unless configured otherwise. */
export const CURRENT_CHUNK_FORMAT: ChunkFormat = 'norn-v2';

/** Whether blocks of `format` hold the column layout (column-writer.ts, column-block.ts). */
export function hasColumnLayout(format: ChunkFormat): boolean {
  return format !== 'legacy-v4';
}

/**
 * The format whose stored block, with encoding `none`, is the serialized block itself: how a
 * block cut in `format` reads while it waits for its compression.
 */
export function unframedFormat(format: ChunkFormat): ChunkFormat {
  return format === 'norn-v2' ? 'norn-v1' : format;
}

/** "NORN" */
export const NORN_CHUNK_MAGIC = 0x4e4f524e;
/** Loki's chunk magic, under which the legacy layout was written. */
export const LEGACY_CHUNK_MAGIC = 0x012ee56a;
export const LEGACY_CHUNK_VERSION = 4;

const HEADERS: Readonly<Record<ChunkFormat, { magic: number; version: number }>> = {
  'norn-v2': { magic: NORN_CHUNK_MAGIC, version: 2 },
  'norn-v1': { magic: NORN_CHUNK_MAGIC, version: 1 },
  'legacy-v4': { magic: LEGACY_CHUNK_MAGIC, version: LEGACY_CHUNK_VERSION },
};
export const HEADER_SIZE = 6;
export const BLOCK_CHECKSUM_SIZE = 4;
const CHECKSUM_SIZE = BLOCK_CHECKSUM_SIZE;
const METAS_OFFSET_SIZE = 8;
/** The smallest possible chunk: header, an empty metas section (one byte), its checksum, the offset. */
export const MIN_CHUNK_SIZE = HEADER_SIZE + 1 + CHECKSUM_SIZE + METAS_OFFSET_SIZE;
/** Refuse blocks claiming to inflate beyond this: a forged length must not drive an allocation. */
export const MAX_BLOCK_UNCOMPRESSED = 64 * 1024 * 1024;

export interface BlockToWrite {
  readonly entries: number;
  readonly mint: bigint;
  readonly maxt: bigint;
  readonly uncompressedLength: number;
  readonly data: Uint8Array;
}

export function encodeChunk(format: ChunkFormat, encoding: Encoding, blocks: readonly BlockToWrite[]): Buffer {
  let metasSize = uvarintSize(blocks.length);
  let offset = HEADER_SIZE;
  const offsets: number[] = [];
  for (const block of blocks) {
    offsets.push(offset);
    metasSize +=
      uvarintSize(block.entries) +
      varint64Size(block.mint) +
      varint64Size(block.maxt) +
      uvarintSize(offset) +
      uvarintSize(block.data.length) +
      uvarintSize(block.uncompressedLength);
    offset += block.data.length + CHECKSUM_SIZE;
  }
  const metasOffset = offset;
  const out = Buffer.allocUnsafe(metasOffset + metasSize + CHECKSUM_SIZE + METAS_OFFSET_SIZE);
  out.writeUInt32BE(HEADERS[format].magic, 0);
  out[4] = HEADERS[format].version;
  out[5] = encodingByte(encoding);
  let pos = HEADER_SIZE;
  for (const block of blocks) {
    out.set(block.data, pos);
    out.writeUInt32BE(crc32c(block.data), pos + block.data.length);
    pos += block.data.length + CHECKSUM_SIZE;
  }
  pos = putUvarint(out, pos, blocks.length);
  blocks.forEach((block, i) => {
    pos = putUvarint(out, pos, block.entries);
    pos = putVarint64(out, pos, block.mint);
    pos = putVarint64(out, pos, block.maxt);
    pos = putUvarint(out, pos, offsets[i]!);
    pos = putUvarint(out, pos, block.data.length);
    pos = putUvarint(out, pos, block.uncompressedLength);
  });
  out.writeUInt32BE(crc32c(out, metasOffset, pos), pos);
  pos += CHECKSUM_SIZE;
  out.writeBigUInt64BE(BigInt(metasOffset), pos);
  return out;
}

export interface ParsedChunk {
  readonly format: ChunkFormat;
  readonly encoding: Encoding;
  readonly blocks: readonly BlockMeta[];
}

function corrupt(message: string): StorageError {
  return new StorageError('CORRUPT_CHUNK', `corrupt chunk: ${message}`);
}

export interface ParseOptions {
  /**
   * Whether each block is checked against its CRC32C (default true). A reader that has just
   * checked the whole object against the checksum its key was written with (the chunk store)
   * knows the blocks are the writer's bytes already and skips this second pass over them.
   */
  readonly blockChecksums?: boolean;
}

/**
 * Validates the layout and every checksum and returns the block metas. Block payloads are
 * checked against their CRC here (unless `blockChecksums` is false), so a chunk that parses holds
 * the bytes its writer wrote.
 */
export function parseChunk(bytes: Uint8Array, options: ParseOptions = {}): ParsedChunk {
  const blockChecksums = options.blockChecksums ?? true;
  if (!(bytes instanceof Uint8Array)) throw corrupt('input is not bytes');
  const size = bytes.length;
  if (size < MIN_CHUNK_SIZE) throw corrupt(`${size} bytes is shorter than the smallest chunk (${MIN_CHUNK_SIZE})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const version = bytes[4]!;
  if (!CHUNK_FORMATS.some((candidate) => HEADERS[candidate].magic === magic)) throw corrupt(`bad magic number 0x${magic.toString(16).padStart(8, '0')}`);
  const format = CHUNK_FORMATS.find((candidate) => HEADERS[candidate].magic === magic && HEADERS[candidate].version === version);
  if (format === undefined) throw corrupt(`unsupported format version ${version}`);
  const encoding = encodingFromByte(bytes[5]!);
  if (encoding === undefined) throw corrupt(`unknown encoding byte ${bytes[5]}`);

  const metasEnd = size - METAS_OFFSET_SIZE - CHECKSUM_SIZE;
  const metasOffsetBig = view.getBigUint64(size - METAS_OFFSET_SIZE);
  if (metasOffsetBig < BigInt(HEADER_SIZE) || metasOffsetBig >= BigInt(metasEnd)) {
    throw corrupt(`metas offset ${metasOffsetBig} outside [${HEADER_SIZE}, ${metasEnd})`);
  }
  const metasOffset = Number(metasOffsetBig);
  const expected = view.getUint32(metasEnd);
  const actual = crc32c(bytes, metasOffset, metasEnd);
  if (expected !== actual) throw corrupt(`metas checksum mismatch (stored ${hex(expected)}, computed ${hex(actual)})`);

  const reader = new ByteReader(bytes, metasOffset, metasEnd, 'metas');
  const count = reader.uvarint();
  // Each block meta takes at least six bytes: bound the count before looping on it.
  if (count * 6 > reader.remaining) throw corrupt(`metas claim ${count} blocks in ${reader.remaining} bytes`);
  const blocks: BlockMeta[] = [];
  let expectedOffset = HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    const entries = reader.uvarint();
    const mint = reader.varint64();
    const maxt = reader.varint64();
    const offset = reader.uvarint();
    const compressedLength = reader.uvarint();
    const uncompressedLength = reader.uvarint();
    if (entries === 0) throw corrupt(`block ${i} has no entries`);
    if (mint > maxt) throw corrupt(`block ${i} has mint ${mint} after maxt ${maxt}`);
    if (offset !== expectedOffset) throw corrupt(`block ${i} at offset ${offset}, expected ${expectedOffset}`);
    if (compressedLength + CHECKSUM_SIZE > metasOffset - offset) {
      throw corrupt(`block ${i} (${compressedLength} bytes at ${offset}) overruns the metas at ${metasOffset}`);
    }
    if (uncompressedLength > MAX_BLOCK_UNCOMPRESSED) {
      throw corrupt(`block ${i} claims ${uncompressedLength} uncompressed bytes (limit ${MAX_BLOCK_UNCOMPRESSED})`);
    }
    // An entry takes at least three bytes (timestamp, length, and a pair count or a newline).
    if (entries * 3 > uncompressedLength) throw corrupt(`block ${i} claims ${entries} entries in ${uncompressedLength} bytes`);
    if (blockChecksums) {
      const stored = view.getUint32(offset + compressedLength);
      const computed = crc32c(bytes, offset, offset + compressedLength);
      if (stored !== computed) throw corrupt(`block ${i} checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)})`);
    }
    blocks.push({ entries, mint, maxt, offset, compressedLength, uncompressedLength });
    expectedOffset = offset + compressedLength + CHECKSUM_SIZE;
  }
  if (expectedOffset !== metasOffset) throw corrupt(`blocks end at ${expectedOffset} but metas start at ${metasOffset}`);
  if (reader.pos !== metasEnd) throw corrupt(`${metasEnd - reader.pos} unexpected bytes after the block metas`);
  return { format, encoding, blocks };
}

function hex(value: number): string {
  return '0x' + value.toString(16).padStart(8, '0');
}
