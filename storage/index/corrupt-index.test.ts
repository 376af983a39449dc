// A damaged index object is skipped, reported with its key, and never fails the read: on the
// real filesystem store and on S3 (the S3 server helper).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3ServerHandle } from '../../test/helpers/s3-server.js';
import { fingerprint, labelsFromRecord, labelsToString, type Labels } from '../../core/model.js';
import { ChunkStore } from '../chunk-store.js';
import { MemChunk } from '../chunk/mem-chunk.js';
import { FsStore } from '../fs-store.js';
import { dayName, indexCompactedKey, indexStreamKey } from '../keys.js';
import type { ObjectStore } from '../object-store.js';
import { S3Store } from '../s3-store.js';
import { IndexCompactor } from './index-compactor.js';
import type { CorruptObject } from './types.js';

const DAY = 86_400_000_000_000n;
const HOUR = 3_600_000_000_000n;
const DAY0 = 19_675; // 2023-11-14, a finished day
const D0 = BigInt(DAY0) * DAY;

const api = labelsFromRecord({ app: 'api', env: 'prod' });
const web = labelsFromRecord({ app: 'web', env: 'dev' });
const fp = (labels: Labels): string => fingerprint(labelsToString(labels));

let server: S3ServerHandle;
let bucketSeq = 0;
const roots: string[] = [];

beforeAll(async () => {
  server = await startS3Server();
});

afterAll(async () => {
  await server?.close();
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const stores: [string, () => Promise<ObjectStore>][] = [
  [
    'the filesystem store',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'norn-corrupt-index-'));
      roots.push(root);
      return new FsStore(root);
    },
  ],
  [
    'S3',
    async () => {
      const store = new S3Store({ endpoint: server.endpoint, bucket: `corrupt-index-${++bucketSeq}`, accessKey: server.accessKey, secretKey: server.secretKey });
      await store.put('~created', new Uint8Array(0));
      await store.delete('~created');
      return store;
    },
  ],
];

async function flush(store: ChunkStore, labels: Labels, from: bigint, lines: number): Promise<string> {
  const chunk = new MemChunk();
  for (let i = 0; i < lines; i++) chunk.append({ ts: from + BigInt(i) * 60_000_000_000n, line: `${labelsToString(labels)} line ${i}` });
  return (await store.putChunk('t', labels, chunk.encode())).key;
}

/** A fresh reader (nothing cached): label string -> chunk keys, and what it reported. */
async function read(objects: ObjectStore, from = D0, through = D0 + 2n * DAY): Promise<{ streams: Record<string, string[]>; corrupt: [string, string][] }> {
  const corrupt: [string, string][] = [];
  const reader = new ChunkStore(objects, { listCacheTtlMs: 0, onCorrupt: (found: CorruptObject) => corrupt.push([found.kind, found.key]) });
  const streams: Record<string, string[]> = {};
  for (const stream of await reader.index.streams('t', from, through)) streams[labelsToString(stream.labels)] = stream.chunks.map((c) => c.key);
  return { streams, corrupt };
}

const damagedLabels: [string, Uint8Array][] = [
  ['bad bytes', Buffer.from([0xff, 0x00, 0x13, 0x37])],
  ['truncated', Buffer.from('{"labels":{"app":"ap')],
  ['empty', new Uint8Array(0)],
  ['no labels', Buffer.from('{"other":1}')],
  ['labels of another stream', Buffer.from(JSON.stringify({ labels: { app: 'evil' } }))],
];

const damagedCompacted: [string, Uint8Array][] = [
  ['not gzip', Buffer.from('not gzip at all')],
  ['truncated gzip', gzipSync(Buffer.from('{"format":1}')).subarray(0, 12)],
  ['gzipped garbage', gzipSync(Buffer.from('{"format":'))],
  ['an unknown format', gzipSync(Buffer.from(JSON.stringify({ format: 99 })))],
  ['another key', gzipSync(Buffer.from(JSON.stringify({ format: 1, tenant: 'other', day: dayName(DAY0), generation: 1, createdAtMs: 0, streams: [] })))],
];

describe.each(stores)('a damaged index object on %s', (_name, open) => {
  it.each(damagedLabels)('labels object (%s): the stream is left out, the rest answered, the key reported', async (_what, bytes) => {
    const objects = await open();
    const writer = new ChunkStore(objects);
    await flush(writer, api, D0 + HOUR, 3);
    const webKey = await flush(writer, web, D0 + HOUR, 2);
    const key = indexStreamKey('t', DAY0, fp(api));
    await objects.put(key, bytes);
    const { streams, corrupt } = await read(objects);
    expect(streams).toEqual({ [labelsToString(web)]: [webKey] });
    expect(corrupt).toEqual([['index', key]]);

    const reader = new ChunkStore(objects, { listCacheTtlMs: 0 });
    expect(await reader.index.labelValues('t', 'app', D0, D0 + DAY)).toEqual(['web']);
  });

  it("reads a stream's labels from another day's object when one day's is damaged", async () => {
    const objects = await open();
    const writer = new ChunkStore(objects);
    const spanning = await flush(writer, api, D0 + DAY - HOUR, 120); // 23:00 .. 00:59 the next day
    const key = indexStreamKey('t', DAY0, fp(api));
    await objects.put(key, Buffer.from('garbage'));
    const { streams, corrupt } = await read(objects);
    expect(streams).toEqual({ [labelsToString(api)]: [spanning] });
    expect(corrupt).toEqual([['index', key]]);
  });

  it('a stream whose labels object is missing is left out and reported', async () => {
    const objects = await open();
    const writer = new ChunkStore(objects);
    await flush(writer, api, D0 + HOUR, 3);
    const webKey = await flush(writer, web, D0 + HOUR, 2);
    const key = indexStreamKey('t', DAY0, fp(api));
    await objects.delete(key);
    const { streams, corrupt } = await read(objects);
    expect(streams).toEqual({ [labelsToString(web)]: [webKey] });
    expect(corrupt).toEqual([['index', key]]);
  });

  it.each(damagedCompacted)('compacted generation (%s): falls back to the per-flush objects still listed', async (_what, bytes) => {
    const objects = await open();
    const writer = new ChunkStore(objects);
    await flush(writer, api, D0 + HOUR, 3);
    await flush(writer, web, D0 + 2n * HOUR, 2);
    const before = await read(objects);
    // Within the cleanup delay the objects generation 1 merged are still there.
    const compactor = new IndexCompactor(objects, { cleanupDelayMs: 60_000 });
    expect((await compactor.compactDay('t', DAY0)).written).toBe(1);
    const key = indexCompactedKey('t', DAY0, 1);
    await objects.put(key, bytes);
    const { streams, corrupt } = await read(objects);
    expect(streams).toEqual(before.streams);
    expect(corrupt).toEqual([['index', key]]);
    // The compactor does not build on a generation it cannot read.
    await expect(compactor.loadDay('t', DAY0)).rejects.toMatchObject({ code: 'CORRUPT_INDEX' });
  });

  it('a damaged compacted generation whose merged objects are gone: only what came after it is answered', async () => {
    const objects = await open();
    const writer = new ChunkStore(objects);
    await flush(writer, api, D0 + HOUR, 3);
    await new IndexCompactor(objects, { cleanupDelayMs: 0 }).compactDay('t', DAY0);
    await new IndexCompactor(objects, { cleanupDelayMs: 0 }).compactDay('t', DAY0); // cleans up the merged objects
    const late = await flush(writer, web, D0 + 3n * HOUR, 2);
    const key = indexCompactedKey('t', DAY0, 1);
    await objects.put(key, Buffer.from('garbage'));
    const { streams, corrupt } = await read(objects);
    expect(streams).toEqual({ [labelsToString(web)]: [late] });
    expect(corrupt).toEqual([['index', key]]);
  });
});
