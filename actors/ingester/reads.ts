// Answers queries from an ingester's memory. Pipelines run here, so lines a filter drops never
// cross the bus. Replies stream: sample queries send each stream's samples as soon as that
// stream is scanned (in bulk arrays, `SampleBatch`), log queries send the at most `limit`
// entries they keep; every frame stays under the bus's payload limit, read from the bus. Every
// scan gives the event loop back each time slice (core/time-slice.ts), so a long query never
// holds up the pushes and `/ready` checks this process serves meanwhile.

import { compileLogSelector, compileSampleExpr, matchesLabels } from '../../logql/mod.js';
import { emptyStats, type Direction } from '../../logql/types.js';
import type { Entry } from '../../core/model.js';
import { TimeSlice, type TimeSliceOptions } from '../../core/time-slice.js';
import { frameBudget, framesOf, splitStreams } from '../select/frames.js';
import { mergeChunks } from '../select/merge-entries.js';
import { scanWindows } from '../select/scan-windows.js';
import { labelsBytes, sampleBatchBytes, sampleBatches, type SampleBatch } from '../select/sample-batch.js';
import { selectedStreams, selectLogsCooperatively, selectSamplesCooperatively, type ReadableStream } from '../select/stream-source.js';
import type { IngesterMetrics } from './metrics.js';
import type { IngesterQueryFrame, IngesterQueryRequest, LabelQuery, StreamChunkFigures } from './protocol.js';
import type { IngesterStream } from './stream.js';

/** What reads need from the ingester: its streams per tenant, and the bus's message size. */
export interface MemoryStreams {
  streamsOf(tenant: string): Iterable<IngesterStream>;
  readonly maxPayloadBytes: number;
}

export function readableStream(stream: IngesterStream): ReadableStream {
  return {
    labels: stream.labels,
    entries(from: bigint, through: bigint, direction: Direction, mustContain: readonly Uint8Array[]): Iterable<Entry> {
      const chunks = stream.chunksIn(from, through).map((slot) => slot.chunk);
      return mergeChunks(chunks, { from, through, direction, mustContain: [...mustContain] });
    },
    windows: (from, through) => scanWindows(stream.chunksIn(from, through).map((slot) => slot.chunk), from, through),
  };
}

/** Streams with data in [start, end), optionally narrowed by a stream selector. */
async function streamsInRange(memory: MemoryStreams, params: LabelQuery, slice: TimeSlice): Promise<IngesterStream[]> {
  const matchers = params.query !== undefined && params.query !== '' ? compileLogSelector(params.query).matchers : undefined;
  const streams: IngesterStream[] = [];
  for (const stream of [...memory.streamsOf(params.tenant)]) {
    if (slice.due()) await slice.pause();
    if (stream.chunksIn(params.start, params.end).length === 0) continue;
    if (matchers === undefined || matchesLabels(matchers, stream.labels)) streams.push(stream);
  }
  return streams;
}

export interface AnswerOptions {
  /** How long a scan holds the event loop before it gives it back (tests pass a clock). */
  readonly timeSlice?: TimeSliceOptions;
}

export async function* answerQuery(
  memory: MemoryStreams,
  request: IngesterQueryRequest,
  metrics: IngesterMetrics,
  options: AnswerOptions = {},
): AsyncGenerator<IngesterQueryFrame> {
  const endTimer = metrics.queryDuration.startTimer({ kind: request.kind });
  const budget = frameBudget(memory.maxPayloadBytes);
  const slice = new TimeSlice(options.timeSlice);
  try {
    switch (request.kind) {
      case 'logs': {
        // The kept entries are at most `limit`: the scan keeps only those, then they are framed.
        const stats = emptyStats();
        const streams = await selectLogsCooperatively([...memory.streamsOf(request.params.tenant)].map(readableStream), request.params, stats, slice);
        for (const frame of framesOf(splitStreams(streams, budget), (piece) => piece.bytes, budget)) {
          yield { streams: frame.map((piece) => piece.stream) };
        }
        yield { stats };
        return;
      }
      case 'samples': {
        const stats = emptyStats();
        const { matchers } = compileSampleExpr(request.params.expr);
        let frame: SampleBatch[] = [];
        let size = 0;
        // One stream at a time: its samples leave as soon as it is scanned, so memory holds one
        // stream's samples and the frames in flight, never the whole range.
        // Only the request's shard of the streams (`params.shard`), when the query frontend sharded it.
        for (const stream of selectedStreams(memory.streamsOf(request.params.tenant), matchers, request.params.shard)) {
          if (slice.due()) await slice.pause();
          if (stream.chunksIn(request.params.start, request.params.end).length === 0) continue;
          for (const series of await selectSamplesCooperatively([readableStream(stream)], request.params, stats, slice)) {
            for (const batch of sampleBatches(series, budget)) {
              const bytes = sampleBatchBytes(batch.labels, batch.ts.length / 8);
              if (frame.length > 0 && size + bytes > budget) {
                yield { sampleBatches: frame };
                frame = [];
                size = 0;
              }
              frame.push(batch);
              size += bytes;
            }
          }
        }
        if (frame.length > 0) yield { sampleBatches: frame };
        yield { stats };
        return;
      }
      case 'labelNames': {
        const names = new Set<string>();
        for (const stream of await streamsInRange(memory, request.params, slice)) for (const label of stream.labels) names.add(label.name);
        yield* valueFrames([...names], budget);
        return;
      }
      case 'labelValues': {
        const values = new Set<string>();
        for (const stream of await streamsInRange(memory, request.params, slice)) {
          for (const label of stream.labels) if (label.name === request.params.name) values.add(label.value);
        }
        yield* valueFrames([...values], budget);
        return;
      }
      case 'oldestEntry': {
        // Chunk metadata only: the querier's bound for folding stored samples (actors/querier/fold-bound.ts).
        let oldest: bigint | undefined;
        for (const stream of await streamsInRange(memory, request.params, slice)) {
          for (const slot of stream.chunksIn(request.params.start, request.params.end)) {
            if (oldest === undefined || slot.chunk.minTs < oldest) oldest = slot.chunk.minTs;
          }
        }
        yield { oldestEntry: oldest ?? null };
        return;
      }
      case 'indexStats': {
        const { start, end } = request.params;
        const figures: StreamChunkFigures[] = (await streamsInRange(memory, request.params, slice)).map((stream) => ({
          labels: stream.labels,
          chunks: stream.chunksIn(start, end).map((slot) => ({
            from: slot.chunk.minTs,
            through: slot.chunk.maxTs,
            entries: slot.chunk.entryCount,
            bytes: slot.chunk.uncompressedBytes,
            flushed: slot.flushedMs !== undefined,
          })),
        }));
        const sizeOf = (stream: StreamChunkFigures): number => labelsBytes(stream.labels) + 64 * stream.chunks.length;
        for (const frame of framesOf(figures, sizeOf, budget)) yield { chunkFigures: frame };
        return;
      }
      case 'series': {
        const inRange = await streamsInRange(memory, request.params, slice);
        const matched = new Map<string, IngesterStream>();
        if (request.params.matchers.length === 0) for (const stream of inRange) matched.set(stream.labelString, stream);
        for (const selector of request.params.matchers) {
          const matchers = compileLogSelector(selector).matchers;
          for (const stream of inRange) {
            if (slice.due()) await slice.pause();
            if (matchesLabels(matchers, stream.labels)) matched.set(stream.labelString, stream);
          }
        }
        const series = [...matched.values()].map((stream) => stream.labels);
        for (const frame of framesOf(series, labelsBytes, budget)) yield { series: frame };
        return;
      }
    }
  } finally {
    endTimer();
  }
}

function* valueFrames(values: string[], budget: number): Generator<IngesterQueryFrame> {
  for (const frame of framesOf(values, (value) => Buffer.byteLength(value) + 8, budget)) yield { values: frame };
}
