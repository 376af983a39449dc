// Reading a stream block after block where its blocks are disjoint gives exactly what the merge
// and deduplication give: the same entries, the same order, in both directions, with filters.

import { describe, expect, it } from 'vitest';
import { seeded } from '../../core/testing/seeded.js';
import type { Entry } from '../../core/model.js';
import { decodeChunk, MemChunk, type ChunkFormat, type DecodedChunk } from '../../storage/chunk/mod.js';
import { disjointBlocks, disjointEntries } from './disjoint-blocks.js';
import { dedupeEntries, mergeChunks } from './merge-entries.js';

const T0 = 1_700_000_000_000_000_000n;

function chunkOf(entries: readonly Entry[], format: ChunkFormat): DecodedChunk {
  const chunk = new MemChunk({ blockSizeBytes: 1024, encoding: 'gzip', format });
  for (const entry of entries) chunk.append(entry);
  return decodeChunk(chunk.encode());
}


/** Lines in time order with copies and near-copies at shared timestamps (within a chunk). */
function stream(random: () => number, count: number, from: number): Entry[] {
  const out: Entry[] = [];
  let ts = BigInt(from);
  for (let i = 0; i < count; i++) {
    if (random() < 0.92) ts += BigInt(1 + Math.floor(random() * 3));
    const previous = out[out.length - 1];
    const copy = previous !== undefined && previous.ts === T0 + ts && random() < 0.4;
    const line = copy ? previous.line : `line ${i} ${random() < 0.2 ? 'error ✓' : 'info'}`;
    const metadata = random() < 0.3 ? [{ name: 'detected_level', value: random() < 0.5 ? 'info' : 'warn' }] : undefined;
    out.push(metadata === undefined ? { ts: T0 + ts, line } : { ts: T0 + ts, line, metadata });
  }
  return out;
}

describe('a stream read block after block', () => {
  for (const format of ['norn-v2', 'norn-v1', 'legacy-v4'] as const) {
    it(`gives the merge's entries, order and copies dropped, in both directions (${format})`, () => {
      const random = seeded(7);
      let taken = 0;
      for (let round = 0; round < 20; round++) {
        // Two chunks one after the other (disjoint), and sometimes a third overlapping them.
        const first = stream(random, 80 + Math.floor(random() * 60), 0);
        const second = stream(random, 40, Number(first[first.length - 1]!.ts - T0) + 1);
        const chunks = [chunkOf(first, format), chunkOf(second, format)];
        if (round % 4 === 3) chunks.push(chunkOf(stream(random, 30, 10), format));
        expect(chunks[0]!.blockCount).toBeGreaterThan(1);
        for (const direction of ['forward', 'backward'] as const) {
          for (const mustContain of [[], [Buffer.from('error')]]) {
            const from = T0 + BigInt(Math.floor(random() * 20));
            const through = T0 + BigInt(60 + Math.floor(random() * 200));
            const options = { from, through, direction, mustContain };
            const want = [...dedupeEntries(mergeChunks(chunks, options))];
            const got = disjointEntries(chunks, options);
            // Taken exactly when no two blocks in the range share an instant (a block may be cut
            // between two entries of one timestamp, and the third chunk overlaps the others).
            const spans = chunks.flatMap((chunk) => chunk.blocks.filter((block) => block.maxt >= from && block.mint < through)).sort((x, y) => (x.mint < y.mint ? -1 : 1));
            const disjoint = spans.every((block, k) => k === 0 || block.mint > spans[k - 1]!.maxt);
            expect(got !== undefined, `round ${round}`).toBe(disjoint);
            if (got === undefined) continue;
            taken++;
            expect([...got], `round ${round} ${direction} ${mustContain.length}`).toEqual(want);
          }
        }
      }
      expect(taken).toBeGreaterThan(20);
    });
  }

  it('takes the merge for blocks that share an instant, and for callers that count stats', () => {
    const a = chunkOf([{ ts: T0, line: 'a' }, { ts: T0 + 5n, line: 'b' }], 'norn-v2');
    const b = chunkOf([{ ts: T0 + 5n, line: 'b' }, { ts: T0 + 9n, line: 'c' }], 'norn-v2');
    expect(disjointBlocks([a, b], T0, T0 + 10n)).toBeUndefined();
    expect(disjointBlocks([a, b], T0, T0 + 5n)).toHaveLength(1);
    const options = { from: T0, through: T0 + 10n, direction: 'forward' as const };
    expect(disjointEntries([a], options)).toBeDefined();
    expect(disjointEntries([a], { ...options, stats: { blocksScanned: 0, blocksSkipped: 0, linesScanned: 0, bytesScanned: 0, compressedBytesScanned: 0, entriesReturned: 0 } })).toBeUndefined();
  });
});
