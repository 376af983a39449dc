// What the HTTP edge (gateway/) needs from the actors behind it. The edge decodes and encodes;
// these services validate, place, replicate and query.

import type { Entry } from '../../storage/model.js';
import type { QueryParams, QueryResponse } from '../../logql/types.js';

/** A stream as a client pushed it, before validation. */
export interface PushStreamInput {
  /** Loki's label string `{a="b"}` (protobuf) or a label map (JSON). */
  readonly labels: string | Readonly<Record<string, string>>;
  readonly entries: Entry[];
}

export interface PushService {
  /**
   * Validate, place on the ring and replicate to a quorum. Resolves when every valid stream is
   * acknowledged by a quorum. Rejects with a coded error carrying `status`:
   * 400 (some streams invalid: the valid ones were still written; message is Loki's),
   * 429 (rate limited), 5xx (no quorum: the client should retry).
   */
  push(tenant: string, streams: readonly PushStreamInput[]): Promise<void>;
}

export interface TimeRange {
  /** ns */
  readonly start: bigint;
  /** ns */
  readonly end: bigint;
}

export interface QueryService {
  query(params: QueryParams): Promise<QueryResponse>;
  labelNames(tenant: string, range: TimeRange, query?: string): Promise<string[]>;
  labelValues(tenant: string, name: string, range: TimeRange, query?: string): Promise<string[]>;
  series(tenant: string, matchers: readonly string[], range: TimeRange): Promise<Record<string, string>[]>;
}
