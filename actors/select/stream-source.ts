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
import type { Direction, StreamShard } from '../../logql/types.js';
import { inShard } from './stream-shard.js';
import { deletedTest, withoutDeleted } from '../compactor/deletion/line-filter.js';

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

/** The streams that match and belong to the query's shard (every matching one without a shard). */
export function selectedStreams<S extends { readonly labels: Labels }>(streams: Iterable<S>, matchers: readonly Matcher[], shard: StreamShard | undefined): S[] {
  const matching = matchingStreams(streams, matchers);
  return shard === undefined ? matching : matching.filter((stream) => inShard(stream.labels, shard));
}

export function selectLogs(streams: Iterable<ReadableStream>, params: SelectLogsParams, stats: QueryStats): StreamResult[] {
  const plan = compileLogSelector(params.selector);
  const needles = encodeNeedles(plan.requiredSubstrings);
  const inputs = selectedStreams(streams, plan.matchers, params.shard).map((stream) => ({
    labels: stream.labels,
    // Lines of delete requests leave here, before the pipeline, the limit and sample extraction.
    entries: withoutDeleted(stream.entries(params.start, params.end, params.direction, needles), deletedTest(params.deletes, stream.labels, params.start, params.end)),
  }));
  return selectLogsFromStreams(inputs, plan, params, stats);
}

export function selectSamples(streams: Iterable<ReadableStream>, params: SelectSamplesParams, stats: QueryStats): SampleSeries[] {
  const plan = compileSampleExpr(params.expr);
  const needles = encodeNeedles(plan.requiredSubstrings);
  const inputs = selectedStreams(streams, plan.matchers, params.shard).map((stream) => ({
    labels: stream.labels,
    entries: withoutDeleted(stream.entries(params.start, params.end, 'forward', needles), deletedTest(params.deletes, stream.labels, params.start, params.end)),
  }));
  return selectSamplesFromStreams(inputs, plan, params, stats);
}
