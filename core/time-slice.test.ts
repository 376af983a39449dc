// The time slice reads a fake clock here: no test depends on how fast the machine runs.

import { describe, expect, it } from 'vitest';
import { runToEnd, TimeSlice } from './time-slice.js';

function fakeClock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('TimeSlice', () => {
  it('is due only once the slice has run out, and reads the clock every checkEvery calls', () => {
    const clock = fakeClock();
    let reads = 0;
    const slice = new TimeSlice({ sliceMs: 5, checkEvery: 4, now: () => (reads++, clock.now()) });
    reads = 0;
    clock.advance(10);
    expect([slice.due(), slice.due(), slice.due()]).toEqual([false, false, false]);
    expect(reads).toBe(0);
    expect(slice.due()).toBe(true);
    expect(reads).toBe(1);
  });

  it('is not due while the slice lasts', () => {
    const clock = fakeClock();
    const slice = new TimeSlice({ sliceMs: 5, checkEvery: 1, now: clock.now });
    clock.advance(4.9);
    expect(slice.due()).toBe(false);
    clock.advance(0.1);
    expect(slice.due()).toBe(true);
  });

  it('starts a new slice after a pause, which lets queued callbacks run', async () => {
    const clock = fakeClock();
    const slice = new TimeSlice({ sliceMs: 5, checkEvery: 1, now: clock.now });
    clock.advance(6);
    expect(slice.due()).toBe(true);
    let ran = false;
    setImmediate(() => (ran = true));
    await slice.pause();
    expect(ran).toBe(true);
    expect(slice.pauses).toBe(1);
    expect(slice.due()).toBe(false);
    clock.advance(5);
    expect(slice.due()).toBe(true);
  });

  it('drives a stepped scan to its value, pausing whenever the clock says the slice ran out', async () => {
    const clock = fakeClock();
    const slice = new TimeSlice({ sliceMs: 5, now: clock.now });
    function* steps(): Generator<void, number, undefined> {
      let sum = 0;
      for (let i = 1; i <= 10; i++) {
        sum += i;
        clock.advance(2); // each step "takes" 2 ms: the slice runs out every third step
        yield;
      }
      return sum;
    }
    let immediates = 0;
    const tick = (): void => {
      immediates++;
      if (immediates < 100) setImmediate(tick);
    };
    setImmediate(tick);
    expect(await slice.run(steps())).toBe(55);
    expect(slice.pauses).toBe(3);
    expect(immediates).toBeGreaterThanOrEqual(3);
    expect(runToEnd(steps())).toBe(55);
  });
});
