// Corrupt, truncated and forged chunks must fail with StorageError CORRUPT_CHUNK, never crash
// with another error and never yield entries the writer did not write.

import { describe, expect, it } from 'vitest';
import { seeded } from '../../core/testing/seeded.js';
import type { Entry } from '../../core/model.js';
import { StorageError } from '../object-store.js';
import { columnLinesOffset, compressBlock } from './block-sections.js';
import { CHUNK_FORMATS, encodeChunk, HEADER_SIZE, LEGACY_CHUNK_MAGIC, NORN_CHUNK_MAGIC, parseChunk } from './chunk-format.js';
import { crc32c } from './crc32c.js';
import { codecFor, ENCODINGS } from './encoding.js';
import { HeadBlock } from './head-block.js';
import { MemChunk } from './mem-chunk.js';
import { putUvarint, uvarintSize } from './varint.js';

const T0 = 1_700_000_000_000_000_000n;
const ALL = { from: -(2n ** 63n), through: 2n ** 63n - 1n };


const ENTRIES: Entry[] = Array.from({ length: 60 }, (_, i) => ({
  ts: T0 + BigInt((i * 7919) % 61),
  line: `entry ${i} ${'é'.repeat(i % 5)} needle${i % 4}`,
  ...(i % 3 === 0 ? { metadata: [{ name: 'n', value: String(i) }] } : {}),
}));

/** Reads everything every way a caller can; returns what came out. */
function readAll(bytes: Uint8Array): string {
  const chunk = MemChunk.decode(bytes);
  const out: string[] = [];
  for (const direction of ['forward', 'backward'] as const) {
    for (const mustContain of [undefined, [Buffer.from('needle1')]]) {
      for (const entry of chunk.iterate({ ...ALL, direction, mustContain })) {
        out.push(`${entry.ts}|${entry.line}|${JSON.stringify(entry.metadata ?? [])}`);
      }
    }
  }
  return out.join('\n');
}

/** Either the original content or CORRUPT_CHUNK; anything else fails the test. */
function expectIntactOrCorrupt(bytes: Uint8Array, original: string, what: string): 'intact' | 'corrupt' {
  try {
    const got = readAll(bytes);
    expect(got, what).toBe(original);
    return 'intact';
  } catch (error) {
    if (!(error instanceof StorageError)) throw new Error(`${what}: ${String(error)}`, { cause: error });
    expect(error.code, what).toBe('CORRUPT_CHUNK');
    expect(error.message, what).toMatch(/^corrupt chunk: /);
    return 'corrupt';
  }
}

describe.each(CHUNK_FORMATS)('corrupt chunks (%s)', (format) => {
  for (const encoding of ENCODINGS) {
    const chunk = new MemChunk({ encoding, format, blockSizeBytes: 600 });
    for (const entry of ENTRIES) chunk.append(entry);
    const bytes = Buffer.from(chunk.encode());
    const original = readAll(bytes);

    it(`fail cleanly at every truncation (${encoding})`, () => {
      for (let length = 0; length < bytes.length; length++) {
        expect(expectIntactOrCorrupt(bytes.subarray(0, length), original, `truncated to ${length}`)).toBe('corrupt');
      }
    });

    it(`fail cleanly for every single-bit flip (${encoding})`, () => {
      let corrupt = 0;
      for (let i = 0; i < bytes.length; i++) {
        const bit = 1 << (i % 8);
        const copy = Buffer.from(bytes);
        copy[i] = copy[i]! ^ bit;
        if (expectIntactOrCorrupt(copy, original, `bit ${i % 8} of byte ${i}`) === 'corrupt') corrupt++;
      }
      // Every byte is under a checksum or checked, except encoding flips that still decode.
      expect(corrupt).toBeGreaterThan(bytes.length - 3);
    });

    it(`fail cleanly for random damage (${encoding})`, () => {
      const random = seeded(encoding.length * 1009);
      for (let round = 0; round < 400; round++) {
        const copy = Buffer.from(bytes);
        const kind = round % 4;
        let damaged: Buffer = copy;
        if (kind === 0) {
          for (let n = 1 + Math.floor(random() * 4); n > 0; n--) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
        } else if (kind === 1) {
          const at = Math.floor(random() * copy.length);
          damaged = Buffer.concat([copy.subarray(0, at), copy.subarray(at + 1 + Math.floor(random() * 8))]);
        } else if (kind === 2) {
          const at = Math.floor(random() * copy.length);
          const junk = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * 256)));
          damaged = Buffer.concat([copy.subarray(0, at), junk, copy.subarray(at)]);
        } else {
          damaged = Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
          if (random() < 0.5 && damaged.length >= 6) damaged.writeUInt32BE(format === 'norn-v1' ? NORN_CHUNK_MAGIC : LEGACY_CHUNK_MAGIC, 0);
        }
        expectIntactOrCorrupt(damaged, original, `round ${round} kind ${kind}`);
      }
    });
  }
});

describe.each(CHUNK_FORMATS)('forged chunks with valid checksums (%s)', (format) => {
  const head = new HeadBlock();
  for (const entry of ENTRIES.slice(0, 10)) head.append(entry);
  const block = head.cut(format)!;
  const gzip = codecFor('gzip');
  const data = compressBlock(format, gzip, block.raw);
  const good = { entries: block.entries, mint: block.mint, maxt: block.maxt, uncompressedLength: block.raw.length, data };
  // Bytes no gzip reader takes, in the block's framing (norn-v2 frames the raw sections).
  const notGzip = compressBlock(format, codecFor('none'), block.raw);

  function iterateForged(bytes: Uint8Array): unknown {
    try {
      readAll(bytes);
    } catch (error) {
      return error;
    }
    return undefined;
  }

  const cases: [string, Parameters<typeof encodeChunk>[2], RegExp][] = [
    ['entry count too high', [{ ...good, entries: 11 }], /holds 10 entries, metas say 11/],
    ['entry count too low', [{ ...good, entries: 9 }], /holds 10 entries, metas say 9/],
    ['uncompressed length wrong', [{ ...good, uncompressedLength: good.uncompressedLength + 1 }], /inflated to|cannot decompress/],
    ['maxt below entries', [{ ...good, maxt: good.maxt - 1n }], /outside the block's (order or )?bounds/],
    ['mint above entries', [{ ...good, mint: good.mint + 1n }], /outside the block's (order or )?bounds/],
    ['not gzip at all', [{ ...good, data: notGzip }], /cannot decompress gzip/],
    ['huge uncompressed claim', [{ ...good, uncompressedLength: 2 ** 40 }], /claims 1099511627776 uncompressed bytes/],
    ['no entries', [{ ...good, entries: 0 }], /block 0 has no entries/],
    ['mint after maxt', [{ ...good, mint: good.maxt + 1n }], /mint .* after maxt/],
  ];
  if (format === 'norn-v2') {
    const split = columnLinesOffset(block.raw);
    const header = gzip.compress(block.raw.subarray(0, split));
    const lines = gzip.compress(block.raw.subarray(split));
    const longer = gzip.compress(block.raw.subarray(0, split + 3));
    const framed = (headerLength: number, parts: Uint8Array[], claimed = header.length): Buffer => {
      const prefix = Buffer.alloc(uvarintSize(headerLength) + uvarintSize(claimed));
      putUvarint(prefix, putUvarint(prefix, 0, headerLength), claimed);
      return Buffer.concat([prefix, ...parts]);
    };
    cases.push(
      ['a header longer than the block', [{ ...good, data: framed(block.raw.length + 1, [header, lines]) }], /header claims \d+ bytes of the block's \d+/],
      ['a compressed header overrunning the block', [{ ...good, data: framed(split, [header, lines], header.length + lines.length + 1) }], /header claims \d+ compressed bytes, \d+ follow/],
      ['a header length that cuts into the lines', [{ ...good, data: framed(split + 3, [longer, gzip.compress(block.raw.subarray(split + 3))], longer.length) }], /header has 3 bytes after its metadata/],
      ['the sections swapped', [{ ...good, data: framed(block.raw.length - split, [lines, header], lines.length) }], /corrupt chunk: block 0/],
    );
  }
  for (const [name, blocks, message] of cases) {
    it(`reports ${name}`, () => {
      const error = iterateForged(encodeChunk(format, 'gzip', blocks));
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('CORRUPT_CHUNK');
      expect((error as Error).message).toMatch(message);
    });
  }

  it('reports a block offset that does not follow the previous block', () => {
    const bytes = Buffer.from(encodeChunk(format, 'none', [{ ...good, data: block.raw }]));
    const metasOffset = Number(bytes.readBigUInt64BE(bytes.length - 8));
    // metas: count(1) entries(1) mint(9) maxt(9) offset(1)...; bump the offset byte and re-checksum.
    const offsetPos = metasOffset + 1 + 1 + 9 + 9;
    expect(bytes[offsetPos]).toBe(6);
    bytes[offsetPos] = 7;
    bytes.writeUInt32BE(crc32c(bytes, metasOffset, bytes.length - 12), bytes.length - 12);
    expect(() => MemChunk.decode(bytes)).toThrow(/block 0 at offset 7, expected 6/);
  });

  it('checks block checksums unless the caller checked the whole object, and the layout always', () => {
    const bytes = Buffer.from(encodeChunk(format, 'gzip', [good]));
    const crcAt = HEADER_SIZE + data.length;
    bytes[crcAt] = bytes[crcAt]! ^ 0xff;
    expect(() => parseChunk(bytes)).toThrow(/block 0 checksum mismatch/);
    expect(parseChunk(bytes, { blockChecksums: false }).blocks).toHaveLength(1);
    const forged = Buffer.from(encodeChunk(format, 'gzip', [{ ...good, entries: 0 }]));
    expect(() => parseChunk(forged, { blockChecksums: false })).toThrow(/block 0 has no entries/);
  });

  it('reports an encoding byte flipped to another known encoding', () => {
    const bytes = Buffer.from(encodeChunk(format, 'gzip', [good]));
    for (const byte of [0, 4]) {
      bytes[5] = byte;
      const error = iterateForged(bytes);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('CORRUPT_CHUNK');
    }
  });
});
