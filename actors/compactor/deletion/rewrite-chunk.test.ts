import { describe, expect, it } from 'vitest';
import type { Entry } from '../../../core/model.js';
import { decodeChunk, MemChunk } from '../../../storage/mod.js';
import { deletedTest } from './line-filter.js';
import { rewriteChunk } from './rewrite-chunk.js';

const labels = [{ name: 'app', value: 'api' }];

function chunkOf(entries: Entry[], config: ConstructorParameters<typeof MemChunk>[0] = {}): Uint8Array {
  const chunk = new MemChunk({ blockSizeBytes: 64, ...config });
  for (const entry of entries) chunk.append(entry);
  return chunk.encode();
}

function entriesOf(bytes: Uint8Array): Entry[] {
  const chunk = decodeChunk(bytes);
  return [...chunk.iterate({ from: chunk.minTs, through: chunk.maxTs + 1n, direction: 'forward' })];
}

const entries: Entry[] = Array.from({ length: 40 }, (_, i) => ({
  ts: 1_000n + BigInt(i),
  line: i % 4 === 0 ? `user=${i} token=secret${i}` : `user=${i} ok`,
  ...(i % 5 === 0 ? { metadata: [{ name: 'trace_id', value: `t${i}` }] } : {}),
}));

describe('rewriting a chunk', () => {
  it('keeps every other entry, in order with its metadata, in the same layout and encoding', () => {
    for (const config of [{ encoding: 'gzip' as const }, { encoding: 'snappy' as const, format: 'legacy-v4' as const }, { encoding: 'none' as const }]) {
      const original = chunkOf(entries, config);
      const test = deletedTest([{ query: '{app="api"} |= "token"', start: 0n, end: 10_000n }], labels, 0n, 10_001n)!;
      const result = rewriteChunk(original, test);
      expect(result.deletedLines).toBe(10);
      expect(result.keptLines).toBe(30);
      const rewritten = decodeChunk(result.bytes!);
      expect(rewritten.encoding).toBe(decodeChunk(original).encoding);
      expect(rewritten.format).toBe(decodeChunk(original).format);
      expect(entriesOf(result.bytes!)).toEqual(entries.filter((e) => !e.line.includes('token')));
    }
  });

  it('hands back the same bytes when nothing is deleted, and nothing when every line is', () => {
    const original = chunkOf(entries);
    const none = deletedTest([{ query: '{app="api"} |= "absent"', start: 0n, end: 10_000n }], labels, 0n, 10_001n)!;
    expect(rewriteChunk(original, none)).toEqual({ bytes: original, deletedLines: 0, keptLines: 40 });
    const all = deletedTest([{ query: '{app="api"}', start: 0n, end: 10_000n }], labels, 0n, 10_001n)!;
    expect(rewriteChunk(original, all)).toEqual({ bytes: undefined, deletedLines: 40, keptLines: 0 });
  });

  it('deletes only inside the window', () => {
    const test = deletedTest([{ query: '{app="api"}', start: 1_010n, end: 1_019n }], labels, 0n, 10_001n)!;
    const result = rewriteChunk(chunkOf(entries), test);
    expect(result.deletedLines).toBe(10);
    expect(entriesOf(result.bytes!).map((e) => e.ts)).toEqual(entries.map((e) => e.ts).filter((ts) => ts < 1_010n || ts > 1_019n));
  });
});
