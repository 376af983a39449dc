// The seam between the query frontend and whatever runs its sub-queries: the frontend splits,
// shards, queues and merges; an executor runs one piece, in this process or on a querier over
// the bus. Keeping the seam this small is what lets a single node and a cluster answer alike.

import type { QueryParams, QueryResponse } from '../../logql/types.js';

/** One piece of a client's query: a time split, perhaps one shard (`params.shard`). */
export interface SubQuery {
  readonly params: QueryParams;
}

export interface ExecuteOptions {
  /** Aborted when the client goes away or the query times out: the piece stops where it runs. */
  readonly signal?: AbortSignal;
}

/** Runs sub-queries: `LocalExecutor` in this process, the bus executor on remote queriers. */
export interface SubQueryExecutor {
  /** Sub-queries it can run at once right now; the frontend keeps at most this many in flight. */
  concurrency(): number;
  /** The piece's answer, or a NornError; retrying on another querier is the executor's job. */
  execute(job: SubQuery, options: ExecuteOptions): Promise<QueryResponse>;
}
