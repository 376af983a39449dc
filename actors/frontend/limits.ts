// The per-tenant limits the frontend reads, with Loki's defaults for any a tenant's override
// entry was built without.

import { DEFAULT_LIMITS, limitsFor, type LimitsConfig } from '../../core/limits.js';

export interface FrontendLimits {
  readonly splitQueriesByIntervalMs: number;
  readonly maxQueryParallelism: number;
  readonly queryTimeoutMs: number;
  readonly maxQuerySeries: number;
  readonly maxCacheFreshnessPerQueryMs: number;
  readonly tsdbMaxBytesPerShard: number;
  readonly maxEntriesLimitPerQuery: number;
  readonly maxQueryLengthMs: number;
}

export function frontendLimits(limits: LimitsConfig, tenant: string): FrontendLimits {
  const own = limitsFor(limits, tenant);
  const pick = <K extends keyof FrontendLimits>(key: K): FrontendLimits[K] => own[key] ?? limits[key] ?? DEFAULT_LIMITS[key];
  return {
    splitQueriesByIntervalMs: pick('splitQueriesByIntervalMs'),
    maxQueryParallelism: pick('maxQueryParallelism'),
    queryTimeoutMs: pick('queryTimeoutMs'),
    maxQuerySeries: pick('maxQuerySeries'),
    maxCacheFreshnessPerQueryMs: pick('maxCacheFreshnessPerQueryMs'),
    tsdbMaxBytesPerShard: pick('tsdbMaxBytesPerShard'),
    maxEntriesLimitPerQuery: pick('maxEntriesLimitPerQuery'),
    maxQueryLengthMs: pick('maxQueryLengthMs'),
  };
}
