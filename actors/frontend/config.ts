// The query frontend's own settings (YAML `frontend:`). The per-tenant query limits it enforces
// (split interval, parallelism, timeout, series, cache freshness, bytes per shard) live with
// every other limit in core/limits.ts.

export type ResultsCacheBackend = 'memory' | 'nats-kv';

export interface ResultsCacheConfig {
  /**
   * `memory`: an LRU in this process, bounded by `maxSizeMb` (the default: nothing to run).
   * `nats-kv`: one JetStream KV bucket every gateway of a cluster shares, entries expiring after
   * `ttlMs`; on the embedded bus it is the in-process KV, so it behaves the same on one node.
   */
  readonly backend: ResultsCacheBackend;
  /** Loki's `embedded_cache.max_size_mb`: the in-process cache's bound (default 100). */
  readonly maxSizeMb: number;
  /** Loki's `embedded_cache.ttl`: how long a cached extent lives (default 1h). */
  readonly ttlMs: number;
}

export interface FrontendConfig {
  /** Off: every query goes to the querier whole, as if there were no frontend. */
  readonly enabled: boolean;
  /** Loki's `max_outstanding_per_tenant`: queued sub-queries a tenant may have; past it, 429. */
  readonly maxOutstandingPerTenant: number;
  /** Loki's `max_retries`: how often a failed sub-query is tried again on another querier (the bus executor's). */
  readonly maxRetries: number;
  /**
   * Loki's `cache_results`: metric range queries are answered from cached extents where they
   * can be. Off by default, as in Loki: a line pushed late (older than the freshness bound)
   * is not seen by steps already cached.
   */
  readonly cacheResults: boolean;
  readonly resultsCache: ResultsCacheConfig;
}

export const DEFAULT_FRONTEND: FrontendConfig = {
  enabled: true,
  maxOutstandingPerTenant: 2048,
  maxRetries: 5,
  cacheResults: false,
  resultsCache: { backend: 'memory', maxSizeMb: 100, ttlMs: 3_600_000 },
};
