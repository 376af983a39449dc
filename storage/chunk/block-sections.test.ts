// norn-v2 blocks: the header and the lines compressed apart, the same serialized block either way,
// and a scan that reads only times, lengths and metadata inflating the header alone.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Entry } from '../../core/model.js';
import { StorageError } from '../object-store.js';
import { columnLinesOffset, compressBlock, inflateColumns, storedSections } from './block-sections.js';
import { encodeChunk } from './chunk-format.js';
import { codecFor, ENCODINGS } from './encoding.js';
import { DecodedChunk } from './decoded-chunk.js';
import { HeadBlock } from './head-block.js';
import { openLineColumns, readLineMetadata } from './line-columns.js';
import { MemChunk } from './mem-chunk.js';
import { putUvarint, uvarintSize } from './varint.js';

const T0 = 1_700_000_000_000_000_000n;

function entries(count: number): Entry[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: T0 + BigInt(Math.floor(i / 2)) * 1_000n,
    line: `level=${i % 4 === 0 ? 'error' : 'info'} msg="served ${i}" wörd=${'ü'.repeat(i % 3)}`,
    ...(i % 3 === 0 ? { metadata: [{ name: 'trace_id', value: `t${i % 5}` }] } : {}),
  }));
}

function serialized(lines: readonly Entry[]) {
  const head = new HeadBlock();
  for (const entry of lines) head.append(entry);
  return head.cut('norn-v2')!;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('norn-v2 block sections', () => {
  for (const encoding of ENCODINGS) {
    it(`compress the header and the lines apart and inflate back to the serialized block (${encoding})`, () => {
      const block = serialized(entries(200));
      const codec = codecFor(encoding);
      const stored = compressBlock('norn-v2', codec, block.raw);
      const split = columnLinesOffset(block.raw);
      const parts = storedSections(stored, block.raw.length, 'block 0');
      expect(parts.headerLength).toBe(split);
      expect(parts.linesLength).toBe(block.raw.length - split);
      const inflated = inflateColumns('norn-v2', codec, stored, block.raw.length, 'block 0');
      expect(inflated.split).toBe(true);
      expect(Buffer.concat([inflated.header, inflated.lines]).equals(block.raw)).toBe(true);
      // norn-v1 stores the block whole, as the codec compresses it.
      expect(compressBlock('norn-v1', codec, block.raw).equals(codec.compress(block.raw))).toBe(true);
    });
  }

  it('open as the same columns in norn-v1 and norn-v2, inflating a v2 block\'s lines only when asked', () => {
    const lines = entries(300);
    const chunkIn = (format: 'norn-v1' | 'norn-v2') => {
      const chunk = new MemChunk({ encoding: 'gzip', format });
      for (const entry of lines) chunk.append(entry);
      return DecodedChunk.decode(chunk.encode());
    };
    const v1 = chunkIn('norn-v1');
    const v2 = chunkIn('norn-v2');
    expect(v2.format).toBe('norn-v2');
    const gzip = codecFor('gzip');
    const inflate = vi.spyOn(gzip, 'decompress');
    const a = openLineColumns(v1, 0)!;
    expect(inflate).toHaveBeenCalledTimes(1);
    const b = openLineColumns(v2, 0)!;
    expect(inflate).toHaveBeenCalledTimes(2);
    // The v2 header alone: a fraction of the block.
    expect(b.header.length).toBeLessThan(v2.blocks[0]!.uncompressedLength / 3);
    expect([...b.ts]).toEqual([...a.ts]);
    expect(b.base).toBe(a.base);
    expect([...b.lineLength]).toEqual([...a.lineLength]);
    for (let i = 0; i < lines.length; i++) expect(readLineMetadata(b, i)).toEqual(readLineMetadata(a, i));
    expect(inflate).toHaveBeenCalledTimes(2);
    const text = (columns: typeof a) => {
      const { buf, lineStart } = columns.lines();
      return [...columns.lineLength].map((length, i) => buf.toString('utf8', lineStart[i]!, lineStart[i]! + length));
    };
    expect(text(b)).toEqual(lines.map((entry) => entry.line));
    expect(text(a)).toEqual(text(b));
    // v1's lines were inflated with its header; v2's once, on first use.
    expect(inflate).toHaveBeenCalledTimes(3);
    b.lines();
    expect(inflate).toHaveBeenCalledTimes(3);
  });

  it('report a forged lines section when the lines are read, as CORRUPT_CHUNK', () => {
    const block = serialized(entries(20));
    const codec = codecFor('gzip');
    const split = columnLinesOffset(block.raw);
    const stored = (lines: Buffer): Buffer => {
      const header = codec.compress(block.raw.subarray(0, split));
      const body = codec.compress(lines);
      const prefix = Buffer.alloc(uvarintSize(split) + uvarintSize(header.length));
      putUvarint(prefix, putUvarint(prefix, 0, split), header.length);
      return Buffer.concat([prefix, header, body]);
    };
    const forge = (lines: Buffer) =>
      DecodedChunk.decode(
        encodeChunk('norn-v2', 'gzip', [{ entries: block.entries, mint: block.mint, maxt: block.maxt, uncompressedLength: split + lines.length, data: stored(lines) }]),
      );
    const short = forge(block.raw.subarray(split, block.raw.length - 1));
    const columns = openLineColumns(short, 0)!;
    expect(columns.ts.length).toBe(20);
    expect(() => columns.lines()).toThrow(StorageError);
    expect(() => columns.lines()).toThrow(/corrupt chunk: block 0 lines take \d+ bytes, lengths say \d+/);
    const moved = Buffer.from(block.raw.subarray(split));
    moved[moved.indexOf(0x0a)] = 0x20;
    moved[moved.length - 1] = 0x0a;
    expect(() => openLineColumns(forge(moved), 0)!.lines()).toThrow(/corrupt chunk: block 0 line 0 does not end where its length says/);
  });
});
