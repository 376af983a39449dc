import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../storage/memory-store.js';
import { StorageError, type ObjectInfo } from '../../../storage/mod.js';
import type { StoredDeleteRequest } from './model.js';
import { deleteRequestKey } from '../../../storage/keys.js';
import { DeleteRequestStore } from './request-store.js';

/** A memory store whose listings fail while `down` is set, as S3 does in an outage. */
class FlakyStore extends MemoryStore {
  down = false;
  override async list(prefix: string): Promise<ObjectInfo[]> {
    if (this.down) throw new StorageError('STORAGE_UNAVAILABLE', 'object store unreachable');
    return super.list(prefix);
  }
}

const NOW = 1_700_000_000_000;

function request(id: string, createdAtMs: number): StoredDeleteRequest {
  return { id, tenant: 'acme', query: '{app="api"}', createdAtMs, parts: [{ startMs: NOW - 60_000, endMs: NOW, status: 'received' }] };
}

function setup() {
  const objects = new FlakyStore();
  const clock = { now: NOW };
  const stale: string[] = [];
  const store = new DeleteRequestStore(objects, { cacheTtlMs: 1_000, staleListingMaxAgeMs: 10_000, now: () => clock.now, onStaleListing: (tenant) => stale.push(tenant) });
  return { objects, clock, store, stale };
}

const ids = (requests: readonly StoredDeleteRequest[]) => requests.map((stored) => stored.id);

describe('the query-path listing of delete requests', () => {
  it('keeps answering with the last good listing while the store cannot be listed', async () => {
    const { objects, clock, store, stale } = setup();
    await store.put(request('aaaaaaaa', NOW - 2));
    expect(ids(await store.cached('acme'))).toEqual(['aaaaaaaa']);
    objects.down = true;
    clock.now += 1_001;
    expect(ids(await store.cached('acme'))).toEqual(['aaaaaaaa']);
    expect(stale).toEqual(['acme']);
    // The fallback serves the TTL out; then the store is asked again.
    expect(ids(await store.cached('acme'))).toEqual(['aaaaaaaa']);
    expect(stale).toEqual(['acme']);
    objects.down = false;
    clock.now += 1_001;
    await objects.put(deleteRequestKey('acme', 'bbbbbbbb'), new TextEncoder().encode(JSON.stringify(request('bbbbbbbb', NOW - 1))));
    expect(ids(await store.cached('acme'))).toEqual(['aaaaaaaa', 'bbbbbbbb']);
    expect(stale).toEqual(['acme']);
  });

  it('fails once its last good listing is older than the bound', async () => {
    const { objects, clock, store, stale } = setup();
    expect(ids(await store.cached('acme'))).toEqual([]);
    objects.down = true;
    clock.now += 10_001;
    await expect(store.cached('acme')).rejects.toThrow('object store unreachable');
    expect(stale).toEqual([]);
  });

  it('fails when it never listed the tenant: it cannot know what to hide', async () => {
    const { objects, store, stale } = setup();
    objects.down = true;
    await expect(store.cached('acme')).rejects.toThrow('object store unreachable');
    expect(stale).toEqual([]);
  });

  it("keeps the last good listing true to the process's own writes and cancels", async () => {
    const { objects, clock, store } = setup();
    await store.put(request('aaaaaaaa', NOW - 3));
    expect(ids(await store.cached('acme'))).toEqual(['aaaaaaaa']);
    await store.put(request('cccccccc', NOW - 1));
    await store.remove('acme', 'aaaaaaaa');
    objects.down = true;
    clock.now += 1_001;
    expect(ids(await store.cached('acme'))).toEqual(['cccccccc']);
  });

  it('does not keep a listing begun before a write of its own as the last good one', async () => {
    const { objects, clock, store } = setup();
    expect(ids(await store.cached('acme'))).toEqual([]);
    clock.now += 1_001;
    const listing = store.cached('acme');
    await store.put(request('aaaaaaaa', NOW));
    expect(ids(await listing)).toEqual([]);
    objects.down = true;
    clock.now += 1_001;
    expect(ids(await store.cached('acme'))).toEqual(['aaaaaaaa']);
  });
});
