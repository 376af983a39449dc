// Reads across several tenants (`X-Scope-OrgID: a|b`), as Loki's multi-tenant querier does. The
// HTTP edge passes the validated org id as it came, tenants joined by `|`; this wrapper splits it
// and stitches what can be stitched: log queries (each stream gains `__tenant_id__`, then the
// limit applies to the union), label names and values (union), series (with `__tenant_id__`).
// Metric queries go to the engine whole, with the tenants still joined: it selects per tenant
// and tags every series with `__tenant_id__` before aggregating (logql's TenantsQuerier).
// Index stats are summed, and volumes summed per group (then sorted and limited again), as
// Loki's multi-tenant querier merges them.

import type { IndexStats, QueryService, TimeRange, VolumeGroup, VolumeOptions } from './api.js';
import { mergeVolumes } from './index-stats.js';
import type { QueryParams, QueryResponse, StreamResult } from '../../logql/types.js';
import { emptyStats } from '../../logql/types.js';
import { sortLabels, type Entry, type Labels } from '../../core/model.js';
import { addStats } from '../../logql/types.js';
import { NornError } from '../../core/errors.js';
import { parseExpr } from '../../logql/mod.js';

/** A metric query goes to the engine whole; a log query, or one that does not parse, is split here. */
function isMetricQuery(query: string): boolean {
  try {
    return parseExpr(query).kind !== 'logSelector';
  } catch {
    return false;
  }
}

export const TENANT_LABEL = '__tenant_id__';

function withTenant(labels: Labels, tenant: string): Labels {
  return sortLabels([...labels.filter((label) => label.name !== TENANT_LABEL), { name: TENANT_LABEL, value: tenant }]);
}

/** The first `limit` entries of all streams in `direction`, regrouped by stream. */
function limitStreams(streams: StreamResult[], limit: number, forward: boolean): StreamResult[] {
  const total = streams.reduce((sum, stream) => sum + stream.entries.length, 0);
  if (total <= limit) return streams;
  const all: { stream: number; entry: Entry }[] = [];
  streams.forEach((stream, index) => {
    for (const entry of stream.entries) all.push({ stream: index, entry });
  });
  all.sort((a, b) => (a.entry.ts === b.entry.ts ? 0 : (a.entry.ts < b.entry.ts) === forward ? -1 : 1));
  const kept = new Map<number, Entry[]>();
  for (const { stream, entry } of all.slice(0, limit)) {
    let entries = kept.get(stream);
    if (entries === undefined) kept.set(stream, (entries = []));
    entries.push(entry);
  }
  return [...kept.entries()].map(([index, entries]) => ({ labels: streams[index]!.labels, entries }));
}

async function queryAcrossTenants(service: QueryService, tenants: readonly string[], params: QueryParams): Promise<QueryResponse> {
  if (tenants.length === 1) return service.query({ ...params, tenant: tenants[0]! });
  if (isMetricQuery(params.query)) return service.query(params);
  const responses = await Promise.all(tenants.map((tenant) => service.query({ ...params, tenant })));
  const stats = emptyStats();
  const streams: StreamResult[] = [];
  responses.forEach((response, i) => {
    if (response.data.resultType !== 'streams') {
      throw new NornError('QUERY_MULTI_TENANT_METRIC', 'metric queries across several tenants are not supported: query one tenant at a time');
    }
    addStats(stats, response.stats);
    for (const stream of response.data.result) streams.push({ labels: withTenant(stream.labels, tenants[i]!), entries: stream.entries });
  });
  const result = limitStreams(streams, params.limit, params.direction === 'forward');
  return { data: { resultType: 'streams', result }, stats };
}

async function union(lists: Promise<string[]>[]): Promise<string[]> {
  const all = new Set<string>();
  for (const list of await Promise.all(lists)) for (const item of list) all.add(item);
  return [...all].sort();
}

function labelNamesAcrossTenants(service: QueryService, tenants: readonly string[], range: TimeRange, query?: string): Promise<string[]> {
  if (tenants.length === 1) return service.labelNames(tenants[0]!, range, query);
  return union(tenants.map((tenant) => service.labelNames(tenant, range, query)));
}

function labelValuesAcrossTenants(
  service: QueryService,
  tenants: readonly string[],
  name: string,
  range: TimeRange,
  query?: string,
): Promise<string[]> {
  if (tenants.length === 1) return service.labelValues(tenants[0]!, name, range, query);
  return union(tenants.map((tenant) => service.labelValues(tenant, name, range, query)));
}

async function seriesAcrossTenants(
  service: QueryService,
  tenants: readonly string[],
  matchers: readonly string[],
  range: TimeRange,
): Promise<Record<string, string>[]> {
  if (tenants.length === 1) return service.series(tenants[0]!, matchers, range);
  const results = await Promise.all(tenants.map((tenant) => service.series(tenant, matchers, range)));
  return results.flatMap((series, i) => series.map((labels) => ({ ...labels, [TENANT_LABEL]: tenants[i]! })));
}

async function indexStatsAcrossTenants(service: QueryService, tenants: readonly string[], query: string, range: TimeRange): Promise<IndexStats> {
  if (tenants.length === 1) return service.indexStats(tenants[0]!, query, range);
  const all = await Promise.all(tenants.map((tenant) => service.indexStats(tenant, query, range)));
  return all.reduce((sum, stats) => ({
    streams: sum.streams + stats.streams,
    chunks: sum.chunks + stats.chunks,
    entries: sum.entries + stats.entries,
    bytes: sum.bytes + stats.bytes,
  }));
}

async function volumeAcrossTenants(
  service: QueryService,
  tenants: readonly string[],
  query: string,
  range: TimeRange,
  options: VolumeOptions,
): Promise<VolumeGroup[]> {
  if (tenants.length === 1) return service.volume(tenants[0]!, query, range, options);
  const answers = await Promise.all(tenants.map((tenant) => service.volume(tenant, query, range, options)));
  return mergeVolumes(answers.flat(), options.limit);
}

/** Splits a `|`-joined tenant id; the edge has already validated, sorted and deduplicated it. */
export function tenantsOf(tenant: string): string[] {
  return tenant.split(TENANT_SEPARATOR);
}

export const TENANT_SEPARATOR = '|';

/** A QueryService over any number of tenants, each answered by `inner` and stitched here. */
export class MultiTenantQuerier implements QueryService {
  /** A tail follows one tenant (the edge refuses `a|b` before it gets here). */
  readonly tail?: QueryService['tail'];

  constructor(private readonly inner: QueryService) {
    if (inner.tail !== undefined) this.tail = inner.tail.bind(inner);
  }

  query(params: QueryParams): Promise<QueryResponse> {
    return queryAcrossTenants(this.inner, tenantsOf(params.tenant), params);
  }
  labelNames(tenant: string, range: TimeRange, query?: string): Promise<string[]> {
    return labelNamesAcrossTenants(this.inner, tenantsOf(tenant), range, query);
  }
  labelValues(tenant: string, name: string, range: TimeRange, query?: string): Promise<string[]> {
    return labelValuesAcrossTenants(this.inner, tenantsOf(tenant), name, range, query);
  }
  series(tenant: string, matchers: readonly string[], range: TimeRange): Promise<Record<string, string>[]> {
    return seriesAcrossTenants(this.inner, tenantsOf(tenant), matchers, range);
  }
  indexStats(tenant: string, query: string, range: TimeRange): Promise<IndexStats> {
    return indexStatsAcrossTenants(this.inner, tenantsOf(tenant), query, range);
  }
  volume(tenant: string, query: string, range: TimeRange, options: VolumeOptions): Promise<VolumeGroup[]> {
    return volumeAcrossTenants(this.inner, tenantsOf(tenant), query, range, options);
  }
}
