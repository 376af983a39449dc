// Reads flushed data: finds a tenant's streams in the index, fetches the chunks that overlap
// the range, and hands them to the same selection code the ingesters use.

import type { QueryStats, SampleSeries, SelectLogsParams, SelectSamplesParams, StreamResult } from '../../logql/types.js';
import { compileLogSelector, compileSampleExpr, matchesLabels, type Matcher } from '../../logql/mod.js';
import type { Labels } from '../../core/model.js';
import type { ChunkReader, ChunkRef } from '../../storage/mod.js';
import { dedupeEntries, mergeChunks } from '../select/merge-entries.js';
import { selectLogs, selectSamples, type ReadableStream } from '../select/stream-source.js';

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

/**
 * Chunks fetched and scanned together. The engine keeps only the query's result between
 * groups, so memory follows this bound and the result, not the bytes the query scans.
 */
const CHUNKS_PER_GROUP = 32;
const PARALLEL_FETCHES = 8;

/** Streams in groups of about CHUNKS_PER_GROUP overlapping chunks; a stream is never split. */
function* groupsOf(streams: readonly StoredStream[], start: bigint, end: bigint): Generator<StoredStream[]> {
  let group: StoredStream[] = [];
  let chunks = 0;
  for (const stream of streams) {
    const refs = stream.chunks.filter((ref) => ref.through >= start && ref.from < end);
    if (refs.length === 0) continue;
    if (group.length > 0 && chunks + refs.length > CHUNKS_PER_GROUP) {
      yield group;
      group = [];
      chunks = 0;
    }
    group.push({ labels: stream.labels, chunks: refs });
    chunks += refs.length;
  }
  if (group.length > 0) yield group;
}

/** The matching streams, a group at a time, each group's chunks fetched in parallel. */
async function* loadGroups(
  source: ChunkSource,
  tenant: string,
  matchers: readonly Matcher[],
  start: bigint,
  end: bigint,
  stats: QueryStats,
): AsyncGenerator<ReadableStream[]> {
  const streams = await source.streams(tenant, start, end, (labels) => matchesLabels(matchers, labels));
  for (const group of groupsOf(streams, start, end)) {
    const refs = group.flatMap((stream, index) => stream.chunks.map((ref) => ({ stream: index, ref })));
    stats.totalChunksRef += refs.length;
    const chunks: StoredChunk[][] = group.map(() => []);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < refs.length) {
        const { stream, ref } = refs[next++]!;
        chunks[stream]!.push(await source.fetch(ref));
        stats.totalChunksDownloaded++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_FETCHES, refs.length) }, worker));
    yield group.map((stream, index) => ({
      labels: stream.labels,
      entries(from, through, direction, mustContain) {
        // Replicas may have flushed overlapping chunks of the same stream.
        return dedupeEntries(mergeChunks(chunks[index]!, { from, through, direction, mustContain: [...mustContain] }));
      },
    }));
  }
}

export async function* selectStoredLogs(source: ChunkSource, params: SelectLogsParams, stats: QueryStats): AsyncGenerator<StreamResult> {
  const { matchers } = compileLogSelector(params.selector);
  for await (const group of loadGroups(source, params.tenant, matchers, params.start, params.end, stats)) {
    yield* selectLogs(group, params, stats);
  }
}

export async function* selectStoredSamples(source: ChunkSource, params: SelectSamplesParams, stats: QueryStats): AsyncGenerator<SampleSeries> {
  const { matchers } = compileSampleExpr(params.expr);
  for await (const group of loadGroups(source, params.tenant, matchers, params.start, params.end, stats)) {
    yield* selectSamples(group, params, stats);
  }
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
