// The ingester's pattern miner: one Drain per stream over the lines it accepts, with a count
// per pattern per 10 s bucket, kept for the recent hours Grafana's Logs Drilldown asks about.
// Memory stays bounded: clusters per stream are capped (least recently used go), buckets older
// than the retention are dropped, and idle streams are forgotten.

import { compileLogSelector, matchesLabels } from '../../../logql/mod.js';
import type { Entry, Labels } from '../../../core/model.js';
import { internLabels } from '../../../core/intern.js';
import { DEFAULT_DRAIN, Drain, type Cluster, type DrainConfig } from './drain.js';

/** Loki's pattern ingester samples at 10 s. */
export const BUCKET_MS = 10_000;
/** How far back patterns are kept and answered (Drilldown's patterns tab looks 3 h back). */
export const PATTERN_RETENTION_MS = 3 * 3_600_000;
/** Lines longer than this are mined on their first part only (Loki truncates too). */
const MAX_LINE_CHARS = 3_000;

export interface PatternSamples {
  readonly pattern: string;
  /** [bucket start ms, count], ascending. */
  readonly samples: [number, number][];
}

export interface StreamPatterns {
  readonly labels: Labels;
  readonly patterns: PatternSamples[];
}

/** A stream's miner; each cluster's `samples` are its counts per bucket start ms. */
interface MinedStream {
  readonly labels: Labels;
  readonly drain: Drain;
  lastSeenMs: number;
}

export class PatternStore {
  private readonly tenants = new Map<string, Map<string, MinedStream>>();
  private lastPruneMs = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly drainConfig: DrainConfig = DEFAULT_DRAIN,
  ) {}

  /** Mines a stream's newly accepted entries. */
  observe(tenant: string, labelString: string, labels: Labels, entries: readonly Entry[]): void {
    const stream = this.streamFor(tenant, labelString, labels);
    const oldest = stream.lastSeenMs - PATTERN_RETENTION_MS;
    for (const entry of entries) {
      const ms = Number(entry.ts / 1_000_000n);
      if (ms >= oldest) this.mine(stream, ms, entry.line);
    }
    this.maybePrune(stream.lastSeenMs);
  }

  /** `observe` for lines whose timestamps are already in ms (the mining thread's batches). */
  observeLines(tenant: string, labelString: string, labels: Labels, timesMs: readonly number[], lines: readonly string[]): void {
    const stream = this.streamFor(tenant, labelString, labels);
    const oldest = stream.lastSeenMs - PATTERN_RETENTION_MS;
    for (let i = 0; i < lines.length; i++) {
      const ms = timesMs[i]!;
      if (ms >= oldest) this.mine(stream, ms, lines[i]!);
    }
    this.maybePrune(stream.lastSeenMs);
  }

  private streamFor(tenant: string, labelString: string, labels: Labels): MinedStream {
    let streams = this.tenants.get(tenant);
    if (streams === undefined) this.tenants.set(tenant, (streams = new Map()));
    let stream = streams.get(labelString);
    if (stream === undefined) {
      // An evicted cluster takes its counts with it.
      streams.set(labelString, (stream = { labels: internLabels(labels), drain: new Drain(this.drainConfig), lastSeenMs: 0 }));
    }
    stream.lastSeenMs = this.now();
    return stream;
  }

  private mine(stream: MinedStream, ms: number, text: string): void {
    const line = text.length > MAX_LINE_CHARS ? text.slice(0, MAX_LINE_CHARS) : text;
    const cluster = stream.drain.train(line);
    if (cluster === undefined) return;
    countIn(cluster, ms - (ms % BUCKET_MS));
  }

  private maybePrune(nowMs: number): void {
    if (nowMs - this.lastPruneMs >= 60_000) this.prune(nowMs);
  }

  /** Each matching stream's patterns with counts in [startMs, endMs), summed per `stepMs` bucket. */
  query(tenant: string, selector: string, startMs: number, endMs: number, stepMs: number): StreamPatterns[] {
    const streams = this.tenants.get(tenant);
    if (streams === undefined) return [];
    const matchers = compileLogSelector(selector).matchers;
    const step = Math.max(BUCKET_MS, stepMs);
    const out: StreamPatterns[] = [];
    for (const stream of streams.values()) {
      if (!matchesLabels(matchers, stream.labels)) continue;
      const patterns = new Map<string, Map<number, number>>();
      for (const cluster of stream.drain.clusters()) {
        let samples: Map<number, number> | undefined;
        const counts = cluster.samples;
        for (let i = 0; i < counts.length; i += 2) {
          const bucket = counts[i]!;
          const count = counts[i + 1]!;
          if (bucket < startMs - (startMs % BUCKET_MS) || bucket >= endMs) continue;
          const at = bucket - (bucket % step);
          samples ??= patterns.get(cluster.pattern) ?? new Map();
          samples.set(at, (samples.get(at) ?? 0) + count);
        }
        // Two clusters may have grown into one template: their counts add up.
        if (samples !== undefined) patterns.set(cluster.pattern, samples);
      }
      if (patterns.size === 0) continue;
      out.push({
        labels: stream.labels,
        patterns: [...patterns].map(([pattern, samples]) => ({ pattern, samples: [...samples].sort((a, b) => a[0] - b[0]) })),
      });
    }
    return out;
  }

  private prune(nowMs: number): void {
    this.lastPruneMs = nowMs;
    const oldest = nowMs - PATTERN_RETENTION_MS;
    for (const [tenant, streams] of this.tenants) {
      for (const [key, stream] of streams) {
        if (stream.lastSeenMs < oldest) {
          streams.delete(key);
          continue;
        }
        for (const cluster of stream.drain.clusters()) {
          const counts = cluster.samples;
          let keep = 0;
          while (keep < counts.length && counts[keep]! < oldest) keep += 2;
          if (keep > 0) cluster.samples = counts.slice(keep);
        }
      }
      if (streams.size === 0) this.tenants.delete(tenant);
    }
  }
}

/** Adds one to `bucket`'s count, keeping the pairs in bucket order (lines mostly come in order). */
function countIn(cluster: Cluster, bucket: number): void {
  const counts = cluster.samples;
  let at = counts.length;
  while (at > 0 && counts[at - 2]! > bucket) at -= 2;
  if (at > 0 && counts[at - 2] === bucket) {
    counts[at - 1]!++;
    return;
  }
  counts.splice(at, 0, bucket, 1);
}
