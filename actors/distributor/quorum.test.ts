import { describe, expect, it } from 'vitest';
import { QuorumError, sendWithQuorum, type ReplicatedItem } from './quorum.js';

const size = (value: string) => value.length;

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('sendWithQuorum', () => {
  it('resolves once every item has a quorum, without waiting for stragglers', async () => {
    const items: ReplicatedItem<string>[] = [
      { value: 's1', replicas: ['a', 'b', 'c'], quorum: 2 },
      { value: 's2', replicas: ['b', 'c', 'd'], quorum: 2 },
    ];
    const calls = new Map<string, ReturnType<typeof deferred<string>>>();
    const done = sendWithQuorum(items, 1_000, (replica) => {
      const call = deferred<string>();
      calls.set(replica, call);
      return call.promise;
    }, size);
    expect([...calls.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    let settled = false;
    void done.then(() => (settled = true));

    calls.get('b')!.resolve('b');
    await Promise.resolve();
    expect(settled).toBe(false);
    calls.get('c')!.resolve('c'); // s1: b, c  s2: b, c
    expect(await done).toEqual(['b', 'c']);
    calls.get('a')!.reject(new Error('late failure is ignored'));
  });

  it('fails as soon as one item cannot reach its quorum', async () => {
    const items: ReplicatedItem<string>[] = [{ value: 's1', replicas: ['a', 'b', 'c'], quorum: 2 }];
    const done = sendWithQuorum(items, 1_000, async (replica) => {
      if (replica !== 'a') throw new Error(`${replica} down`);
      return replica;
    }, size);
    await expect(done).rejects.toBeInstanceOf(QuorumError);
    await expect(done).rejects.toThrow(/required replicas acknowledged/);
  });

  it('tolerates failures up to replicas minus quorum', async () => {
    const items: ReplicatedItem<string>[] = [{ value: 's1', replicas: ['a', 'b', 'c'], quorum: 2 }];
    const replies = await sendWithQuorum(items, 1_000, async (replica) => {
      if (replica === 'b') throw new Error('b down');
      return replica;
    }, size);
    expect(replies.sort()).toEqual(['a', 'c']);
  });

  it('batches each replica\'s items within the size budget', async () => {
    const items: ReplicatedItem<string>[] = ['aaaa', 'bbbb', 'cccc'].map((value) => ({ value, replicas: ['x'], quorum: 1 }));
    const batches: string[][] = [];
    await sendWithQuorum(items, 8, async (_replica, values) => {
      batches.push(values);
      return values.length;
    }, size);
    expect(batches).toEqual([['aaaa', 'bbbb'], ['cccc']]);
  });

  it('resolves at once with nothing to send', async () => {
    expect(await sendWithQuorum([], 10, async () => 1, size)).toEqual([]);
  });
});
