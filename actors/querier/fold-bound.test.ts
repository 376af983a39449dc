// The querier lets the store scan fold only what no ingester holds: a real ingester holding the
// newest lines, some of them also in the store (flushed and still retained), and the store's
// older lines folded in the scan's worker threads; every line counts once. An ingester that
// said it holds nothing old but then answers with old entries costs a second, unfolded
// selection, and the answer is still exact.

import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus, subjects, type KvStore } from '../../bus/mod.js';
import { DEFAULT_LIMITS } from '../../core/limits.js';
import { labelsFromRecord, labelsToString, type Entry } from '../../core/model.js';
import { emptyStats, type QueryParams } from '../../logql/types.js';
import { ChunkStore, MemChunk, MemoryStore } from '../../storage/mod.js';
import { DEFAULT_INGESTER } from '../ingester/config.js';
import { Ingester } from '../ingester/ingester.js';
import { createIngesterMetrics } from '../ingester/metrics.js';
import { DisabledPatternMiner } from '../ingester/patterns/mod.js';
import type { IngesterQueryFrame, IngesterQueryRequest } from '../ingester/protocol.js';
import type { RingMember } from '../ring/model.js';
import { RingWatcher } from '../ring/ring-watcher.js';
import { selectChunkSamples } from '../select/stored-samples.js';
import { sampleBatches } from '../select/sample-batch.js';
import { DEFAULT_QUERIER } from './config.js';
import type { FoldOutcome } from './fold-bound.js';
import { ClusterQuerier } from './querier.js';
import { ScanPool } from './scan-pool/pool.js';
import { decodeChunk } from '../../storage/chunk/mod.js';

const S = 1_000_000_000n;
const T0 = BigInt(Math.floor(Date.now() / 3_600_000) * 3600 - 7200) * S;
const labels = labelsFromRecord({ app: 'fold', job: 'j' });
const logger = pino({ level: 'silent' });
/** A line a second: seconds [0, 600) in the store, [500, 900) in the ingester. */
const entry = (i: number): Entry => ({ ts: T0 + BigInt(i) * S, line: `level=${i % 4 === 0 ? 'error' : 'info'} n=${i}` });
const range = (from: number, to: number): Entry[] => Array.from({ length: to - from }, (_, k) => entry(from + k));

let bus: MemoryBus;
let pool: ScanPool;
let watcher: RingWatcher;
let ingester: Ingester;
let ring: KvStore<RingMember>;
const outcomes: FoldOutcome[] = [];
let querier: ClusterQuerier;
const stored = new ChunkStore(new MemoryStore(), { listCacheTtlMs: 0 });

beforeAll(async () => {
  bus = new MemoryBus();
  ring = (await bus.kv('norn-ring-fold-test')) as KvStore<RingMember>;
  for (const part of [range(0, 300), range(300, 600)]) {
    const chunk = new MemChunk({ blockSizeBytes: 2_000 });
    for (const e of part) chunk.append(e);
    await stored.putChunk('fake', labels, chunk.encode());
  }
  ingester = new Ingester({
    id: 'ingester-a', bus, config: DEFAULT_INGESTER, limits: DEFAULT_LIMITS,
    flushTarget: { putChunk: async () => undefined }, metrics: createIngesterMetrics(new Registry()), logger,
    patterns: new DisabledPatternMiner(),
  });
  ingester.acceptingWrites = true;
  ingester.start();
  await ingester.push({ tenant: 'fake', streams: [{ labelString: labelsToString(labels), labels, entries: range(500, 900) }] });
  await ring.put('ingester-a', { id: 'ingester-a', state: 'ACTIVE', tokens: [1], zone: '', heartbeatMs: Date.now(), registeredMs: Date.now() });
  watcher = new RingWatcher(ring, { replicationFactor: 1, heartbeatTimeoutMs: 0, zoneAwareness: false });
  await watcher.start();
  pool = new ScanPool({ size: 1 });
  querier = new ClusterQuerier({
    bus, ring: watcher, config: DEFAULT_QUERIER, limits: DEFAULT_LIMITS, logger, scanPool: pool,
    store: {
      streams: (tenant, from, through, filter) => stored.index.streams(tenant, from, through, filter),
      fetch: (ref) => stored.getChunk(ref),
      labelNames: (tenant, from, through) => stored.index.labelNames(tenant, from, through),
      labelValues: (tenant, name, from, through) => stored.index.labelValues(tenant, name, from, through),
    },
    onFold: (outcome) => outcomes.push(outcome),
  });
}, 30_000);

afterAll(async () => {
  watcher?.stop();
  await ingester?.stop();
  await pool?.close();
  await bus?.close();
});

async function countsPerWindow(query: string, step: number): Promise<Array<[number, number]>> {
  const params: QueryParams = {
    tenant: 'fake', query, start: T0 + 60n * S, end: T0 + 960n * S, step: BigInt(step) * S, interval: 0n, limit: 100, direction: 'forward', kind: 'range',
  };
  const response = await querier.query(params);
  const result = response.data.result as Array<{ points: Array<{ t: number; v: number }> }>;
  expect(result).toHaveLength(1);
  return result[0]!.points.map((p) => [p.t, p.v]);
}

/** What each window (t - range, t] holds of the lines in [0, 900) s, every line once. */
function expected(step: number, range: number, value: (i: number) => number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let t = 60; t <= 960; t += step) {
    let sum = 0;
    for (let i = 0; i < 900; i++) if (i > t - range && i <= t) sum += value(i);
    if (sum > 0) out.push([Number((T0 + BigInt(t) * S) / 1_000_000n), sum]);
  }
  return out;
}

describe('folding in the store scan, bounded by what the ingesters hold', () => {
  it('counts every line once where the store and an ingester both hold some', async () => {
    outcomes.length = 0;
    expect(await countsPerWindow('sum(count_over_time({app="fold"}[1m]))', 30)).toEqual(expected(30, 60, () => 1));
    const bytes = (i: number) => Buffer.byteLength(entry(i).line);
    expect(await countsPerWindow('sum(bytes_over_time({app="fold"}[45s]))', 20)).toEqual(expected(20, 45, bytes));
    expect(outcomes).toEqual(['folded', 'folded']);
  });

  it('answers oldestEntry from chunk metadata, refuses a selector that does not parse, and keeps serving', async () => {
    const ask = async (query: string) => {
      const frames: IngesterQueryFrame[] = [];
      const request: IngesterQueryRequest = { kind: 'oldestEntry', params: { tenant: 'fake', start: T0, end: T0 + 1_000n * S, query } };
      for await (const frame of bus.requestStream<IngesterQueryFrame>(subjects.ingesterQuery('ingester-a'), request, { timeoutMs: 5_000 })) frames.push(frame);
      return frames;
    };
    expect(await ask('{app="fold"}')).toEqual([{ oldestEntry: T0 + 500n * S }]);
    expect(await ask('{app="none"}')).toEqual([{ oldestEntry: null }]);
    await expect(ask('{app="fold"')).rejects.toThrow(/parse error/);
    expect(await ask('{job="j"}')).toEqual([{ oldestEntry: T0 + 500n * S }]);
  });

  it('selects again, unfolded, when an ingester answers with an entry older than it said it holds', async () => {
    // A second ingester that says it holds nothing, then sends copies of the store's first lines.
    const copies = selectChunkSamples(
      [{ labels, chunks: await Promise.all((await stored.index.streams('fake', T0, T0 + 1_000n * S))[0]!.chunks.map(async (ref) => decodeChunk((await stored.objects.get(ref.key))!))) }],
      { tenant: 'fake', expr: 'sum(count_over_time({app="fold"}[1m]))', start: T0, end: T0 + 100n * S },
      emptyStats(),
    );
    const liar = bus.handle<IngesterQueryRequest, IngesterQueryFrame>(subjects.ingesterQuery('ingester-b'), async function* (request) {
      if (request.kind === 'oldestEntry') yield { oldestEntry: null };
      if (request.kind === 'samples') {
        yield { sampleBatches: copies.flatMap((series) => [...sampleBatches(series, 1 << 20)]) };
        yield { stats: {} };
      }
    });
    await ring.put('ingester-b', { id: 'ingester-b', state: 'ACTIVE', tokens: [2], zone: '', heartbeatMs: Date.now(), registeredMs: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, 50));
    outcomes.length = 0;
    try {
      expect(await countsPerWindow('sum(count_over_time({app="fold"}[1m]))', 30)).toEqual(expected(30, 60, () => 1));
      expect(outcomes).toEqual(['folded', 'conflict']);
    } finally {
      liar.unsubscribe();
      await ring.delete('ingester-b');
    }
  });
});
