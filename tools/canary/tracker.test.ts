import { describe, expect, it } from 'vitest';
import { TailTracker } from './tracker.js';

describe('TailTracker', () => {
  it('tells in-order, out-of-order and duplicate arrivals apart', () => {
    const tracker = new TailTracker();
    expect([0, 1, 3, 2, 3, 4, 0].map((seq) => tracker.received(seq))).toEqual(['ok', 'ok', 'ok', 'out_of_order', 'duplicate', 'ok', 'duplicate']);
    expect(tracker.hasSeen(2)).toBe(true);
    tracker.forget([2]);
    expect(tracker.hasSeen(2)).toBe(false);
  });
});
