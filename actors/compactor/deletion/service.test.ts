import { describe, expect, it } from 'vitest';
import type { DeletionMode } from '../../../core/limits.js';
import { MemoryStore } from '../../../storage/memory-store.js';
import { DeleteRequestStore } from './request-store.js';
import { DeleteRequestsService } from './service.js';

const NOW = 1_700_000_000_000;

function setup(shared = new MemoryStore()) {
  const clock = { now: NOW };
  const modes = new Map<string, DeletionMode>();
  const make = () =>
    new DeleteRequestsService({
      store: new DeleteRequestStore(shared, { cacheTtlMs: 5_000, now: () => clock.now }),
      modeFor: (tenant) => modes.get(tenant) ?? 'filter-and-delete',
      now: () => clock.now,
    });
  return { clock, modes, a: make(), b: make() };
}

const request = { query: '{app="api"} |= "token"', startMs: NOW - 60_000, endMs: NOW - 1_000, maxIntervalMs: undefined };

describe('query-time filters', () => {
  it('are seen at once by the process that accepted the request, by others within the cache TTL', async () => {
    const { clock, a, b } = setup();
    expect(await a.filtersFor('acme')).toEqual([]);
    expect(await b.filtersFor('acme')).toEqual([]);
    await a.create('acme', request);
    const filter = { query: request.query, start: BigInt(NOW - 60_000) * 1_000_000n, end: BigInt(NOW - 1_000) * 1_000_000n };
    expect(await a.filtersFor('acme')).toEqual([filter]);
    // b listed before the request existed: it keeps that listing for the TTL.
    clock.now += 4_999;
    expect(await b.filtersFor('acme')).toEqual([]);
    clock.now += 2;
    expect(await b.filtersFor('acme')).toEqual([filter]);
    // A cancel on a is seen by a at once, by b within the TTL.
    const [view] = await a.list('acme');
    await a.cancel('acme', view!.requestId, false);
    expect(await a.filtersFor('acme')).toEqual([]);
    expect(await b.filtersFor('acme')).toEqual([filter]);
    clock.now += 5_001;
    expect(await b.filtersFor('acme')).toEqual([]);
  });

  it('apply in filter-only and filter-and-delete mode, not when deletion is disabled, and per tenant', async () => {
    const { modes, a } = setup();
    await a.create('acme', request);
    modes.set('acme', 'filter-only');
    expect(await a.filtersFor('acme')).toHaveLength(1);
    modes.set('acme', 'disabled');
    expect(await a.filtersFor('acme')).toEqual([]);
    expect(await a.filtersFor('other')).toEqual([]);
  });

  it('keep a processed request hiding its lines, one filter per part', async () => {
    const shared = new MemoryStore();
    const { a } = setup(shared);
    await a.create('acme', { ...request, startMs: NOW - 3 * 3_600_000, maxIntervalMs: 3_600_000 });
    const store = new DeleteRequestStore(shared, { cacheTtlMs: 0 });
    const [stored] = await store.list('acme');
    await store.put({ ...stored!, parts: stored!.parts.map((part) => ({ ...part, status: 'processed' as const })) });
    const fresh = setup(shared).a;
    expect((await fresh.filtersFor('acme')).length).toBe(stored!.parts.length);
    expect((await fresh.list('acme'))[0]!.status).toBe('processed');
  });
});
