// Runs compiled plans over streams where the data lives (an ingester's memory, chunks read by a
// querier) and returns only what the query needs: at most `limit` entries, or the samples.

import type { Entry, Labels } from '../../core/model.js';
import type { StreamExtractor } from '../log/extractor.js';
import type { StreamRunner } from '../log/pipeline.js';
import type { LogSelectorPlan, SamplePlan } from '../plan.js';
import type { Direction, QueryStats, Sample, SampleSeries, StreamResult } from '../types.js';
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

export function selectLogsFromStreams(
  inputs: Iterable<StreamInput>,
  plan: LogSelectorPlan,
  params: LogSelection,
  stats: QueryStats,
): StreamResult[] {
  const top = new TopEntries(params.limit, params.direction, false);
  for (const input of inputs) {
    const runner = plan.pipeline.forStream(input.labels) as StreamRunner;
    for (const entry of input.entries) {
      if (entry.ts < params.start || entry.ts >= params.end) continue;
      if (top.exhaustedAt(entry.ts)) break;
      stats.totalLinesProcessed++;
      stats.totalBytesProcessed += Buffer.byteLength(entry.line, 'utf8');
      const line = runner.run(entry.ts, entry.line, entry.metadata);
      if (line === null) continue;
      const { labels, key } = runner.builder.result();
      top.offer(entry.ts, key, labels, line);
    }
  }
  return top.streams();
}

/** FNV-1a, 32 bits, over UTF-16 code units: identical lines hash alike on every replica. */
export function hashLine(line: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < line.length; i++) {
    hash ^= line.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function selectSamplesFromStreams(
  inputs: Iterable<StreamInput>,
  plan: SamplePlan,
  params: SampleSelection,
  stats: QueryStats,
): SampleSeries[] {
  const series = new Map<string, { labels: Labels; samples: Sample[]; sorted: boolean; lastTs: bigint }>();
  for (const input of inputs) {
    const extractor = plan.extractor.forStream(input.labels) as StreamExtractor;
    for (const entry of input.entries) {
      if (entry.ts < params.start || entry.ts >= params.end) continue;
      stats.totalLinesProcessed++;
      stats.totalBytesProcessed += Buffer.byteLength(entry.line, 'utf8');
      if (!extractor.run(entry.ts, entry.line, entry.metadata)) continue;
      let s = series.get(extractor.key);
      if (s === undefined) {
        s = { labels: extractor.labels, samples: [], sorted: true, lastTs: -1n << 63n };
        series.set(extractor.key, s);
      }
      if (entry.ts < s.lastTs) s.sorted = false;
      s.lastTs = entry.ts;
      s.samples.push({ ts: entry.ts, value: extractor.value, hash: hashLine(entry.line) });
    }
  }
  const out: SampleSeries[] = [];
  for (const s of series.values()) {
    if (!s.sorted) s.samples.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    out.push({ labels: s.labels, samples: s.samples });
  }
  return out;
}
