// Queries over several tenants (`X-Scope-OrgID: a|b`), as Loki's multi-tenant querier runs them:
// every selection is made once per tenant and each stream or series it returns gains the label
// `__tenant_id__`, before the engine merges and aggregates anything. So `sum(rate(...))` adds
// the tenants up, `sum by (__tenant_id__)` splits them, and a selector may name tenants with
// `__tenant_id__` matchers, which choose tenants and are never sent to a data source.

import { sortLabels, type Labels } from '../../core/model.js';
import { compileMatchers, matchesLabels } from '../plan.js';
import type { LabelMatcher, LogSelectorExpr, RangeAggregationExpr, SampleExpr } from '../syntax/ast.js';
import { parseExpr } from '../syntax/parser.js';
import { exprToString, sampleToString } from '../syntax/printer.js';
import { columnarSeries } from './sample-columns.js';
import type { Querier, QueryStats, SampleSeries, SelectLogsParams, SelectSamplesParams, StreamResult } from '../types.js';

export const TENANT_LABEL = '__tenant_id__';
export const TENANT_SEPARATOR = '|';

export function tenantsOf(tenant: string): string[] {
  return tenant.split(TENANT_SEPARATOR);
}

export function withTenant(labels: Labels, tenant: string): Labels {
  return sortLabels([...labels.filter((label) => label.name !== TENANT_LABEL), { name: TENANT_LABEL, value: tenant }]);
}

/** The selector's `__tenant_id__` matchers decide whether a tenant takes part at all. */
function splitTenantMatchers(matchers: readonly LabelMatcher[]): { tenant: LabelMatcher[]; rest: LabelMatcher[] } {
  return { tenant: matchers.filter((m) => m.name === TENANT_LABEL), rest: matchers.filter((m) => m.name !== TENANT_LABEL) };
}

function tenantMatches(matchers: readonly LabelMatcher[], tenant: string): boolean {
  return matchers.length === 0 || matchesLabels(compileMatchers(matchers), [{ name: TENANT_LABEL, value: tenant }]);
}

/** A selection's text for one tenant: undefined when its tenant matchers exclude the tenant. */
function logTextFor(text: string, tenant: string): string | undefined {
  const expr = parseExpr(text) as LogSelectorExpr;
  const { tenant: tm, rest } = splitTenantMatchers(expr.matchers);
  if (!tenantMatches(tm, tenant)) return undefined;
  return tm.length === 0 ? text : exprToString({ ...expr, matchers: rest });
}

function sampleTextFor(text: string, tenant: string): string | undefined {
  const expr = parseExpr(text) as SampleExpr;
  const range: RangeAggregationExpr | undefined =
    expr.kind === 'rangeAggregation' ? expr : expr.kind === 'vectorAggregation' && expr.expr.kind === 'rangeAggregation' ? expr.expr : undefined;
  if (range === undefined) return text;
  const { tenant: tm, rest } = splitTenantMatchers(range.range.selector.matchers);
  if (!tenantMatches(tm, tenant)) return undefined;
  if (tm.length === 0) return text;
  const inner: RangeAggregationExpr = { ...range, range: { ...range.range, selector: { ...range.range.selector, matchers: rest } } };
  return sampleToString(expr.kind === 'vectorAggregation' ? { ...expr, expr: inner } : inner);
}

/** A `Querier` over several tenants, each answered by `inner` in turn. */
export class TenantsQuerier implements Querier {
  constructor(private readonly inner: Querier, private readonly tenants: readonly string[]) {}

  async *selectLogs(params: SelectLogsParams, stats: QueryStats): AsyncIterable<StreamResult> {
    for (const tenant of this.tenants) {
      const selector = logTextFor(params.selector, tenant);
      if (selector === undefined) continue;
      for await (const batch of this.inner.selectLogs({ ...params, tenant, selector }, stats)) {
        yield { labels: withTenant(batch.labels, tenant), entries: batch.entries };
      }
    }
  }

  async *selectSamples(params: SelectSamplesParams, stats: QueryStats): AsyncIterable<SampleSeries> {
    for (const tenant of this.tenants) {
      const expr = sampleTextFor(params.expr, tenant);
      if (expr === undefined) continue;
      for await (const series of this.inner.selectSamples({ ...params, tenant, expr }, stats)) {
        const labels = withTenant(series.labels, tenant);
        yield series.columns !== undefined ? columnarSeries(labels, series.columns) : { labels, samples: series.samples };
      }
    }
  }
}
