// What a querier and a gateway's query frontend say to each other on the bus. A gateway sends
// one sub-query to one querier's own subject (`norn.query.jobs.<querier>`) when that querier has
// a free slot, and reads the answer back as a stream of frames; it cancels with a message on
// `norn.query.cancel.<querier>`. Queriers announce themselves in the `norn-queriers` KV bucket.

import type { Point, QueryParams, QueryStats, SeriesResult, StreamResult, VectorSample } from '../../../logql/types.js';

/** A querier's entry in the queriers bucket (key: its id), rewritten every heartbeat. */
export interface QuerierEntry {
  readonly id: string;
  /** `querier.max_concurrent`: sub-queries it runs at once. */
  readonly maxConcurrent: number;
  /** ACTIVE takes jobs; LEAVING finishes what it holds and takes no more. */
  readonly state: 'ACTIVE' | 'LEAVING';
  /** HTTP address it serves /ready and /metrics on, for operators. */
  readonly addr?: string;
  /** Last heartbeat, ms since the epoch. */
  readonly heartbeatMs: number;
  readonly registeredMs: number;
}

/** A sub-query sent to one querier. */
export interface QueryJobRequest {
  /** Unique per attempt; names the job in a cancel message. */
  readonly jobId: string;
  readonly params: QueryParams;
}

export interface QueryJobCancel {
  readonly jobId: string;
}

/**
 * One frame of a job's answer. `working` frames arrive every keepalive period while the query
 * runs, so a requester tells a slow query from a dead querier; the result comes in pieces under
 * the bus's `max_payload`, and `done` ends it with the result type and the stats.
 */
export type QueryJobFrame =
  | { readonly kind: 'working' }
  /** `continues`: the first stream goes on the last one of the previous frame (one stream cut in pieces). */
  | { readonly kind: 'streams'; readonly streams: StreamResult[]; readonly continues?: boolean }
  | { readonly kind: 'series'; readonly series: SeriesResult[]; readonly continues?: boolean }
  | { readonly kind: 'vector'; readonly samples: VectorSample[] }
  | { readonly kind: 'done'; readonly resultType: 'streams' | 'matrix' | 'vector' | 'scalar'; readonly stats: QueryStats; readonly scalar?: Point };
