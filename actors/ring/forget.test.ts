import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../bus/memory-bus.js';
import type { KvStore } from '../../bus/bus.js';
import { AutoForget, forgetMember, type ForgetLogger } from './forget.js';
import type { RingMember } from './model.js';

const TIMEOUT_MS = 60_000;
const NOW = 1_800_000_000_000;

function member(id: string, heartbeatAgeMs: number): RingMember {
  return { id, state: 'ACTIVE', tokens: [1, 2, 3], zone: '', heartbeatMs: NOW - heartbeatAgeMs, registeredMs: NOW - 3_600_000 };
}

async function ringWith(...members: RingMember[]): Promise<KvStore<RingMember>> {
  const store = (await new MemoryBus().kv('norn-ring')) as KvStore<RingMember>;
  for (const entry of members) await store.put(entry.id, entry);
  return store;
}

function recordingLogger(): ForgetLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (_fields, message) => void lines.push(`info ${message}`), warn: (_fields, message) => void lines.push(`warn ${message}`) };
}

function autoForget(store: KvStore<RingMember>, logger = recordingLogger(), counted: number[] = []): AutoForget {
  return new AutoForget({
    store,
    selfId: 'ingester-1',
    heartbeatMs: 5_000,
    heartbeatTimeoutMs: TIMEOUT_MS,
    logger,
    forgotten: { inc: () => void counted.push(1) },
    now: () => NOW,
  });
}

describe('forgetMember', () => {
  it('deletes the member and says whether there was one', async () => {
    const store = await ringWith(member('ingester-1', 0), member('ingester-dead', 10 * TIMEOUT_MS));
    expect(await forgetMember(store, 'ingester-dead')).toBe(true);
    expect((await store.keys()).sort()).toEqual(['ingester-1']);
    expect(await forgetMember(store, 'ingester-dead')).toBe(false);
    expect(await forgetMember(store, 'nobody')).toBe(false);
  });
});

describe('AutoForget (Loki autoforget_unhealthy)', () => {
  it('forgets members whose heartbeat is older than the timeout, keeps the rest, counts and logs each', async () => {
    const store = await ringWith(
      member('ingester-1', 1_000),
      member('ingester-2', TIMEOUT_MS),
      member('ingester-3', TIMEOUT_MS + 1),
      member('ingester-4', 7 * TIMEOUT_MS),
    );
    const logger = recordingLogger();
    const counted: number[] = [];
    const round = await autoForget(store, logger, counted).round();
    expect(round).toEqual({ kind: 'forgot', ids: ['ingester-3', 'ingester-4'] });
    expect((await store.keys()).sort()).toEqual(['ingester-1', 'ingester-2']);
    expect(counted).toHaveLength(2);
    expect(logger.lines).toEqual([
      `info autoforget removed ingester ingester-3 from the ring: no heartbeat for ${TIMEOUT_MS + 1} ms (timeout ${TIMEOUT_MS} ms)`,
      `info autoforget removed ingester ingester-4 from the ring: no heartbeat for ${7 * TIMEOUT_MS} ms (timeout ${TIMEOUT_MS} ms)`,
    ]);
  });

  it('does nothing while every member heartbeats', async () => {
    const store = await ringWith(member('ingester-1', 0), member('ingester-2', 30_000));
    expect(await autoForget(store).round()).toEqual({ kind: 'nothing' });
    expect(await store.keys()).toHaveLength(2);
  });

  it('skips the round when this ingester looks unhealthy itself: the partition may be its own', async () => {
    const store = await ringWith(member('ingester-1', 2 * TIMEOUT_MS), member('ingester-2', 0), member('ingester-3', 5 * TIMEOUT_MS));
    const logger = recordingLogger();
    const round = await autoForget(store, logger).round();
    expect(round.kind).toBe('skipped');
    expect(await store.keys()).toHaveLength(3);
    expect(logger.lines[0]).toBe('warn autoforget skips this round: this ingester (ingester-1) is unhealthy in the ring; the network may be partitioned');
  });

  it('skips the round when this ingester is not in the ring', async () => {
    const store = await ringWith(member('ingester-2', 0), member('ingester-3', 0), member('ingester-4', 5 * TIMEOUT_MS));
    expect((await autoForget(store).round()).kind).toBe('skipped');
    expect(await store.keys()).toHaveLength(3);
  });

  it('skips the round when every other member looks unhealthy, as Loki does', async () => {
    const store = await ringWith(member('ingester-1', 0), member('ingester-2', 5 * TIMEOUT_MS), member('ingester-3', 5 * TIMEOUT_MS));
    const logger = recordingLogger();
    const round = await autoForget(store, logger).round();
    expect(round).toEqual({ kind: 'skipped', reason: '2 of 3 members are unhealthy, every one but this ingester; the network may be partitioned' });
    expect(await store.keys()).toHaveLength(3);
  });

  it('keeps a member that heartbeats between the round reading the ring and deleting it', async () => {
    const store = await ringWith(member('ingester-1', 0), member('ingester-2', 0), member('ingester-3', 5 * TIMEOUT_MS));
    // Its beat lands after the round read the ring, before the round reads that member again.
    const get = store.get.bind(store);
    let reads = 0;
    store.get = async (key) => {
      if (key === 'ingester-3' && ++reads === 2) await store.put('ingester-3', member('ingester-3', 0));
      return get(key);
    };
    expect(await autoForget(store).round()).toEqual({ kind: 'nothing' });
    expect((await store.keys()).sort()).toEqual(['ingester-1', 'ingester-2', 'ingester-3']);
  });
});
