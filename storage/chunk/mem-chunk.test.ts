import { describe, expect, it } from 'vitest';
import { seeded } from '../../core/testing/seeded.js';
import type { Entry } from '../../core/model.js';
import { StorageError } from '../object-store.js';
import type { ChunkFormat } from './chunk-format.js';
import { DecodedChunk } from './decoded-chunk.js';
import { ENCODINGS, type Encoding } from './encoding.js';
import { DEFAULT_CHUNK_CONFIG, MemChunk } from './mem-chunk.js';
import { newScanStats, type ChunkReader, type IterateOptions } from './scan.js';

const T0 = 1_700_000_000_000_000_000n;
const ALL = { from: -(2n ** 63n), through: 2n ** 63n - 1n };

function collect(chunk: ChunkReader, options: Partial<IterateOptions> = {}): Entry[] {
  return [...chunk.iterate({ ...ALL, direction: 'forward', ...options })];
}

/** What a scan must return: stable sort by timestamp, range [from, through), all patterns. */
function expected(entries: readonly Entry[], options: Partial<IterateOptions> = {}): Entry[] {
  const from = options.from ?? ALL.from;
  const through = options.through ?? ALL.through;
  const patterns = (options.mustContain ?? []).map((p) => Buffer.from(p));
  const out = entries
    .map((entry, i) => ({ entry, i }))
    .filter(({ entry }) => entry.ts >= from && entry.ts < through)
    .filter(({ entry }) => patterns.every((p) => Buffer.from(entry.line).includes(p)))
    .sort((a, b) => (a.entry.ts < b.entry.ts ? -1 : a.entry.ts > b.entry.ts ? 1 : a.i - b.i))
    .map(({ entry }) => normalize(entry));
  return options.direction === 'backward' ? out.reverse() : out;
}

/** Empty metadata is stored as none. */
function normalize(entry: Entry): Entry {
  return entry.metadata === undefined || entry.metadata.length === 0 ? { ts: entry.ts, line: entry.line } : entry;
}

function build(entries: readonly Entry[], config: ConstructorParameters<typeof MemChunk>[0] = {}): MemChunk {
  const chunk = new MemChunk(config);
  for (const entry of entries) chunk.append(entry);
  return chunk;
}

/** A MemChunk (head and cut blocks), and the same chunk encoded and decoded. */
function readers(entries: readonly Entry[], config: ConstructorParameters<typeof MemChunk>[0] = {}): [string, ChunkReader][] {
  const mem = build(entries, config);
  const decoded = MemChunk.decode(build(entries, config).encode());
  return [
    ['mem', mem],
    ['decoded', decoded],
  ];
}


const VARIED: Entry[] = [
  { ts: T0, line: 'plain ascii line' },
  { ts: T0 + 1n, line: '' },
  { ts: T0 + 2n, line: 'unicode: héllo wörld ✓ 日本語 🚀', metadata: [{ name: 'trace_id', value: 'abc123' }] },
  {
    ts: T0 + 3n,
    line: 'with two pairs',
    metadata: [
      { name: 'pod', value: 'pod-7 ✓' },
      { name: 'user', value: '' },
    ],
  },
  { ts: T0 + 3n, line: 'same timestamp, appended later', metadata: [] },
  { ts: -5n, line: 'before the epoch' },
  { ts: 0n, line: 'at the epoch' },
  { ts: 2n ** 63n - 2n, line: 'near the end of time' },
  { ts: T0 + 10n, line: 'x'.repeat(70_000) },
];

describe('MemChunk round trip', () => {
  for (const encoding of ENCODINGS) {
    it(`keeps lines, metadata, unicode, empty lines and extreme timestamps (${encoding})`, () => {
      for (const [name, reader] of readers(VARIED, { encoding })) {
        expect(collect(reader), name).toEqual(expected(VARIED));
        expect(reader.entryCount, name).toBe(VARIED.length);
        expect(reader.minTs, name).toBe(-5n);
        expect(reader.maxTs, name).toBe(2n ** 63n - 2n);
      }
    });
  }

  it('reads a block spanning the whole timestamp range forward and backward, over ranges that cut it anywhere', () => {
    const bounds = [ALL.from, -6n, -5n, 0n, T0, T0 + 3n, T0 + 4n, 2n ** 62n, 2n ** 63n - 2n, ALL.through];
    for (const format of ['norn-v2', 'norn-v1', 'legacy-v4'] as const) {
      for (const [name, reader] of readers(VARIED, { encoding: 'gzip', format })) {
        for (const from of bounds) {
          for (const through of bounds) {
            if (through < from) continue;
            for (const direction of ['forward', 'backward'] as const) {
              const options = { from, through, direction };
              expect(collect(reader, options), `${format} ${name} [${from}, ${through}) ${direction}`).toEqual(expected(VARIED, options));
            }
          }
        }
      }
    }
  });

  it('writes the header the README draws', () => {
    const bytes = build(VARIED, { encoding: 'snappy' }).encode();
    expect(Buffer.from(bytes.subarray(0, 6)).toString('hex')).toBe('4e4f524e0204');
    expect(Buffer.from(build([], { encoding: 'none' }).encode()).toString('hex')).toBe(
      // "NORN", version 2, encoding none, 0 blocks, crc32c of [0x00], metas offset 6
      '4e4f524e0200' + '00' + '527d5351' + '0000000000000006',
    );
    const v1 = build(VARIED, { encoding: 'snappy', format: 'norn-v1' }).encode();
    expect(Buffer.from(v1.subarray(0, 6)).toString('hex')).toBe('4e4f524e0104');
    const legacy = build(VARIED, { encoding: 'snappy', format: 'legacy-v4' }).encode();
    expect(Buffer.from(legacy.subarray(0, 6)).toString('hex')).toBe('012ee56a0404');
  });

  it('writes the column block the README draws, whole (norn-v1) and in two sections (norn-v2)', () => {
    const entries: Entry[] = [
      { ts: 1_700_000_000_000_000_000n, line: 'hi', metadata: [{ name: 'k', value: 'v' }] },
      { ts: 1_700_000_000_000_000_001n, line: 'ok' },
    ];
    const stored = (format: 'norn-v1' | 'norn-v2'): string => {
      const bytes = Buffer.from(build(entries, { encoding: 'none', format }).encode());
      const { offset, compressedLength } = MemChunk.decode(bytes).blocks[0]!;
      return bytes.subarray(offset, offset + compressedLength).toString('hex');
    };
    const header =
      '02' + // two entries
      '8080d0e2c6bfce972f' + // ts 1700000000000000000 (zigzag varint)
      '02' + // +1 ns (zigzag)
      '0202' + // line lengths
      '06' + '01016b0176' + '00'; // 6 bytes of metadata: one pair k=v, then none
    const lines = '68690a' + '6f6b0a'; // "hi\n" "ok\n"
    expect(stored('norn-v1')).toBe(header + lines);
    // The header is 20 bytes raw, and 20 "compressed" with encoding none.
    expect(stored('norn-v2')).toBe('14' + '14' + header + lines);
  });

  it('reads chunks written in the legacy layout, and keeps appending to them in it', () => {
    const legacy = build(VARIED, { blockSizeBytes: 64, format: 'legacy-v4' }).encode();
    const decoded = MemChunk.decode(legacy);
    expect(decoded.format).toBe('legacy-v4');
    expect(collect(decoded)).toEqual(expected(VARIED));
    const resumed = MemChunk.fromEncoded(legacy, { blockSizeBytes: 64 });
    expect(resumed.config.format).toBe('legacy-v4');
    const later: Entry = { ts: T0 + 1_000n, line: 'appended later' };
    resumed.append(later);
    const again = MemChunk.decode(resumed.encode());
    expect(Buffer.from(again.encode().subarray(0, 5)).toString('hex')).toBe('012ee56a04');
    expect(collect(again).map((e) => e.line)).toEqual(expected([...VARIED, later]).map((e) => e.line));
  });

  it('re-encodes a decoded chunk to the same bytes', () => {
    const bytes = build(VARIED, { blockSizeBytes: 64 }).encode();
    const decoded = DecodedChunk.decode(bytes);
    expect(Buffer.from(decoded.encode()).equals(Buffer.from(bytes))).toBe(true);
    expect(decoded.encodedSize).toBe(bytes.length);
  });

  it('encodes twice to the same bytes and keeps accepting appends', () => {
    const chunk = build(VARIED.slice(0, 4));
    const first = chunk.encode();
    expect(Buffer.from(chunk.encode()).equals(Buffer.from(first))).toBe(true);
    chunk.append({ ts: T0 + 100n, line: 'after encode' });
    const decoded = MemChunk.decode(chunk.encode());
    expect(collect(decoded).map((e) => e.line)).toEqual([...expected(VARIED.slice(0, 4)).map((e) => e.line), 'after encode']);
    expect(decoded.blockCount).toBe(2);
  });

  it('resumes appending on the blocks of an encoded chunk', () => {
    const bytes = build(VARIED.slice(0, 5), { encoding: 'snappy', blockSizeBytes: 64 }).encode();
    const resumed = MemChunk.fromEncoded(bytes, { blockSizeBytes: 64 });
    expect(resumed.encoding).toBe('snappy');
    expect(resumed.entryCount).toBe(5);
    resumed.append({ ts: T0 - 1n, line: 'appended after handoff' });
    const all = [...VARIED.slice(0, 5), { ts: T0 - 1n, line: 'appended after handoff' }];
    expect(collect(resumed)).toEqual(expected(all));
    expect(collect(MemChunk.decode(resumed.encode()))).toEqual(expected(all));
    expect(() => MemChunk.fromEncoded(bytes.subarray(1))).toThrow(StorageError);
  });

  it('round-trips an empty chunk', () => {
    const decoded = MemChunk.decode(new MemChunk().encode());
    expect(decoded.entryCount).toBe(0);
    expect(decoded.blockCount).toBe(0);
    expect(decoded.minTs).toBe(0n);
    expect(collect(decoded)).toEqual([]);
  });
});

describe('MemChunk accounting', () => {
  it('starts from the documented defaults', () => {
    expect(new MemChunk().config).toEqual(DEFAULT_CHUNK_CONFIG);
    expect(DEFAULT_CHUNK_CONFIG).toEqual({ blockSizeBytes: 262_144, targetSizeBytes: 1_572_864, encoding: 'gzip', format: 'norn-v2' });
  });

  it('cuts the head block at blockSizeBytes and reports sizes (legacy layout)', () => {
    const chunk = new MemChunk({ blockSizeBytes: 1000, format: 'legacy-v4' });
    const line = 'a'.repeat(89); // 9 (ts) + 1 (len) + 89 + 1 (pairs) = 100 bytes serialized
    for (let i = 0; i < 25; i++) chunk.append({ ts: T0 + BigInt(i), line });
    expect(chunk.blockCount).toBe(2);
    expect(chunk.headBytes).toBe(500);
    expect(chunk.uncompressedBytes).toBe(2500);
    expect(chunk.entryCount).toBe(25);
    expect(chunk.compressedBytes).toBeGreaterThan(0);
    expect(chunk.compressedBytes).toBeLessThan(2000);
    expect(chunk.blocks.map((b) => [b.entries, b.uncompressedLength, b.mint - T0, b.maxt - T0])).toEqual([
      [10, 1000, 0n, 9n],
      [10, 1000, 10n, 19n],
    ]);
    chunk.cutBlock();
    expect(chunk.blockCount).toBe(3);
    expect(chunk.headBytes).toBe(0);
    chunk.cutBlock();
    expect(chunk.blockCount).toBe(3);
    const decoded = MemChunk.decode(chunk.encode());
    expect(decoded.blocks).toEqual(chunk.blocks);
    expect(decoded.compressedBytes).toBe(chunk.compressedBytes);
    expect(decoded.uncompressedBytes).toBe(2500);
  });

  it('cuts column blocks at the same point, smaller for the delta timestamps', () => {
    const chunk = new MemChunk({ blockSizeBytes: 1000 });
    const line = 'a'.repeat(89);
    for (let i = 0; i < 20; i++) chunk.append({ ts: T0 + BigInt(i), line });
    // 1 (count) + 9 (first ts) + 9 x 1 (deltas) + 10 x 1 (lengths) + 1 (no metadata) + 10 x 90 (lines)
    expect(chunk.blocks.map((b) => [b.entries, b.uncompressedLength])).toEqual([
      [10, 930],
      [10, 930],
    ]);
    expect(collect(MemChunk.decode(chunk.encode())).map((e) => e.ts - T0)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
  });

  it('answers hasSpaceFor and isFull against targetSizeBytes', () => {
    const chunk = new MemChunk({ encoding: 'none', blockSizeBytes: 1000, targetSizeBytes: 1000, format: 'legacy-v4' });
    const entry = { ts: T0, line: 'a'.repeat(89) }; // 100 bytes
    for (let i = 0; i < 9; i++) {
      expect(chunk.hasSpaceFor(entry)).toBe(true);
      chunk.append(entry);
    }
    expect(chunk.isFull()).toBe(false);
    expect(chunk.hasSpaceFor(entry)).toBe(false);
    expect(chunk.hasSpaceFor({ ts: T0, line: 'a'.repeat(88) })).toBe(true);
    chunk.append(entry);
    expect(chunk.isFull()).toBe(true);
  });

  it('rejects bad config and bad timestamps', () => {
    expect(() => new MemChunk({ encoding: 'lz4' as Encoding })).toThrow(RangeError);
    expect(() => new MemChunk({ blockSizeBytes: 0 })).toThrow(RangeError);
    expect(() => new MemChunk({ format: 'loki-v5' as ChunkFormat })).toThrow(/unknown chunk format/);
    const chunk = new MemChunk();
    expect(() => chunk.append({ ts: 2n ** 63n, line: 'x' })).toThrow(RangeError);
    expect(() => chunk.append({ ts: 5 as unknown as bigint, line: 'x' })).toThrow(RangeError);
    expect(chunk.entryCount).toBe(0);
  });
});

describe('iteration', () => {
  const random = seeded(42);
  // Out of order, with duplicates, across many small overlapping blocks.
  const shuffled: Entry[] = Array.from({ length: 600 }, (_, i) => ({
    ts: T0 + BigInt(Math.floor(random() * 300)),
    line: `line ${i} ${['alpha', 'beta', 'gamma'][i % 3]}`,
    ...(i % 7 === 0 ? { metadata: [{ name: 'i', value: String(i) }] } : {}),
  }));

  it('merges overlapping out-of-order blocks in timestamp order, stable for equal timestamps', () => {
    for (const [name, reader] of readers(shuffled, { blockSizeBytes: 700 })) {
      expect(reader.blockCount, name).toBeGreaterThan(10);
      expect(collect(reader), name).toEqual(expected(shuffled));
      expect(collect(reader, { direction: 'backward' }), name).toEqual(expected(shuffled, { direction: 'backward' }));
    }
  });

  it('honours from inclusive and through exclusive at every edge', () => {
    const entries: Entry[] = [10n, 20n, 20n, 30n, 40n].map((ts, i) => ({ ts, line: `e${i}` }));
    for (const [name, reader] of readers(entries, { blockSizeBytes: 30 })) {
      for (const from of [0n, 10n, 11n, 20n, 21n, 40n, 41n]) {
        for (const through of [0n, 10n, 11n, 20n, 21n, 40n, 41n]) {
          for (const direction of ['forward', 'backward'] as const) {
            const options = { from, through, direction };
            expect(collect(reader, options), `${name} ${from}..${through} ${direction}`).toEqual(expected(entries, options));
          }
        }
      }
    }
  });

  it('matches a brute-force model on random ranges, directions and patterns', () => {
    const rand = seeded(7);
    const alphabet = ['a', 'b', 'c', '\u00e9', ' '];
    const entries: Entry[] = Array.from({ length: 400 }, () => ({
      ts: BigInt(Math.floor(rand() * 2 ** 40)) * 977n,
      line: Array.from({ length: Math.floor(rand() * 100) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(''),
      ...(rand() < 0.3 ? { metadata: [{ name: 'k', value: 'ab' }] } : {}),
    }));
    const patterns = ['a', 'ab', 'ba', 'abc', 'cc', '\u00e9a', 'zz', 'a b'].map((p) => Buffer.from(p));
    for (const blockSizeBytes of [50, 2_000, 1 << 20]) {
      for (const [name, reader] of readers(entries, { blockSizeBytes })) {
        for (let round = 0; round < 30; round++) {
          const a = entries[Math.floor(rand() * entries.length)]!.ts + BigInt(Math.floor(rand() * 3) - 1);
          const b = entries[Math.floor(rand() * entries.length)]!.ts + BigInt(Math.floor(rand() * 3) - 1);
          const mustContain = patterns.filter(() => rand() < 0.25);
          const options = {
            from: a < b ? a : b,
            through: a < b ? b : a,
            direction: rand() < 0.5 ? ('forward' as const) : ('backward' as const),
            mustContain,
          };
          expect(collect(reader, options), `${name} block ${blockSizeBytes} round ${round}`).toEqual(expected(entries, options));
        }
      }
    }
  });

  it('filters on raw line bytes, never on framing or metadata', () => {
    const entries: Entry[] = [
      { ts: T0, line: 'needle at the start' },
      { ts: T0 + 1n, line: 'no match here', metadata: [{ name: 'needle', value: 'needle' }] },
      { ts: T0 + 2n, line: 'ends with nee' },
      { ts: T0 + 3n, line: 'dle starts this one' },
      { ts: T0 + 4n, line: 'café needle' },
      // 97 = 'a': the length byte of the next line equals the pattern's byte.
      { ts: T0 + 5n, line: 'x'.repeat(97) },
    ];
    for (const [name, reader] of readers(entries)) {
      const lines = (patterns: string[] | Uint8Array[]) =>
        collect(reader, { mustContain: patterns.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)) }).map((e) => e.line);
      expect(lines(['needle']), name).toEqual(['needle at the start', 'café needle']);
      expect(lines(['needle', 'caf\u00e9']), name).toEqual(['café needle']);
      expect(lines(['needle', 'missing']), name).toEqual([]);
      expect(lines(['a']), name).toEqual(['needle at the start', 'no match here', 'dle starts this one', 'café needle']);
      expect(lines(['enee', 'neddle']), name).toEqual([]);
      // A lone UTF-8 byte of 'é' matches byte-wise, as Loki's byte filters do.
      expect(lines([Uint8Array.from([0xc3])]), name).toEqual(['café needle']);
      expect(lines(['', 'needle', 'needle']), name).toEqual(['needle at the start', 'café needle']);
    }
  });

  it('counts the work in stats and skips blocks outside the range', () => {
    const entries: Entry[] = Array.from({ length: 100 }, (_, i) => ({ ts: T0 + BigInt(i), line: `line number ${i}` }));
    const chunk = MemChunk.decode(build(entries, { blockSizeBytes: 250 }).encode());
    const stats = newScanStats();
    const got = collect(chunk, { from: T0 + 40n, through: T0 + 45n, stats });
    expect(got.map((e) => e.line)).toEqual([40, 41, 42, 43, 44].map((i) => `line number ${i}`));
    expect(stats.entriesReturned).toBe(5);
    expect(stats.blocksScanned + stats.blocksSkipped).toBe(chunk.blockCount);
    expect(stats.blocksScanned).toBeLessThanOrEqual(2);
    const scannedBlocks = chunk.blocks.filter((b) => b.maxt >= T0 + 40n && b.mint < T0 + 45n);
    expect(stats.linesScanned).toBe(scannedBlocks.reduce((sum, b) => sum + b.entries, 0));
    expect(stats.bytesScanned).toBe(scannedBlocks.reduce((sum, b) => sum + b.uncompressedLength, 0));
    expect(stats.compressedBytesScanned).toBe(scannedBlocks.reduce((sum, b) => sum + b.compressedLength, 0));
  });

  it('stops decoding once the consumer stops', () => {
    const entries: Entry[] = Array.from({ length: 100 }, (_, i) => ({ ts: T0 + BigInt(i), line: `l${i}` }));
    const chunk = MemChunk.decode(build(entries, { blockSizeBytes: 100 }).encode());
    const stats = newScanStats();
    const first: Entry[] = [];
    for (const entry of chunk.iterate({ ...ALL, direction: 'forward', stats })) {
      first.push(entry);
      if (first.length === 3) break;
    }
    expect(first.map((e) => e.line)).toEqual(['l0', 'l1', 'l2']);
    expect(stats.blocksScanned).toBe(1);
  });

  it('scans a snapshot: appends during iteration are not seen', () => {
    const chunk = build([{ ts: T0, line: 'a' }, { ts: T0 + 1n, line: 'b' }]);
    const seen: string[] = [];
    for (const entry of chunk.iterate({ ...ALL, direction: 'forward' })) {
      seen.push(entry.line);
      chunk.append({ ts: T0 - 1n, line: 'late' });
    }
    expect(seen).toEqual(['a', 'b']);
    expect(chunk.entryCount).toBe(4);
  });

  it('rejects malformed options', () => {
    const chunk = build(VARIED);
    expect(() => chunk.iterate({ from: 0 as unknown as bigint, through: 1n, direction: 'forward' })).toThrow(TypeError);
    expect(() => chunk.iterate({ from: 0n, through: 1n, direction: 'sideways' as 'forward' })).toThrow(TypeError);
  });
});

describe('decode errors', () => {
  it('are StorageError CORRUPT_CHUNK naming the defect', () => {
    const bytes = Buffer.from(build(VARIED).encode());
    const cases: [Buffer, RegExp][] = [
      [Buffer.alloc(3), /shorter than the smallest chunk/],
      [Buffer.concat([Buffer.from([0xde, 0xad, 0xbe, 0xef]), bytes.subarray(4)]), /bad magic number 0xdeadbeef/],
      [Buffer.concat([bytes.subarray(0, 4), Buffer.from([9]), bytes.subarray(5)]), /unsupported format version 9/],
      [Buffer.concat([bytes.subarray(0, 5), Buffer.from([7]), bytes.subarray(6)]), /unknown encoding byte 7/],
      [bytes.subarray(0, bytes.length - 1), /metas offset/],
    ];
    for (const [input, message] of cases) {
      const error = catchError(() => MemChunk.decode(input));
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('CORRUPT_CHUNK');
      expect((error as Error).message).toMatch(message);
    }
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
