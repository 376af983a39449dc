// One unit of store-scan work, and running it: a group of streams with their encoded chunks,
// decoded, merged per stream (replicas' overlapping chunks deduplicated) and selected with the
// query's compiled plan. The same function runs in a worker thread and, with no workers, in
// the calling thread, so both modes answer alike.

import type { Labels } from '../../../core/model.js';
import { emptyStats, type QueryStats, type SelectLogsParams, type SelectSamplesParams, type StreamResult } from '../../../logql/types.js';
import { decodeChunk } from '../../../storage/chunk/mod.js';
import { dedupeEntries, mergeChunks } from '../../select/merge-entries.js';
import { disjointEntries } from '../../select/disjoint-blocks.js';
import { sampleBatches, type SampleBatch } from '../../select/sample-batch.js';
import { selectLogs, type ReadableStream } from '../../select/stream-source.js';
import { selectChunkSamples } from '../../select/stored-samples.js';

export interface ScanStream {
  readonly labels: Labels;
  /** The stream's encoded chunks overlapping the range, as the chunk store handed them out (checked against their keys' checksums). */
  readonly chunks: readonly Uint8Array[];
}

export type ScanTask =
  | { readonly kind: 'logs'; readonly params: SelectLogsParams; readonly streams: readonly ScanStream[] }
  | { readonly kind: 'samples'; readonly params: SelectSamplesParams; readonly streams: readonly ScanStream[] };

export interface ScanResult {
  readonly streams?: StreamResult[];
  readonly sampleBatches?: SampleBatch[];
  readonly stats: QueryStats;
}

/** No batch is cut for size inside a process: one series, one batch. */
const WHOLE_SERIES = Number.MAX_SAFE_INTEGER;

/**
 * The chunks' layout is checked again here, but not their blocks' checksums: the chunk store
 * checked each object against the checksum in its key before it was handed out.
 */
function decodedChunks(stream: { readonly chunks: readonly Uint8Array[] }) {
  return stream.chunks.map((bytes) => decodeChunk(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { blockChecksums: false }));
}

export function readableStored(stream: { readonly labels: Labels; readonly chunks: readonly Uint8Array[] }): ReadableStream {
  const chunks = decodedChunks(stream);
  return {
    labels: stream.labels,
    entries(from, through, direction, mustContain) {
      // Replicas may have flushed overlapping chunks of the same stream: those are merged and
      // deduplicated; disjoint blocks are read one after another.
      const options = { from, through, direction, mustContain: [...mustContain] };
      return disjointEntries(chunks, options) ?? dedupeEntries(mergeChunks(chunks, options));
    },
  };
}

export function runScanTask(task: ScanTask): ScanResult {
  const stats = emptyStats();
  if (task.kind === 'logs') return { streams: selectLogs(task.streams.map(readableStored), task.params, stats), stats };
  const streams = task.streams.map((stream) => ({ labels: stream.labels, chunks: decodedChunks(stream) }));
  const batches: SampleBatch[] = [];
  for (const series of selectChunkSamples(streams, task.params, stats)) batches.push(...sampleBatches(series, WHOLE_SERIES));
  return { sampleBatches: batches, stats };
}
