// Runs compiled plans over streams where the data lives (an ingester's memory, chunks read by a
// querier) and returns only what the query needs: at most `limit` entries, or the samples.

import { labelsToString, type Entry, type Labels } from '../../core/model.js';
import { runToEnd } from '../../core/time-slice.js';
import type { StreamExtractor } from '../log/extractor.js';
import type { StreamRunner } from '../log/pipeline.js';
import type { LogSelectorPlan, SamplePlan } from '../plan.js';
import type { Direction, QueryStats, SampleSeries, StreamResult } from '../types.js';
import { ColumnBuilder, columnarSeries } from './sample-columns.js';
import { TopEntries } from './top-entries.js';

export interface StreamInput {
  readonly labels: Labels;
  /** Entries in the query's direction, within [start, end). */
  readonly entries: Iterable<Entry>;
}

export interface LogSelection {
  readonly start: bigint;
  readonly end: bigint;
  readonly direction: Direction;
  readonly limit: number;
}

export interface SampleSelection {
  readonly start: bigint;
  readonly end: bigint;
}

/**
 * Entries a stepped selection scans between two yields; it also yields before each input (a
 * stream, or one time window of a stream). Its driver (core/time-slice.ts) reads the clock at
 * each yield and may give the event loop back there; a few hundred entries take well under a
 * millisecond, and a yield this rarely costs nothing measurable.
 */
const ENTRIES_PER_STEP = 256;

export function selectLogsFromStreams(
  inputs: Iterable<StreamInput>,
  plan: LogSelectorPlan,
  params: LogSelection,
  stats: QueryStats,
): StreamResult[] {
  return runToEnd(selectLogsSteps(inputs, plan, params, stats));
}

/** `selectLogsFromStreams` as a generator that yields before each input and every ENTRIES_PER_STEP entries read. */
export function* selectLogsSteps(
  inputs: Iterable<StreamInput>,
  plan: LogSelectorPlan,
  params: LogSelection,
  stats: QueryStats,
): Generator<void, StreamResult[], undefined> {
  const top = new TopEntries(params.limit, params.direction, false);
  let untilStep = ENTRIES_PER_STEP;
  for (const input of inputs) {
    untilStep = ENTRIES_PER_STEP;
    yield;
    const runner = plan.pipeline.forStream(input.labels) as StreamRunner;
    for (const entry of input.entries) {
      if (--untilStep === 0) {
        untilStep = ENTRIES_PER_STEP;
        yield;
      }
      if (entry.ts < params.start || entry.ts >= params.end) continue;
      if (top.exhaustedAt(entry.ts)) break;
      stats.totalLinesProcessed++;
      stats.totalBytesProcessed += Buffer.byteLength(entry.line, 'utf8');
      const line = runner.run(entry.ts, entry.line, entry.metadata);
      if (line === null) continue;
      const { labels, key } = runner.builder.result();
      top.offer(entry.ts, key, labels, line, runner.builder.categories());
    }
  }
  return top.streams();
}

const FNV_OFFSET = 0x811c9dc5;

function fnv(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}

/** FNV-1a, 32 bits, over UTF-16 code units: identical lines hash alike on every replica. */
export function hashLine(line: string): number {
  return fnv(FNV_OFFSET, line) >>> 0;
}

/**
 * The identity of one stored entry within its timestamp: its stream, its line and its structured
 * metadata. Replicas' copies of an entry hash alike; two streams that log the same line at the
 * same instant, or two entries that differ only in metadata, do not, whatever the grouping that
 * later merges their samples into one series.
 */
export function hashEntry(streamHash: number, line: string, metadata: Labels | undefined): number {
  let hash = fnv(streamHash, line);
  if (metadata !== undefined) {
    for (const { name, value } of metadata) {
      hash = fnv(fnv(hash ^ 0xff, name) ^ 0xfe, value);
    }
  }
  return hash >>> 0;
}

export function hashStream(labels: Labels): number {
  return fnv(FNV_OFFSET, labelsToString(labels)) >>> 0;
}

export function selectSamplesFromStreams(
  inputs: Iterable<StreamInput>,
  plan: SamplePlan,
  params: SampleSelection,
  stats: QueryStats,
): SampleSeries[] {
  return runToEnd(selectSamplesSteps(inputs, plan, params, stats));
}

/** `selectSamplesFromStreams` as a generator that yields before each input and every ENTRIES_PER_STEP entries read. */
export function* selectSamplesSteps(
  inputs: Iterable<StreamInput>,
  plan: SamplePlan,
  params: SampleSelection,
  stats: QueryStats,
): Generator<void, SampleSeries[], undefined> {
  // Each series' samples go straight into typed arrays: no object and no BigInt per sample.
  const series = new Map<string, { labels: Labels; columns: ColumnBuilder }>();
  let untilStep = ENTRIES_PER_STEP;
  for (const input of inputs) {
    untilStep = ENTRIES_PER_STEP;
    yield;
    const extractor = plan.extractor.forStream(input.labels) as StreamExtractor;
    const streamHash = hashStream(input.labels);
    for (const entry of input.entries) {
      if (--untilStep === 0) {
        untilStep = ENTRIES_PER_STEP;
        yield;
      }
      if (entry.ts < params.start || entry.ts >= params.end) continue;
      stats.totalLinesProcessed++;
      stats.totalBytesProcessed += Buffer.byteLength(entry.line, 'utf8');
      if (!extractor.run(entry.ts, entry.line, entry.metadata)) continue;
      let s = series.get(extractor.key);
      if (s === undefined) {
        s = { labels: extractor.labels, columns: new ColumnBuilder() };
        series.set(extractor.key, s);
      }
      s.columns.push(entry.ts, extractor.value, hashEntry(streamHash, entry.line, entry.metadata));
    }
  }
  const out: SampleSeries[] = [];
  for (const s of series.values()) out.push(columnarSeries(s.labels, s.columns.finish()));
  return out;
}
