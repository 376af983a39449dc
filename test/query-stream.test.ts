// Query answers streamed over a real nats-server whose max_payload (64 KiB) is far below one
// ingester's answer: each ingester cuts its reply under the limit it reads from the server's
// INFO, the querier consumes the frames as they come, and the results are exact, replicas'
// copies counted once.

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvStore } from '../bus/bus.js';
import { connectNatsBus } from '../bus/mod.js';
import type { NatsBus } from '../bus/nats-bus.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { labelsFromRecord, labelsToString } from '../core/model.js';
import { DEFAULT_INGESTER } from '../actors/ingester/config.js';
import { Ingester } from '../actors/ingester/ingester.js';
import { createIngesterMetrics } from '../actors/ingester/metrics.js';
import { DEFAULT_QUERIER } from '../actors/querier/config.js';
import { ClusterQuerier } from '../actors/querier/querier.js';
import type { ChunkSource } from '../actors/querier/store-source.js';
import type { RingMember } from '../actors/ring/model.js';
import { RingWatcher } from '../actors/ring/ring-watcher.js';
import { ChunkStore, MemoryStore } from '../storage/mod.js';
import { Registry } from 'prom-client';
import { startNatsServer, type NatsServerHandle } from './helpers/nats-server.js';
import { DisabledPatternMiner } from '../actors/ingester/patterns/mod.js';

const MAX_PAYLOAD = 64 * 1024;
const STREAMS = 8;
const PER_STREAM = 6_000;
const SECOND = 1_000_000_000n;
const T0 = BigInt(Math.floor(Date.now() / 3_600_000) * 3600 - 7200) * SECOND;
const logger = pino({ level: 'silent' });

let nats: NatsServerHandle;
const buses: NatsBus[] = [];
const ingesters: Ingester[] = [];
let querier: ClusterQuerier;
let watcher: RingWatcher;

beforeAll(async () => {
  nats = await startNatsServer({ maxPayloadBytes: MAX_PAYLOAD });
  const connect = async (name: string) => {
    const bus = await connectNatsBus({ servers: nats.url, name, logger });
    buses.push(bus);
    return bus;
  };
  const querierBus = await connect('querier');
  const ring = (await querierBus.kv('norn-ring-stream-test')) as KvStore<RingMember>;
  for (const id of ['ingester-a', 'ingester-b']) {
    const ingester = new Ingester({
      id, bus: await connect(id), config: DEFAULT_INGESTER, limits: DEFAULT_LIMITS,
      flushTarget: { putChunk: async () => undefined }, metrics: createIngesterMetrics(new Registry()), logger,
      patterns: new DisabledPatternMiner(),
    });
    ingester.acceptingWrites = true;
    ingester.start();
    ingesters.push(ingester);
    // Both replicas hold every line (RF 2).
    for (let s = 0; s < STREAMS; s++) {
      const labels = labelsFromRecord({ app: 'stream-test', job: `job-${s % 2}`, stream: String(s) });
      const entries = Array.from({ length: PER_STREAM }, (_, i) => ({ ts: T0 + BigInt(i + 1) * SECOND, line: `stream=${s} n=${i} ${'pad'.repeat(20)}` }));
      await ingester.push({ tenant: 'fake', streams: [{ labelString: labelsToString(labels), labels, entries }] });
    }
    await ring.put(id, { id, state: 'ACTIVE', tokens: [id === 'ingester-a' ? 1 : 2], zone: '', heartbeatMs: Date.now(), registeredMs: Date.now() });
  }
  watcher = new RingWatcher(ring, { replicationFactor: 2, heartbeatTimeoutMs: 0, zoneAwareness: false });
  await watcher.start();
  const chunks = new ChunkStore(new MemoryStore());
  const store: ChunkSource = {
    streams: (tenant, from, through, filter) => chunks.index.streams(tenant, from, through, filter),
    fetch: (ref) => chunks.getChunk(ref),
    labelNames: (tenant, from, through) => chunks.index.labelNames(tenant, from, through),
    labelValues: (tenant, name, from, through) => chunks.index.labelValues(tenant, name, from, through),
  };
  querier = new ClusterQuerier({ bus: querierBus, ring: watcher, store, config: DEFAULT_QUERIER, limits: DEFAULT_LIMITS, logger });
}, 60_000);

afterAll(async () => {
  watcher?.stop();
  for (const ingester of ingesters) await ingester.stop();
  await Promise.all(buses.map((bus) => bus.close()));
  await nats?.dispose();
});

describe('query answers streamed under the bus limit', () => {
  it('reads max_payload from the server', () => {
    expect(buses[0]!.maxPayloadBytes).toBe(MAX_PAYLOAD);
  });

  it('answers a metric query whose samples need many frames, each line counted once', async () => {
    const end = T0 + BigInt(PER_STREAM) * SECOND;
    const response = await querier.query({
      tenant: 'fake', query: 'sum by (job) (count_over_time({app="stream-test"}[10m]))',
      start: T0 + 600n * SECOND, end, step: 600n * SECOND, interval: 0n, limit: 100, direction: 'forward', kind: 'range',
    });
    expect(response.data.resultType).toBe('matrix');
    const result = response.data.result as Array<{ metric: readonly { name: string; value: string }[]; points: Array<{ t: number; v: number }> }>;
    expect(result.map((series) => series.metric)).toEqual([[{ name: 'job', value: 'job-0' }], [{ name: 'job', value: 'job-1' }]]);
    // Every 10-minute window holds 600 lines of each of a job's 4 streams.
    for (const series of result) expect(series.points.map((p) => p.v)).toEqual(Array.from({ length: PER_STREAM / 600 }, () => 2_400));
    expect(response.stats.ingesterLinesProcessed).toBe(2 * STREAMS * PER_STREAM);
  });

  it('answers a log query whose entries need many frames, newest first, limit respected', async () => {
    const response = await querier.query({
      tenant: 'fake', query: '{app="stream-test", stream="3"}',
      start: T0, end: T0 + BigInt(PER_STREAM + 1) * SECOND, step: 0n, interval: 0n, limit: 4_000, direction: 'backward', kind: 'range',
    });
    const entries = (response.data.result as Array<{ entries: Array<{ line: string }> }>).flatMap((stream) => stream.entries);
    expect(entries).toHaveLength(4_000);
    expect(entries[0]!.line).toBe(`stream=3 n=${PER_STREAM - 1} ${'pad'.repeat(20)}`);
    expect(entries[3_999]!.line).toBe(`stream=3 n=${PER_STREAM - 4_000} ${'pad'.repeat(20)}`);
  });
});
