// One active compactor. On a real nats-server: two compactors never run their work at once, and
// when the active one's connection closes without releasing, the other takes over once the
// lease runs out. In-process (fake timers): the same contract on the embedded bus's KV.

import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../test/helpers/nats-server.js';
import type { Bus, KvStore } from '../../bus/bus.js';
import { MemoryBroker, MemoryBus, connectNatsBus } from '../../bus/mod.js';
import { DEFAULT_LIMITS } from '../../core/limits.js';
import { MemoryStore } from '../../storage/memory-store.js';
import type { CompactorTask } from './compactor.js';
import { DEFAULT_COMPACTOR } from './config.js';
import { LeaderLease, type LeaseRecord } from './lease.js';
import { startCompactor, type RunningCompactor } from './module.js';

const TTL_MS = 2_000;

async function waitFor(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('compactor lease on a real nats-server', () => {
  let server: NatsServerHandle;
  const buses: Bus[] = [];
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await Promise.allSettled(buses.map((bus) => bus.close()));
    await server?.dispose();
  });

  it('runs one compactor at a time, and the other takes over when the active one dies', async () => {
    const store = new MemoryStore();
    let active = 0;
    let overlaps = 0;
    let notLeader = 0;
    const runs: string[] = [];
    const start = async (name: string): Promise<{ running: RunningCompactor; bus: Bus }> => {
      const bus = await connectNatsBus({ servers: server.url, name, reconnectWaitMs: 100, kvTimeoutMs: 1_000 });
      buses.push(bus);
      const running = await startCompactor({
        id: name,
        config: { ...DEFAULT_COMPACTOR, compactionIntervalMs: 50, leaderLeaseTtlMs: TTL_MS },
        bus,
        store,
        limits: () => DEFAULT_LIMITS,
        flushLagMs: 0,
        cleanupDelayMs: 0,
        registry: new Registry(),
        logger: pino({ level: 'silent' }),
      });
      const task: CompactorTask = {
        name: 'probe',
        async run(context) {
          active++;
          try {
            if (active > 1) overlaps++;
            if (!context.isLeader()) notLeader++;
            runs.push(name);
            await new Promise((resolve) => setTimeout(resolve, 30));
          } finally {
            active--;
          }
        },
      };
      running.compactor.registerTask(task);
      return { running, bus };
    };
    const a = await start('compactor-a');
    await waitFor(() => a.running.lease.leader, 'a to lead', 5_000);
    const b = await start('compactor-b');
    await waitFor(() => runs.length >= 10, 'ten runs', 10_000);
    expect(b.running.lease.leader).toBe(false);
    expect(new Set(runs)).toEqual(new Set(['compactor-a']));

    // The active one's connection closes; it never releases the lease.
    await a.bus.close();
    const closedAt = Date.now();
    await waitFor(() => b.running.lease.leader, 'b to take over', 3 * TTL_MS);
    const takeoverMs = Date.now() - closedAt;
    expect(a.running.lease.leader).toBe(false);
    const before = runs.length;
    await waitFor(() => runs.slice(before).includes('compactor-b'), 'b to run', 5_000);
    expect(takeoverMs).toBeLessThanOrEqual(3 * TTL_MS);
    expect(overlaps).toBe(0);
    expect(notLeader).toBe(0);
    await b.running.stop();
    await a.running.abandon();
  });
});

describe('compactor lease on the in-process bus', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands over on release at once, and after the TTL when the holder vanishes', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const broker = new MemoryBroker();
    const open = async () => (await new MemoryBus({ broker }).kv('norn-compactor', { ttlMs: 10_000 })) as KvStore<LeaseRecord>;
    const changes: string[] = [];
    const a = new LeaderLease(await open(), { holder: 'a', ttlMs: 10_000, onChange: (leader) => changes.push(`a:${leader}`) });
    const b = new LeaderLease(await open(), { holder: 'b', ttlMs: 10_000, onChange: (leader) => changes.push(`b:${leader}`) });
    a.start();
    await vi.advanceTimersByTimeAsync(1);
    b.start();
    await vi.advanceTimersByTimeAsync(30_000); // many renewals
    expect([a.leader, b.leader]).toEqual([true, false]);

    // Released: b takes it on its next poll.
    await a.stop();
    expect(a.leader).toBe(false);
    await vi.advanceTimersByTimeAsync(2_600);
    expect(b.leader).toBe(true);

    // b vanishes without releasing: a (started again) waits out the TTL, never sharing it.
    const again = new LeaderLease(await open(), { holder: 'a2', ttlMs: 10_000 });
    again.start();
    await b.stop({ release: false });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(again.leader).toBe(false);
    await vi.advanceTimersByTimeAsync(8_000);
    expect(again.leader).toBe(true);
    await again.stop();
    expect(changes).toEqual(['a:true', 'a:false', 'b:true', 'b:false']);
  });

  it('stops counting itself leader when renewals fail for a TTL', async () => {
    vi.useFakeTimers({ now: 5_000_000 });
    const kv = (await new MemoryBus().kv('norn-compactor', { ttlMs: 9_000 })) as KvStore<LeaseRecord>;
    let down = false;
    const flaky: KvStore<LeaseRecord> = {
      ...kv,
      get: (key) => kv.get(key),
      create: (key, value) => kv.create(key, value),
      update: async (key, value, revision) => {
        if (down) throw new Error('bus down');
        return kv.update(key, value, revision);
      },
      put: (key, value) => kv.put(key, value),
      delete: (key) => kv.delete(key),
      keys: () => kv.keys(),
      watch: (onChange) => kv.watch(onChange),
    };
    const errors: unknown[] = [];
    const lease = new LeaderLease(flaky, { holder: 'x', ttlMs: 9_000, onError: (error) => errors.push(error) });
    lease.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(lease.leader).toBe(true);
    down = true;
    await vi.advanceTimersByTimeAsync(8_000);
    expect(lease.leader).toBe(true); // within the TTL of its last renewal
    await vi.advanceTimersByTimeAsync(1_500);
    expect(lease.leader).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    await lease.stop({ release: false });
  });
});
