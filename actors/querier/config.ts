// The querier's own settings; the query limits it enforces are in core/limits.ts.

export interface QuerierConfig {
  readonly ingesterQueryTimeoutMs: number;
  /** Reads may name several tenants (`a|b`); off by default, as Loki's opt-in. */
  readonly multiTenantQueriesEnabled: boolean;
  /**
   * Worker threads that decompress, filter and parse chunks for the store scan: `auto` (one per
   * core), or a number; 0 scans in the calling thread.
   */
  readonly queryWorkers: number | 'auto';
  /** Loki's `querier.max_concurrent`: sub-queries a querier (`--target querier`) runs at once. */
  readonly maxConcurrent: number;
}

export const DEFAULT_QUERIER: QuerierConfig = { ingesterQueryTimeoutMs: 30_000, multiTenantQueriesEnabled: false, queryWorkers: 'auto', maxConcurrent: 4 };
