// Answers queries from an ingester's memory. Pipelines run here, so lines a filter drops never
// cross the bus; replies are streamed in frames that fit the bus's payload limit.

import { compileLogSelector } from '../../logql/mod.js';
import { emptyStats, type Direction } from '../../logql/types.js';
import type { Entry } from '../../core/model.js';
import { mergeChunks } from '../select/merge-entries.js';
import {
  framesOf,
  matchingStreams,
  selectLogs,
  selectSamples,
  splitStreams,
  streamResultBytes,
  type ReadableStream,
} from '../select/stream-source.js';
import type { Ingester } from './ingester.js';
import type { IngesterMetrics } from './metrics.js';
import type { IngesterQueryFrame, IngesterQueryRequest, LabelQuery, StreamChunkFigures } from './protocol.js';
import type { IngesterStream } from './stream.js';

const FRAME_BUDGET_BYTES = 1024 * 1024;

export function readableStream(stream: IngesterStream): ReadableStream {
  return {
    labels: stream.labels,
    entries(from: bigint, through: bigint, direction: Direction, mustContain: readonly Uint8Array[]): Iterable<Entry> {
      const chunks = stream.chunks.map((slot) => slot.chunk).filter((chunk) => chunk.entryCount > 0 && chunk.maxTs >= from && chunk.minTs < through);
      return mergeChunks(chunks, { from, through, direction, mustContain: [...mustContain] });
    },
  };
}

function streamsOf(ingester: Ingester, tenant: string): IngesterStream[] {
  const streams = ingester.tenants.get(tenant)?.streams;
  return streams === undefined ? [] : [...streams.values()];
}

/** Streams with data in [start, end), optionally narrowed by a stream selector. */
function streamsInRange(ingester: Ingester, params: LabelQuery): IngesterStream[] {
  let streams = streamsOf(ingester, params.tenant).filter(
    (stream) => stream.chunks.some((slot) => slot.chunk.entryCount > 0 && slot.chunk.maxTs >= params.start && slot.chunk.minTs < params.end),
  );
  if (params.query !== undefined && params.query !== '') {
    streams = matchingStreams(streams, compileLogSelector(params.query).matchers);
  }
  return streams;
}

export async function* answerQuery(
  ingester: Ingester,
  request: IngesterQueryRequest,
  metrics: IngesterMetrics,
): AsyncGenerator<IngesterQueryFrame> {
  const endTimer = metrics.queryDuration.startTimer({ kind: request.kind });
  try {
    switch (request.kind) {
      case 'logs': {
        const stats = emptyStats();
        const streams = selectLogs(streamsOf(ingester, request.params.tenant).map(readableStream), request.params, stats);
        let sent = false;
        for (const frame of framesOf(splitStreams(streams, 1000), streamResultBytes, FRAME_BUDGET_BYTES)) {
          yield { streams: frame, stats: sent ? {} : stats };
          sent = true;
        }
        if (!sent) yield { streams: [], stats };
        return;
      }
      case 'samples': {
        const stats = emptyStats();
        const series = selectSamples(streamsOf(ingester, request.params.tenant).map(readableStream), request.params, stats);
        let sent = false;
        for (const frame of framesOf(series, (s) => 64 + s.samples.length * 24, FRAME_BUDGET_BYTES)) {
          yield { samples: frame, stats: sent ? {} : stats };
          sent = true;
        }
        if (!sent) yield { samples: [], stats };
        return;
      }
      case 'labelNames': {
        const names = new Set<string>();
        for (const stream of streamsInRange(ingester, request.params)) for (const label of stream.labels) names.add(label.name);
        yield { values: [...names] };
        return;
      }
      case 'labelValues': {
        const values = new Set<string>();
        for (const stream of streamsInRange(ingester, request.params)) {
          for (const label of stream.labels) if (label.name === request.params.name) values.add(label.value);
        }
        yield { values: [...values] };
        return;
      }
      case 'indexStats': {
        const { start, end } = request.params;
        const figures: StreamChunkFigures[] = streamsInRange(ingester, request.params).map((stream) => ({
          labels: stream.labels,
          chunks: stream.chunks
            .filter((slot) => slot.chunk.entryCount > 0 && slot.chunk.maxTs >= start && slot.chunk.minTs < end)
            .map((slot) => ({
              from: slot.chunk.minTs,
              through: slot.chunk.maxTs,
              entries: slot.chunk.entryCount,
              bytes: slot.chunk.uncompressedBytes,
              flushed: slot.flushedMs !== undefined,
            })),
        }));
        let sent = false;
        for (const frame of framesOf(figures, (stream) => 64 * stream.labels.length + 96 * stream.chunks.length, FRAME_BUDGET_BYTES)) {
          yield { chunkFigures: frame };
          sent = true;
        }
        if (!sent) yield { chunkFigures: [] };
        return;
      }
      case 'series': {
        const inRange = streamsInRange(ingester, request.params);
        const matched = new Map<string, IngesterStream>();
        if (request.params.matchers.length === 0) for (const stream of inRange) matched.set(stream.labelString, stream);
        for (const selector of request.params.matchers) {
          for (const stream of matchingStreams(inRange, compileLogSelector(selector).matchers)) matched.set(stream.labelString, stream);
        }
        yield { series: [...matched.values()].map((stream) => stream.labels) };
        return;
      }
    }
  } finally {
    endTimer();
  }
}
