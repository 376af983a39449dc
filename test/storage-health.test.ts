// What a node does when its object store is wrong or gone: wrong credentials refuse to start;
// an unreachable store starts, says so on /ready, bounds /flush and the graceful stop, and the
// WAL keeps every acknowledged line for the next start.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LokiClient, nowNs } from './helpers/loki-client.js';
import { startTestNorn, tempDir } from './helpers/norn.js';
import { startS3Server, type S3ServerHandle } from './helpers/s3-server.js';

let s3: S3ServerHandle;

beforeAll(async () => {
  s3 = await startS3Server();
});

afterAll(async () => {
  await s3?.close();
});

function s3Config(secretKey = s3.secretKey) {
  return { endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, secretKey, region: 'us-east-1' };
}

describe('object storage health', () => {
  it('refuses to start when the store refuses the credentials (an S3 auth error), naming the store', async () => {
    // The test S3 server does not check signatures; this store answers what S3 answers a bad key.
    const { MemoryStore } = await import('../storage/mod.js');
    const { watchStorage } = await import('../app/storage-probe.js');
    const { pino } = await import('pino');
    const refusing = new MemoryStore();
    refusing.put = async () => {
      throw Object.assign(new Error('The request signature we calculated does not match the signature you provided.'), { code: 'SignatureDoesNotMatch' });
    };
    await expect(watchStorage(refusing, { name: 'test', logger: pino({ level: 'silent' }) })).rejects.toThrow(
      /^object storage .* refuses this process \(SignatureDoesNotMatch\): check the S3 access key, secret key and bucket$/,
    );
  });

  it('with the store gone: not ready, /flush answers 503 in time, stop is bounded, nothing acknowledged is lost', async () => {
    const dataDir = tempDir();
    const norn = await startTestNorn({
      storage: { dataDir, s3: s3Config() },
      ingester: { flushWaitTimeoutMs: 1_000, shutdownTimeoutMs: 2_000, flushBackoffMs: 100, maxFlushBackoffMs: 200 },
    });
    const loki = new LokiClient(norn.address);
    const ts = nowNs();
    await loki.push([{ stream: { app: 'outage' }, values: [[String(ts), 'kept in the WAL']] }]);
    await s3.stop();
    try {
      const flush = await fetch(`${norn.address}/flush`, { method: 'POST' });
      expect(flush.status).toBe(503);
      expect(await flush.text()).toContain('flush did not finish within 1000 ms');
      await norn.stop();
    } finally {
      await s3.start();
    }
    const again = await startTestNorn({ storage: { dataDir, s3: s3Config() } });
    try {
      expect(await new LokiClient(again.address).lines('{app="outage"}')).toEqual(['kept in the WAL']);
    } finally {
      await again.stop();
    }
  });

  it("keeps answering queries of the ingesters' lines with the store gone, filtering deletes it listed before", async () => {
    const norn = await startTestNorn({ storage: { dataDir: tempDir(), s3: s3Config(), indexCacheMs: 200 } });
    const loki = new LokiClient(norn.address);
    try {
      const ts = nowNs() - 5_000_000_000n;
      await loki.push([{ stream: { app: 'outage-read' }, values: [[String(ts), 'kept'], [String(ts + 1n), 'secret=1']] }]);
      const start = Math.floor(Number(ts / 1_000_000_000n)) - 60;
      const made = await fetch(`${norn.address}/loki/api/v1/delete?query=${encodeURIComponent('{app="outage-read"} |= "secret"')}&start=${start}`, { method: 'POST' });
      expect(made.status).toBe(204);
      expect(await loki.lines('{app="outage-read"}')).toEqual(['kept']);
      await s3.stop();
      try {
        // Past the listing caches' TTL: delete requests and index listings are asked of a store that is down.
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect(await loki.lines('{app="outage-read"}')).toEqual(['kept']);
        const metrics = await (await fetch(`${norn.address}/metrics`)).text();
        expect(metrics).toMatch(/^norn_delete_requests_stale_listings_total\{user="fake"\} [1-9]/m);
        expect(metrics).toMatch(/^norn_storage_stale_index_listings_total [1-9]/m);
      } finally {
        await s3.start();
      }
    } finally {
      await norn.stop();
    }
  });

  it('starts without its store, answers /ready 503 with the reason, and turns ready when it answers', async () => {
    const down = await startS3Server();
    await down.stop();
    const { startNorn } = await import('../app/norn.js');
    const { testConfig } = await import('./helpers/norn.js');
    const { pino } = await import('pino');
    const norn = await startNorn(
      testConfig({ storage: { s3: { endpoint: down.endpoint, bucket: down.bucket, accessKey: down.accessKey, secretKey: down.secretKey, region: 'us-east-1' } } }),
      pino({ level: 'silent' }),
    );
    try {
      const ready = await fetch(`${norn.address}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toMatch(/^object storage unavailable \(s3:/);
    } finally {
      await norn.stop();
      await down.close();
    }
  });

  it('/config masks the S3 secret key as Loki masks secrets', async () => {
    const norn = await startTestNorn({ storage: { s3: s3Config() } });
    try {
      const text = await (await fetch(`${norn.address}/config`)).text();
      expect(text).toContain('    secretKey: "********"\n');
      // The access key is an id, not a secret (Loki shows it too).
      expect(text).toContain(`    accessKey: ${s3.accessKey}\n`);
    } finally {
      await norn.stop();
    }
  });
});
