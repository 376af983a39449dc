// What the HTTP edge (gateway/) and other callers (the ruler, tools) need from the read path.

import type { QueryParams, QueryResponse, StreamResult } from '../../logql/types.js';

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

/** How a caller may stop a query it no longer wants. */
export interface QueryOptions {
  /** Aborted when the client goes away: queued and running parts of the query stop. */
  readonly signal?: AbortSignal;
}

export interface QueryService {
  query(params: QueryParams, options?: QueryOptions): Promise<QueryResponse>;
  labelNames(tenant: string, range: TimeRange, query?: string): Promise<string[]>;
  labelValues(tenant: string, name: string, range: TimeRange, query?: string): Promise<string[]>;
  series(tenant: string, matchers: readonly string[], range: TimeRange): Promise<Record<string, string>[]>;
  indexStats(tenant: string, query: string, range: TimeRange): Promise<IndexStats>;
  /** Largest first, at most `options.limit` groups. */
  volume(tenant: string, query: string, range: TimeRange, options: VolumeOptions): Promise<VolumeGroup[]>;

  // Grafana Logs Drilldown's endpoints (actors/querier/drilldown/). Optional: a service without
  // them answers those routes with 404, as a Loki without the feature does.
  /** Stream labels worth filtering on, with their cardinality. */
  detectedLabels?(tenant: string, range: TimeRange, query?: string): Promise<DetectedLabel[]>;
  /** Structured metadata and parsed fields of a query's recent lines, typed. */
  detectedFields?(tenant: string, query: string, range: TimeRange, options: DetectedFieldsOptions): Promise<DetectedField[]>;
  /** One detected field's distinct values. */
  detectedFieldValues?(tenant: string, name: string, query: string, range: TimeRange, options: DetectedFieldsOptions): Promise<string[]>;
  /** Patterns mined from the selector's streams in the ingesters, counted per step. */
  patterns?(tenant: string, query: string, range: TimeRange, stepMs: number): Promise<PatternResult[]>;
  /**
   * A live tail of a log query: `handlers.onStreams` gets the lines ingesters accept, selected by
   * the query, as they are appended (replicas' copies included). Optional: without it the edge
   * tails by polling `query`.
   */
  tail?(tenant: string, query: string, handlers: LiveTailHandlers): Promise<LiveTail>;
  /** `index/volume_range`: bytes per group per step. */
  volumeRange?(tenant: string, query: string, range: TimeRange, stepMs: number, options: VolumeOptions): Promise<VolumeSeries[]>;
}

export interface DetectedLabel {
  readonly label: string;
  readonly cardinality: number;
}

export type DetectedFieldType = 'string' | 'int' | 'float' | 'boolean' | 'duration' | 'bytes';

export interface DetectedField {
  readonly label: string;
  readonly type: DetectedFieldType;
  readonly cardinality: number;
  /** `null` for structured metadata; the parsers that produced it otherwise. */
  readonly parsers: string[] | null;
  /** For fields the json parser found: the keys leading to the value. */
  readonly jsonPath?: string[];
}

export interface DetectedFieldsOptions {
  /** Most lines read (Loki's `line_limit`, default 1000). */
  readonly lineLimit: number;
  /** Most fields, or values, answered (Loki's `limit`, default 1000). */
  readonly limit: number;
}

export interface PatternResult {
  readonly pattern: string;
  /** [unix seconds, count], ascending. */
  readonly samples: [number, number][];
}

export interface VolumeSeries {
  readonly metric: Record<string, string>;
  /** [ms, bytes], ascending. */
  readonly values: [number, number][];
}

export interface LiveTailHandlers {
  onStreams(streams: StreamResult[]): void;
  /** The tail can no longer see every line (too many ingesters lost it). */
  onError?(error: Error): void;
}

export interface LiveTail {
  close(): Promise<void>;
}

