// Folding in the store scan (logql/engine/sample-fold.ts): the engine's window values over
// folded samples equal those over every sample, whatever the windows (instant, steps shorter or
// longer than the range, steps that do not divide it, offsets) and wherever the folding bound
// falls (before everything, inside blocks, after everything); over disjoint and overlapping
// replica chunks, copies within a timestamp, structured metadata, legacy blocks, a stage and
// delete requests. Mixed with unfolded copies of the newest entries (an ingester's), nothing
// counts twice.

import { beforeAll, describe, expect, it } from 'vitest';
import { labelsFromRecord, type Entry, type Labels } from '../../core/model.js';
import { evaluateRangeAggregation } from '../../logql/engine/range-eval.js';
import { pushedDownGrouping } from '../../logql/plan.js';
import { innerRangeAggregation, parseExpr } from '../../logql/mod.js';
import type { SampleExpr } from '../../logql/syntax/ast.js';
import { emptyStats, type Querier, type SampleSeries, type SelectSamplesParams } from '../../logql/types.js';
import { decodeChunk, MemChunk, type ChunkFormat } from '../../storage/chunk/mod.js';
import { selectChunkSamples, type ChunkStream } from './stored-samples.js';
import { decodeSampleBatch, sampleBatches } from './sample-batch.js';

const T0 = 1_700_000_000_000_000_000n;
const S = 1_000_000_000n;

/** The column-layout format the chunks of the running describe block are written in. */
let columnFormat: ChunkFormat = 'norn-v2';

function chunkOf(entries: readonly Entry[], format: ChunkFormat = columnFormat) {
  const chunk = new MemChunk({ blockSizeBytes: 300, encoding: 'gzip', format });
  for (const entry of entries) chunk.append(entry);
  return decodeChunk(chunk.encode());
}

/** An entry every 700 ms from second `from` to `to`. */
function lines(from: number, to: number, text: (i: number) => string): Entry[] {
  const out: Entry[] = [];
  for (let i = from * 10; i < to * 10; i += 7) out.push({ ts: T0 + (BigInt(i) * S) / 10n, line: text(i) });
  return out;
}

const app = (name: string): Labels => labelsFromRecord({ app: name, env: 'prod' });
const logfmt = (i: number) => `level=${i % 3 === 0 ? 'error' : 'info'} request ${i} took ${i * 7}ms`;

function streamsUnderTest(): ChunkStream[] {
  const all = lines(0, 300, logfmt);
  const withMetadata = lines(0, 300, logfmt).map((e, i) => (i % 5 === 0 ? { ...e, metadata: labelsFromRecord({ trace_id: String(i % 3) }) } : e));
  // Four entries a timestamp, two of them copies of one line (a retried push).
  const crowded: Entry[] = [];
  for (let k = 0; k < 90; k++) {
    const ts = T0 + BigInt(k) * 3n * S;
    crowded.push({ ts, line: `level=info a ${k}` }, { ts, line: `copy ${k}` }, { ts, line: `copy ${k}` }, { ts, line: `level=error b ${k}` });
  }
  return [
    { labels: app('disjoint'), chunks: [chunkOf(all.slice(0, 150)), chunkOf(all.slice(150))] },
    { labels: app('replicas'), chunks: [chunkOf(all.slice(0, 120)), chunkOf(all.slice(120)), chunkOf(all.slice(0, 200)), chunkOf(all.slice(200))] },
    { labels: app('metadata'), chunks: [chunkOf(withMetadata)] },
    { labels: app('legacy'), chunks: [chunkOf(all, 'legacy-v4')] },
    { labels: app('crowded'), chunks: [chunkOf(crowded)] },
  ];
}

const EXPRS = [
  'count_over_time({env="prod"}[1m])',
  'bytes_over_time({env="prod"}[45s])',
  'sum by (app) (rate({env="prod"}[1m]))',
  'sum (bytes_rate({env="prod"}[2m] offset 30s))',
  'sum by (level) (count_over_time({env="prod"} | logfmt [1m]))',
  'count_over_time({env="prod"} |= "error" [50s])',
];

/** A querier over the streams' chunks that folds before `foldAt` (seconds), as the cluster querier lets the store scan. */
function storeQuerier(streams: readonly ChunkStream[], foldAt: number | undefined, ingesterCopies = false, deletes?: SelectSamplesParams['deletes']): Querier {
  return {
    selectLogs: () => {
      throw new Error('not used');
    },
    async *selectSamples(params: SelectSamplesParams) {
      const { windows, ...unfolded } = params;
      const withDeletes = deletes === undefined ? unfolded : { ...unfolded, deletes };
      const scan = foldAt === undefined || windows === undefined ? withDeletes : { ...withDeletes, windows, foldBefore: T0 + BigInt(foldAt) * S };
      // A stream a scan and across the worker boundary, as the scan pool's groups send them: one
      // series gets partial sums from several scans, often equal ones.
      for (const stream of streams) {
        for (const series of selectChunkSamples([stream], scan, emptyStats())) for (const batch of sampleBatches(series, 1 << 20)) yield decodeSampleBatch(batch);
      }
      // An ingester's unfolded copies of the newest entries (from the bound on).
      if (ingesterCopies && foldAt !== undefined) {
        const recent = { ...withDeletes, start: T0 + BigInt(foldAt) * S > params.start ? T0 + BigInt(foldAt) * S : params.start };
        if (recent.start < recent.end) yield* selectChunkSamples(streams, recent, emptyStats()) as SampleSeries[];
      }
    },
  } as unknown as Querier;
}

async function steps(query: string, times: bigint[], querier: Querier) {
  const expr = parseExpr(query) as SampleExpr;
  const inner = innerRangeAggregation(expr)!;
  const result = await evaluateRangeAggregation(inner, times, 't', querier, emptyStats(), pushedDownGrouping(expr));
  return result.map((step) => step.map((s) => [s.key, s.value]).sort());
}

const grid = (from: number, to: number, step: number): bigint[] => {
  const out: bigint[] = [];
  for (let t = from; t <= to; t += step) out.push(T0 + BigInt(t) * S);
  return out;
};

const GRIDS: Array<[string, bigint[]]> = [
  ['instant', [T0 + 250n * S]],
  ['step 15s < range', grid(30, 320, 15)],
  ['step 90s > range', grid(60, 330, 90)],
  ['step 37s, dividing nothing', grid(1, 310, 37)],
];

describe.each(['norn-v2', 'norn-v1'] as const)('samples folded in the store scan (%s)', (format) => {
  beforeAll(() => {
    columnFormat = format;
  });
  it('give the window values of every sample, for every window shape and folding bound', async () => {
    const streams = streamsUnderTest();
    for (const query of EXPRS) {
      for (const [name, times] of GRIDS) {
        const want = await steps(query, times, storeQuerier(streams, undefined));
        expect(want.some((step) => step.length > 0), `${query} ${name}`).toBe(true);
        for (const foldAt of [-10, 77, 151, 1_000]) {
          expect(await steps(query, times, storeQuerier(streams, foldAt)), `${query} ${name} fold before ${foldAt}s`).toEqual(want);
        }
        for (const foldAt of [77, 200]) {
          expect(await steps(query, times, storeQuerier(streams, foldAt, true)), `${query} ${name} fold before ${foldAt}s, with an ingester's copies`).toEqual(want);
        }
      }
    }
  });

  it('leave out what delete requests hide, folded or not', async () => {
    const streams = streamsUnderTest();
    const deletes = [{ query: '{app="metadata"} |= "error"', start: T0, end: T0 + 1_000n * S }];
    for (const query of EXPRS) {
      const times = grid(30, 320, 15);
      const want = await steps(query, times, storeQuerier(streams, undefined, false, deletes));
      expect(await steps(query, times, storeQuerier(streams, 150, false, deletes)), query).toEqual(want);
      expect(want).not.toEqual(await steps(query, times, storeQuerier(streams, undefined)));
    }
  });

  it('send one sample per stretch and series instead of one per entry', () => {
    const streams = streamsUnderTest();
    const params: SelectSamplesParams = {
      tenant: 't',
      expr: 'sum by (app) (count_over_time({env="prod"}[1m]))',
      start: T0 - 59n * S,
      end: T0 + 300n * S + 1n,
      windows: { firstEnd: T0, step: 60n * S, count: 6, rangeNs: 60n * S },
      foldBefore: T0 + 1_000n * S,
    };
    const folded = selectChunkSamples(streams, params, emptyStats());
    expect(folded.every((series) => series.columns?.summed === true)).toBe(true);
    // One sample per window with entries, per app: the window's count.
    const times = lines(0, 300, logfmt).map((e) => e.ts);
    const counts = [0, 1, 2, 3, 4, 5].map((k) => times.filter((t) => t > T0 + BigInt(k * 60 - 60) * S && t <= T0 + BigInt(k * 60) * S).length);
    expect(counts.every((n) => n > 0)).toBe(true);
    const disjoint = folded.find((series) => series.labels.some((l) => l.value === 'disjoint'))!;
    expect([...disjoint.columns!.values]).toEqual(counts);
    expect([...disjoint.columns!.ts]).toEqual([0, 1, 2, 3, 4, 5].map((k) => T0 + BigInt(k * 60) * S));
    expect(folded.length).toBe(5);
  });
});
