import { describe, expect, it } from 'vitest';
import type { Entry } from '../../core/model.js';
import { MemChunk } from '../../storage/chunk/mem-chunk.js';
import { DecodedChunk } from '../../storage/chunk/decoded-chunk.js';
import { mergeChunks } from './merge-entries.js';
import { scanWindows } from './scan-windows.js';

/** A chunk of small blocks: `count` entries, three per timestamp, some appended out of order. */
function chunkOf(first: bigint, count: number): MemChunk {
  const chunk = new MemChunk({ blockSizeBytes: 2_048 });
  for (let i = 0; i < count; i++) chunk.append({ ts: first + BigInt(Math.floor(i / 3)), line: `line ${i} ${i % 7 === 0 ? 'needle' : 'hay'}` });
  for (let i = 0; i < 5; i++) chunk.append({ ts: first + BigInt(i * 11), line: `late ${i} needle` });
  return chunk;
}

const needle = [new TextEncoder().encode('needle')];

function read(chunks: MemChunk[] | DecodedChunk[], from: bigint, through: bigint, direction: 'forward' | 'backward'): Entry[] {
  return [...mergeChunks(chunks, { from, through, direction, mustContain: needle })];
}

describe('scanWindows', () => {
  const memory = [chunkOf(1_000n, 3_000), chunkOf(1_500n, 1_200)];
  const stored = memory.map((chunk) => DecodedChunk.decode(chunk.encode()));

  it('is one window for chunks smaller than a window', () => {
    expect(scanWindows(memory, 0n, 10_000n, 1_000_000)).toEqual([[0n, 10_000n]]);
    expect(scanWindows([], 5n, 9n)).toEqual([[5n, 9n]]);
  });

  it('cuts the range into contiguous windows that start at block starts', () => {
    const windows = scanWindows(memory, 900n, 3_000n, 500);
    expect(windows.length).toBeGreaterThan(5);
    expect(windows[0]![0]).toBe(900n);
    expect(windows.at(-1)![1]).toBe(3_000n);
    for (let i = 1; i < windows.length; i++) expect(windows[i]![0]).toBe(windows[i - 1]![1]);
    const starts = new Set(memory.flatMap((chunk) => chunk.blocks.map((block) => block.mint)));
    for (const [from] of windows.slice(1)) expect(starts.has(from)).toBe(true);
  });

  it.each(['forward', 'backward'] as const)('read one after another (%s), gives the entries of one read of the range', (direction) => {
    for (const chunks of [memory, stored]) {
      for (const [from, through] of [[0n, 10_000n], [1_100n, 1_700n]] as const) {
        const windows = scanWindows(chunks, from, through, 300);
        expect(windows.length).toBeGreaterThan(1);
        if (direction === 'backward') windows.reverse();
        const pieces = windows.flatMap(([a, b]) => read(chunks, a, b, direction));
        expect(pieces).toEqual(read(chunks, from, through, direction));
      }
    }
  });
});
