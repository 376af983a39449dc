// Delete requests travel with every selection of a query: loaded once when the query starts
// (per tenant, for `a|b` metric queries), then attached to each `selectLogs` / `selectSamples`
// the engine makes, so the ingesters, the store scan and its worker threads all drop the same
// lines before they filter, limit or extract samples.

import type { DeleteFilter, Querier, QueryStats, SampleSeries, SelectLogsParams, SelectSamplesParams, StreamResult } from '../../logql/types.js';

/** A tenant's delete requests as query-time filters (none where deletion is disabled). */
export type DeleteFiltersSource = (tenant: string) => Promise<readonly DeleteFilter[]>;

/** Every tenant a query names (`a|b`), with its filters; tenants without any are left out. */
export async function loadDeleteFilters(source: DeleteFiltersSource, tenants: readonly string[]): Promise<Map<string, readonly DeleteFilter[]>> {
  const loaded = await Promise.all(tenants.map(async (tenant) => [tenant, await source(tenant)] as const));
  return new Map(loaded.filter(([, filters]) => filters.length > 0));
}

/** `inner` with each selection carrying its tenant's filters. */
export class DeletesQuerier implements Querier {
  constructor(
    private readonly inner: Querier,
    private readonly filters: ReadonlyMap<string, readonly DeleteFilter[]>,
  ) {}

  selectLogs(params: SelectLogsParams, stats: QueryStats): AsyncIterable<StreamResult> {
    const deletes = this.filters.get(params.tenant);
    return this.inner.selectLogs(deletes === undefined ? params : { ...params, deletes }, stats);
  }

  selectSamples(params: SelectSamplesParams, stats: QueryStats): AsyncIterable<SampleSeries> {
    const deletes = this.filters.get(params.tenant);
    return this.inner.selectSamples(deletes === undefined ? params : { ...params, deletes }, stats);
  }
}
