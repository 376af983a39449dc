// Reads flushed data: finds a tenant's streams in the index, fetches the chunks that overlap
// the range, and hands them to the same selection code the ingesters use.

import { availableParallelism } from 'node:os';
import { LimitBound } from './limit-bound.js';
import { addStats, type QueryStats, type SampleSeries, type SelectLogsParams, type SelectSamplesParams, type StreamResult } from '../../logql/types.js';
import { compileLogSelector, compileSampleExpr, matchesLabels, type Matcher } from '../../logql/mod.js';
import type { Labels } from '../../core/model.js';
import type { StreamShard } from '../../logql/types.js';
import { inShard } from '../select/stream-shard.js';
import { overlaps, type ChunkReader, type ChunkRef } from '../../storage/mod.js';
import { dedupeEntries, mergeChunks } from '../select/merge-entries.js';
import { disjointEntries } from '../select/disjoint-blocks.js';
import { scanWindows } from '../select/scan-windows.js';
import { selectLogsCooperatively, selectSamplesCooperatively, type ReadableStream } from '../select/stream-source.js';
import { TimeSlice, type TimeSliceOptions } from '../../core/time-slice.js';
import { decodeSampleBatch } from '../select/sample-batch.js';
import type { ScanPool } from './scan-pool/pool.js';
import type { ScanStream } from './scan-pool/scan-task.js';

/** A chunk fetched from storage, ready to iterate, with the encoded bytes it was read from. */
export type StoredChunk = ChunkReader & { readonly bytes: Uint8Array };

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
 * Chunks fetched and scanned together, at most. The engine keeps only the query's result between
 * groups, so memory follows this bound and the result, not the bytes the query scans.
 */
const CHUNKS_PER_GROUP = 32;
/**
 * Groups a query's chunks are cut into, at least (while a group holds a chunk or more): four a
 * core, so the scan workers finish a query together within about one group's scan. With 160
 * chunks in groups of 32, two workers got three and two groups, and one sat idle for a fifth of
 * a `| json` query. It depends on the machine only, not on the pool: a query is cut the same
 * way whether it scans in workers or in this thread, and its partial results are the same.
 */
const MIN_GROUPS = 4 * availableParallelism();
/** Groups in flight per scanning thread: one scanning, one fetched and waiting. */
const IN_FLIGHT_PER_SCANNER = 2;
/** Chunk reads in flight: one group is read at a time, its chunks this many at once. */
const PARALLEL_FETCHES = 16;

/**
 * Streams in groups of about the same number of overlapping chunks, MIN_GROUPS of them or more
 * (up to CHUNKS_PER_GROUP a group); a stream is never split.
 */
function* groupsOf(streams: readonly StoredStream[], start: bigint, end: bigint): Generator<StoredStream[]> {
  const overlapping = streams.map((stream) => stream.chunks.filter((ref) => overlaps(ref.from, ref.through, start, end)));
  const total = overlapping.reduce((sum, refs) => sum + refs.length, 0);
  const perGroup = Math.max(1, Math.min(CHUNKS_PER_GROUP, Math.ceil(total / MIN_GROUPS)));
  let group: StoredStream[] = [];
  let chunks = 0;
  for (let s = 0; s < streams.length; s++) {
    const stream = streams[s]!;
    const refs = overlapping[s]!;
    if (refs.length === 0) continue;
    if (group.length > 0 && chunks + refs.length > perGroup) {
      yield group;
      group = [];
      chunks = 0;
    }
    group.push({ labels: stream.labels, chunks: refs });
    chunks += refs.length;
  }
  if (group.length > 0) yield group;
}

interface FetchedGroup {
  readonly streams: ReadonlyArray<{ readonly labels: Labels; readonly chunks: StoredChunk[] }>;
}

/** How the store scan runs: in a worker pool, or in this thread when there is none. */
export interface StoreScanOptions {
  readonly pool?: ScanPool | undefined;
  /** How an in-thread scan shares the event loop (tests pass a clock). */
  readonly timeSlice?: TimeSliceOptions;
}

/**
 * The matching streams a group at a time, each group's chunks fetched in parallel and scanned on
 * `scanners` threads by the function `scannerFor` gives when the group is formed (so what it
 * knows then, from the groups consumed before, is the same whatever the timing of the reads).
 * Up to IN_FLIGHT_PER_SCANNER groups a thread are in flight (fetched or fetching, scanning)
 * while the caller consumes the oldest, so the next chunks are read while the current ones
 * scan; results come back in group order whatever finishes first.
 */
async function* scanGroups<R>(
  source: ChunkSource,
  tenant: string,
  matchers: readonly Matcher[],
  start: bigint,
  end: bigint,
  stats: QueryStats,
  scanners: number,
  scannerFor: () => (group: FetchedGroup) => R | Promise<R>,
  shard?: StreamShard,
): AsyncGenerator<R> {
  // Streams outside the query's shard are left out before any of their chunks is fetched.
  const streams = await source.streams(tenant, start, end, (labels) => matchesLabels(matchers, labels) && inShard(labels, shard));
  const inFlight: Promise<R>[] = [];
  // Groups are fetched one after another, in the order they are scanned: the first scan starts
  // once the first group is in, instead of once every group in flight is (a cold query's first
  // group waited for four groups' reads before).
  let fetching: Promise<unknown> = Promise.resolve();
  const depth = scanners * IN_FLIGHT_PER_SCANNER;
  for (const group of groupsOf(streams, start, end)) {
    const fetched = fetching.then(() => fetchGroup(source, group, stats));
    fetching = fetched.catch(() => undefined);
    const scanned = fetched.then(scannerFor());
    scanned.catch(() => undefined); // awaited in order below; a failure must not go unhandled meanwhile
    inFlight.push(scanned);
    if (inFlight.length >= depth) yield await inFlight.shift()!;
  }
  while (inFlight.length > 0) yield await inFlight.shift()!;
}

async function fetchGroup(source: ChunkSource, group: readonly StoredStream[], stats: QueryStats): Promise<FetchedGroup> {
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
  return { streams: group.map((stream, index) => ({ labels: stream.labels, chunks: chunks[index]! })) };
}

function inThread(group: FetchedGroup): ReadableStream[] {
  return group.streams.map((stream) => ({
    labels: stream.labels,
    entries(from, through, direction, mustContain) {
      // Replicas may have flushed overlapping chunks of the same stream: those are merged and
      // deduplicated; disjoint blocks are read one after another.
      const options = { from, through, direction, mustContain: [...mustContain] };
      return disjointEntries(stream.chunks, options) ?? dedupeEntries(mergeChunks(stream.chunks, options));
    },
    windows: (from, through) => scanWindows(stream.chunks, from, through),
  }));
}

/** A group as a worker task: the chunks' encoded bytes (copied exactly, never a larger buffer). */
function taskStreams(group: FetchedGroup): ScanStream[] {
  return group.streams.map((stream) => ({
    labels: stream.labels,
    chunks: stream.chunks.map((chunk) => (chunk.bytes.byteOffset === 0 && chunk.bytes.byteLength === chunk.bytes.buffer.byteLength ? chunk.bytes : chunk.bytes.slice())),
  }));
}

/** Threads that scan groups: the pool's workers, or this one. */
function scannersOf(options: StoreScanOptions): number {
  return options.pool === undefined || options.pool.size === 0 ? 1 : options.pool.size;
}

export async function* selectStoredLogs(
  source: ChunkSource,
  params: SelectLogsParams,
  stats: QueryStats,
  options: StoreScanOptions = {},
): AsyncGenerator<StreamResult> {
  const { matchers } = compileLogSelector(params.selector);
  const pool = options.pool !== undefined && options.pool.size > 0 ? options.pool : undefined;
  // Scanned in this thread, the scan gives the event loop back each time slice (core/time-slice.ts).
  const slice = new TimeSlice(options.timeSlice);
  const bound = new LimitBound(params);
  const scannerFor = () => {
    const narrowed = bound.narrowed();
    return pool === undefined
      ? (group: FetchedGroup) => selectLogsCooperatively(inThread(group), narrowed, stats, slice)
      : async (group: FetchedGroup) => {
          const result = await pool.run({ kind: 'logs', params: narrowed, streams: taskStreams(group) });
          addStats(stats, result.stats);
          return result.streams ?? [];
        };
  };
  for await (const streams of scanGroups(source, params.tenant, matchers, params.start, params.end, stats, scannersOf(options), scannerFor, params.shard)) {
    bound.add(streams);
    yield* streams;
  }
}

export async function* selectStoredSamples(
  source: ChunkSource,
  params: SelectSamplesParams,
  stats: QueryStats,
  options: StoreScanOptions = {},
): AsyncGenerator<SampleSeries> {
  const { matchers } = compileSampleExpr(params.expr);
  const pool = options.pool !== undefined && options.pool.size > 0 ? options.pool : undefined;
  const slice = new TimeSlice(options.timeSlice);
  const run = pool === undefined
    ? (group: FetchedGroup) => selectSamplesCooperatively(inThread(group), params, stats, slice)
    : async (group: FetchedGroup) => {
        const result = await pool.run({ kind: 'samples', params, streams: taskStreams(group) });
        addStats(stats, result.stats);
        return (result.sampleBatches ?? []).map(decodeSampleBatch);
      };
  for await (const series of scanGroups(source, params.tenant, matchers, params.start, params.end, stats, scannersOf(options), () => run, params.shard)) {
    yield* series;
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
