// Reads of one tenant only: what a querier serves unless `querier.multi_tenant_queries_enabled`
// is set, as in Loki, where reading several tenants at once (`X-Scope-OrgID: a|b`) is an opt-in.
// A read naming several tenants is refused before anything is read.

import type { IndexStats, QueryService, TimeRange, VolumeGroup, VolumeOptions } from './api.js';
import type { QueryParams, QueryResponse } from '../../logql/types.js';
import { NornError } from '../../core/errors.js';

function one(tenant: string): string {
  if (tenant.includes('|')) throw new NornError('HTTP_BAD_TENANT', 'multiple org IDs present');
  return tenant;
}

export class SingleTenantQuerier implements QueryService {
  readonly tail?: QueryService['tail'];

  constructor(private readonly inner: QueryService) {
    const tail = inner.tail?.bind(inner);
    if (tail !== undefined) this.tail = (tenant, query, handlers) => tail(one(tenant), query, handlers);
  }

  query(params: QueryParams): Promise<QueryResponse> {
    one(params.tenant);
    return this.inner.query(params);
  }
  async labelNames(tenant: string, range: TimeRange, query?: string): Promise<string[]> {
    return this.inner.labelNames(one(tenant), range, query);
  }
  async labelValues(tenant: string, name: string, range: TimeRange, query?: string): Promise<string[]> {
    return this.inner.labelValues(one(tenant), name, range, query);
  }
  async series(tenant: string, matchers: readonly string[], range: TimeRange): Promise<Record<string, string>[]> {
    return this.inner.series(one(tenant), matchers, range);
  }
  async indexStats(tenant: string, query: string, range: TimeRange): Promise<IndexStats> {
    return this.inner.indexStats(one(tenant), query, range);
  }
  async volume(tenant: string, query: string, range: TimeRange, options: VolumeOptions): Promise<VolumeGroup[]> {
    return this.inner.volume(one(tenant), query, range, options);
  }
}
