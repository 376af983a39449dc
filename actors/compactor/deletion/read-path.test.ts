// The query-time filter wherever a selection runs: the store scan in this thread and in a
// worker thread, and the selection the ingesters run over their memory. Deleted lines leave
// before the limit and before any sample is extracted.

import { afterAll, describe, expect, it } from 'vitest';
import { labelsFromRecord } from '../../../core/model.js';
import { emptyStats, type DeleteFilter } from '../../../logql/types.js';
import { ChunkStore, MemChunk, MemoryStore } from '../../../storage/mod.js';
import { selectStoredLogs, selectStoredSamples, type ChunkSource } from '../../querier/store-source.js';
import { ScanPool } from '../../querier/scan-pool/pool.js';
import { selectLogs, selectSamples, type ReadableStream } from '../../select/stream-source.js';

const T0 = 1_700_000_000_000_000_000n;
const SECOND = 1_000_000_000n;
const line = (n: number) => `n=${n}${n % 2 === 0 ? ' token=x' : ''}`;
const deletes: DeleteFilter[] = [{ query: '{app="api"} |= "token"', start: T0, end: T0 + 9n * SECOND }];

async function source(): Promise<ChunkSource> {
  const chunks = new ChunkStore(new MemoryStore(), { listCacheTtlMs: 0 });
  for (const app of ['api', 'web']) {
    const chunk = new MemChunk();
    for (let n = 0; n < 20; n++) chunk.append({ ts: T0 + BigInt(n) * SECOND, line: line(n) });
    await chunks.putChunk('fake', labelsFromRecord({ app }), chunk.encode());
  }
  return {
    streams: (tenant, from, through, filter) => chunks.index.streams(tenant, from, through, filter),
    fetch: (ref) => chunks.getChunk(ref),
    labelNames: (tenant, from, through) => chunks.index.labelNames(tenant, from, through),
    labelValues: (tenant, name, from, through) => chunks.index.labelValues(tenant, name, from, through),
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Lines of api that stay: odd ones, and even ones after the window (10..19). */
const apiKept = Array.from({ length: 20 }, (_, n) => n).filter((n) => n % 2 === 1 || n > 9).map(line);

const pool = new ScanPool({ size: 1 });
afterAll(() => pool.close());

describe('the query-time filter', () => {
  for (const [mode, options] of [['in this thread', {}], ['in a worker thread', { pool }]] as const) {
    it(`hides deleted lines from stored logs and samples, ${mode}`, async () => {
      const store = await source();
      const logs = await collect(
        selectStoredLogs(store, { tenant: 'fake', selector: '{app=~"api|web"}', start: T0, end: T0 + 60n * SECOND, direction: 'forward', limit: 1000, deletes }, emptyStats(), options),
      );
      const byApp = Object.fromEntries(logs.map((s) => [s.labels.find((l) => l.name === 'app')!.value, s.entries.map((e) => e.line)]));
      expect(byApp).toEqual({ api: apiKept, web: Array.from({ length: 20 }, (_, n) => line(n)) });

      // The limit counts kept lines: the first 3 forward are n=1, 3, 5.
      const limited = await collect(
        selectStoredLogs(store, { tenant: 'fake', selector: '{app="api"}', start: T0, end: T0 + 60n * SECOND, direction: 'forward', limit: 3, deletes }, emptyStats(), options),
      );
      expect(limited.flatMap((s) => s.entries.map((e) => e.line))).toEqual(['n=1', 'n=3', 'n=5']);

      const series = await collect(
        selectStoredSamples(store, { tenant: 'fake', expr: 'sum by (app) (count_over_time({app=~"api|web"} |= "token" [1m]))', start: T0, end: T0 + 60n * SECOND, deletes }, emptyStats(), options),
      );
      const counts = Object.fromEntries(series.map((s) => [s.labels.find((l) => l.name === 'app')!.value, s.samples.length]));
      expect(counts).toEqual({ api: 5, web: 10 });
    });
  }

  it('hides deleted lines from the selection over memory, as the ingesters run it', () => {
    const chunk = new MemChunk();
    for (let n = 0; n < 20; n++) chunk.append({ ts: T0 + BigInt(n) * SECOND, line: line(n) });
    const stream: ReadableStream = { labels: labelsFromRecord({ app: 'api' }), entries: (from, through, direction) => chunk.iterate({ from, through, direction }) };
    const logs = selectLogs([stream], { tenant: 'fake', selector: '{app="api"}', start: T0, end: T0 + 60n * SECOND, direction: 'backward', limit: 100, deletes }, emptyStats());
    expect(logs.flatMap((s) => s.entries.map((e) => e.line))).toEqual([...apiKept].reverse());
    const samples = selectSamples([stream], { tenant: 'fake', expr: 'count_over_time({app="api"}[1m])', start: T0, end: T0 + 60n * SECOND, deletes }, emptyStats());
    expect(samples.flatMap((s) => s.samples).length).toBe(apiKept.length);
    // Without delete requests nothing is hidden.
    expect(selectSamples([stream], { tenant: 'fake', expr: 'count_over_time({app="api"}[1m])', start: T0, end: T0 + 60n * SECOND }, emptyStats())[0]!.samples.length).toBe(20);
  });
});
