import { beforeAll, describe, expect, it } from 'vitest';
import { labelsFromRecord, type Entry, type Labels } from '../../core/model.js';
import { columnsOf } from '../../logql/engine/sample-columns.js';
import { emptyStats, type SampleSeries, type SelectSamplesParams } from '../../logql/types.js';
import { decodeChunk, MemChunk, type ChunkFormat } from '../../storage/chunk/mod.js';
import { dedupeEntries, mergeChunks } from './merge-entries.js';
import { selectChunkSamples, type ChunkStream } from './stored-samples.js';
import { selectSamples, type ReadableStream } from './stream-source.js';

const T0 = 1_700_000_000_000_000_000n;

/** The column-layout format the chunks of the running describe block are written in. */
let columnFormat: ChunkFormat = 'norn-v2';

function chunkOf(entries: readonly Entry[], format: ChunkFormat = columnFormat) {
  const chunk = new MemChunk({ blockSizeBytes: 200, encoding: 'gzip', format });
  for (const entry of entries) chunk.append(entry);
  return decodeChunk(chunk.encode());
}

/** The general path: every chunk merged, copies dropped, then the engine's extraction. */
function general(streams: readonly ChunkStream[], params: SelectSamplesParams) {
  const readable: ReadableStream[] = streams.map((stream) => ({
    labels: stream.labels,
    entries: (from, through, direction, mustContain) => dedupeEntries(mergeChunks(stream.chunks, { from, through, direction, mustContain: [...mustContain] })),
  }));
  const stats = emptyStats();
  return { series: plain(selectSamples(readable, params, stats)), stats };
}

function fast(streams: readonly ChunkStream[], params: SelectSamplesParams) {
  const stats = emptyStats();
  return { series: plain(selectChunkSamples(streams, params, stats)), stats };
}

function plain(series: readonly SampleSeries[]) {
  return series.map((s) => {
    const c = columnsOf(s);
    return { labels: s.labels, ts: [...c.ts], values: [...c.values], hashes: [...c.hashes] };
  });
}

function params(expr: string, extra: Partial<SelectSamplesParams> = {}): SelectSamplesParams {
  return { tenant: 't', expr, start: T0 + 5n, end: T0 + 400n, ...extra } as SelectSamplesParams;
}

function lines(from: number, to: number, text: (i: number) => string): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i < to; i++) out.push({ ts: T0 + BigInt(i), line: text(i) });
  return out;
}

const app = (name: string): Labels => labelsFromRecord({ app: name, env: 'prod' });
const ascii = (i: number) => `level=${i % 3 === 0 ? 'error' : 'info'} request ${i} took ${i * 7}ms`;
const EXPRS = [
  'count_over_time({env="prod"}[1m])',
  'bytes_over_time({env="prod"}[1m])',
  'sum by (app) (rate({env="prod"}[1m]))',
  'sum without (app) (count_over_time({env="prod"}[1m]))',
  'count_over_time({env="prod"} |= "error" [1m])',
  'sum by (level) (count_over_time({env="prod"} | logfmt [1m]))',
];

function expectSame(streams: readonly ChunkStream[], extra: Partial<SelectSamplesParams> = {}): void {
  for (const expr of EXPRS) {
    const want = general(streams, params(expr, extra));
    const got = fast(streams, params(expr, extra));
    expect(got.series, expr).toEqual(want.series);
    expect(got.stats.totalLinesProcessed, expr).toBe(want.stats.totalLinesProcessed);
    expect(got.stats.totalBytesProcessed, expr).toBe(want.stats.totalBytesProcessed);
  }
}

describe.each(['norn-v2', 'norn-v1'] as const)('samples from stored chunks, read line-free where possible (%s)', (format) => {
  beforeAll(() => {
    columnFormat = format;
  });
  it('match the general path over disjoint chunks of many blocks, range edges inside blocks', () => {
    const streams = [
      { labels: app('a'), chunks: [chunkOf(lines(0, 150, ascii)), chunkOf(lines(150, 420, ascii))] },
      { labels: app('b'), chunks: [chunkOf(lines(3, 300, (i) => `b ${i}`))] },
    ];
    expect(streams[0]!.chunks[0]!.blockCount).toBeGreaterThan(3);
    expectSame(streams);
    const got = fast(streams, params('count_over_time({env="prod"}[1m])'));
    expect(got.series[0]!.ts.length).toBe(395);
  });

  it('match it with overlapping replica chunks (cut at different points): copies counted once', () => {
    const all = lines(0, 300, ascii);
    const replicaA = [chunkOf(all.slice(0, 120)), chunkOf(all.slice(120))];
    const replicaB = [chunkOf(all.slice(0, 200)), chunkOf(all.slice(200))];
    const streams = [{ labels: app('a'), chunks: [...replicaA, ...replicaB] }];
    expectSame(streams);
    expect(fast(streams, params('count_over_time({env="prod"}[1m])')).series[0]!.ts.length).toBe(295);
  });

  it('drop copies within a timestamp, keep distinct lines of one timestamp, hash non-ASCII lines as text', () => {
    const entries: Entry[] = [];
    for (let i = 0; i < 60; i++) {
      const ts = T0 + 10n + BigInt(i >> 2);
      entries.push({ ts, line: i % 4 === 1 ? entries[entries.length - 1]!.line : `grüße ${i >> 1} ✓` });
    }
    entries.push({ ts: T0 + 100n, line: 'bad \udc00 half' }, { ts: T0 + 100n, line: 'bad \ud800 half' });
    const streams = [{ labels: app('u'), chunks: [chunkOf(entries)] }];
    expectSame(streams);
  });

  it('match it where entries carry structured metadata, in legacy blocks and under delete requests', () => {
    const withMetadata = lines(0, 200, ascii).map((e, i) => (i % 5 === 0 ? { ...e, metadata: labelsFromRecord({ trace_id: String(i % 3) }) } : e));
    const streams = [
      { labels: app('m'), chunks: [chunkOf(withMetadata)] },
      { labels: app('l'), chunks: [chunkOf(lines(0, 200, ascii), 'legacy-v4')] },
    ];
    expectSame(streams);
    // Copies and near-copies within one timestamp: same line, metadata equal, different, absent.
    const md = (trace: string) => labelsFromRecord({ trace_id: trace, detected_level: 'info' });
    const crowded: Entry[] = [];
    for (let i = 0; i < 40; i++) {
      const ts = T0 + 20n + BigInt(i >> 3);
      crowded.push({ ts, line: `same ${i >> 4}`, ...(i % 3 === 2 ? {} : { metadata: md(String(i % 3)) }) });
    }
    crowded.push({ ts: T0 + 30n, line: 'x', metadata: labelsFromRecord({ wörd: 'ünïcode' }) }, { ts: T0 + 30n, line: 'x', metadata: labelsFromRecord({ wörd: 'ünïcode' }) });
    expectSame([{ labels: app('c'), chunks: [chunkOf(crowded)] }]);
    expect(fast([{ labels: app('c'), chunks: [chunkOf(crowded)] }], params('count_over_time({env="prod"}[1m])')).series.length).toBe(4);
    expectSame(streams, { deletes: [{ query: '{app="m"} |= "error"', start: T0, end: T0 + 1000n }] } as Partial<SelectSamplesParams>);
  });
});
