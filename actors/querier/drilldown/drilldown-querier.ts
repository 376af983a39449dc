// Grafana Logs Drilldown's reads over any QueryService: detected labels from `series`, detected
// fields from a log query's recent lines, volume over time from a metric query, and patterns from
// the ingesters' miners. Everything else passes through to the inner service, so this wraps the
// single- or multi-tenant querier the edge serves.

import { NS_PER_MS } from '../../../core/model.js';
import { matchersToString, parseLogSelector } from '../../../logql/mod.js';
import type { QueryParams, QueryResponse, StreamResult } from '../../../logql/types.js';
import type {
  DetectedField,
  DetectedFieldsOptions,
  DetectedLabel,
  IndexStats,
  PatternResult,
  QueryService,
  TimeRange,
  VolumeGroup,
  VolumeOptions,
  VolumeSeries,
} from '../api.js';
import { detectedLabels } from './detected-labels.js';
import { detectFieldValues, detectFields } from './detected-fields.js';
import type { IngesterPatterns } from './patterns.js';

export class DrilldownQuerier implements QueryService {
  readonly tail?: QueryService['tail'];

  constructor(
    private readonly inner: QueryService,
    private readonly patternSource?: IngesterPatterns,
  ) {
    if (inner.tail !== undefined) this.tail = inner.tail.bind(inner);
  }

  query(params: QueryParams): Promise<QueryResponse> {
    return this.inner.query(params);
  }
  labelNames(tenant: string, range: TimeRange, query?: string): Promise<string[]> {
    return this.inner.labelNames(tenant, range, query);
  }
  labelValues(tenant: string, name: string, range: TimeRange, query?: string): Promise<string[]> {
    return this.inner.labelValues(tenant, name, range, query);
  }
  series(tenant: string, matchers: readonly string[], range: TimeRange): Promise<Record<string, string>[]> {
    return this.inner.series(tenant, matchers, range);
  }
  indexStats(tenant: string, query: string, range: TimeRange): Promise<IndexStats> {
    return this.inner.indexStats(tenant, query, range);
  }
  volume(tenant: string, query: string, range: TimeRange, options: VolumeOptions): Promise<VolumeGroup[]> {
    return this.inner.volume(tenant, query, range, options);
  }

  async detectedLabels(tenant: string, range: TimeRange, query?: string): Promise<DetectedLabel[]> {
    const selector = query === undefined || query.trim() === '' ? [] : [streamSelector(query)];
    return detectedLabels(await this.inner.series(tenant, selector, range));
  }

  async detectedFields(tenant: string, query: string, range: TimeRange, options: DetectedFieldsOptions): Promise<DetectedField[]> {
    return detectFields(await this.recentLines(tenant, query, range, options.lineLimit), query, options.limit);
  }

  async detectedFieldValues(tenant: string, name: string, query: string, range: TimeRange, options: DetectedFieldsOptions): Promise<string[]> {
    return detectFieldValues(await this.recentLines(tenant, query, range, options.lineLimit), query, name, options.limit);
  }

  async patterns(tenant: string, query: string, range: TimeRange, stepMs: number): Promise<PatternResult[]> {
    if (this.patternSource === undefined) return [];
    parseLogSelector(query);
    const tenants = tenant.split('|');
    // Several tenants (`a|b`) only where the inner service reads several: it refuses otherwise.
    if (tenants.length > 1) await this.inner.series(tenant, [streamSelector(query)], range);
    const source = this.patternSource;
    const answers = await Promise.all(
      tenants.map((one) =>
        source.query({ tenant: one, query, startMs: Number(range.start / NS_PER_MS), endMs: Number(range.end / NS_PER_MS), stepMs }),
      ),
    );
    return answers.length === 1 ? answers[0]! : sumPatterns(answers.flat());
  }

  /**
   * Volume per step from the lines themselves: `sum by (labels) (bytes_over_time(sel [step]))`,
   * grouped as `index/volume` groups, the largest `limit` groups by their total.
   */
  async volumeRange(tenant: string, query: string, range: TimeRange, stepMs: number, options: VolumeOptions): Promise<VolumeSeries[]> {
    const expr = parseLogSelector(query);
    const selector = matchersToString(expr.matchers);
    const names = options.targetLabels.length > 0 ? [...options.targetLabels] : [...new Set(expr.matchers.map((m) => m.name))];
    const step = BigInt(stepMs) * NS_PER_MS;
    const run = async (by: readonly string[]): Promise<VolumeSeries[]> => {
      const response = await this.inner.query({
        tenant,
        query: `sum by (${by.join(', ')}) (bytes_over_time(${selector} [${stepMs}ms]))`,
        start: range.start,
        end: range.end,
        step,
        interval: 0n,
        limit: options.limit,
        direction: 'backward',
        kind: 'range',
      });
      if (response.data.resultType !== 'matrix') return [];
      return response.data.result.map((series) => ({
        metric: Object.fromEntries(series.metric.map((label) => [label.name, label.value])),
        values: series.points.map((point): [number, number] => [point.t, point.v]),
      }));
    };
    const all = options.aggregateBy === 'labels' ? (await Promise.all(names.map((name) => run([name])))).flat() : await run(names);
    const total = (series: VolumeSeries): number => series.values.reduce((sum, [, bytes]) => sum + bytes, 0);
    return all
      .filter((series) => Object.keys(series.metric).length > 0)
      .sort((a, b) => total(b) - total(a))
      .slice(0, options.limit);
  }

  /** The newest `lineLimit` lines of a log query over the range. */
  private async recentLines(tenant: string, query: string, range: TimeRange, lineLimit: number): Promise<StreamResult[]> {
    parseLogSelector(query);
    const response = await this.inner.query({
      tenant,
      query,
      start: range.start,
      end: range.end,
      step: 0n,
      interval: 0n,
      limit: lineLimit,
      direction: 'backward',
      kind: 'range',
    });
    return response.data.resultType === 'streams' ? response.data.result : [];
  }
}

/** Patterns of several tenants: counts of the same template add up per step. */
function sumPatterns(patterns: readonly PatternResult[]): PatternResult[] {
  const merged = new Map<string, Map<number, number>>();
  for (const { pattern, samples } of patterns) {
    let buckets = merged.get(pattern);
    if (buckets === undefined) merged.set(pattern, (buckets = new Map()));
    for (const [t, count] of samples) buckets.set(t, (buckets.get(t) ?? 0) + count);
  }
  const total = (p: PatternResult): number => p.samples.reduce((sum, [, c]) => sum + c, 0);
  return [...merged]
    .map(([pattern, buckets]) => ({ pattern, samples: [...buckets].sort((a, b) => a[0] - b[0]) }))
    .sort((a, b) => total(b) - total(a));
}

/** A log query's stream selector alone, for `series`. */
function streamSelector(query: string): string {
  return matchersToString(parseLogSelector(query).matchers);
}
