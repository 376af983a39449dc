// The frontend's remote executor against queriers' workers on one in-process broker: dispatch by
// free slots, retries on failure and silence, user errors passed through, cancellation, graceful
// stop and the fallback to this process.

import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { MemoryBroker, MemoryBus } from '../../../bus/mod.js';
import type { KvStore } from '../../../bus/bus.js';
import { subjects } from '../../../bus/subjects.js';
import { NornError } from '../../../core/errors.js';
import { emptyStats, type QueryParams, type QueryResponse } from '../../../logql/types.js';
import { QuerierAnnouncer } from '../../querier/worker/announcer.js';
import type { QuerierEntry } from '../../querier/worker/protocol.js';
import { QueryWorker, type RunSubQuery } from '../../querier/worker/worker.js';
import type { SubQueryExecutor } from '../executor.js';
import { BusExecutor, NoQuerierError } from './bus-executor.js';
import { remoteExecutorMetrics } from './metrics.js';
import { QuerierOrLocalExecutor } from './querier-or-local.js';
import { QuerierPool } from './querier-pool.js';

const logger = pino({ level: 'silent' });
const params: QueryParams = { tenant: 'fake', query: '{app="a"}', start: 0n, end: 1_000n, step: 0n, interval: 0n, limit: 100, direction: 'backward', kind: 'range' };
const answer = (line: string): QueryResponse => ({
  data: { resultType: 'streams', result: [{ labels: [{ name: 'app', value: 'a' }], entries: [{ ts: 5n, line }] }] },
  stats: emptyStats(),
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { maxRetries?: number; silenceTimeoutMs?: number } = {}) {
  const broker = new MemoryBroker();
  const gatewayBus = new MemoryBus({ broker });
  const store = (await gatewayBus.kv(subjects.querierBucket)) as KvStore<QuerierEntry>;
  const pool = new QuerierPool(store, { heartbeatTimeoutMs: 2_000, checkEveryMs: 50 });
  await pool.start();
  const registry = new Registry();
  const metrics = remoteExecutorMetrics(registry, pool);
  const executor = new BusExecutor({ bus: gatewayBus, pool, maxRetries: options.maxRetries ?? 5, silenceTimeoutMs: options.silenceTimeoutMs ?? 2_000, metrics, logger });
  const workers: QueryWorker[] = [];
  const startQuerier = async (id: string, run: RunSubQuery, workerOptions: { maxConcurrent?: number; keepaliveMs?: number } = {}) => {
    const bus = new MemoryBus({ broker });
    const querierStore = (await bus.kv(subjects.querierBucket)) as KvStore<QuerierEntry>;
    const maxConcurrent = workerOptions.maxConcurrent ?? 2;
    const announcer = new QuerierAnnouncer(querierStore, { id, maxConcurrent, heartbeatMs: 100 });
    const worker = new QueryWorker({ id, bus, run, maxConcurrent, keepaliveMs: workerOptions.keepaliveMs ?? 50, announcer, logger });
    await worker.start();
    workers.push(worker);
    cleanups.push(() => worker.stop(100));
    return worker;
  };
  const waitForLive = async (count: number) => {
    while (pool.live().length !== count) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  cleanups.push(() => pool.stop());
  return { pool, executor, metrics, registry, startQuerier, waitForLive, workers };
}

const retries = async (registry: Registry) => (await registry.getSingleMetric('norn_frontend_retries_total')!.get()).values[0]?.value ?? 0;

describe('remote sub-queries', () => {
  it('runs a sub-query on the querier with the most free slots; its concurrency is every live slot', async () => {
    const { executor, startQuerier, waitForLive, pool } = await setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await startQuerier('q1', async (p) => {
      await gate;
      return answer(`from q1 for ${p.query}`);
    });
    await startQuerier('q2', async () => answer('from q2'), { maxConcurrent: 3 });
    await waitForLive(2);
    expect(executor.concurrency()).toBe(5);
    // The one with the most free slots takes the first job.
    const first = executor.execute({ params }, {});
    expect(pool.inFlightOn('q2')).toBe(1);
    expect(pool.freeSlots()).toBe(4);
    expect(executor.concurrency()).toBe(5);
    await expect(first).resolves.toEqual(answer('from q2'));
    expect(pool.freeSlots()).toBe(5);
    release();
  });

  it('retries a querier failure elsewhere, and passes a user error through untouched', async () => {
    const { executor, startQuerier, waitForLive, registry } = await setup();
    await startQuerier('q1', async () => {
      throw new NornError('STORAGE_UNAVAILABLE', 'object storage is down');
    }, { maxConcurrent: 5 });
    await startQuerier('q2', async (p) => {
      if (p.query === 'bad') throw new NornError('LOGQL_PARSE', 'parse error at line 1, col 1: syntax error');
      return answer('from q2');
    });
    await waitForLive(2);
    await expect(executor.execute({ params }, {})).resolves.toEqual(answer('from q2'));
    expect(await retries(registry)).toBe(1);
    const error = await executor.execute({ params: { ...params, query: 'bad' } }, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NornError);
    expect((error as NornError).code).toBe('LOGQL_PARSE');
    expect((error as NornError).status).toBe(400);
    expect((error as NornError).message).toBe('parse error at line 1, col 1: syntax error');
  });

  it('gives one clear error after max_retries', async () => {
    const { executor, startQuerier, waitForLive, registry } = await setup({ maxRetries: 2 });
    let calls = 0;
    await startQuerier('q1', async () => {
      calls += 1;
      throw new NornError('STORAGE_UNAVAILABLE', 'object storage is down');
    });
    await waitForLive(1);
    const error = (await executor.execute({ params }, {}).catch((e: unknown) => e)) as NornError;
    expect(calls).toBe(3);
    expect(error.status).toBe(500);
    expect(error.message).toMatch(/^sub-query failed on 3 attempts, the last: .*object storage is down/);
    expect(await retries(registry)).toBe(2);
  });

  it('retries on another querier when one goes silent mid-query', async () => {
    const { executor, startQuerier, waitForLive, registry } = await setup({ silenceTimeoutMs: 300 });
    // q1 takes the job and never sends a keepalive or an answer, as a frozen process would.
    await startQuerier('q1', () => new Promise<QueryResponse>(() => undefined), { maxConcurrent: 4, keepaliveMs: 60_000 });
    await startQuerier('q2', async () => answer('from q2'), { maxConcurrent: 1 });
    await waitForLive(2);
    await expect(executor.execute({ params }, {})).resolves.toEqual(answer('from q2'));
    expect(await retries(registry)).toBe(1);
  });

  it('cancels the sub-query on its querier when the signal aborts', async () => {
    const { executor, startQuerier, waitForLive } = await setup();
    let seen: AbortSignal | undefined;
    const started = new Promise<void>((resolve) => {
      void startQuerier('q1', (_p, signal) => {
        seen = signal;
        resolve();
        return new Promise<QueryResponse>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      });
    });
    await waitForLive(1);
    const abort = new AbortController();
    const running = executor.execute({ params }, { signal: abort.signal });
    await started;
    abort.abort(new Error('client went away'));
    await expect(running).rejects.toThrow('client went away');
    while (seen?.aborted !== true) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen.aborted).toBe(true);
  });

  it('finishes the jobs it holds when stopped, takes no new ones and leaves the bucket', async () => {
    const { executor, startQuerier, waitForLive, pool } = await setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const q1 = await startQuerier('q1', async () => {
      started();
      await gate;
      return answer('from q1');
    });
    await waitForLive(1);
    const job = executor.execute({ params }, {});
    await running;
    const stopping = q1.stop(5_000);
    await waitForLive(0);
    expect(pool.status().queriers.map((q) => q.state)).toEqual(['LEAVING']);
    release();
    await expect(job).resolves.toEqual(answer('from q1'));
    await stopping;
    await expect(executor.execute({ params }, {})).rejects.toBeInstanceOf(NoQuerierError);
    expect(pool.status().queriers).toEqual([]);
  });

  it('runs here while no querier is live, on queriers once one is', async () => {
    const { pool, executor, metrics, startQuerier, waitForLive } = await setup();
    const local: SubQueryExecutor = { concurrency: () => 7, execute: async () => answer('local') };
    const choosing = new QuerierOrLocalExecutor(pool, executor, local, metrics);
    expect(choosing.concurrency()).toBe(7);
    await expect(choosing.execute({ params }, {})).resolves.toEqual(answer('local'));
    await startQuerier('q1', async () => answer('remote'), { maxConcurrent: 3 });
    await waitForLive(1);
    expect(choosing.concurrency()).toBe(3);
    await expect(choosing.execute({ params }, {})).resolves.toEqual(answer('remote'));
  });
});
