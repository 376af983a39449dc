import { describe, expect, it } from 'vitest';
import { ChunkStore, MemChunk, MemoryStore } from '../../storage/mod.js';
import { labelsFromRecord } from '../../core/model.js';
import { emptyStats } from '../../logql/types.js';
import { selectStoredLogs, selectStoredSamples, type ChunkSource } from './store-source.js';
import { countingTurns } from '../../core/testing/event-loop-turns.js';

async function storeWith(streams: number, chunksPerStream: number): Promise<{ source: ChunkSource; fetches: () => number }> {
  const chunks = new ChunkStore(new MemoryStore(), { listCacheTtlMs: 0, cacheBytes: 0 });
  for (let s = 0; s < streams; s++) {
    for (let c = 0; c < chunksPerStream; c++) {
      const chunk = new MemChunk();
      for (let e = 0; e < 5; e++) chunk.append({ ts: BigInt(1_000_000 + c * 100 + e), line: `stream ${s} chunk ${c} entry ${e}` });
      await chunks.putChunk('fake', labelsFromRecord({ job: 'grouped', stream: String(s) }), chunk.encode());
    }
  }
  let fetched = 0;
  const source: ChunkSource = {
    streams: (tenant, from, through, filter) => chunks.index.streams(tenant, from, through, filter),
    fetch: (ref) => {
      fetched++;
      return chunks.getChunk(ref);
    },
    labelNames: (tenant, from, through) => chunks.index.labelNames(tenant, from, through),
    labelValues: (tenant, name, from, through) => chunks.index.labelValues(tenant, name, from, through),
  };
  return { source, fetches: () => fetched };
}

describe('store source', () => {
  it('scans many chunks group by group without dropping any stream', async () => {
    const { source, fetches } = await storeWith(30, 3); // 90 chunks: three groups of at most 32
    const stats = emptyStats();
    const lines: string[] = [];
    let batches = 0;
    for await (const stream of selectStoredLogs(
      source,
      { tenant: 'fake', selector: '{job="grouped"} |= "entry 4"', start: 0n, end: 10_000_000n, direction: 'forward', limit: 10_000 },
      stats,
    )) {
      batches++;
      for (const entry of stream.entries) lines.push(entry.line);
    }
    expect(lines).toHaveLength(90);
    expect(new Set(lines).size).toBe(90);
    expect(fetches()).toBe(90);
    expect(stats.totalChunksRef).toBe(90);
    expect(batches).toBeGreaterThanOrEqual(30);
  });

  it('skips chunks outside the range and extracts samples', async () => {
    const { source, fetches } = await storeWith(4, 3);
    const stats = emptyStats();
    let samples = 0;
    for await (const series of selectStoredSamples(
      source,
      { tenant: 'fake', expr: 'count_over_time({job="grouped"}[1m])', start: 1_000_100n, end: 1_000_200n },
      stats,
    )) {
      samples += series.samples.length;
    }
    // Only the middle chunk of each stream (timestamps 1_000_100..104) overlaps.
    expect(samples).toBe(4 * 5);
    expect(fetches()).toBe(4);
  });

  it('scanned in this thread, gives the event loop back during a long scan, with the answer unchanged', async () => {
    const chunks = new ChunkStore(new MemoryStore(), { listCacheTtlMs: 0 });
    for (let s = 0; s < 3; s++) {
      const chunk = new MemChunk();
      for (let e = 0; e < 20_000; e++) chunk.append({ ts: BigInt(1_000_000 + e), line: `stream ${s} entry ${e}` });
      await chunks.putChunk('fake', labelsFromRecord({ job: 'long', stream: String(s) }), chunk.encode());
    }
    const source: ChunkSource = {
      streams: (tenant, from, through, filter) => chunks.index.streams(tenant, from, through, filter),
      fetch: (ref) => chunks.getChunk(ref),
      labelNames: () => Promise.resolve([]),
      labelValues: () => Promise.resolve([]),
    };
    const params = { tenant: 'fake', expr: 'count_over_time({job="long"} |= "entry 1"[1m])', start: 0n, end: 10_000_000n };
    const collect = async (timeSlice: { now: () => number; sliceMs?: number }) => {
      const out = [];
      for await (const series of selectStoredSamples(source, params, emptyStats(), { timeSlice })) out.push(series);
      return out;
    };
    let t = 0;
    const { value: got, turns } = await countingTurns(() => collect({ now: () => t++ })); // 1 ms a reading: the slice runs out every 5
    expect(turns).toBeGreaterThan(5);
    const unsliced = await collect({ now: () => 0, sliceMs: Number.POSITIVE_INFINITY });
    expect(got).toEqual(unsliced);
    expect(got.reduce((sum, series) => sum + series.samples.length, 0)).toBe(3 * 11_111);
  });
});
