import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type DeletionMode, type LimitsConfig } from '../../../core/limits.js';
import { labelsFromRecord, type Entry, type Labels } from '../../../core/model.js';
import { ChunkStore, MemChunk, MemoryStore, type ChunkRef } from '../../../storage/mod.js';
import { Compactor } from '../compactor.js';
import { DEFAULT_COMPACTOR } from '../config.js';
import { compactorMetrics } from '../metrics.js';
import { DeleteRequestsTask, type DeletionChunks } from './delete-task.js';
import { DeleteRequestStore } from './request-store.js';
import { DeleteRequestsService } from './service.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Two days before "now", so the compactor also compacts that day's index before the task runs.
const NOW = Date.UTC(2026, 0, 10, 12);
const DATA_MS = NOW - 2 * DAY;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;

function chunkOf(entries: Entry[]): Uint8Array {
  const chunk = new MemChunk({ blockSizeBytes: 256 });
  for (const entry of entries) chunk.append(entry);
  return chunk.encode();
}

/** One entry a second for `count` seconds from `fromMs`; every third line holds a token. */
function entries(fromMs: number, count: number, tag: string): Entry[] {
  return Array.from({ length: count }, (_, i) => ({ ts: ns(fromMs + i * 1000), line: `${tag} ${i}${i % 3 === 0 ? ' token=x' : ''}` }));
}

async function linesOf(chunks: ChunkStore, tenant: string, labels: Labels): Promise<string[]> {
  const streams = await chunks.index.streams(tenant, ns(DATA_MS - DAY), ns(NOW + DAY), (l) => JSON.stringify(l) === JSON.stringify(labels));
  const out: string[] = [];
  for (const ref of streams.flatMap((stream) => stream.chunks)) {
    const chunk = await chunks.getChunk(ref);
    for (const entry of chunk.iterate({ from: chunk.minTs, through: chunk.maxTs + 1n, direction: 'forward' })) out.push(entry.line);
  }
  return out.sort();
}

function setup(modes: Record<string, DeletionMode> = {}) {
  const objects = new MemoryStore();
  const chunks = new ChunkStore(objects, { listCacheTtlMs: 0 });
  const clock = { now: NOW };
  const store = new DeleteRequestStore(objects, { cacheTtlMs: 0 });
  const limits: LimitsConfig = {
    ...DEFAULT_LIMITS,
    overrides: Object.fromEntries(Object.entries(modes).map(([tenant, deletionMode]) => [tenant, { ...DEFAULT_LIMITS, deletionMode }])),
  };
  const service = new DeleteRequestsService({ store, modeFor: (tenant) => modes[tenant] ?? 'filter-and-delete', now: () => clock.now });
  const compactor = new Compactor({
    store: objects,
    lease: { leader: true, start() {}, async stop() {} },
    config: { ...DEFAULT_COMPACTOR, retentionDeleteDelayMs: 0 },
    limits: () => limits,
    flushLagMs: HOUR,
    cleanupDelayMs: 0,
    metrics: compactorMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
    now: () => clock.now,
  });
  const withTask = (deletionChunks: DeletionChunks = chunks) => compactor.registerTask(new DeleteRequestsTask({ requests: store, chunks: deletionChunks }));
  return { objects, chunks, clock, store, service, compactor, withTask };
}

const api = labelsFromRecord({ app: 'api' });
const web = labelsFromRecord({ app: 'web' });

describe('the delete-requests task', () => {
  it('rewrites only chunks holding deleted lines, inside the window, once the cancel period is over', async () => {
    const t = setup();
    t.withTask();
    const first: ChunkRef = await t.chunks.putChunk('acme', api, chunkOf(entries(DATA_MS, 30, 'a')));
    await t.chunks.putChunk('acme', api, chunkOf(entries(DATA_MS + HOUR, 30, 'b')));
    await t.chunks.putChunk('acme', web, chunkOf(entries(DATA_MS, 30, 'w')));
    // The window covers `a 0..19` only.
    await t.service.create('acme', { query: '{app="api"} |= "token"', startMs: DATA_MS - 1000, endMs: DATA_MS + 19_000, maxIntervalMs: undefined });
    const before = { api: await linesOf(t.chunks, 'acme', api), web: await linesOf(t.chunks, 'acme', web) };

    await t.compactor.runOnce();
    expect(await linesOf(t.chunks, 'acme', api)).toEqual(before.api);

    t.clock.now += DAY + 1;
    await t.compactor.runOnce();
    const expected = before.api.filter((line) => !(line.startsWith('a ') && line.endsWith('token=x') && Number(line.split(' ')[1]) < 20));
    expect(expected).toHaveLength(before.api.length - 7);
    expect(await linesOf(t.chunks, 'acme', api)).toEqual(expected);
    expect(await linesOf(t.chunks, 'acme', web)).toEqual(before.web);
    expect((await t.service.list('acme'))[0]!.status).toBe('processed');
    // The old chunk object is gone (marked, then swept: no delay here); the untouched ones stay.
    expect(await t.objects.list(first.key)).toEqual([]);
    expect((await t.objects.list('acme/')).filter((o) => !o.key.includes('/index/')).length).toBe(3);
  });

  it('processes a request split by max_interval part by part, and leaves filter-only tenants alone', async () => {
    const t = setup({ quiet: 'filter-only' });
    t.withTask();
    for (const tenant of ['acme', 'quiet']) {
      await t.chunks.putChunk(tenant, api, chunkOf(entries(DATA_MS, 30, 'a')));
      await t.chunks.putChunk(tenant, api, chunkOf(entries(DATA_MS + 2 * HOUR, 30, 'c')));
      await t.service.create(tenant, { query: '{app="api"} |= "token"', startMs: DATA_MS - HOUR, endMs: DATA_MS + 3 * HOUR, maxIntervalMs: HOUR });
    }
    expect((await t.store.list('acme'))[0]!.parts.length).toBe(4);
    t.clock.now += DAY + 1;
    await t.compactor.runOnce();
    expect((await linesOf(t.chunks, 'acme', api)).filter((line) => line.includes('token'))).toEqual([]);
    expect((await linesOf(t.chunks, 'acme', api)).length).toBe(40);
    expect((await t.store.list('acme'))[0]!.parts.every((part) => part.status === 'processed' && part.processedAtMs === t.clock.now)).toBe(true);
    expect((await linesOf(t.chunks, 'quiet', api)).length).toBe(60);
    expect((await t.service.list('quiet'))[0]!.status).toBe('received');
  });

  it('removes a chunk whose every line is deleted, and every replica of a chunk', async () => {
    const t = setup();
    t.withTask();
    const bytes = chunkOf(entries(DATA_MS, 10, 'r'));
    await t.chunks.putChunk('acme', api, bytes);
    // A replica that cut differently: the same entries in two chunks.
    await t.chunks.putChunk('acme', api, chunkOf(entries(DATA_MS, 5, 'r')));
    await t.service.create('acme', { query: '{app="api"}', startMs: DATA_MS - 1000, endMs: DATA_MS + 60_000, maxIntervalMs: undefined });
    t.clock.now += DAY + 1;
    await t.compactor.runOnce();
    expect(await linesOf(t.chunks, 'acme', api)).toEqual([]);
    expect((await t.objects.list('acme/')).filter((o) => !o.key.includes('/index/'))).toEqual([]);
  });

  it('lists a request force-cancelled while it was being carried out as processed, with the parts done', async () => {
    const t = setup();
    let cancelled = false;
    t.withTask({
      index: t.chunks.index,
      getChunk: (ref) => t.chunks.getChunk(ref),
      async putChunk(tenant, labels, bytes) {
        if (!cancelled) {
          cancelled = true;
          const [view] = await t.service.list('acme');
          await t.service.cancel('acme', view!.requestId, true);
        }
        return t.chunks.putChunk(tenant, labels, bytes);
      },
    });
    await t.chunks.putChunk('acme', api, chunkOf(entries(DATA_MS, 30, 'a')));
    await t.chunks.putChunk('acme', api, chunkOf(entries(DATA_MS + 2 * HOUR, 30, 'c')));
    await t.service.create('acme', { query: '{app="api"} |= "token"', startMs: DATA_MS - HOUR, endMs: DATA_MS + 3 * HOUR, maxIntervalMs: HOUR });
    t.clock.now += DAY + 1;
    await t.compactor.runOnce();
    const [stored] = await t.store.list('acme');
    expect(stored!.parts.map((part) => part.status)).toEqual(['processed']);
    expect((await t.service.list('acme'))[0]!.status).toBe('processed');
    // Only the part done before the cancel ([11:00, 12:00], which holds `a 0`) deleted lines.
    const tokens = [...entries(DATA_MS, 30, 'a'), ...entries(DATA_MS + 2 * HOUR, 30, 'c')].map((e) => e.line).filter((line) => line.includes('token'));
    expect((await linesOf(t.chunks, 'acme', api)).filter((line) => line.includes('token'))).toEqual(tokens.filter((line) => line !== 'a 0 token=x').sort());
  });
});
