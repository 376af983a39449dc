import { afterEach, describe, expect, it, vi } from 'vitest';
import { fanIn, type FanInOptions } from './fan-in.js';

async function* items<T>(values: readonly T[], failWith?: string): AsyncGenerator<T> {
  for (const value of values) {
    await Promise.resolve();
    yield value;
  }
  if (failWith !== undefined) throw new Error(failWith);
}

/** A source that yields its values and then never ends, recording whether it was cancelled. */
function hanging<T>(values: readonly T[]): { items: AsyncIterable<T>; cancelled: () => boolean } {
  let cancelled = false;
  const iterator: AsyncIterator<T> = {
    next: async () => {
      const value = values.length > 0 ? (values as T[]).shift() : undefined;
      if (value !== undefined) return { done: false, value };
      return new Promise<IteratorResult<T>>(() => undefined);
    },
    return: async () => {
      cancelled = true;
      return { done: true, value: undefined };
    },
  };
  return { items: { [Symbol.asyncIterator]: () => iterator }, cancelled: () => cancelled };
}

const options = (tolerated: number, overrides: Partial<FanInOptions> = {}): FanInOptions => ({
  tolerated,
  graceMs: 1_000,
  tooManyFailures: (failures) => new Error(`${failures.length} failed: ${failures.map((f) => f.name).join(',')}`),
  ...overrides,
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('fanIn', () => {
  it('yields every item of the store and of every replica, each source in its own order', async () => {
    const out = await collect(
      fanIn(items(['s1', 's2', 's3']), [{ name: 'a', items: items(['a1', 'a2']) }, { name: 'b', items: items(['b1']) }], options(1)),
    );
    expect([...out].sort()).toEqual(['a1', 'a2', 'b1', 's1', 's2', 's3']);
    expect(out.filter((x) => x.startsWith('s'))).toEqual(['s1', 's2', 's3']);
    expect(out.filter((x) => x.startsWith('a'))).toEqual(['a1', 'a2']);
  });

  it('tolerates up to `tolerated` failing replicas and keeps what they sent before failing', async () => {
    const failures: string[] = [];
    const out = await collect(
      fanIn(items(['s']), [{ name: 'a', items: items(['a1'], 'a broke') }, { name: 'b', items: items(['b1']) }], options(1, {
        onFailure: (name, error) => failures.push(`${name}: ${(error as Error).message}`),
      })),
    );
    expect([...out].sort()).toEqual(['a1', 'b1', 's']);
    expect(failures).toEqual(['a: a broke']);
  });

  it('fails the query once more replicas fail than tolerated, and cancels the rest', async () => {
    const stuck = hanging(['c1']);
    const run = collect(
      fanIn(items(['s']), [
        { name: 'a', items: items([], 'down') },
        { name: 'b', items: items([], 'down') },
        { name: 'c', items: stuck.items },
      ], options(1)),
    );
    await expect(run).rejects.toThrow('2 failed: a,b');
    expect(stuck.cancelled()).toBe(true);
  });

  it('fails the query when the store scan fails, whatever the replicas do', async () => {
    await expect(collect(fanIn(items(['s'], 'store down'), [{ name: 'a', items: items(['a1']) }], options(1)))).rejects.toThrow('store down');
  });

  it('cancels a straggler after the grace once the store and enough replicas are done', async () => {
    vi.useFakeTimers();
    const stuck = hanging(['c1']);
    const abandoned: string[] = [];
    const out: string[] = [];
    const run = (async () => {
      for await (const item of fanIn(items(['s']), [
        { name: 'a', items: items(['a1']) },
        { name: 'b', items: items(['b1']) },
        { name: 'c', items: stuck.items },
      ], options(1, { onAbandoned: (name) => abandoned.push(name) }))) out.push(item);
    })();
    await vi.advanceTimersByTimeAsync(999);
    expect(abandoned).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await run;
    expect(abandoned).toEqual(['c']);
    expect(stuck.cancelled()).toBe(true);
    expect([...out].sort()).toEqual(['a1', 'b1', 'c1', 's']);
  });

  it('waits for its only replica when nothing is tolerated', async () => {
    vi.useFakeTimers();
    let release: () => void = () => undefined;
    const late: AsyncIterable<string> = {
      async *[Symbol.asyncIterator]() {
        await new Promise<void>((resolve) => (release = resolve));
        yield 'late';
      },
    };
    const run = collect(fanIn(items(['s']), [{ name: 'only', items: late }], options(0)));
    await vi.advanceTimersByTimeAsync(60_000);
    release();
    expect(await run).toEqual(['s', 'late']);
  });
});
