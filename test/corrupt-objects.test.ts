// A damaged object in storage, end to end over HTTP, on the filesystem store and on S3: a
// damaged labels object leaves its stream out of queries, label answers and index stats, and a
// damaged chunk is left out of index stats; each answers 200 with what the rest holds, and the
// operator sees a warning naming the key and a counter.

import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startNorn, type RunningNorn } from '../app/norn.js';
import { fingerprint, labelsFromRecord, labelsToString } from '../core/model.js';
import { dayOf, indexStreamKey } from '../storage/keys.js';
import { FsStore, S3Store, type ObjectStore } from '../storage/mod.js';
import { LokiClient, nowNs, type PushedStream } from './helpers/loki-client.js';
import { tempDir, testConfig, waitForReady } from './helpers/norn.js';
import { startS3Server, type S3ServerHandle } from './helpers/s3-server.js';

interface Stats {
  streams: number;
  chunks: number;
  entries: number;
  bytes: number;
}

const base = nowNs() - 120_000_000_000n;
const range = { start: String(base - 1_000_000_000n), end: String(base + 60_000_000_000n) };

function stream(app: string, count: number): PushedStream {
  return { stream: { job: 'corrupt', app }, values: Array.from({ length: count }, (_, i) => [String(base + BigInt(i) * 1_000_000n), `${app} line ${i}`]) };
}
const api = stream('api', 5); // its labels object gets damaged
const web = stream('web', 3); // stays whole
const db = stream('db', 4); // its chunk gets damaged
const fp = (pushed: PushedStream): string => fingerprint(labelsToString(labelsFromRecord(pushed.stream)));

let s3: S3ServerHandle;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.close();
});

interface Backend {
  readonly storage: () => Record<string, unknown>;
  readonly objects: (dataDir: string) => ObjectStore;
}

const backends: [string, Backend][] = [
  ['the filesystem store', { storage: () => ({}), objects: (dataDir) => new FsStore(join(dataDir, 'chunks')) }],
  [
    'S3',
    {
      storage: () => ({ s3: { endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, secretKey: s3.secretKey, region: 'us-east-1' } }),
      objects: () => new S3Store({ endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, secretKey: s3.secretKey }),
    },
  ],
];

describe.each(backends)('damaged objects on %s', (_name, backend) => {
  let norn: RunningNorn | undefined;
  let loki: LokiClient;
  const logs: Record<string, unknown>[] = [];
  let labelsKey = '';
  let chunkKey = '';

  beforeAll(async () => {
    const dataDir = tempDir();
    // Flushed chunks leave memory at once, and there is no WAL to bring them back: every
    // answer below comes from storage, read by a process that cached nothing of it.
    const config = () => testConfig({ storage: { dataDir, ...backend.storage() }, ingester: { retainFlushedMs: 0 }, wal: { enabled: false } });
    const writer = await startNorn(config(), pino({ level: 'silent' }));
    await waitForReady(writer.address, 30_000);
    await new LokiClient(writer.address).push([api, web, db]);
    await writer.ingester!.flush();
    await writer.stop();

    const objects = backend.objects(dataDir);
    labelsKey = indexStreamKey('fake', dayOf(base), fp(api));
    await objects.put(labelsKey, Buffer.from('{"labels":{"app":"ap')); // truncated
    const [chunk] = await objects.list(`fake/${fp(db)}/`);
    chunkKey = chunk!.key;
    const bytes = Buffer.from(await objects.get(chunkKey));
    bytes[bytes.length - 1]! ^= 0xff;
    await objects.put(chunkKey, bytes);

    const sink = new Writable({
      write(line: Buffer, _encoding, done) {
        logs.push(JSON.parse(line.toString()) as Record<string, unknown>);
        done();
      },
    });
    norn = await startNorn(config(), pino({ level: 'warn' }, sink));
    await waitForReady(norn.address, 30_000);
    loki = new LokiClient(norn.address);
  }, 60_000);

  afterAll(async () => {
    await norn?.stop();
  });

  it('answers a query without the stream whose labels object is damaged', async () => {
    const response = await loki.get('/loki/api/v1/query_range', { query: '{job="corrupt", app!="db"}', ...range, limit: '100', direction: 'forward' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { result: { stream: Record<string, string>; values: [string, string][] }[] } };
    expect(body.data.result.map((s) => [s.stream, s.values])).toEqual([[web.stream, web.values]]);
    expect(await loki.getJson('/loki/api/v1/label/app/values', range)).toMatchObject({ status: 'success', data: ['db', 'web'] });
  });

  it('answers index stats with the figures of every readable chunk', async () => {
    const response = await loki.get('/loki/api/v1/index/stats', { query: '{job="corrupt"}', ...range });
    expect(response.status).toBe(200);
    const stats = (await response.json()) as Stats;
    const webOnly = await loki.getJson<Stats>('/loki/api/v1/index/stats', { query: '{job="corrupt", app="web"}', ...range });
    expect(webOnly).toMatchObject({ streams: 1, chunks: 1, entries: 3 });
    expect(stats).toEqual(webOnly);
  });

  it('logs each damaged object with its key, and counts it', async () => {
    const warned = (msg: string) => logs.filter((line) => line.msg === msg).map((line) => line.key);
    expect(new Set(warned('corrupt index object skipped'))).toEqual(new Set([labelsKey]));
    expect(new Set(warned('corrupt chunk'))).toEqual(new Set([chunkKey]));
    const metrics = await (await fetch(`${norn!.address}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(value('norn_storage_corrupt_index_objects_total')).toBeGreaterThanOrEqual(1);
    expect(value('norn_storage_corrupt_chunks_total')).toBeGreaterThanOrEqual(1);
  });
});
