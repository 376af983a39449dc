import { describe, expect, it } from 'vitest';
import type { Entry } from '../../core/model.js';
import { CHUNK_FORMATS, type ChunkFormat } from './chunk-format.js';
import { HeadBlock } from './head-block.js';
import { internLabelSet } from '../../core/intern.js';
import { MemChunk } from './mem-chunk.js';

const T0 = 1_700_000_000_000_000_000n;
const ALL = { from: -(2n ** 63n), through: 2n ** 63n - 1n, direction: 'forward' } as const;

/** Stable sort by timestamp; empty metadata reads back as none. */
function expected(entries: readonly Entry[]): Entry[] {
  return entries
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => (a.entry.ts < b.entry.ts ? -1 : a.entry.ts > b.entry.ts ? 1 : a.i - b.i))
    .map(({ entry }) => (entry.metadata === undefined || entry.metadata.length === 0 ? { ts: entry.ts, line: entry.line } : { ts: entry.ts, line: entry.line, metadata: [...entry.metadata] }));
}

/** What the head block answers, then what the same entries read back as once cut and encoded. */
function roundTrip(entries: readonly Entry[], format: ChunkFormat): { head: Entry[]; stored: Entry[]; size: number; cutSize: number } {
  const head = new HeadBlock();
  for (const entry of entries) head.append(entry);
  const chunk = new MemChunk({ format, encoding: 'none' });
  for (const entry of entries) chunk.append(entry);
  const inHead = [...chunk.iterate(ALL)];
  const size = head.serializedSize(format);
  const cutSize = head.cut(format)!.raw.length;
  return { head: inHead, stored: [...MemChunk.decode(chunk.encode()).iterate(ALL)], size, cutSize };
}

const plain = (entry: Entry): Entry => (entry.metadata === undefined ? entry : { ...entry, metadata: [...entry.metadata] });

describe('HeadBlock', () => {
  for (const format of CHUNK_FORMATS) {
    it(`writes timestamps exactly whatever their order and span: before the first appended, deltas too wide for numbers (${format})`, () => {
      const near = 2n ** 53n - 1n;
      const cases: Entry[][] = [
        // Out of order: the first appended is in the middle, so offsets run negative.
        [T0 + 50n, T0 + 10n, T0 + 90n, T0 + 10n, T0].map((ts, i) => ({ ts, line: `l${i}` })),
        // Offsets exact as numbers (within 2^53 of the first) but a delta between them is not.
        [0n, -near, near, 1n].map((ts, i) => ({ ts, line: `m${i}` })),
        // Beyond 2^53 of the first: timestamps kept as BigInts.
        [T0, -(2n ** 62n), 2n ** 62n, T0 + 1n].map((ts, i) => ({ ts, line: `w${i}` })),
      ];
      for (const entries of cases) {
        const { head, stored, size, cutSize } = roundTrip(entries, format);
        expect(head).toEqual(expected(entries));
        expect(stored).toEqual(expected(entries));
        expect(size).toBe(cutSize);
      }
    });

    it(`keeps every entry's metadata exactly when entries share, change and drop it (${format})`, () => {
      const info = [{ name: 'detected_level', value: 'info' }];
      const entries: Entry[] = [
        { ts: T0 + 5n, line: 'a', metadata: info },
        { ts: T0 + 1n, line: 'b', metadata: [{ name: 'detected_level', value: 'info' }] },
        { ts: T0 + 3n, line: 'c' },
        { ts: T0 + 3n, line: 'd', metadata: [] },
        { ts: T0 + 2n, line: 'e', metadata: [{ name: 'detected_level', value: 'error' }, { name: 'trace_id', value: 'abc' }] },
        { ts: T0 + 4n, line: 'f', metadata: info },
      ];
      const { head, stored, size, cutSize } = roundTrip(entries, format);
      expect(head.map(plain)).toEqual(expected(entries));
      expect(stored.map(plain)).toEqual(expected(entries));
      expect(size).toBe(cutSize);
    });

    it(`keeps timestamps exact when a block spans more than a double holds, before and after its first (${format})`, () => {
      const entries: Entry[] = [
        { ts: T0, line: 'first' },
        { ts: T0 + 2n ** 60n + 1n, line: 'far ahead' },
        { ts: T0 - 2n ** 58n - 3n, line: 'far behind' },
        { ts: T0 + 1n, line: 'next' },
      ];
      const { head, stored } = roundTrip(entries, format);
      expect(head).toEqual(expected(entries));
      expect(stored).toEqual(expected(entries));
    });

    it(`sizes and stores non-ASCII lines by their UTF-8 bytes, however late the first one comes (${format})`, () => {
      const entries: Entry[] = [
        { ts: T0 + 2n, line: 'ascii' },
        { ts: T0 + 1n, line: 'also ascii' },
        { ts: T0 + 3n, line: 'größe 💾' },
        { ts: T0, line: 'zurück' },
      ];
      const { head, stored, size, cutSize } = roundTrip(entries, format);
      expect(head).toEqual(expected(entries));
      expect(stored).toEqual(expected(entries));
      expect(size).toBe(cutSize);
    });
  }

  it('answers a snapshot: entries read before an append do not change with it', () => {
    const head = new HeadBlock();
    head.append({ ts: T0 + 2n, line: 'two' });
    const before = head.sortedEntries();
    head.append({ ts: T0 + 1n, line: 'one' });
    expect(before).toEqual([{ ts: T0 + 2n, line: 'two' }]);
    expect(head.sortedEntries()).toEqual([{ ts: T0 + 1n, line: 'one' }, { ts: T0 + 2n, line: 'two' }]);
  });

  it('shares one metadata array among equal ones, across head blocks', () => {
    const a = new HeadBlock();
    const b = new HeadBlock();
    a.append({ ts: T0, line: 'x', metadata: [{ name: 'detected_level', value: 'warn' }] });
    b.append({ ts: T0, line: 'y', metadata: [{ name: 'detected_level', value: 'warn' }] });
    const shared = a.sortedEntries()[0]!.metadata!;
    expect(b.sortedEntries()[0]!.metadata).toBe(shared);
    expect(internLabelSet([{ name: 'detected_level', value: 'warn' }])).toBe(shared);
    expect(Object.isFrozen(shared)).toBe(true);
    expect(internLabelSet([{ name: 'detected_level', value: 'debug' }])).not.toBe(shared);
  });
});
