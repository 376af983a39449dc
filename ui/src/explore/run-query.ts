// Runs what the Explore page shows for a query: for a log query the lines, the volume histogram
// and the known series (to tell parsed labels from stream labels); for a metric query its matrix.

import { queryRange, series, type NsRange } from '../api/loki';
import type { Labels, MatrixSeries, QueryData } from '../api/types';
import { analyze, histogramQuery } from '../query/analyze';
import { flattenStreams, type LogEntry } from '../logs/entries';
import { formatDuration, niceStepMs, type ResolvedRange } from '../time/range';

export const HISTOGRAM_BUCKETS = 80;

export type ExploreResult =
  | {
      kind: 'log';
      entries: LogEntry[];
      knownSeries: Labels[];
      histogram?: { series: MatrixSeries[]; stepMs: number } | { error: string };
      hasMore: boolean;
      tookMs: number;
    }
  | { kind: 'metric'; data: QueryData; tookMs: number };

export async function runExplore(query: string, range: ResolvedRange, limit: number, signal: AbortSignal): Promise<ExploreResult> {
  const started = performance.now();
  const analysis = analyze(query);
  if (analysis.kind !== 'log') {
    const data = await queryRange({ query, range: range.ns, limit }, signal);
    return { kind: 'metric', data, tookMs: performance.now() - started };
  }
  const stepMs = niceStepMs(range.endMs - range.startMs, HISTOGRAM_BUCKETS);
  const logExpr = analysis.logExpr ?? query;
  const [lines, histogram, known] = await Promise.all([
    queryRange({ query, range: range.ns, limit, direction: 'backward' }, signal),
    queryRange({ query: histogramQuery(logExpr, formatDuration(stepMs)), range: range.ns, step: formatDuration(stepMs) }, signal).then(
      (data) => (data.resultType === 'matrix' ? { series: data.result, stepMs } : { series: [], stepMs }),
      (error: unknown) => ({ error: (error as Error).message }),
    ),
    analysis.selector === undefined ? Promise.resolve([]) : series(analysis.selector.text, range.ns).catch(() => [] as Labels[]),
  ]);
  if (lines.resultType !== 'streams') return { kind: 'metric', data: lines, tookMs: performance.now() - started };
  const entries = flattenStreams(lines.result, known, analysis.hasParser ? 'parsed' : 'metadata');
  return { kind: 'log', entries, knownSeries: known, histogram, hasMore: entries.length >= limit, tookMs: performance.now() - started };
}

/**
 * The next older page, as Loki's clients page: the same query with `end` just past the oldest
 * line shown, so lines sharing its timestamp are not skipped; the caller drops the overlap.
 */
export async function olderPage(query: string, range: NsRange, oldest: bigint, limit: number, known: Labels[]): Promise<LogEntry[]> {
  const data = await queryRange({ query, range: { start: range.start, end: (oldest + 1n).toString() }, limit, direction: 'backward' });
  return data.resultType === 'streams' ? flattenStreams(data.result, known, analyze(query).hasParser ? 'parsed' : 'metadata') : [];
}
