// Runs compiled LogQL plans over streams whose entries come from chunks, in memory or from
// storage. Both the ingester (its memory) and the querier (flushed chunks) select through here,
// so a query means the same thing wherever its data lives.

import {
  compileLogSelector,
  compileSampleExpr,
  matchesLabels,
  selectLogsFromStreams,
  selectSamplesFromStreams,
  type Matcher,
} from '../../logql/mod.js';
import type { QueryStats, SampleSeries, SelectLogsParams, SelectSamplesParams, StreamResult } from '../../logql/types.js';
import type { Entry, Labels } from '../../core/model.js';
import type { Direction } from '../../logql/types.js';

/** A stream a source can read: its labels and a way to iterate its entries in a range. */
export interface ReadableStream {
  readonly labels: Labels;
  entries(from: bigint, through: bigint, direction: Direction, mustContain: readonly Uint8Array[]): Iterable<Entry>;
}

const encoder = new TextEncoder();

function encodeNeedles(substrings: readonly string[]): Uint8Array[] {
  return substrings.map((text) => encoder.encode(text));
}

export function matchingStreams<S extends { readonly labels: Labels }>(streams: Iterable<S>, matchers: readonly Matcher[]): S[] {
  const result: S[] = [];
  for (const stream of streams) if (matchesLabels(matchers, stream.labels)) result.push(stream);
  return result;
}

export function selectLogs(streams: Iterable<ReadableStream>, params: SelectLogsParams, stats: QueryStats): StreamResult[] {
  const plan = compileLogSelector(params.selector);
  const needles = encodeNeedles(plan.requiredSubstrings);
  const inputs = matchingStreams(streams, plan.matchers).map((stream) => ({
    labels: stream.labels,
    entries: stream.entries(params.start, params.end, params.direction, needles),
  }));
  return selectLogsFromStreams(inputs, plan, params, stats);
}

export function selectSamples(streams: Iterable<ReadableStream>, params: SelectSamplesParams, stats: QueryStats): SampleSeries[] {
  const plan = compileSampleExpr(params.expr);
  const needles = encodeNeedles(plan.requiredSubstrings);
  const inputs = matchingStreams(streams, plan.matchers).map((stream) => ({
    labels: stream.labels,
    entries: stream.entries(params.start, params.end, 'forward', needles),
  }));
  return selectSamplesFromStreams(inputs, plan, params, stats);
}
