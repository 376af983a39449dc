import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fanOut } from './fan-out.js';

// Fake timers: the grace period and each answer's delay are virtual, so the order of events is
// exact and the test does not depend on the machine's load.
const after = <T>(ms: number, value: T, fail = false) => () =>
  new Promise<T>((resolve, reject) => setTimeout(() => (fail ? reject(new Error(String(value))) : resolve(value)), ms));
const never = () => new Promise<string>(() => undefined);

/** Runs the fan-out while advancing virtual time until it settles. */
async function settle<T>(run: Promise<T>): Promise<T> {
  let done = false;
  const result = run.finally(() => (done = true));
  for (let i = 0; i < 1_000 && !done; i++) await vi.advanceTimersByTimeAsync(1);
  return result;
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('fanOut', () => {
  it('waits for everyone when all answer', async () => {
    const result = await settle(fanOut([after(5, 'a'), after(10, 'b'), after(1, 'c')], 1, 1_000));
    expect(result.answers.sort()).toEqual(['a', 'b', 'c']);
    expect(result.abandoned).toEqual([]);
  });

  it('leaves a straggler behind after the grace once enough answered', async () => {
    const result = await settle(fanOut([after(1, 'a'), never, after(2, 'c')], 1, 20));
    expect(result.answers.sort()).toEqual(['a', 'c']);
    expect(result.abandoned).toEqual([1]);
    expect(result.failures).toEqual([]);
  });

  it('does not leave a straggler behind before the grace has passed', async () => {
    const run = fanOut([after(1, 'a'), after(15, 'late'), after(2, 'c')], 1, 20);
    const result = await settle(run);
    expect(result.answers.sort()).toEqual(['a', 'c', 'late']);
    expect(result.abandoned).toEqual([]);
  });

  it('stops at once when more than the tolerated number fail', async () => {
    const result = await settle(fanOut([after(1, 'x', true), after(2, 'y', true), never], 1, 10_000));
    expect(result.failures.map((f) => f.index).sort()).toEqual([0, 1]);
    expect(result.abandoned).toEqual([2]);
  });

  it('tolerates nothing with one replica: waits for it past the grace', async () => {
    const result = await settle(fanOut([after(30, 'only')], 0, 1));
    expect(result.answers).toEqual(['only']);
  });

  it('resolves with nothing to ask', async () => {
    expect(await fanOut([], 0, 10)).toEqual({ answers: [], failures: [], abandoned: [] });
  });
});
