// Log deletion end to end, over real HTTP and a real S3 server: a delete request hides its lines
// from log and metric queries at once (in the ingester's memory and in flushed chunks), the
// request survives a restart, and the compactor's task (run with a clock past the cancel
// period) rewrites the stored chunks so the lines are gone from the bucket while every other
// line stays.

import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Compactor, compactorMetrics, DEFAULT_COMPACTOR } from '../actors/compactor/mod.js';
import { DeleteRequestsTask } from '../actors/compactor/deletion/delete-task.js';
import { deletionMetrics } from '../actors/compactor/deletion/metrics.js';
import { DeleteRequestStore } from '../actors/compactor/deletion/request-store.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { labelsFromRecord } from '../core/model.js';
import { ChunkStore, decodeChunk, parseChunkKey, S3Store } from '../storage/mod.js';
import { LokiClient, nowNs } from './helpers/loki-client.js';
import { startTestNorn, tempDir } from './helpers/norn.js';
import { startS3Server, type S3ServerHandle } from './helpers/s3-server.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let s3: S3ServerHandle;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.close();
});

const s3Config = () => ({ endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, secretKey: s3.secretKey, region: 'us-east-1' });
const objects = () => new S3Store({ endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, secretKey: s3.secretKey });

/** Every line of every chunk object in the bucket, per stream (`app`), as stored. */
async function storedLines(): Promise<Map<string, string[]>> {
  const store = objects();
  const byApp = new Map<string, string[]>();
  const chunks = new ChunkStore(store, { listCacheTtlMs: 0 });
  for (const stream of await chunks.index.streams('fake', 0n, nowNs() + 1n)) {
    const app = stream.labels.find((label) => label.name === 'app')!.value;
    if (!byApp.has(app)) byApp.set(app, []);
  }
  for (const { key } of await store.list('fake/')) {
    const parts = parseChunkKey(key);
    if (parts === undefined) continue;
    const chunk = decodeChunk(await store.get(key));
    const stream = (await chunks.index.streams('fake', chunk.minTs, chunk.maxTs + 1n)).find((s) => s.fingerprint === parts.fingerprint);
    const app = stream?.labels.find((label) => label.name === 'app')?.value ?? `unindexed:${parts.fingerprint}`;
    const lines = byApp.get(app) ?? [];
    for (const entry of chunk.iterate({ from: chunk.minTs, through: chunk.maxTs + 1n, direction: 'forward' })) lines.push(entry.line);
    byApp.set(app, lines);
  }
  for (const lines of byApp.values()) lines.sort();
  return byApp;
}

describe('deleting logs', () => {
  const base = nowNs() - 10n * 60_000_000_000n;
  const lines = (app: string) => Array.from({ length: 20 }, (_, i) => (i % 4 === 0 ? `${app} ${i} token=s3cr3t` : `${app} ${i} ok`));
  const values = (app: string) => lines(app).map((line, i) => [String(base + BigInt(i) * 1_000_000_000n), line] as [string, string]);
  const kept = lines('api').filter((line) => !line.includes('token'));
  const counts = async (client: LokiClient) => {
    const body = await client.getJson<{ data: { result: Array<{ metric: { app: string }; value: [number, string] }> } }>('/loki/api/v1/query', {
      query: 'sum by (app) (count_over_time({app=~"api|web"}[1h]))',
    });
    return Object.fromEntries(body.data.result.map((r) => [r.metric.app, Number(r.value[1])]));
  };
  const matrixCounts = async (client: LokiClient) => {
    const body = await client.getJson<{ data: { result: Array<{ metric: { app: string }; values: Array<[number, string]> }> } }>('/loki/api/v1/query_range', {
      query: 'sum by (app) (count_over_time({app=~"api|web"}[1h]))',
      since: '1h',
      step: '60',
    });
    return Object.fromEntries(body.data.result.map((r) => [r.metric.app, Number(r.values.at(-1)![1])]));
  };
  let requestId = '';

  it('hides matching lines at once from log and metric queries of in-memory data, and keeps the others', async () => {
    const norn = await startTestNorn({ storage: { dataDir: tempDir(), s3: s3Config() } });
    try {
      const client = new LokiClient(norn.address);
      await client.push([{ stream: { app: 'api' }, values: values('api') }, { stream: { app: 'web' }, values: values('web') }]);
      expect(await client.lines('{app="api"}')).toEqual(lines('api'));
      expect(await counts(client)).toEqual({ api: 20, web: 20 });

      const start = String(Math.floor(Number(base / 1_000_000_000n)) - 60);
      const created = await fetch(`${norn.address}/loki/api/v1/delete?${new URLSearchParams({ query: '{app="api"} |= "token"', start })}`, { method: 'POST' });
      expect(created.status).toBe(204);

      expect(await client.lines('{app="api"}')).toEqual(kept);
      expect(await client.lines('{app="web"}')).toEqual(lines('web'));
      expect(await client.lines('{app="api"} |= "token"')).toEqual([]);
      expect(await counts(client)).toEqual({ api: 15, web: 20 });
      expect(await matrixCounts(client)).toEqual({ api: 15, web: 20 });
      // The limit counts only what is left: the newest 3 lines not deleted.
      expect((await client.lines('{app="api"}', { direction: 'backward', limit: '3' }))).toEqual(kept.slice(-3));

      const [listed] = (await (await fetch(`${norn.address}/loki/api/v1/delete`)).json()) as Array<{ request_id: string; status: string }>;
      expect(listed!.status).toBe('received');
      requestId = listed!.request_id;
      // A graceful stop flushes every chunk to the bucket.
    } finally {
      await norn.stop();
    }
  });

  it('still has the request after a restart and hides the lines in flushed chunks', async () => {
    // A fresh data dir: no WAL, so every line comes from the bucket.
    const norn = await startTestNorn({ storage: { dataDir: tempDir(), s3: s3Config() } });
    try {
      const client = new LokiClient(norn.address);
      const [listed] = (await (await fetch(`${norn.address}/loki/api/v1/delete`)).json()) as Array<{ request_id: string }>;
      expect(listed!.request_id).toBe(requestId);
      expect(await client.lines('{app="api"}')).toEqual(kept);
      expect(await client.lines('{app="web"}')).toEqual(lines('web'));
      expect(await counts(client)).toEqual({ api: 15, web: 20 });
      // Until the compactor runs, the bucket still holds the lines.
      expect((await storedLines()).get('api')).toEqual([...lines('api')].sort());
    } finally {
      await norn.stop();
    }
  });

  it("the compactor's task rewrites the chunks after the cancel period: the lines are gone from the bucket, the others stay", async () => {
    const store = objects();
    const clock = { now: Date.now() };
    const registry = new Registry();
    const metrics = deletionMetrics(registry);
    const requests = new DeleteRequestStore(store, { cacheTtlMs: 0 });
    const compactor = new Compactor({
      store,
      lease: { leader: true, start() {}, async stop() {} },
      config: { ...DEFAULT_COMPACTOR, retentionDeleteDelayMs: 0 },
      limits: () => DEFAULT_LIMITS,
      flushLagMs: 3 * HOUR,
      cleanupDelayMs: 0,
      metrics: compactorMetrics(registry),
      logger: pino({ level: 'silent' }),
      now: () => clock.now,
    });
    compactor.registerTask(new DeleteRequestsTask({ requests, chunks: new ChunkStore(store, { listCacheTtlMs: 0 }), metrics }));

    // Within the cancel period nothing is carried out.
    await compactor.runOnce();
    expect((await requests.list('fake'))[0]!.parts.map((part) => part.status)).toEqual(['received']);
    expect((await storedLines()).get('api')).toHaveLength(20);

    const before = await storedLines();
    clock.now += DAY + 1;
    await compactor.runOnce();
    expect((await requests.list('fake'))[0]!.parts.map((part) => part.status)).toEqual(['processed']);
    const after = await storedLines();
    expect(after.get('api')).toEqual([...kept].sort());
    expect(after.get('web')).toEqual(before.get('web'));
    expect([...after.keys()].some((app) => app.startsWith('unindexed:'))).toBe(false);
    expect((await registry.getSingleMetricAsString('norn_compactor_deleted_lines')).split('\n')).toContain('norn_compactor_deleted_lines{user="fake"} 5');
    expect(await registry.getSingleMetricAsString('norn_compactor_delete_requests_processed_total')).toContain('{user="fake"} 1');
    expect(await registry.getSingleMetricAsString('norn_compactor_pending_delete_requests_count')).toContain('norn_compactor_pending_delete_requests_count 0');

    // Run again: nothing left to do, nothing changes.
    clock.now += HOUR;
    await compactor.runOnce();
    expect(await storedLines()).toEqual(after);
  });

  it('answers the same after the rewrite, also while an old chunk and its rewrite are both indexed', async () => {
    const norn = await startTestNorn({ storage: { dataDir: tempDir(), s3: s3Config() } });
    try {
      const client = new LokiClient(norn.address);
      const [listed] = (await (await fetch(`${norn.address}/loki/api/v1/delete`)).json()) as Array<{ status: string }>;
      expect(listed!.status).toBe('processed');
      expect(await client.lines('{app="api"}')).toEqual(kept);
      expect(await counts(client)).toEqual({ api: 15, web: 20 });

      // The window between `putChunk` of a rewrite and the removal of the old ref: index the
      // original chunk again beside its rewrite. Equal entries count once in logs and metrics.
      const chunks = new ChunkStore(objects(), { listCacheTtlMs: 0 });
      const original = await (async () => {
        const { MemChunk } = await import('../storage/mod.js');
        const chunk = new MemChunk();
        for (const [ts, line] of values('api')) chunk.append({ ts: BigInt(ts), line });
        return chunk.encode();
      })();
      await chunks.putChunk('fake', labelsFromRecord({ app: 'api' }), original);
      expect(await client.lines('{app="api"}')).toEqual(kept);
      expect(await counts(client)).toEqual({ api: 15, web: 20 });
      expect(await matrixCounts(client)).toEqual({ api: 15, web: 20 });
      expect(await client.lines('{app="api"} != "token"')).toEqual(kept);
    } finally {
      await norn.stop();
    }
  });
});
