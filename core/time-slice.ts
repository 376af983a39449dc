// Cooperative scheduling for long synchronous scans. Node runs every request of a process on one
// event loop: a query that scans a million in-memory lines without pausing holds pushes, `/ready`
// and every other request until it ends. A scan takes a TimeSlice and calls `due()` as it goes
// (the clock is read only every `checkEvery` calls, so a check costs a counter increment); once
// the slice has run for `sliceMs`, `due()` answers true and the scan awaits `pause()`, which lets
// everything queued behind it run (timers, I/O, other requests) and starts a new slice. A scan
// written as a generator (logql's stepped selections) is driven by `run`.

export interface TimeSliceOptions {
  /** How long a scan may hold the event loop before it gives it back, ms (default 5). */
  readonly sliceMs?: number;
  /** Calls of `due()` between two readings of the clock (default 256). */
  readonly checkEvery?: number;
  /** The clock, ms (tests). */
  readonly now?: () => number;
}

export const DEFAULT_SLICE_MS = 5;

export class TimeSlice {
  private readonly sliceMs: number;
  private readonly checkEvery: number;
  private readonly now: () => number;
  private started: number;
  private calls = 0;
  /** How many times the scan gave the loop back. */
  pauses = 0;

  constructor(options: TimeSliceOptions = {}) {
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    this.checkEvery = Math.max(1, Math.floor(options.checkEvery ?? 256));
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  /** True once the slice has run for `sliceMs` (the clock is read every `checkEvery` calls): `await pause()` then. */
  due(): boolean {
    if (++this.calls < this.checkEvery) return false;
    this.calls = 0;
    return this.expired();
  }

  /** Reads the clock now: has the slice run for `sliceMs`? */
  expired(): boolean {
    return this.now() - this.started >= this.sliceMs;
  }

  /** Gives the event loop back (after timers and I/O callbacks already queued) and starts a new slice. */
  async pause(): Promise<void> {
    this.pauses++;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.calls = 0;
    this.started = this.now();
  }

  /**
   * Drives a scan written as a generator that yields every few hundred units of work (entries)
   * to its end, reading the clock at each yield and pausing once the slice has run out;
   * resolves to the generator's return value.
   */
  async run<T>(steps: Generator<unknown, T, undefined>): Promise<T> {
    for (;;) {
      const step = steps.next();
      if (step.done === true) return step.value;
      if (this.expired()) await this.pause();
    }
  }
}

/** Drives a stepped scan to its end without pausing: the synchronous form of `TimeSlice.run`. */
export function runToEnd<T>(steps: Generator<unknown, T, undefined>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}
