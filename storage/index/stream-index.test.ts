import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsStore } from '../fs-store.js';
import { chunkKey, indexStreamKey } from '../keys.js';
import { MemoryStore } from '../memory-store.js';
import { fingerprint, labelsFromRecord, labelsToString, labelValue, type Labels } from '../../core/model.js';
import { StorageError, type ObjectStore } from '../object-store.js';
import { StreamIndex } from './stream-index.js';
import type { ChunkRef } from './types.js';

const DAY = 86_400_000_000_000n;
const D0 = 19_675n * DAY; // 2023-11-14T00:00:00Z
const HOUR = 3_600_000_000_000n;

const api = labelsFromRecord({ app: 'api', env: 'prod' });
const web = labelsFromRecord({ app: 'web', env: 'dev', team: 'a' });

function ref(tenant: string, labels: Labels, from: bigint, through: bigint, checksum = 'cafef00d'): ChunkRef {
  const parts = { tenant, fingerprint: fingerprint(labelsToString(labels)), from, through, checksum };
  return { ...parts, key: chunkKey(parts) };
}

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

class CountingStore extends MemoryStore {
  lists = 0;
  gets = 0;
  override async list(prefix: string) {
    this.lists++;
    return super.list(prefix);
  }
  override async get(key: string) {
    this.gets++;
    return super.get(key);
  }
}

describe('StreamIndex', () => {
  it('round-trips streams and chunk refs across days, for a fresh reader on the same store', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'norn-index-'));
    roots.push(root);
    const writer = new StreamIndex(new FsStore(root, { fsync: false }));
    const r1 = ref('acme', api, D0 + HOUR, D0 + 2n * HOUR, '00000001');
    const midnight = ref('acme', api, D0 + DAY - HOUR, D0 + DAY + HOUR, '00000002'); // spans midnight
    const r3 = ref('acme', web, D0 + 2n * DAY + HOUR, D0 + 2n * DAY + 2n * HOUR, '00000003');
    for (const [labels, r] of [[api, r1], [api, midnight], [web, r3]] as const) await writer.addChunk(labels, r);

    // Another process (a restart) with nothing cached.
    const reader = new StreamIndex(new FsStore(root));
    const all = await reader.streams('acme', D0, D0 + 3n * DAY);
    expect(all.map((s) => labelsToString(s.labels))).toEqual([labelsToString(api), labelsToString(web)]);
    expect(all[0]!.chunks).toEqual([r1, midnight]);
    expect(all[0]!.fingerprint).toBe(r1.fingerprint);
    expect(all[1]!.chunks).toEqual([r3]);

    // The chunk spanning midnight is found from either day, once.
    const day1 = await reader.streams('acme', D0 + DAY, D0 + DAY + 1n);
    expect(day1.map((s) => s.chunks)).toEqual([[midnight]]);
    const day0Late = await reader.streams('acme', D0 + DAY - 1n, D0 + DAY);
    expect(day0Late.map((s) => s.chunks)).toEqual([[midnight]]);
  });

  it('selects chunks overlapping [from, through): through exclusive, chunk through inclusive', async () => {
    const index = new StreamIndex(new MemoryStore());
    const r = ref('t', api, D0 + 100n, D0 + 200n);
    await index.addChunk(api, r);
    const hits = async (from: bigint, through: bigint) => (await index.streams('t', from, through)).length;
    expect(await hits(D0, D0 + 100n)).toBe(0);
    expect(await hits(D0, D0 + 101n)).toBe(1);
    expect(await hits(D0 + 200n, D0 + 300n)).toBe(1);
    expect(await hits(D0 + 201n, D0 + 300n)).toBe(0);
    expect(await hits(D0 + 150n, D0 + 150n)).toBe(0);
  });

  it('filters by labels and answers label names and values', async () => {
    const index = new StreamIndex(new MemoryStore());
    await index.addChunk(api, ref('t', api, D0, D0 + 10n));
    await index.addChunk(web, ref('t', web, D0 + 5n, D0 + 20n));
    const onlyWeb = await index.streams('t', D0, D0 + DAY, (labels) => labelValue(labels, 'app') === 'web');
    expect(onlyWeb.map((s) => s.labels)).toEqual([web]);
    expect(await index.labelNames('t', D0, D0 + DAY)).toEqual(['app', 'env', 'team']);
    expect(await index.labelValues('t', 'app', D0, D0 + DAY)).toEqual(['api', 'web']);
    expect(await index.labelValues('t', 'app', D0 + 11n, D0 + DAY)).toEqual(['web']);
    expect(await index.labelValues('t', 'nope', D0, D0 + DAY)).toEqual([]);
  });

  it('keeps tenants apart and refuses unsafe tenant IDs', async () => {
    const store = new MemoryStore();
    const index = new StreamIndex(store);
    await index.addChunk(api, ref('one', api, D0, D0 + 1n));
    expect(await index.streams('two', D0, D0 + DAY)).toEqual([]);
    expect((await index.streams('one', D0, D0 + DAY)).length).toBe(1);
    await expect(index.streams('../one', D0, D0 + DAY)).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await expect(index.streams('one/index', D0, D0 + DAY)).rejects.toMatchObject({ code: 'INVALID_KEY' });
  });

  it('writes idempotently: replicas flushing the same chunk leave the same objects', async () => {
    const store = new MemoryStore();
    const r = ref('t', api, D0 + DAY - 1n, D0 + DAY); // two days
    await new StreamIndex(store).addChunk(api, r);
    const keys = (await store.list('')).map((o) => o.key);
    await new StreamIndex(store).addChunk(api, r);
    await new StreamIndex(store).addChunk(api, r);
    expect((await store.list('')).map((o) => o.key)).toEqual(keys);
    expect(keys).toEqual([
      `t/index/2023-11-14/chunks/${r.fingerprint}/${r.key.split('/')[2]}`,
      `t/index/2023-11-14/streams/${r.fingerprint}`,
      `t/index/2023-11-15/chunks/${r.fingerprint}/${r.key.split('/')[2]}`,
      `t/index/2023-11-15/streams/${r.fingerprint}`,
      't/index/days/2023-11-14',
      't/index/days/2023-11-15',
      '~index/tenants/t',
    ]);
    expect((await new StreamIndex(store).streams('t', D0, D0 + 2n * DAY))[0]!.chunks).toEqual([r]);
  });

  it('caches listings for the TTL, sees its own writes at once and others after the TTL', async () => {
    const store = new CountingStore();
    let now = 1_000;
    const mine = new StreamIndex(store, { listCacheTtlMs: 5_000, now: () => now });
    const other = new StreamIndex(store);
    await mine.addChunk(api, ref('t', api, D0, D0 + 1n));
    expect((await mine.streams('t', D0, D0 + DAY)).length).toBe(1);
    expect((await mine.streams('t', D0, D0 + DAY)).length).toBe(1);
    expect(store.lists).toBe(1);

    await mine.addChunk(api, ref('t', api, D0 + 2n, D0 + 3n, '00000002'));
    expect((await mine.streams('t', D0, D0 + DAY))[0]!.chunks.length).toBe(2); // own write, no relist
    expect(store.lists).toBe(1);

    await other.addChunk(web, ref('t', web, D0 + 4n, D0 + 5n));
    expect((await mine.streams('t', D0, D0 + DAY)).length).toBe(1); // not yet
    now += 5_001;
    expect((await mine.streams('t', D0, D0 + DAY)).length).toBe(2);
    expect(store.lists).toBe(2);
    const gets = store.gets;
    now += 5_001;
    await mine.streams('t', D0, D0 + DAY);
    expect(store.gets).toBe(gets); // label sets are immutable: never read twice
  });

  it('answers ranges since the epoch by listing only the days that hold data', async () => {
    const store = new CountingStore();
    const index = new StreamIndex(store);
    const far = ref('t', web, D0 + 40n * DAY, D0 + 40n * DAY + 1n);
    await index.addChunk(api, ref('t', api, D0, D0 + 1n));
    await index.addChunk(web, far);
    const reader = new StreamIndex(store);
    store.lists = 0;
    const all = await reader.streams('t', 0n, 2n ** 63n - 1n);
    expect(all.map((s) => s.labels)).toEqual([api, web]);
    expect(store.lists).toBe(3); // the day markers, then two days
    expect(await reader.labelValues('t', 'app', D0 + DAY, D0 + 41n * DAY)).toEqual(['web']);
    // A writer's own new day shows up in its cached catalog at once.
    await index.streams('t', 0n, D0 + 100n * DAY);
    const later = ref('t', api, D0 + 90n * DAY, D0 + 90n * DAY);
    await index.addChunk(api, later);
    expect((await index.streams('t', D0 + 50n * DAY, D0 + 100n * DAY)).map((s) => s.chunks)).toEqual([[later]]);
  });

  it('does not cache a failed listing', async () => {
    let fail = true;
    const inner = new MemoryStore();
    const flaky: ObjectStore = {
      description: 'flaky',
      put: (k, d) => inner.put(k, d),
      get: (k) => inner.get(k),
      getRange: (k, o, l) => inner.getRange(k, o, l),
      delete: (k) => inner.delete(k),
      list: async (p) => {
        if (fail) throw new StorageError('STORAGE_UNAVAILABLE', 'down');
        return inner.list(p);
      },
    };
    const index = new StreamIndex(flaky);
    await index.addChunk(api, ref('t', api, D0, D0 + 1n));
    await expect(index.streams('t', D0, D0 + DAY)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    fail = false;
    expect((await index.streams('t', D0, D0 + DAY)).length).toBe(1);
  });

  it('answers with a listing read within the stale bound while the store cannot be listed, once per TTL', async () => {
    let failWith: StorageError | undefined;
    const store = new CountingStore();
    const list = store.list.bind(store);
    store.list = async (prefix: string) => {
      if (failWith !== undefined) {
        store.lists++;
        throw failWith;
      }
      return list(prefix);
    };
    let now = 1_000;
    const stale: string[] = [];
    const index = new StreamIndex(store, { listCacheTtlMs: 1_000, staleListingMaxAgeMs: 10_000, now: () => now, onStaleListing: (what) => stale.push(what) });
    await index.addChunk(api, ref('t', api, D0, D0 + 1n));
    expect((await index.streams('t', D0, D0 + DAY)).length).toBe(1);
    failWith = new StorageError('STORAGE_UNAVAILABLE', 'down');
    now += 1_001;
    expect((await index.streams('t', D0, D0 + DAY)).length).toBe(1);
    expect(stale).toEqual(['t/index/2023-11-14/']);
    const tries = store.lists;
    expect((await index.streams('t', D0, D0 + DAY)).length).toBe(1);
    expect(store.lists).toBe(tries); // within the TTL: the store is not asked again
    // Past the bound since the listing was read: the read fails.
    now += 9_000;
    await expect(index.streams('t', D0, D0 + DAY)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    // Only an outage falls back: any other failure fails the read at once.
    failWith = undefined;
    expect((await index.streams('t', D0, D0 + DAY)).length).toBe(1);
    failWith = new StorageError('INVALID_KEY', 'refused');
    now += 1_001;
    await expect(index.streams('t', D0, D0 + DAY)).rejects.toMatchObject({ code: 'INVALID_KEY' });
    expect(stale).toHaveLength(1);
  });

  it('reports a labels object that does not match its fingerprint as CORRUPT_INDEX, and skips its stream', async () => {
    const store = new MemoryStore();
    const r = ref('t', api, D0, D0 + 1n);
    await new StreamIndex(store).addChunk(api, r);
    const key = indexStreamKey('t', 19_675, r.fingerprint);
    for (const bytes of [Buffer.from(JSON.stringify({ labels: { app: 'evil' } })), Buffer.from('{not json')]) {
      await store.put(key, bytes);
      const reported: string[] = [];
      const index = new StreamIndex(store, { onCorrupt: ({ key, error }) => reported.push(`${error.code} ${key}`) });
      expect(await index.streams('t', D0, D0 + DAY)).toEqual([]);
      expect(reported).toEqual([`CORRUPT_INDEX ${key}`]);
    }
  });

  it('refuses a ref whose fingerprint is not its labels', async () => {
    const index = new StreamIndex(new MemoryStore());
    await expect(index.addChunk(web, ref('t', api, D0, D0 + 1n))).rejects.toMatchObject({ code: 'INVALID_KEY' });
  });
});
