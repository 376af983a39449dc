// Retention against a real S3 server, with an injected clock: expired chunks leave the index at
// once and the bucket only after retention_delete_delay; per-stream rules pick by priority; a
// chunk indexed under two days is deleted only once neither day references it.

import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3ServerHandle } from '../../test/helpers/s3-server.js';
import { DEFAULT_LIMITS, type LimitsConfig } from '../../core/limits.js';
import { labelsFromRecord, labelsToString, type Labels } from '../../core/model.js';
import { ChunkStore } from '../../storage/chunk-store.js';
import { MemChunk } from '../../storage/chunk/mem-chunk.js';
import { dayOf, indexDayMarkerKey } from '../../storage/keys.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { S3Store } from '../../storage/s3-store.js';
import type { ChunkRef } from '../../storage/index/types.js';
import { Compactor } from './compactor.js';
import { DEFAULT_COMPACTOR } from './config.js';
import { compactorMetrics } from './metrics.js';
import { MemoryStore } from '../../storage/memory-store.js';
import { IndexCompactor } from '../../storage/index/index-compactor.js';
import { DeletionMarks } from './marks.js';
import { Retention, RetentionPolicy } from './retention.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const NS = 1_000_000n;
const D0_MS = 19_675 * DAY_MS; // 2023-11-14T00:00:00Z
const ns = (ms: number): bigint => BigInt(ms) * NS;

const prodApi = labelsFromRecord({ app: 'api', env: 'prod' });
const devWeb = labelsFromRecord({ app: 'web', env: 'dev' });
const devAudit = labelsFromRecord({ app: 'audit', env: 'dev' });

const limits: LimitsConfig = {
  ...DEFAULT_LIMITS,
  retentionPeriodMs: 30 * DAY_MS,
  retentionStream: [
    { selector: '{env="dev"}', periodMs: 7 * DAY_MS, priority: 1 },
    { selector: '{app="audit"}', periodMs: 0, priority: 2 }, // audit is kept forever, dev or not
  ],
  overrides: { keep: { ...DEFAULT_LIMITS, retentionPeriodMs: 0 } },
};

describe('RetentionPolicy', () => {
  it('picks the matching rule of highest priority, the shorter period on a tie, else the tenant period', () => {
    const policy = new RetentionPolicy({
      ...DEFAULT_LIMITS,
      retentionPeriodMs: 744 * HOUR_MS,
      retentionStream: [
        { selector: '{namespace="prod"}', periodMs: 336 * HOUR_MS, priority: 2 },
        { selector: '{container="loki"}', periodMs: 72 * HOUR_MS, priority: 1 },
        { selector: '{container=~"lo.*"}', periodMs: 48 * HOUR_MS, priority: 1 },
      ],
    });
    expect(policy.periodFor(labelsFromRecord({ namespace: 'prod', container: 'loki' }))).toBe(336 * HOUR_MS);
    expect(policy.periodFor(labelsFromRecord({ namespace: 'dev', container: 'loki' }))).toBe(48 * HOUR_MS);
    expect(policy.periodFor(labelsFromRecord({ namespace: 'dev', container: 'nginx' }))).toBe(744 * HOUR_MS);
    expect(policy.shortestMs).toBe(48 * HOUR_MS);
    expect(new RetentionPolicy(DEFAULT_LIMITS).shortestMs).toBeUndefined(); // 0: keep forever
  });

  it('expires a chunk when its last entry is older than now minus the period', () => {
    const policy = new RetentionPolicy({ ...DEFAULT_LIMITS, retentionPeriodMs: DAY_MS });
    const ref = { through: ns(D0_MS) } as ChunkRef;
    expect(policy.expired(prodApi, ref, D0_MS + DAY_MS)).toBe(false);
    expect(policy.expired(prodApi, ref, D0_MS + DAY_MS + 1)).toBe(true);
  });
});

describe('Retention', () => {
  it('reads a kept day again only when it changed or its next chunk can expire', async () => {
    class CountingStore extends MemoryStore {
      generationReads = 0;
      override async get(key: string) {
        if (key.includes('/compacted/')) this.generationReads++;
        return super.get(key);
      }
    }
    const objects = new CountingStore();
    const clock = { now: D0_MS + 40 * DAY_MS };
    const chunk = new MemChunk();
    chunk.append({ ts: ns(D0_MS + HOUR_MS), line: 'audit' });
    await new ChunkStore(objects).putChunk('t', devAudit, chunk.encode()); // kept forever
    const web = new MemChunk();
    web.append({ ts: ns(D0_MS + 35 * DAY_MS), line: 'web' });
    const webRef = await new ChunkStore(objects).putChunk('t', devWeb, web.encode()); // 7d rule: expires at day 42
    const index = new IndexCompactor(objects, { cleanupDelayMs: 0, now: () => clock.now });
    const retention = new Retention({ index, marks: new DeletionMarks(objects, index, () => clock.now), limits: () => limits, deleteDelayMs: 0, now: () => clock.now });
    for (const day of await index.days('t')) {
      await index.compactDay('t', day);
      await index.compactDay('t', day); // the cleanup: only the generation stays
    }
    const days = await index.days('t');
    await retention.applyTenant('t', days);
    const reads = objects.generationReads;
    await retention.applyTenant('t', days);
    clock.now += DAY_MS;
    await retention.applyTenant('t', days);
    expect(objects.generationReads).toBe(reads); // listed, not read
    clock.now += 2 * DAY_MS; // day 43: the web chunk's time has come
    expect((await retention.applyTenant('t', days)).refsRemoved).toBe(1);
    expect((await index.referenced('t', [webRef])).size).toBe(0);
  });
});

describe('retention on S3', () => {
  let server: S3ServerHandle;
  let objects: ObjectStore;
  beforeAll(async () => {
    server = await startS3Server();
    objects = new S3Store({ endpoint: server.endpoint, bucket: 'retention', accessKey: server.accessKey, secretKey: server.secretKey });
    await objects.put('~created', new Uint8Array(0));
  });
  afterAll(async () => {
    await server?.close();
  });

  async function flush(tenant: string, labels: Labels, fromMs: number, minutes: number): Promise<ChunkRef> {
    const chunk = new MemChunk();
    for (let i = 0; i <= minutes; i++) chunk.append({ ts: ns(fromMs + i * 60_000), line: `${labelsToString(labels)} ${i}` });
    return new ChunkStore(objects).putChunk(tenant, labels, chunk.encode());
  }

  async function chunkObjects(tenant: string): Promise<string[]> {
    return (await objects.list(`${tenant}/`)).map((o) => o.key).filter((key) => !key.startsWith(`${tenant}/index/`)).sort();
  }

  async function indexed(tenant: string): Promise<string[]> {
    const reader = new ChunkStore(objects, { listCacheTtlMs: 0 });
    return (await reader.index.streams(tenant, 0n, ns(D0_MS + 100 * DAY_MS))).flatMap((s) => s.chunks.map((c) => c.key)).sort();
  }

  function compactorAt(clock: { now: number }, registry = new Registry()) {
    const metrics = compactorMetrics(registry);
    const compactor = new Compactor({
      store: objects,
      lease: { leader: true, start: () => undefined, stop: async () => undefined },
      config: { ...DEFAULT_COMPACTOR, retentionEnabled: true, retentionDeleteDelayMs: 2 * HOUR_MS },
      limits: () => limits,
      flushLagMs: 3 * HOUR_MS,
      cleanupDelayMs: 10 * 60_000,
      metrics,
      logger: pino({ level: 'silent' }),
      now: () => clock.now,
    });
    return { compactor, registry };
  }

  it('removes expired refs from the index, then the chunks after the delete delay', async () => {
    const clock = { now: D0_MS + 40 * DAY_MS };
    const old = await flush('acme', prodApi, D0_MS + HOUR_MS, 30); // 40 days: past 30d
    const recent = await flush('acme', prodApi, D0_MS + 20 * DAY_MS, 30); // 20 days: kept
    const devOld = await flush('acme', devWeb, D0_MS + 20 * DAY_MS + HOUR_MS, 30); // dev: 7d rule
    const audit = await flush('acme', devAudit, D0_MS + 2 * HOUR_MS, 30); // audit: kept forever (priority 2)
    const lonely = await flush('acme', prodApi, D0_MS + DAY_MS + HOUR_MS, 30); // its day empties
    const other = await flush('keep', prodApi, D0_MS + HOUR_MS, 30); // tenant override: forever
    const allChunks = [old, recent, devOld, audit, lonely].map((r) => r.key).sort();
    expect(await chunkObjects('acme')).toEqual(allChunks);

    const { compactor, registry } = compactorAt(clock);
    const first = await compactor.runOnce();
    expect(first?.refsRemoved).toBe(3);
    expect(await indexed('acme')).toEqual([recent, audit].map((r) => r.key).sort());
    expect(await indexed('keep')).toEqual([other.key]);
    expect(await chunkObjects('acme')).toEqual(allChunks); // still there: the delete delay
    const lonelyDay = indexDayMarkerKey('acme', dayOf(ns(D0_MS + DAY_MS)));
    expect((await objects.list(lonelyDay)).length).toBe(1); // the emptied day goes after the cleanup delay

    clock.now += HOUR_MS;
    expect((await compactor.runOnce())?.chunksDeleted).toBe(0);
    clock.now += HOUR_MS + 1;
    const swept = await compactor.runOnce();
    expect(swept?.chunksDeleted).toBe(3);
    expect(await chunkObjects('acme')).toEqual([recent, audit].map((r) => r.key).sort());
    expect(await chunkObjects('keep')).toEqual([other.key]);
    expect((await objects.list(lonelyDay)).length).toBe(0);
    const text = await registry.metrics();
    expect(text).toMatch(/norn_compactor_chunks_deleted_total 3/);
    expect(text).toMatch(/norn_compactor_chunk_bytes_deleted_total [1-9]\d*/);
    expect(text).toMatch(/norn_compactor_retention_marker_count_total 3/);
    expect(text).toMatch(/norn_compactor_apply_retention_operation_total\{status="success"\} 3/);
    expect(text).toMatch(/norn_compactor_compact_tables_operation_total\{status="success"\} \d+/);
  });

  it('keeps a chunk indexed under two days until both refs are gone', async () => {
    const clock = { now: D0_MS + 60 * DAY_MS };
    const midnight = await flush('twoday', prodApi, D0_MS + DAY_MS - 30 * 60_000, 60); // 23:30 .. 00:30
    const { compactor } = compactorAt(clock);
    const day0 = dayOf(midnight.from);
    // A delete (not retention) takes it out of the first day only, and marks it.
    await compactor.marks.mark([midnight.key], 0);
    await compactor.index.removeChunkRefs('twoday', day0, [midnight]);
    expect(await compactor.marks.sweep()).toMatchObject({ chunksDeleted: 0, kept: 1, markersDeleted: 1 });
    expect(await chunkObjects('twoday')).toEqual([midnight.key]);
    expect(await indexed('twoday')).toEqual([midnight.key]); // still found through the second day

    await compactor.marks.mark([midnight.key], 0);
    await compactor.index.removeChunkRefs('twoday', day0 + 1, [midnight]);
    expect(await compactor.marks.sweep()).toMatchObject({ chunksDeleted: 1, kept: 0 });
    expect(await chunkObjects('twoday')).toEqual([]);
    expect(await indexed('twoday')).toEqual([]);
  });

  it('does nothing to storage when retention is disabled (Loki: compaction only)', async () => {
    const clock = { now: D0_MS + 90 * DAY_MS };
    const ref = await flush('off', prodApi, D0_MS + HOUR_MS, 10);
    const metrics = compactorMetrics(new Registry());
    const compactor = new Compactor({
      store: objects,
      lease: { leader: true, start: () => undefined, stop: async () => undefined },
      config: DEFAULT_COMPACTOR,
      limits: () => ({ ...DEFAULT_LIMITS, retentionPeriodMs: DAY_MS }),
      flushLagMs: 0,
      cleanupDelayMs: 0,
      metrics,
      logger: pino({ level: 'silent' }),
      now: () => clock.now,
    });
    await compactor.runOnce();
    expect(await indexed('off')).toEqual([ref.key]);
    expect(await chunkObjects('off')).toEqual([ref.key]);
  });
});
