import { describe, expect, it } from 'vitest';
import type { Entry, Labels } from '../../core/model.js';
import { encodedEntrySize, serializeEntries } from './block-format.js';

/** The size by writing the entry out into ample room: what `encodedEntrySize` must match exactly. */
function written(entry: Entry): number {
  const room = 1024;
  try {
    serializeEntries([entry], [Buffer.byteLength(entry.line)], room);
  } catch (error) {
    // serializeEntries checks what it wrote against the size it was given, and says what it wrote.
    const wrote = /wrote (\d+) bytes/.exec((error as Error).message);
    if (wrote !== null) return Number(wrote[1]);
    throw error;
  }
  return room;
}

describe('encodedEntrySize', () => {
  it('matches the written size for timestamps of every width, with and without metadata', () => {
    const stamps = [0n, 1n, -1n, 63n, 64n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 55n - 1n, 2n ** 55n, 2n ** 62n - 1n, 2n ** 62n, 1_700_000_000_000_000_000n];
    const frozen: Labels = Object.freeze([Object.freeze({ name: 'detected_level', value: 'info' })]);
    for (const ts of stamps) {
      for (const metadata of [undefined, [], frozen, [{ name: 'trace_id', value: 'ünï' }]]) {
        const entry: Entry = metadata === undefined ? { ts, line: 'a line ✓' } : { ts, line: 'a line ✓', metadata };
        expect(encodedEntrySize(entry, Buffer.byteLength(entry.line)), `${ts} ${JSON.stringify(metadata)}`).toBe(written(entry));
      }
    }
  });

  it('measures metadata that can still change each time, and remembers frozen metadata', () => {
    const mutable = [{ name: 'k', value: 'v' }];
    const entry: Entry = { ts: 1n, line: 'x', metadata: mutable };
    const before = encodedEntrySize(entry, 1);
    mutable[0]!.value = 'a longer value';
    expect(encodedEntrySize(entry, 1)).toBe(before + 13);
    expect(encodedEntrySize(entry, 1)).toBe(written(entry));
    const frozen: Labels = Object.freeze([Object.freeze({ name: 'k', value: 'v' })]);
    expect(encodedEntrySize({ ts: 1n, line: 'x', metadata: frozen }, 1)).toBe(before);
    expect(encodedEntrySize({ ts: 1n, line: 'x', metadata: frozen }, 1)).toBe(before);
  });
});
