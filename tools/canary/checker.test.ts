import { describe, expect, it } from 'vitest';
import { availabilityBetween, checkQueue } from './checker.js';
import type { ObservedEntry, Outcome, WriteRecord, WrittenLine } from './line.js';

const canaryLineText = (seq: number, writer: number, stream: string): string => `seq=${seq} writer=${writer} stream=${stream}`;

function push(outcome: Outcome, seqs: number[], startMs = 0): WriteRecord {
  const lines: WrittenLine[] = seqs.map((seq) => ({ seq, stream: `s${seq % 2}`, tsNs: BigInt(1000 + seq), line: canaryLineText(seq, 0, `s${seq % 2}`) }));
  return { startMs, outcome, lines };
}

const seen = (history: WriteRecord[], seqs: number[]): ObservedEntry[] =>
  history.flatMap((p) => p.lines).filter((line) => seqs.includes(line.seq)).map(({ stream, tsNs, line }) => ({ stream, tsNs, line }));

describe('checkQueue', () => {
  it('passes when every acknowledged line is read back once', () => {
    const history = [push('ok', [0, 1, 2]), push('failed', [3, 4]), push('unknown', [5])];
    const check = checkQueue(history, seen(history, [0, 1, 2]));
    expect(check).toMatchObject({ attempted: 6, acknowledged: 3, failed: 2, unknown: 1, readable: 3, lost: 0, unexpected: 0, duplicates: 0, valid: true });
  });

  it('counts an acknowledged line that is not readable as lost', () => {
    const history = [push('ok', [0, 1, 2]), push('ok', [3])];
    const check = checkQueue(history, seen(history, [0, 2]));
    expect(check.lost).toBe(2);
    expect(check.lostSeqs).toEqual([1, 3]);
    expect(check.valid).toBe(false);
  });

  it('allows failed and unknown writes to turn out readable, and counts them', () => {
    const history = [push('failed', [0, 1]), push('unknown', [2]), push('ok', [3])];
    const check = checkQueue(history, seen(history, [0, 2, 3]));
    expect(check).toMatchObject({ failedReadable: 1, unknownReadable: 1, lost: 0, valid: true });
  });

  it('counts every extra copy a query returned as a duplicate', () => {
    const history = [push('ok', [0, 1])];
    const observed = seen(history, [0, 1]);
    const check = checkQueue(history, [...observed, observed[0]!, observed[0]!]);
    expect(check.duplicates).toBe(2);
    expect(check.duplicateSamples).toEqual(['3x seq=0 writer=0 stream=s0']);
    expect(check.valid).toBe(false);
  });

  it('counts lines never attempted, or not as written, as unexpected', () => {
    const history = [push('ok', [0, 1])];
    const [first, second] = seen(history, [0, 1]);
    const check = checkQueue(history, [
      first!,
      { ...second!, stream: 's9' },
      { stream: 's0', tsNs: 5n, line: canaryLineText(77, 0, 's0') },
      { stream: 's0', tsNs: 6n, line: 'not a canary line' },
    ]);
    expect(check.unexpected).toBe(3);
    // The line on the wrong stream does not count as its own acknowledged line.
    expect(check.lost).toBe(1);
    expect(check.valid).toBe(false);
  });

  it('ignores the time a line came back at when told to (lines an agent stamped)', () => {
    const history = [push('ok', [0, 1])];
    const observed = seen(history, [0, 1]).map((entry) => ({ ...entry, tsNs: entry.tsNs + 5_000_000n }));
    expect(checkQueue(history, observed).unexpected).toBe(2);
    expect(checkQueue(history, observed, { matchTimestamps: false })).toMatchObject({ lost: 0, unexpected: 0, readable: 2, valid: true });
  });
});

describe('availabilityBetween', () => {
  it('divides acknowledged pushes by pushes started in the window', () => {
    const history = [push('ok', [0], 10), push('failed', [1], 20), push('unknown', [2], 30), push('ok', [3], 40), push('ok', [4], 50)];
    expect(availabilityBetween(history, 15, 45)).toEqual({ attempted: 3, ok: 1, failed: 1, unknown: 1, ratio: 1 / 3 });
    expect(availabilityBetween(history, 100, 200).ratio).toBeUndefined();
  });
});
