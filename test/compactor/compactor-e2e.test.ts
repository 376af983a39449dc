// A whole Norn (`--target all`) on a real S3 server with retention on: lines two days old are
// flushed, the compactor merges their finished day into one compacted object, retention takes the
// stream whose rule expired it out of the index and then out of the bucket, and `/metrics`
// shows the active compactor's work. Queries of the kept stream answer the same before and after.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3ServerHandle } from '../helpers/s3-server.js';
import { startTestNorn } from '../helpers/norn.js';
import { LokiClient } from '../helpers/loki-client.js';
import type { RunningNorn } from '../../app/norn.js';
import { ChunkStore, S3Store } from '../../storage/mod.js';

const DAY_MS = 86_400_000;

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('compactor in a running Norn', () => {
  let s3: S3ServerHandle;
  let norn: RunningNorn;
  let objects: S3Store;
  beforeAll(async () => {
    s3 = await startS3Server();
    objects = new S3Store({ endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, secretKey: s3.secretKey });
    norn = await startTestNorn({
      storage: { s3: { endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, secretKey: s3.secretKey, region: 'us-east-1' } },
      compactor: { retentionEnabled: true, compactionIntervalMs: 200, retentionDeleteDelayMs: 0, deleteRequestCancelPeriodMs: DAY_MS, leaderLeaseTtlMs: 5_000 },
      limits: { retentionPeriodMs: 0, retentionStream: [{ selector: '{app="old"}', periodMs: DAY_MS, priority: 1 }] },
    });
  }, 60_000);
  afterAll(async () => {
    await norn?.stop();
    await s3?.close();
  });

  it('compacts the finished day, expires the old stream from index and bucket, keeps the rest', async () => {
    const loki = new LokiClient(norn.address);
    const twoDaysAgoNs = BigInt(Date.now() - 2 * DAY_MS) * 1_000_000n;
    const values = (n: number): Array<[string, string]> => Array.from({ length: n }, (_, i) => [String(twoDaysAgoNs + BigInt(i) * 1_000_000_000n), `line ${i}`]);
    await loki.push([
      { stream: { app: 'keep' }, values: values(5) },
      { stream: { app: 'old' }, values: values(3) },
    ]);
    expect((await fetch(`${norn.address}/flush`, { method: 'POST' })).status).toBe(204);

    const store = new ChunkStore(objects, { listCacheTtlMs: 0 });
    const indexed = async () =>
      (await store.index.streams('fake', twoDaysAgoNs - 1n, twoDaysAgoNs + 60_000_000_000n)).map((s) => s.labels.map((l) => `${l.name}=${l.value}`).join(','));
    const chunkKeys = async () => (await objects.list('fake/')).map((o) => o.key).filter((k) => !k.startsWith('fake/index/'));

    await waitFor(async () => ((await chunkKeys()).length === 1 ? true : undefined), 'the expired chunk to leave the bucket');
    expect(await indexed()).toEqual(['app=keep']);
    const dayKeys = (await objects.list('fake/index/')).map((o) => o.key).filter((k) => k.includes('/compacted/'));
    expect(dayKeys.length).toBeGreaterThanOrEqual(1);

    const metrics = await (await fetch(`${norn.address}/metrics`)).text();
    expect(metrics).toMatch(/^norn_compactor_running 1$/m);
    expect(metrics).toMatch(/^norn_compactor_chunks_deleted_total 1$/m);
    expect(metrics).toMatch(/^norn_compactor_index_objects_merged_total [1-9]/m);

    const lines = await loki.lines('{app="keep"}', { start: String(twoDaysAgoNs - 1n), end: String(twoDaysAgoNs + 60_000_000_000n), limit: '100' });
    expect(lines).toHaveLength(5);
  });
});
