import { describe, expect, it } from 'vitest';
import { seeded } from '../../core/testing/seeded.js';
import type { Direction } from '../types.js';
import { TopEntries } from './top-entries.js';

interface Offered {
  readonly ts: bigint;
  readonly key: string;
  readonly line: string;
}

/** The reference: distinct entries sorted in direction order (ties by key, then line), the first `limit`. */
function reference(items: readonly Offered[], limit: number, direction: Direction, dedupe: boolean): string[] {
  const ids = items.map((item) => `${item.ts} ${item.key} ${item.line}`);
  const distinct = dedupe ? [...new Map(items.map((item, i) => [ids[i]!, item])).values()] : [...items];
  distinct.sort((a, b) => {
    if (a.ts !== b.ts) return (a.ts < b.ts) === (direction === 'forward') ? -1 : 1;
    if (a.key !== b.key) return a.key < b.key ? -1 : 1;
    return a.line < b.line ? -1 : a.line > b.line ? 1 : 0;
  });
  return distinct.slice(0, limit).map((item) => `${item.ts} ${item.key} ${item.line}`);
}

describe('TopEntries', () => {
  it('keeps the first `limit` entries in direction, ties by labels then line, exact copies once', () => {
    const random = seeded(7);
    for (let round = 0; round < 200; round++) {
      const direction: Direction = random() < 0.5 ? 'forward' : 'backward';
      const limit = 1 + Math.floor(random() * 12);
      const dedupe = random() < 0.8;
      // Few instants, keys and lines: many ties and many exact copies, offered in any order.
      const items: Offered[] = Array.from({ length: Math.floor(random() * 60) }, () => ({
        ts: BigInt(Math.floor(random() * 8)),
        key: `{pod="${Math.floor(random() * 3)}"}`,
        line: `line ${Math.floor(random() * 3)}`,
      }));
      const top = new TopEntries(limit, direction, dedupe);
      for (const item of items) top.offer(item.ts, item.key, [], item.line);
      const kept = top.ordered().map((item) => `${item.ts} ${item.key} ${item.line}`);
      expect(kept, `round ${round}`).toEqual(reference(items, limit, direction, dedupe));
    }
  });

  it('says where the cut lies once full, and nothing before', () => {
    const top = new TopEntries(2, 'backward', true);
    top.offer(5n, 'a', [], 'x');
    expect(top.boundary).toBeUndefined();
    expect(top.exhaustedAt(1n)).toBe(false);
    top.offer(5n, 'a', [], 'x'); // a copy: still one entry
    expect(top.boundary).toBeUndefined();
    top.offer(9n, 'a', [], 'y');
    expect(top.boundary).toBe(5n);
    expect(top.exhaustedAt(4n)).toBe(true);
    expect(top.exhaustedAt(5n)).toBe(false);
    top.offer(7n, 'b', [], 'z');
    expect(top.boundary).toBe(7n);
  });
});
