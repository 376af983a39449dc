// The store scan in worker threads answers exactly as the in-thread scan does, and a worker that
// throws or dies fails only the query it was serving, with a clear error.

import { afterAll, describe, expect, it } from 'vitest';
import { labelsFromRecord, labelsToString } from '../../../core/model.js';
import { TopEntries } from '../../../logql/engine/top-entries.js';
import { emptyStats, type SelectLogsParams, type StreamResult } from '../../../logql/types.js';
import { ChunkStore, MemChunk, MemoryStore } from '../../../storage/mod.js';
import { CURRENT_CHUNK_FORMAT, encodeChunk } from '../../../storage/chunk/chunk-format.js';
import { selectStoredLogs, selectStoredSamples, type ChunkSource, type StoredChunk } from '../store-source.js';
import { ScanPool } from './pool.js';

const T0 = 1_700_000_000_000_000_000n;
const LEVELS = ['info', 'warn', 'error'];

async function storeWith(streams: number, chunksPerStream: number, entries: number): Promise<{ chunks: ChunkStore; source: ChunkSource }> {
  const chunks = new ChunkStore(new MemoryStore(), { listCacheTtlMs: 0 });
  for (let s = 0; s < streams; s++) {
    for (let c = 0; c < chunksPerStream; c++) {
      const chunk = new MemChunk();
      for (let e = 0; e < entries; e++) {
        const n = c * entries + e;
        chunk.append({ ts: T0 + BigInt(n) * 1_000_000_000n, line: `level=${LEVELS[n % 3]} stream=${s} n=${n} status=${200 + (n % 4) * 100}` });
      }
      await chunks.putChunk('fake', labelsFromRecord({ job: `job-${s % 3}`, stream: String(s) }), chunk.encode());
    }
  }
  return { chunks, source: sourceOf(chunks) };
}

function sourceOf(chunks: ChunkStore, override?: (chunk: StoredChunk) => StoredChunk): ChunkSource {
  return {
    streams: (tenant, from, through, filter) => chunks.index.streams(tenant, from, through, filter),
    fetch: async (ref) => (override ?? ((c) => c))(await chunks.getChunk(ref)),
    labelNames: (tenant, from, through) => chunks.index.labelNames(tenant, from, through),
    labelValues: (tenant, name, from, through) => chunks.index.labelValues(tenant, name, from, through),
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const pools: ScanPool[] = [];
function pool(size: number, maxHeapMb?: number): ScanPool {
  const created = new ScanPool({ size, ...(maxHeapMb !== undefined ? { maxHeapMb } : {}) });
  pools.push(created);
  return created;
}

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

/** The query's answer as the engine makes it from the parts: the best `limit` entries, copies dropped. */
function answerOf(parts: readonly StreamResult[], params: SelectLogsParams): string[] {
  const top = new TopEntries(params.limit, params.direction, true);
  for (const part of parts) for (const entry of part.entries) top.offer(entry.ts, labelsToString(part.labels), part.labels, entry.line);
  return top.ordered().map((kept) => `${kept.ts} ${kept.key} ${kept.line}`);
}

const END = T0 + 10_000n * 1_000_000_000n;
const logs = (selector: string, limit = 5_000, direction: 'forward' | 'backward' = 'forward'): SelectLogsParams => ({ tenant: 'fake', selector, start: T0, end: END, direction, limit });
const samples = (expr: string) => ({ tenant: 'fake', expr, start: T0, end: END });

describe('the store-scan worker pool', () => {
  it('answers log and sample selections exactly as the in-thread scan, in the same order', async () => {
    const { source } = await storeWith(40, 3, 200); // 120 chunks: several groups over two workers
    const reversed: ChunkSource = { ...source, streams: async (...args) => (await source.streams(...args)).reverse() };
    const workers = pool(2);
    // Later groups of a log query read only as far as the earlier ones' best `limit` entries
    // leave room for (actors/querier/limit-bound.ts), and how many groups are done when the next
    // is formed differs between one thread and two: the parts may differ, the answer may not.
    const everything = 1_000_000_000;
    // (The first query's 8,000 lines fill its limit of 5,000 only in its last groups: nothing to save.)
    for (const [params, saves] of [
      [logs('{job=~"job-.*"} |= "level=error"'), false],
      [logs('{job="job-1"} | logfmt | status >= 400', 700), true],
      [logs('{job=~"job-.*"}', 100, 'backward'), true],
      [logs('{job=~"job-.*"} | logfmt | status >= 400', 1_000, 'backward'), true],
      [logs('{job=~"job-.*"}', 30), true],
    ] as const) {
      const inThread = emptyStats();
      const pooled = emptyStats();
      const unbounded = emptyStats();
      const expected = answerOf(await collect(selectStoredLogs(source, { ...params, limit: everything }, unbounded)), params);
      expect(expected).toHaveLength(params.limit);
      expect(answerOf(await collect(selectStoredLogs(source, params, inThread)), params)).toEqual(expected);
      expect(answerOf(await collect(selectStoredLogs(source, params, pooled, { pool: workers })), params)).toEqual(expected);
      // Every stream logs at the same instants, so the limit falls among ties, which the engine
      // breaks by labels: with the streams listed in reverse, the groups (and which of them set
      // the bound) come the other way round, and the answer is the same.
      expect(answerOf(await collect(selectStoredLogs(reversed, params, emptyStats(), { pool: workers })), params)).toEqual(expected);
      if (!saves) continue;
      // The bound saves reading: fewer lines than the whole selection once it has set in.
      expect(pooled.totalLinesProcessed).toBeLessThan(unbounded.totalLinesProcessed);
      expect(inThread.totalLinesProcessed).toBeLessThan(unbounded.totalLinesProcessed);
    }
    for (const params of [samples('count_over_time({job=~"job-.*"}[1m])'), samples('sum by (level) (count_over_time({job="job-2"} | logfmt [5m]))')]) {
      const inThread = emptyStats();
      const pooled = emptyStats();
      const expected = await collect(selectStoredSamples(source, params, inThread));
      expect(expected.length).toBeGreaterThan(0);
      expect(await collect(selectStoredSamples(source, params, pooled, { pool: workers }))).toEqual(expected);
      expect(pooled).toEqual(inThread);
    }
  }, 120_000);

  it('fails a query whose worker throws with that error, and keeps serving the next one', async () => {
    const { chunks, source } = await storeWith(2, 1, 50);
    // A chunk whose checksums are valid but whose block is not entries: only a scan finds out.
    const forged = new Uint8Array(encodeChunk(CURRENT_CHUNK_FORMAT, 'none', [{ entries: 3, mint: T0, maxt: T0 + 2n, uncompressedLength: 64, data: new Uint8Array(64).fill(0xff) }]));
    const broken = sourceOf(chunks, (chunk) => ({ ...chunk, entryCount: chunk.entryCount, minTs: chunk.minTs, maxTs: chunk.maxTs, iterate: chunk.iterate.bind(chunk), bytes: forged }));
    const workers = pool(1);
    const error = await collect(selectStoredLogs(broken, logs('{job=~"job-.*"}'), emptyStats(), { pool: workers })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CORRUPT_CHUNK', status: 500 });
    expect((error as Error).message).toMatch(/^corrupt chunk: /);
    const lines = (await collect(selectStoredLogs(source, logs('{job=~"job-.*"}'), emptyStats(), { pool: workers }))).flatMap((s) => s.entries);
    expect(lines).toHaveLength(100);
  }, 120_000);

  it('fails a query whose worker dies, names the failure, and replaces the worker', async () => {
    const chunks = new ChunkStore(new MemoryStore(), { listCacheTtlMs: 0 });
    // 96 MiB of lines in a worker allowed 32 MiB of heap: it runs out of memory and dies. The
    // lines are not ASCII: Node keeps a long ASCII line decoded as latin1 outside the JS heap.
    for (let c = 0; c < 6; c++) {
      const chunk = new MemChunk({ targetSizeBytes: 64 * 1024 * 1024, blockSizeBytes: 32 * 1024 * 1024 });
      for (let e = 0; e < 16; e++) chunk.append({ ts: T0 + BigInt(c * 16 + e), line: `${c} ${e} ${'ü'.repeat(512 * 1024)}` });
      await chunks.putChunk('fake', labelsFromRecord({ job: 'huge' }), chunk.encode());
    }
    const { source: small } = await storeWith(1, 1, 10);
    const workers = pool(1, 32);
    const before = workers.threadIds();
    const error = await collect(selectStoredLogs(sourceOf(chunks), logs('{job="huge"}'), emptyStats(), { pool: workers })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'QUERY_WORKER_FAILED', status: 500 });
    expect((error as Error).message).toMatch(/^query worker \d+ (failed|exited)/);
    const lines = (await collect(selectStoredLogs(small, logs('{job=~"job-.*"}'), emptyStats(), { pool: workers }))).flatMap((s) => s.entries);
    expect(lines).toHaveLength(10);
    expect(workers.threadIds()).not.toEqual(before);
  }, 120_000);
});
