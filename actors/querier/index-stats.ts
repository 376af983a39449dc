// Index statistics and volume: what a stream selector would read over a range, from chunk
// metadata alone. Two sources cover the data: the store's index (flushed chunks) and the
// ingesters (chunks still in memory, plus flushed ones kept for the retain period).
//
// A chunk's identity is its stream and its first and last timestamps (the store's key adds a
// checksum of the same bytes). A stored chunk an ingester still holds is counted once, with the
// figures the ingester reported, so it is not fetched; chunks only the ingesters hold are summed
// and divided by the replication factor, because every replica holds its own copy (Loki's
// ingesters scale their stats estimates the same way). Stored chunks not in memory are fetched
// through the chunk cache; decoding reads the block headers only, never inflates a block.
//
// A chunk that only partly overlaps the range counts the share of its time span inside the
// range, as Loki estimates too: exact for ranges that cover whole chunks, close otherwise.
//
// A stored chunk that is damaged (CORRUPT_CHUNK; the chunk store logs and counts it with its
// key) is left out: the answer holds the figures of every other chunk, and a stream none of
// whose chunks could be read is not counted.

import { labelsFromRecord, labelsToRecord, labelsToString, type Labels } from '../../core/model.js';
import type { ChunkFigures, StreamChunkFigures } from '../ingester/protocol.js';
import type { StoredChunk, StoredChunkRef, StoredStream } from './store-source.js';
import type { IndexStats, TimeRange, VolumeGroup, VolumeOptions } from './api.js';

const PARALLEL_FETCHES = 8;

/** One stream's share of the range; entries and bytes may be fractional until summed. */
export interface StreamFigures {
  readonly labels: Labels;
  readonly chunks: number;
  readonly entries: number;
  readonly bytes: number;
}

/** Share of a chunk covering [from, through] (inclusive, ns) that lies in [start, end). */
export function overlapFactor(from: bigint, through: bigint, range: TimeRange): number {
  if (from >= range.start && through < range.end) return 1;
  const low = from > range.start ? from : range.start;
  const high = through < range.end - 1n ? through : range.end - 1n;
  if (high < low) return 0;
  return Number(high - low + 1n) / Number(through - from + 1n);
}

function chunkId(from: bigint, through: bigint): string {
  return `${from}:${through}`;
}

interface Totals {
  labels: Labels;
  chunks: number;
  entries: number;
  bytes: number;
}

/** Per-stream figures from both sources, each chunk counted once. */
export async function figuresPerStream(
  stored: readonly StoredStream[],
  fromIngesters: readonly StreamChunkFigures[],
  fetch: (ref: StoredChunkRef) => Promise<StoredChunk>,
  range: TimeRange,
  replicationFactor: number,
): Promise<StreamFigures[]> {
  const inMemory = new Map<string, { labels: Labels; chunks: ChunkFigures[] }>();
  for (const stream of fromIngesters) {
    const key = labelsToString(stream.labels);
    const known = inMemory.get(key);
    if (known === undefined) inMemory.set(key, { labels: stream.labels, chunks: [...stream.chunks] });
    else known.chunks.push(...stream.chunks);
  }

  const totals = new Map<string, Totals>();
  const totalsOf = (key: string, labels: Labels): Totals => {
    let found = totals.get(key);
    if (found === undefined) totals.set(key, (found = { labels, chunks: 0, entries: 0, bytes: 0 }));
    return found;
  };

  // Stored chunks first; remember which in-memory chunks they stand for.
  const counted = new Map<string, Set<string>>();
  const toFetch: { ref: StoredChunkRef; into: Totals; factor: number }[] = [];
  for (const stream of stored) {
    const key = labelsToString(stream.labels);
    const memory = new Map<string, ChunkFigures>();
    for (const chunk of inMemory.get(key)?.chunks ?? []) memory.set(chunkId(chunk.from, chunk.through), chunk);
    const seen = new Set<string>();
    for (const ref of stream.chunks) {
      const factor = overlapFactor(ref.from, ref.through, range);
      if (factor === 0) continue;
      const id = chunkId(ref.from, ref.through);
      if (seen.has(id)) continue;
      seen.add(id);
      const into = totalsOf(key, stream.labels);
      const held = memory.get(id);
      if (held !== undefined) {
        into.chunks++;
        into.entries += held.entries * factor;
        into.bytes += held.bytes * factor;
      } else {
        toFetch.push({ ref, into, factor }); // counted once it has been read
      }
    }
    counted.set(key, seen);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < toFetch.length) {
      const { ref, into, factor } = toFetch[next++]!;
      let chunk: StoredChunk;
      try {
        chunk = await fetch(ref);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'CORRUPT_CHUNK') continue;
        throw error;
      }
      into.chunks++;
      into.entries += chunk.entryCount * factor;
      into.bytes += chunk.uncompressedBytes * factor;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_FETCHES, toFetch.length) }, worker));

  // What only the ingesters hold: every replica's copy, so the sums are divided by RF.
  const copies = Math.max(1, replicationFactor);
  for (const [key, stream] of inMemory) {
    const inStore = counted.get(key);
    let chunks = 0;
    let entries = 0;
    let bytes = 0;
    for (const chunk of stream.chunks) {
      if (inStore?.has(chunkId(chunk.from, chunk.through))) continue;
      const factor = overlapFactor(chunk.from, chunk.through, range);
      if (factor === 0) continue;
      chunks++;
      entries += chunk.entries * factor;
      bytes += chunk.bytes * factor;
    }
    if (chunks === 0) continue;
    const into = totalsOf(key, stream.labels);
    into.chunks += Math.ceil(chunks / copies);
    into.entries += entries / copies;
    into.bytes += bytes / copies;
  }
  return [...totals.values()].filter((stream) => stream.chunks > 0);
}

export function summarize(streams: readonly StreamFigures[]): IndexStats {
  let chunks = 0;
  let entries = 0;
  let bytes = 0;
  for (const stream of streams) {
    chunks += stream.chunks;
    entries += stream.entries;
    bytes += stream.bytes;
  }
  return { streams: streams.length, chunks, entries: Math.round(entries), bytes: Math.round(bytes) };
}

/**
 * Loki's volume grouping: by `targetLabels` when given, else by the label names the selector's
 * matchers use (`series`), or one group per label name (`labels`).
 */
export function volumeGroups(streams: readonly StreamFigures[], matcherNames: readonly string[], options: VolumeOptions): VolumeGroup[] {
  const target = new Set(options.targetLabels.length > 0 ? options.targetLabels : options.aggregateBy === 'series' ? matcherNames : []);
  const groups: VolumeGroup[] = [];
  for (const stream of streams) {
    if (options.aggregateBy === 'labels') {
      for (const label of stream.labels) {
        if (target.size === 0 || target.has(label.name)) groups.push({ metric: { [label.name]: '' }, bytes: stream.bytes });
      }
    } else {
      groups.push({ metric: labelsToRecord(stream.labels.filter((label) => target.has(label.name))), bytes: stream.bytes });
    }
  }
  return mergeVolumes(groups, options.limit);
}

/**
 * Sums the volumes of groups with the same labels (one tenant's streams, or several tenants'
 * answers), rounds them to whole bytes, orders them largest first (ties by label string, for a
 * stable answer) and keeps the first `limit`.
 */
export function mergeVolumes(groups: Iterable<VolumeGroup>, limit: number): VolumeGroup[] {
  const merged = new Map<string, { metric: Record<string, string>; bytes: number }>();
  for (const group of groups) {
    const key = labelsToString(labelsFromRecord(group.metric));
    const known = merged.get(key);
    if (known === undefined) merged.set(key, { metric: group.metric, bytes: group.bytes });
    else known.bytes += group.bytes;
  }
  return [...merged.entries()]
    .map(([key, group]) => ({ key, metric: group.metric, bytes: Math.round(group.bytes) }))
    .sort((a, b) => b.bytes - a.bytes || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, Math.max(0, limit))
    .map(({ metric, bytes }) => ({ metric, bytes }));
}
