// Two `--target compactor` processes beside a real cluster (nats-server, S3 server, ingesters, a
// gateway, each its own process). First: only one is ever active, by its `/metrics` gauge and by
// the lease record in the bus KV, and when the active one is killed (SIGKILL, so the lease is
// never handed back) the other takes over, and only once the dead one's lease had run out.
// Then, with the survivor compacting every half second: lines of a finished day pushed in many
// flushes, queried through the gateway all the while; every answer holds each acknowledged line
// exactly once, before, during and after the day is merged into compacted generations. The
// ingesters keep no flushed chunk (retain_flushed 0s), so flushed lines are found through the
// store's index, the part compaction rewrites; the last answers come from the index alone, the
// very last from the newest generation alone, once what it superseded is deleted.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvWatch } from '../../bus/bus.js';
import type { LeaseRecord } from '../../actors/compactor/lease.js';
import { dayOf, dayStart } from '../../storage/keys.js';
import { LokiClient } from '../helpers/loki-client.js';
import type { NornProcess } from '../helpers/norn.js';
import { cleanUpNow, dayState, holderPid, scrape, startCompactorCluster, type CompactorCluster } from './compactor-cluster.js';

const TTL_MS = 3_000;
const INTERVAL_MS = 500;
const DAY_MS = 86_400_000;
const NS_PER_MS = 1_000_000n;
const TENANT = 'fake';
const RUNNING = 'norn_compactor_running';
const RUNS = 'norn_compactor_compact_tables_operation_total';
const MERGED = 'norn_compactor_index_objects_merged_total';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` gives a value; the timeout only bounds the wait, it asserts nothing about speed. */
async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

/** One write of the lease, with when the test saw it (after the KV server stored it). */
interface LeaseWrite {
  readonly record: LeaseRecord;
  readonly seenAtMs: number;
}

describe('compactors as separate processes', () => {
  let env: CompactorCluster;
  let watch: KvWatch | undefined;
  const writes: LeaseWrite[] = [];
  let compactors: NornProcess[] = [];
  let survivor: NornProcess | undefined;

  beforeAll(async () => {
    env = await startCompactorCluster({ ingesters: 2, replicationFactor: 2, leaseTtlMs: TTL_MS, compactionIntervalMs: INTERVAL_MS });
    // Watching before any compactor starts: every lease write, in revision order.
    watch = await env.lease.watch((change) => {
      if (change.kind === 'put' && change.key === 'compactor') writes.push({ record: change.value, seenAtMs: Date.now() });
    });
    compactors = await Promise.all([env.startCompactor('compactor-a'), env.startCompactor('compactor-b')]);
  }, 60_000);

  afterAll(async () => {
    watch?.stop();
    await env?.stop();
  });

  it('keeps one compactor active, and the other takes over only after the killed one’s lease ran out', async () => {
    const [a, b] = compactors as [NornProcess, NornProcess];
    const overlaps: string[] = [];
    const poll = async (): Promise<{ running: [number | undefined, number | undefined]; runs: [number, number] }> => {
      const [ra, rb, na, nb] = await Promise.all([scrape(a, RUNNING), scrape(b, RUNNING), scrape(a, RUNS), scrape(b, RUNS)]);
      if (ra === 1 && rb === 1) overlaps.push(`both report ${RUNNING} 1 at ${Date.now()}`);
      return { running: [ra, rb], runs: [na ?? 0, nb ?? 0] };
    };

    // One becomes active; then it runs compaction passes again and again while the other,
    // polled just as often, stays on standby and runs none.
    const first = await waitFor(async () => {
      const { running } = await poll();
      return running[0] === 1 && running[1] === 0 ? 0 : running[0] === 0 && running[1] === 1 ? 1 : undefined;
    }, 'one active compactor', 3 * TTL_MS);
    const active = first === 0 ? a : b;
    const standby = first === 0 ? b : a;
    await waitFor(async () => {
      const { running, runs } = await poll();
      expect(running[first]).toBe(1);
      expect(running[1 - first]).toBe(0);
      expect(runs[1 - first]).toBe(0);
      return runs[first] >= 3 && writes.length >= 2 ? true : undefined;
    }, 'the active compactor to run three passes and renew its lease', 6 * TTL_MS);
    expect(overlaps).toEqual([]);
    expect(new Set(writes.map((w) => w.record.holder)).size).toBe(1);
    expect(holderPid(writes[0]!.record.holder)).toBe(active.child.pid);

    // SIGKILL: no release, the lease has to run out on the KV server.
    const killedAtMs = Date.now();
    await active.stop('SIGKILL');
    const beforeTakeover = writes.length;
    const takeoverSeenAtMs = await waitFor(async () => ((await scrape(standby, RUNNING)) === 1 ? Date.now() : undefined), 'the standby to take over', 3 * TTL_MS);
    survivor = standby;

    // The dead compactor's last lease, then the survivor's; one change of holder in all. (The
    // watch may deliver the survivor's first write a moment after its gauge says 1.)
    const oldHolder = writes[0]!.record.holder;
    await waitFor(async () => (writes.some((w) => w.record.holder !== oldHolder) ? true : undefined), 'the survivor’s lease write', 3 * TTL_MS);
    const holders = writes.map((w) => w.record.holder);
    const switchAt = holders.findIndex((holder) => holder !== oldHolder);
    expect(switchAt).toBeGreaterThanOrEqual(beforeTakeover);
    expect(holders.slice(switchAt).every((holder) => holder === holders[switchAt])).toBe(true);
    expect(holderPid(holders[switchAt]!)).toBe(standby.child.pid);
    const lastOld = writes[switchAt - 1]!;
    const firstNew = writes[switchAt]!;
    // The new lease was stored (the test saw it) only once the old one had expired, and the
    // survivor reported itself active only after that too: never two believed leaders.
    expect(firstNew.seenAtMs).toBeGreaterThanOrEqual(lastOld.record.expiresAtMs);
    expect(takeoverSeenAtMs).toBeGreaterThanOrEqual(lastOld.record.expiresAtMs);
    expect(firstNew.record.acquiredAtMs).toBeGreaterThan(lastOld.record.acquiredAtMs);
    console.log(
      `compactor takeover: killed at +0 ms, old lease expired at +${lastOld.record.expiresAtMs - killedAtMs} ms, ` +
        `new lease stored by +${firstNew.seenAtMs - killedAtMs} ms, survivor active by +${takeoverSeenAtMs - killedAtMs} ms (ttl ${TTL_MS} ms)`,
    );
    // The survivor does the work now.
    const runsAtTakeover = (await scrape(standby, RUNS)) ?? 0;
    await waitFor(async () => (((await scrape(standby, RUNS)) ?? 0) > runsAtTakeover ? true : undefined), 'the survivor to run a pass', 3 * TTL_MS);
    expect(overlaps).toEqual([]);
  }, 60_000);

  it('loses and duplicates no line while a finished day is flushed, queried and compacted at once', async () => {
    expect(survivor, 'the takeover test leaves one active compactor').toBeDefined();
    const compactor = survivor!;
    const loki = new LokiClient(env.gateway.url);
    const day = dayOf(BigInt(Date.now() - 2 * DAY_MS) * NS_PER_MS);
    // The lines, a second apart, sit well inside the day; queries ask for the hour holding them.
    const baseNs = dayStart(day) + BigInt(6 * 3_600_000) * NS_PER_MS;
    const startNs = baseNs - 60_000n * NS_PER_MS;
    const endNs = baseNs + 3_600_000n * NS_PER_MS;
    // Three stretches of flushes; after each the test waits for a new compacted generation, so
    // later flushes land beside generations and every merge happens while queries run.
    const STRETCHES = 3;
    const ROUNDS_PER_STRETCH = 8;
    const PER_ROUND = 25;
    const TOTAL = STRETCHES * ROUNDS_PER_STRETCH * PER_ROUND;
    const QUERY_LOOPS = 3;
    const stream = { app: 'compaction', test: 'concurrent' };

    let sent = 0; // lines 0..sent-1 were pushed (the last push perhaps still in flight)
    let acked = 0; // lines 0..acked-1 were acknowledged
    const problems: string[] = [];
    let queries = 0;
    let stopQueries = false;

    // Every answer: no line twice, nothing never pushed, every line acknowledged before it was asked.
    const check = (lines: string[], required: number, ceiling: number, when: string): void => {
      const seen = new Set<number>();
      for (const line of lines) {
        const seq = Number(/^seq=(\d+) /.exec(line)?.[1] ?? Number.NaN);
        if (!Number.isInteger(seq) || seq >= ceiling) problems.push(`${when}: unexpected line ${JSON.stringify(line)}`);
        else if (seen.has(seq)) problems.push(`${when}: line ${seq} twice`);
        seen.add(seq);
      }
      const missing = Array.from({ length: required }, (_, seq) => seq).filter((seq) => !seen.has(seq));
      if (missing.length > 0) problems.push(`${when}: ${missing.length} acknowledged lines missing (first ${missing[0]}), answer had ${lines.length}`);
    };
    const query = (): Promise<string[]> => loki.lines('{app="compaction"}', { start: String(startNs), end: String(endNs), limit: '5000' });
    const queryLoop = async (): Promise<void> => {
      while (!stopQueries) {
        const required = acked;
        const when = `query ${queries + 1} (${required} acknowledged)`;
        try {
          const lines = await query();
          check(lines, required, sent, when);
        } catch (error) {
          problems.push(`${when}: ${(error as Error).message}`);
        }
        queries++;
      }
    };
    const loops = Array.from({ length: QUERY_LOOPS }, queryLoop);

    const round = async (r: number): Promise<void> => {
      const values: Array<[string, string]> = [];
      for (let i = 0; i < PER_ROUND; i++) {
        const seq = sent + i;
        values.push([String(baseNs + BigInt(seq) * 1_000n * NS_PER_MS), `seq=${seq} round=${r}`]);
      }
      sent += PER_ROUND;
      await loki.push([{ stream, values }]);
      acked = sent;
      const flushed = await fetch(`${env.gateway.url}/flush`, { method: 'POST' });
      expect(flushed.status).toBe(204);
    };

    let state = { generations: 0, flushed: 0, unmerged: 0 };
    try {
      for (let stretch = 0; stretch < STRETCHES; stretch++) {
        for (let r = 0; r < ROUNDS_PER_STRETCH; r++) await round(stretch * ROUNDS_PER_STRETCH + r);
        const before = state.generations;
        state = await waitFor(async () => {
          const now = await dayState(env.objects, TENANT, day);
          return now.generations > before ? now : undefined;
        }, `compacted generation ${before + 1}`, 10 * INTERVAL_MS + 3 * TTL_MS);
      }
      // Every per-flush object merged into the newest generation, as queries keep going.
      state = await waitFor(async () => {
        const now = await dayState(env.objects, TENANT, day);
        return now.unmerged === 0 ? now : undefined;
      }, 'the whole day merged', 30_000);
      const queriesAtMerge = queries;
      await waitFor(async () => (queries >= queriesAtMerge + QUERY_LOOPS ? true : undefined), 'queries after the merge', 30_000);

      expect(state.generations).toBeGreaterThanOrEqual(STRETCHES);
      expect(state.flushed).toBeGreaterThanOrEqual(STRETCHES * ROUNDS_PER_STRETCH);
      // Each per-flush object merged exactly once, all by the survivor.
      expect(await scrape(compactor, MERGED)).toBe(state.flushed);
    } finally {
      stopQueries = true;
      await Promise.all(loops);
    }

    expect(problems).toEqual([]);
    // Once the ingesters dropped every flushed chunk, the answer comes from the compacted index alone.
    await waitFor(async () => {
      const held = await Promise.all(env.ingesters.map((ingester) => scrape(ingester, 'norn_ingester_memory_chunks')));
      return held.every((chunks) => chunks === 0) ? true : undefined;
    }, 'the ingesters to drop their flushed chunks', 30_000);
    const final = await query();
    check(final, TOTAL, TOTAL, 'final query');
    expect(problems).toEqual([]);
    expect(final).toHaveLength(TOTAL);
    const compactedKeys = async () => (await env.objects.list(`${TENANT}/index/`)).map((o) => o.key).filter((key) => key.includes('/compacted/'));
    expect(await compactedKeys()).toHaveLength(state.generations);

    // The day as it ends up once the superseded objects are gone: its newest generation alone,
    // answering every line once.
    expect(await cleanUpNow(env.objects, TENANT, day)).toBeGreaterThanOrEqual(state.flushed + state.generations - 1);
    expect(await dayState(env.objects, TENANT, day)).toEqual({ generations: 1, flushed: 0, unmerged: 0 });
    expect(await compactedKeys()).toHaveLength(1);
    const compactedOnly = await query();
    check(compactedOnly, TOTAL, TOTAL, 'query of the compacted generation alone');
    expect(problems).toEqual([]);
    expect(compactedOnly).toHaveLength(TOTAL);
    console.log(`compaction under load: ${STRETCHES * ROUNDS_PER_STRETCH} flushes, ${state.flushed} per-flush objects, ${state.generations} generations, ${queries} queries`);
  }, 90_000);
});
