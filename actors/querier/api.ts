// What the HTTP edge (gateway/) and other callers (the ruler, tools) need from the read path.

import type { QueryParams, QueryResponse } from '../../logql/types.js';

export interface TimeRange {
  /** ns */
  readonly start: bigint;
  /** ns */
  readonly end: bigint;
}

/** Loki's `index/stats` answer: what a stream selector would read over a range. */
export interface IndexStats {
  readonly streams: number;
  readonly chunks: number;
  readonly entries: number;
  /** Uncompressed bytes. */
  readonly bytes: number;
}

export interface VolumeOptions {
  /** Most groups returned, largest first. */
  readonly limit: number;
  /** Group by these labels only; empty: by the label names the selector's matchers use. */
  readonly targetLabels: readonly string[];
  /** `series`: one group per label set; `labels`: one group per label name. */
  readonly aggregateBy: 'series' | 'labels';
}

/** One group of Loki's `index/volume` answer. */
export interface VolumeGroup {
  readonly metric: Record<string, string>;
  /** Uncompressed bytes. */
  readonly bytes: number;
}

export interface QueryService {
  query(params: QueryParams): Promise<QueryResponse>;
  labelNames(tenant: string, range: TimeRange, query?: string): Promise<string[]>;
  labelValues(tenant: string, name: string, range: TimeRange, query?: string): Promise<string[]>;
  series(tenant: string, matchers: readonly string[], range: TimeRange): Promise<Record<string, string>[]>;
  indexStats(tenant: string, query: string, range: TimeRange): Promise<IndexStats>;
  /** Largest first, at most `options.limit` groups. */
  volume(tenant: string, query: string, range: TimeRange, options: VolumeOptions): Promise<VolumeGroup[]>;
}
