// Index compaction against a real S3 server: a day's per-flush objects become one compacted
// generation, and a fresh reader sees exactly the same streams and refs before, during (a flush
// landing while the compactor works) and after, including after the superseded objects are gone.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3ServerHandle } from '../../test/helpers/s3-server.js';
import { labelsFromRecord, labelsToString, type Labels } from '../../core/model.js';
import { ChunkStore } from '../chunk-store.js';
import { MemChunk } from '../chunk/mem-chunk.js';
import { gzipSync } from 'node:zlib';
import { MemoryStore } from '../memory-store.js';
import {
  dayName,
  dayOf,
  indexCompactedKey,
  indexDayMarkerKey,
  indexDayPrefix,
  indexTenantMarkerKey,
  parseIndexKey,
  parseIndexTenantMarkerKey,
} from '../keys.js';
import type { ObjectInfo, ObjectStore } from '../object-store.js';
import { S3Store } from '../s3-store.js';
import { IndexCompactor } from './index-compactor.js';

const DAY = 86_400_000_000_000n;
const HOUR = 3_600_000_000_000n;
const D0 = 19_675n * DAY; // 2023-11-14T00:00:00Z
const DAY0 = dayOf(D0);

const api = labelsFromRecord({ app: 'api', env: 'prod' });
const web = labelsFromRecord({ app: 'web', env: 'dev' });
const db = labelsFromRecord({ app: 'db', env: 'prod' });

let server: S3ServerHandle;
let bucketSeq = 0;

beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.close();
});

/** A fresh bucket per test, so listings count only that test's objects; created before parallel writes. */
async function s3(): Promise<S3Store> {
  const store = new S3Store({ endpoint: server.endpoint, bucket: `compaction-${++bucketSeq}`, accessKey: server.accessKey, secretKey: server.secretKey });
  await store.put('~created', new Uint8Array(0));
  await store.delete('~created');
  return store;
}

/** A store that runs `beforePut` before each put, to land a flush in the middle of a compaction. */
class HookedStore implements ObjectStore {
  beforePut: ((key: string) => Promise<void>) | undefined;
  constructor(private readonly inner: ObjectStore) {}
  get description(): string {
    return this.inner.description;
  }
  async put(key: string, data: Uint8Array): Promise<void> {
    const hook = this.beforePut;
    if (hook !== undefined) await hook(key);
    return this.inner.put(key, data);
  }
  get(key: string): Promise<Uint8Array> {
    return this.inner.get(key);
  }
  getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return this.inner.getRange(key, offset, length);
  }
  list(prefix: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}

async function flush(store: ChunkStore, labels: Labels, from: bigint, lines: number, tenant = 't'): Promise<string> {
  const chunk = new MemChunk();
  for (let i = 0; i < lines; i++) chunk.append({ ts: from + BigInt(i) * 60_000_000_000n, line: `${labelsToString(labels)} line ${i} at ${from}` });
  return (await store.putChunk(tenant, labels, chunk.encode())).key;
}

/** What a fresh reader (nothing cached) answers: label string -> chunk keys. */
async function snapshot(objects: ObjectStore, from = D0, through = D0 + 2n * DAY, tenant = 't'): Promise<Record<string, string[]>> {
  const reader = new ChunkStore(objects, { listCacheTtlMs: 0 });
  const out: Record<string, string[]> = {};
  for (const stream of await reader.index.streams(tenant, from, through)) out[labelsToString(stream.labels)] = stream.chunks.map((c) => c.key);
  return out;
}

async function dayKeys(objects: ObjectStore, day = DAY0, tenant = 't'): Promise<string[]> {
  const prefix = indexDayPrefix(tenant, day);
  return (await objects.list(prefix)).map((o) => o.key.slice(prefix.length));
}

describe('IndexCompactor on S3', () => {
  it('merges a day into one object; reads are identical before, during a flush mid-compaction, and after cleanup', async () => {
    const objects = new HookedStore(await s3());
    const writer = new ChunkStore(objects);
    const keys: string[] = [];
    for (let i = 0n; i < 4n; i++) keys.push(await flush(writer, api, D0 + i * HOUR, 3));
    for (let i = 0n; i < 3n; i++) keys.push(await flush(writer, web, D0 + i * HOUR + 10n, 2));
    const midnight = await flush(writer, db, D0 + DAY - HOUR, 4 * 60); // 23:00 .. 02:59 the next day
    const before = await snapshot(objects);
    expect(Object.values(before).flat().sort()).toEqual([...keys, midnight].sort());
    const perFlush = await dayKeys(objects);
    expect(perFlush.filter((k) => k.startsWith('chunks/'))).toHaveLength(8);
    expect(perFlush.filter((k) => k.startsWith('streams/'))).toHaveLength(3);

    let now = 1_000_000;
    const compactor = new IndexCompactor(objects, { cleanupDelayMs: 60_000, now: () => now });
    let during: Record<string, string[]> | undefined;
    let late = '';
    objects.beforePut = async (key) => {
      if (!key.includes('/compacted/')) return;
      objects.beforePut = undefined;
      late = await flush(writer, web, D0 + 5n * HOUR, 2); // lands after the listing, before the generation
      during = await snapshot(objects);
    };
    const first = await compactor.compactDay('t', DAY0);
    expect(first).toEqual({ written: 1, merged: 8, deleted: 0 });
    const expected = { ...before, [labelsToString(web)]: [...before[labelsToString(web)]!, late] };
    expect(during).toEqual(expected);
    expect(await snapshot(objects)).toEqual(expected); // generation 1 plus the late flush, each ref once

    // The late flush is not in generation 1: the next run merges it, and deletes nothing yet.
    now += 60_000;
    expect(await compactor.compactDay('t', DAY0)).toEqual({ written: 2, merged: 1, deleted: 0 });
    expect(await snapshot(objects)).toEqual(expected);
    expect(await compactor.compactDay('t', DAY0)).toEqual({ written: undefined, merged: 0, deleted: 0 }); // within the delay

    // Past the cleanup delay: generation 1, the per-flush objects and labels objects go.
    now += 60_000;
    const cleaned = await compactor.compactDay('t', DAY0);
    expect(cleaned.written).toBeUndefined();
    expect(cleaned.deleted).toBe(1 + 9 + 3);
    expect(await dayKeys(objects)).toEqual(['compacted/00000002']);
    expect(await snapshot(objects)).toEqual(expected);
    // The next day was not touched and still reads the midnight chunk.
    expect(await snapshot(objects, D0 + DAY, D0 + 2n * DAY)).toEqual({ [labelsToString(db)]: [midnight] });
    // A stream flushed into the compacted day later still resolves its labels.
    const later = await new ChunkStore(objects).putChunk('t', api, (() => { const c = new MemChunk(); c.append({ ts: D0 + 20n * HOUR, line: 'late' }); return c.encode(); })());
    expect((await snapshot(objects))[labelsToString(api)]).toContain(later.key);
  });

  it('removes chunk refs: a new generation without them, their per-flush objects gone, an emptied day deleted after the delay', async () => {
    const objects = await s3();
    const writer = new ChunkStore(objects);
    const a = await flush(writer, api, D0 + HOUR, 2);
    const b = await flush(writer, api, D0 + 2n * HOUR, 2);
    const c = await flush(writer, web, D0 + 3n * HOUR, 2);
    let now = 5_000;
    const changed: string[] = [];
    const compactor = new IndexCompactor(objects, { cleanupDelayMs: 1_000, now: () => now, onChanged: (t, d) => changed.push(`${t}/${dayName(d)}`) });
    await compactor.compactDay('t', DAY0);
    const d = await flush(writer, web, D0 + 4n * HOUR, 2); // per-flush, after the compaction

    const removal = await compactor.removeChunkRefs('t', DAY0, [b, d, 'not/a/ref']);
    expect(removal.removed.map((r) => r.key).sort()).toEqual([b, d].sort());
    expect(removal).toMatchObject({ written: 2, emptied: false });
    expect(await snapshot(objects)).toEqual({ [labelsToString(api)]: [a], [labelsToString(web)]: [c] });
    expect((await dayKeys(objects)).filter((k) => k.includes(d.split('/')[2]!))).toEqual([]);
    expect(changed).toContain(`t/${dayName(DAY0)}`);
    // Removing what is not there writes nothing.
    expect((await compactor.removeChunkRefs('t', DAY0, [b])).written).toBeUndefined();

    const emptied = await compactor.removeChunkRefs('t', DAY0, [a, c]);
    expect(emptied).toMatchObject({ written: 3, emptied: true });
    expect(await snapshot(objects)).toEqual({});
    expect(await compactor.days('t')).toEqual([DAY0]);
    // After the delay the emptied day leaves nothing behind, its marker last.
    now += 1_000;
    await compactor.compactDay('t', DAY0);
    expect(await dayKeys(objects)).toEqual([]);
    expect((await objects.list(indexDayMarkerKey('t', DAY0))).length).toBe(0);
    expect(await compactor.days('t')).toEqual([]);
    expect(await compactor.tenants()).toEqual(['t']);
  });

  it('finds which chunks a day still references', async () => {
    const objects = await s3();
    const writer = new ChunkStore(objects);
    const midnight = await writer.putChunk('t', db, (() => { const c = new MemChunk(); c.append({ ts: D0 + DAY - 1n, line: 'a' }); c.append({ ts: D0 + DAY, line: 'b' }); return c.encode(); })());
    const compactor = new IndexCompactor(objects, { cleanupDelayMs: 0 });
    expect([...(await compactor.referenced('t', [midnight]))]).toEqual([midnight.key]);
    await compactor.removeChunkRefs('t', DAY0, [midnight]);
    expect([...(await compactor.referenced('t', [midnight]))]).toEqual([midnight.key]); // the next day still has it
    await compactor.removeChunkRefs('t', DAY0 + 1, [midnight]);
    expect([...(await compactor.referenced('t', [midnight]))]).toEqual([]);
  });
});

describe('compacted index keys and objects', () => {
  it('builds and parses generation and tenant-marker keys', () => {
    expect(indexCompactedKey('acme', DAY0, 1)).toBe('acme/index/2023-11-14/compacted/00000001');
    expect(indexCompactedKey('acme', DAY0, 0x2a)).toBe('acme/index/2023-11-14/compacted/0000002a');
    expect(parseIndexKey('acme', DAY0, 'acme/index/2023-11-14/compacted/0000002a')).toEqual({ kind: 'compacted', generation: 42 });
    expect(parseIndexKey('acme', DAY0, 'acme/index/2023-11-14/compacted/00000000')).toBeUndefined();
    expect(parseIndexKey('acme', DAY0, 'acme/index/2023-11-14/compacted/zz')).toBeUndefined();
    expect(() => indexCompactedKey('acme', DAY0, 0)).toThrow(/generation/);
    expect(indexTenantMarkerKey('team-a')).toBe('~index/tenants/team-a');
    expect(parseIndexTenantMarkerKey('~index/tenants/team-a')).toBe('team-a');
    expect(parseIndexTenantMarkerKey('~index/tenants/a/b')).toBeUndefined();
    expect(() => indexTenantMarkerKey('../x')).toThrow();
  });

  it('lists again when the generation it listed was superseded and deleted before it was read', async () => {
    const objects = new MemoryStore();
    const writer = new ChunkStore(objects);
    const a = await flush(writer, api, D0 + HOUR, 2);
    let now = 0;
    const compactor = new IndexCompactor(objects, { cleanupDelayMs: 10, now: () => now });
    await compactor.compactDay('t', DAY0);
    const b = await flush(writer, web, D0 + 2n * HOUR, 2);
    let raced = false;
    const racing: ObjectStore = {
      description: 'racing',
      put: (k, d) => objects.put(k, d),
      getRange: (k, o, l) => objects.getRange(k, o, l),
      list: (p) => objects.list(p),
      delete: (k) => objects.delete(k),
      get: async (key) => {
        if (!raced && key.endsWith('/compacted/00000001')) {
          raced = true; // between this reader's listing and its read, generation 2 lands and 1 goes
          await compactor.compactDay('t', DAY0);
          now += 10;
          await compactor.compactDay('t', DAY0);
        }
        return objects.get(key);
      },
    };
    expect(await snapshot(racing)).toEqual({ [labelsToString(api)]: [a], [labelsToString(web)]: [b] });
    expect(raced).toBe(true);
  });

  it('only lists a settled day on later runs, and reads it again once a late flush lands', async () => {
    class CountingStore extends MemoryStore {
      generationReads = 0;
      override async get(key: string) {
        if (key.includes('/compacted/')) this.generationReads++;
        return super.get(key);
      }
    }
    const objects = new CountingStore();
    const writer = new ChunkStore(objects);
    await flush(writer, api, D0 + HOUR, 2);
    const compactor = new IndexCompactor(objects, { cleanupDelayMs: 0 });
    await compactor.compactDay('t', DAY0); // generation 1
    await compactor.compactDay('t', DAY0); // cleanup
    await compactor.compactDay('t', DAY0); // finds it settled
    const reads = objects.generationReads;
    expect(await compactor.compactDay('t', DAY0)).toEqual({ written: undefined, merged: 0, deleted: 0 });
    expect(objects.generationReads).toBe(reads);
    const late = await flush(writer, web, D0 + 2n * HOUR, 2);
    expect(await compactor.compactDay('t', DAY0)).toEqual({ written: 2, merged: 1, deleted: 0 });
    expect((await snapshot(objects))[labelsToString(web)]).toEqual([late]);
  });

  it('counts the pending per-flush objects a removal writes into its generation as merged', async () => {
    const objects = new MemoryStore();
    const writer = new ChunkStore(objects);
    const merged: number[] = [];
    const compactor = new IndexCompactor(objects, { cleanupDelayMs: 0, onMerged: (count) => merged.push(count) });
    const first = await flush(writer, api, D0 + HOUR, 2);
    expect(await compactor.compactDay('t', DAY0)).toMatchObject({ written: 1, merged: 1 });
    // Two flushes land after generation 1; the removal of one writes generation 2 holding the other.
    const gone = await flush(writer, web, D0 + 2n * HOUR, 2);
    const kept = await flush(writer, db, D0 + 3n * HOUR, 2);
    const result = await compactor.removeChunkRefs('t', DAY0, [gone]);
    expect(result).toMatchObject({ written: 2, merged: 1, emptied: false });
    expect(result.removed.map((ref) => ref.key)).toEqual([gone]);
    expect(merged).toEqual([1, 1]);
    expect(await snapshot(objects)).toEqual({ [labelsToString(api)]: [first], [labelsToString(db)]: [kept] });
    // Nothing left to merge: compaction now only cleans up.
    expect(await compactor.compactDay('t', DAY0)).toMatchObject({ written: undefined, merged: 0 });
    expect(merged).toEqual([1, 1]);
  });

  it('refuses a compacted object that is damaged or disagrees with its key, as CORRUPT_INDEX', async () => {
    const objects = new MemoryStore();
    const writer = new ChunkStore(objects);
    await flush(writer, api, D0 + HOUR, 2);
    const compactor = new IndexCompactor(objects, { cleanupDelayMs: 0 });
    await compactor.compactDay('t', DAY0);
    const key = indexCompactedKey('t', DAY0, 1);
    const good = await objects.get(key);
    expect(Object.keys(await snapshot(objects))).toEqual([labelsToString(api)]);
    for (const bad of [
      Buffer.from('not gzip'),
      gzipSync(Buffer.from(JSON.stringify({ format: 1, tenant: 'other', day: dayName(DAY0), generation: 1, createdAtMs: 0, streams: [] }))),
      gzipSync(Buffer.from(JSON.stringify({ format: 1, tenant: 't', day: dayName(DAY0), generation: 1, createdAtMs: 0, streams: [{ fingerprint: '0000000000000000', labels: { app: 'x' }, chunks: [] }] }))),
    ]) {
      await objects.put(key, bad);
      await expect(compactor.loadDay('t', DAY0)).rejects.toMatchObject({ code: 'CORRUPT_INDEX' });
      // Readers skip it and read the per-flush objects it merged, not cleaned up yet
      // (storage/index/corrupt-index.test.ts).
      expect(Object.keys(await snapshot(objects))).toEqual([labelsToString(api)]);
    }
    await objects.put(key, good);
    expect(Object.keys(await snapshot(objects))).toEqual([labelsToString(api)]);
  });
});

