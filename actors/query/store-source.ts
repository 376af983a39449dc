// Reads flushed data: finds a tenant's streams in the index, fetches the chunks that overlap
// the range, and hands them to the same selection code the ingesters use.

import type { QueryStats, SampleSeries, SelectLogsParams, SelectSamplesParams, StreamResult } from '../../logql/types.js';
import { compileLogSelector, compileSampleExpr, matchesLabels, type Matcher } from '../../logql/index.js';
import type { Labels } from '../../storage/model.js';
import type { ChunkReader, ChunkRef } from '../../storage/index.js';
import { dedupeEntries, mergeChunks } from './merge-entries.js';
import { selectLogs, selectSamples, type ReadableStream } from './stream-source.js';

/** A chunk fetched from storage, ready to iterate. */
export type StoredChunk = ChunkReader;

export interface StoredStream {
  readonly labels: Labels;
  readonly chunks: readonly StoredChunkRef[];
}

/** A chunk reference as the index returns it. */
export type StoredChunkRef = ChunkRef;

/** What the querier needs from storage; the composition root adapts the chunk store to it. */
export interface ChunkSource {
  streams(tenant: string, from: bigint, through: bigint, filter: (labels: Labels) => boolean): Promise<StoredStream[]>;
  fetch(ref: StoredChunkRef): Promise<StoredChunk>;
  labelNames(tenant: string, from: bigint, through: bigint): Promise<string[]>;
  labelValues(tenant: string, name: string, from: bigint, through: bigint): Promise<string[]>;
}

/** Fetches every chunk of the matching streams that overlaps [start, end), at most `parallel` at once. */
async function loadStreams(
  source: ChunkSource,
  tenant: string,
  matchers: readonly Matcher[],
  start: bigint,
  end: bigint,
  stats: QueryStats,
  parallel = 8,
): Promise<ReadableStream[]> {
  const streams = await source.streams(tenant, start, end, (labels) => matchesLabels(matchers, labels));
  const refs: Array<{ stream: number; ref: StoredChunkRef }> = [];
  streams.forEach((stream, index) => {
    for (const ref of stream.chunks) if (ref.through >= start && ref.from < end) refs.push({ stream: index, ref });
  });
  stats.totalChunksRef += refs.length;
  const chunks: StoredChunk[][] = streams.map(() => []);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < refs.length) {
      const { stream, ref } = refs[next++]!;
      chunks[stream]!.push(await source.fetch(ref));
      stats.totalChunksDownloaded++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, refs.length) }, worker));
  return streams.map((stream, index) => ({
    labels: stream.labels,
    entries(from, through, direction, mustContain) {
      // Replicas may have flushed overlapping chunks of the same stream.
      return dedupeEntries(mergeChunks(chunks[index]!, { from, through, direction, mustContain: [...mustContain] }));
    },
  }));
}

export async function selectStoredLogs(source: ChunkSource, params: SelectLogsParams, stats: QueryStats): Promise<StreamResult[]> {
  const { matchers } = compileLogSelector(params.selector);
  const streams = await loadStreams(source, params.tenant, matchers, params.start, params.end, stats);
  return selectLogs(streams, params, stats);
}

export async function selectStoredSamples(source: ChunkSource, params: SelectSamplesParams, stats: QueryStats): Promise<SampleSeries[]> {
  const { matchers } = compileSampleExpr(params.expr);
  const streams = await loadStreams(source, params.tenant, matchers, params.start, params.end, stats);
  return selectSamples(streams, params, stats);
}

export async function storedSeries(
  source: ChunkSource,
  tenant: string,
  selectors: readonly Matcher[][],
  start: bigint,
  end: bigint,
): Promise<Labels[]> {
  const filter = (labels: Labels) => selectors.length === 0 || selectors.some((matchers) => matchesLabels(matchers, labels));
  const streams = await source.streams(tenant, start, end, filter);
  return streams.map((stream) => stream.labels);
}
