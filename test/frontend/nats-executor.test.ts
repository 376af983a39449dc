// The frontend's bus executor and a querier's worker on a real nats-server with a small
// `max_payload` (128 KiB): a 5,000-line log answer and a long matrix arrive whole, in frames
// that each fit; a user error crosses intact and is not retried; a cancelled piece is stopped on
// the querier by the cancel message.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { connectNatsBus, type NatsBus } from '../../bus/mod.js';
import type { KvStore } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import { NornError } from '../../core/errors.js';
import { emptyStats, type QueryParams, type QueryResponse } from '../../logql/types.js';
import { BusExecutor } from '../../actors/frontend/remote/bus-executor.js';
import { QuerierPool } from '../../actors/frontend/remote/querier-pool.js';
import { QuerierAnnouncer } from '../../actors/querier/worker/announcer.js';
import type { QuerierEntry } from '../../actors/querier/worker/protocol.js';
import { QueryWorker } from '../../actors/querier/worker/worker.js';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server.js';

const logger = pino({ level: 'silent' });
const MAX_PAYLOAD = 128 * 1024;
const base: QueryParams = { tenant: 'fake', query: '{app="a"}', start: 0n, end: 1n, step: 0n, interval: 0n, limit: 5_000, direction: 'backward', kind: 'range' };

const logs: QueryResponse = {
  data: {
    resultType: 'streams',
    result: [
      { labels: [{ name: 'app', value: 'a' }], entries: Array.from({ length: 5_000 }, (_, i) => ({ ts: 1_764_000_000_000_000_000n - BigInt(i), line: `${i} ${'y'.repeat(180)}` })) },
    ],
  },
  stats: { ...emptyStats(), totalEntriesReturned: 5_000 },
};
const matrix: QueryResponse = {
  data: {
    resultType: 'matrix',
    result: Array.from({ length: 4 }, (_, s) => ({ metric: [{ name: 'level', value: `l${s}` }], points: Array.from({ length: 10_000 }, (_, i) => ({ t: 1_764_000_000_000 + i * 1_000, v: i * 0.5 + s })) })),
  },
  stats: emptyStats(),
};

let nats: NatsServerHandle;
let gatewayBus: NatsBus;
let querierBus: NatsBus;
let pool: QuerierPool;
let executor: BusExecutor;
let worker: QueryWorker;
let cancelled: AbortSignal | undefined;
let startedSlow: () => void = () => undefined;
let badRuns = 0;

beforeAll(async () => {
  nats = await startNatsServer({ maxPayloadBytes: MAX_PAYLOAD });
  querierBus = await connectNatsBus({ servers: nats.url, name: 'querier', logger });
  gatewayBus = await connectNatsBus({ servers: nats.url, name: 'gateway', logger });
  const querierStore = (await querierBus.kv(subjects.querierBucket, { ttlMs: 60_000 })) as KvStore<QuerierEntry>;
  worker = new QueryWorker({
    id: 'querier-1',
    bus: querierBus,
    maxConcurrent: 2,
    keepaliveMs: 200,
    announcer: new QuerierAnnouncer(querierStore, { id: 'querier-1', maxConcurrent: 2, heartbeatMs: 200 }),
    logger,
    run: async (params, signal) => {
      if (params.query === 'logs') return logs;
      if (params.query === 'matrix') return matrix;
      if (params.query === 'bad') {
        badRuns += 1;
        throw new NornError('LOGQL_PARSE', 'parse error at line 1, col 5: syntax error: unexpected IDENTIFIER');
      }
      cancelled = signal;
      startedSlow();
      return new Promise<QueryResponse>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    },
  });
  await worker.start();
  const store = (await gatewayBus.kv(subjects.querierBucket, { ttlMs: 60_000 })) as KvStore<QuerierEntry>;
  pool = new QuerierPool(store, { heartbeatTimeoutMs: 2_000 });
  await pool.start();
  executor = new BusExecutor({ bus: gatewayBus, pool, maxRetries: 1, silenceTimeoutMs: 2_000, logger });
  while (pool.live().length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
}, 60_000);

afterAll(async () => {
  pool?.stop();
  await worker?.stop(1_000);
  await gatewayBus?.close();
  await querierBus?.close();
  await nats?.dispose();
});

describe('sub-queries over NATS', () => {
  it('bring a 5,000-line answer of about 1 MB back whole through a 128 KiB max_payload', async () => {
    expect(gatewayBus.maxPayloadBytes).toBeLessThanOrEqual(MAX_PAYLOAD);
    expect(await executor.execute({ params: { ...base, query: 'logs' } }, {})).toEqual(logs);
  });

  it('bring a matrix of 40,000 points back whole', async () => {
    expect(await executor.execute({ params: { ...base, query: 'matrix' } }, {})).toEqual(matrix);
  });

  it('answer a user error with its code, status and message, without a retry', async () => {
    const error = (await executor.execute({ params: { ...base, query: 'bad' } }, {}).catch((e: unknown) => e)) as NornError;
    expect([error.code, error.status, error.message]).toEqual(['LOGQL_PARSE', 400, 'parse error at line 1, col 5: syntax error: unexpected IDENTIFIER']);
    expect(badRuns).toBe(1);
  });

  it('stop a piece on the querier when its signal aborts', async () => {
    const started = new Promise<void>((resolve) => (startedSlow = resolve));
    const abort = new AbortController();
    const running = executor.execute({ params: { ...base, query: 'slow' } }, { signal: abort.signal });
    await started;
    abort.abort(new Error('the client went away'));
    await expect(running).rejects.toThrow('the client went away');
    while (cancelled?.aborted !== true) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(String(cancelled.reason)).toContain('cancelled by its gateway');
    while (worker.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pool.inFlightOn('querier-1')).toBe(0);
  });
});
