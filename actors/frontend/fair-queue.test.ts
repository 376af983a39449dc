import { describe, expect, it } from 'vitest';
import { FairQueue, TooManyOutstandingRequests } from './fair-queue.js';
import { statusOf } from '../../gateway/errors.js';

/** Work that finishes when the test says so, recording when it started. */
function gate(started: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  return { work: async () => { started.push(name); await done; return name; }, open: () => open() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FairQueue', () => {
  it("serves tenant B's small query before tenant A's backlog", async () => {
    const queue = new FairQueue({ concurrency: () => 1, parallelismOf: () => 32, maxOutstandingPerTenant: 100 });
    const started: string[] = [];
    const a = Array.from({ length: 5 }, (_, i) => gate(started, `a${i}`));
    const b = gate(started, 'b0');
    const runs = a.map((g) => queue.run('a', g.work));
    runs.push(queue.run('b', b.work));
    await tick();
    expect(started).toEqual(['a0']);
    a[0]!.open();
    await tick();
    // B's turn comes next, ahead of A's four waiting pieces.
    expect(started).toEqual(['a0', 'b0']);
    b.open();
    for (const g of a.slice(1)) {
      await tick();
      g.open();
    }
    const results = await Promise.all(runs);
    expect(started).toEqual(['a0', 'b0', 'a1', 'a2', 'a3', 'a4']);
    expect(results.map((r) => r.value)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0']);
  });

  it('runs at most max_query_parallelism of one tenant at once', async () => {
    const queue = new FairQueue({ concurrency: () => 10, parallelismOf: (tenant) => (tenant === 'a' ? 2 : 10), maxOutstandingPerTenant: 100 });
    const started: string[] = [];
    const gates = Array.from({ length: 4 }, (_, i) => gate(started, `a${i}`));
    const runs = gates.map((g) => queue.run('a', g.work));
    await tick();
    expect(started).toEqual(['a0', 'a1']);
    gates[0]!.open();
    await tick();
    expect(started).toEqual(['a0', 'a1', 'a2']);
    for (const g of gates) g.open();
    await Promise.all(runs);
  });

  it('refuses past max_outstanding_per_tenant with a 429 "too many outstanding requests"', async () => {
    const queue = new FairQueue({ concurrency: () => 1, parallelismOf: () => 1, maxOutstandingPerTenant: 2 });
    const started: string[] = [];
    const gates = Array.from({ length: 3 }, (_, i) => gate(started, `a${i}`));
    const runs = gates.map((g) => queue.run('a', g.work));
    await tick();
    // One runs, two wait: the fourth is refused; another tenant is not.
    const refused = await queue.run('a', async () => 'x').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TooManyOutstandingRequests);
    expect((refused as Error).message).toBe('too many outstanding requests');
    expect(statusOf(refused)).toBe(429);
    const other = queue.run('b', async () => 'b');
    for (const g of gates) g.open();
    await Promise.all(runs);
    expect((await other).value).toBe('b');
  });

  it('drops a waiting job when its signal fires, and never starts it', async () => {
    const queue = new FairQueue({ concurrency: () => 1, parallelismOf: () => 1, maxOutstandingPerTenant: 10 });
    const started: string[] = [];
    const first = gate(started, 'first');
    const running = queue.run('a', first.work);
    const controller = new AbortController();
    const waiting = Array.from({ length: 3 }, (_, i) => queue.run('a', gate(started, `w${i}`).work, controller.signal));
    await tick();
    expect(queue.queued('a')).toBe(3);
    controller.abort(new Error('client gone'));
    const outcomes = await Promise.allSettled(waiting);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(queue.queued('a')).toBe(0);
    first.open();
    await running;
    await tick();
    expect(started).toEqual(['first']);
  });
});
