// Runs compiled LogQL plans over streams whose entries come from chunks, in memory or from
// storage. Both the ingester (its memory) and the querier (flushed chunks) select through here,
// so a query means the same thing wherever its data lives.

import {
  compileLogSelector,
  compileSampleExpr,
  matchesLabels,
  selectLogsFromStreams,
  selectLogsSteps,
  selectSamplesFromStreams,
  selectSamplesSteps,
  type LogSelectorPlan,
  type Matcher,
  type SamplePlan,
  type StreamInput,
} from '../../logql/mod.js';
import type { QueryStats, SampleSeries, SelectLogsParams, SelectSamplesParams, StreamResult } from '../../logql/types.js';
import type { Entry, Labels } from '../../core/model.js';
import type { Direction, StreamShard } from '../../logql/types.js';
import { inShard } from './stream-shard.js';
import { deletedTest, withoutDeleted } from '../compactor/deletion/line-filter.js';
import type { TimeSlice } from '../../core/time-slice.js';

/** A stream a source can read: its labels and a way to iterate its entries in a range. */
export interface ReadableStream {
  readonly labels: Labels;
  entries(from: bigint, through: bigint, direction: Direction, mustContain: readonly Uint8Array[]): Iterable<Entry>;
  /** [from, through) cut into windows of a few thousand entries, ascending (actors/select/scan-windows.ts). */
  windows?(from: bigint, through: bigint): [bigint, bigint][];
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
  const { plan, inputs } = logInputs(streams, params, false);
  return selectLogsFromStreams(inputs, plan, params, stats);
}

/** `selectLogs` giving the event loop back whenever `slice` runs out (core/time-slice.ts); the same answer. */
export function selectLogsCooperatively(streams: Iterable<ReadableStream>, params: SelectLogsParams, stats: QueryStats, slice: TimeSlice): Promise<StreamResult[]> {
  const { plan, inputs } = logInputs(streams, params, true);
  return slice.run(selectLogsSteps(inputs, plan, params, stats));
}

export function selectSamples(streams: Iterable<ReadableStream>, params: SelectSamplesParams, stats: QueryStats): SampleSeries[] {
  const { plan, inputs } = sampleInputs(streams, params, false);
  return selectSamplesFromStreams(inputs, plan, params, stats);
}

/** `selectSamples` giving the event loop back whenever `slice` runs out (core/time-slice.ts); the same answer. */
export function selectSamplesCooperatively(streams: Iterable<ReadableStream>, params: SelectSamplesParams, stats: QueryStats, slice: TimeSlice): Promise<SampleSeries[]> {
  const { plan, inputs } = sampleInputs(streams, params, true);
  return slice.run(selectSamplesSteps(inputs, plan, params, stats));
}

function logInputs(streams: Iterable<ReadableStream>, params: SelectLogsParams, windowed: boolean): { plan: LogSelectorPlan; inputs: StreamInput[] } {
  const plan = compileLogSelector(params.selector);
  const needles = encodeNeedles(plan.requiredSubstrings);
  const inputs = selectedStreams(streams, plan.matchers, params.shard).flatMap((stream) => inputsOf(stream, params, params.direction, needles, windowed));
  return { plan, inputs };
}

function sampleInputs(streams: Iterable<ReadableStream>, params: SelectSamplesParams, windowed: boolean): { plan: SamplePlan; inputs: StreamInput[] } {
  const plan = compileSampleExpr(params.expr);
  const needles = encodeNeedles(plan.requiredSubstrings);
  const inputs = selectedStreams(streams, plan.matchers, params.shard).flatMap((stream) => inputsOf(stream, params, 'forward', needles, windowed));
  return { plan, inputs };
}

/**
 * One stream's entries in the range, as one input, or (`windowed`, with a line filter checked
 * inside the chunk reader) as one input per time window in the scan's direction, so a scan
 * that pauses between inputs gets the chance even while the filter passes over most lines.
 * Every window is opened now: the scan reads the stream as it is at its start.
 */
function inputsOf(
  stream: ReadableStream,
  params: { readonly start: bigint; readonly end: bigint; readonly deletes?: SelectLogsParams['deletes'] },
  direction: Direction,
  needles: readonly Uint8Array[],
  windowed: boolean,
): StreamInput[] {
  // Lines of delete requests leave here, before the pipeline, the limit and sample extraction.
  const deleted = deletedTest(params.deletes, stream.labels, params.start, params.end);
  const read = (from: bigint, through: bigint): StreamInput => ({ labels: stream.labels, entries: withoutDeleted(stream.entries(from, through, direction, needles), deleted) });
  if (!windowed || needles.length === 0 || stream.windows === undefined) return [read(params.start, params.end)];
  const windows = stream.windows(params.start, params.end);
  if (direction === 'backward') windows.reverse();
  return windows.map(([from, through]) => read(from, through));
}
