// The endpoints Grafana's Logs Drilldown calls beside Loki's query API, with Loki's parameters
// and answer shapes: `detected_labels`, `detected_fields`, `detected_field/NAME/values`,
// `patterns`, `index/volume_range` and `drilldown-limits`. Times as Loki reads them (ns, s, or
// RFC 3339, which is what Grafana sends), errors as `serverutil.WriteError` plain text.

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DetectedFieldsOptions } from '../actors/querier/api.js';
import type { LimitsConfig } from '../core/limits.js';
import { NornError } from '../core/errors.js';
import type { HttpDeps } from './deps.js';
import { badRequest } from './errors.js';
import { formatPromTime } from './number-format.js';
import { optionalQuery, parseBounds, rangeQueryParams, requestParams, requiredQuery, systemClock, volumeOptions } from './query-params.js';
import { queryScope } from './query-routes.js';
import { readTenant } from './tenant.js';

const JSON_TYPE = 'application/json; charset=utf-8';
/** Loki's defaults for `line_limit` and `limit` of the detected-field endpoints. */
const DEFAULT_FIELD_LIMIT = 1000;

function sendJson(reply: FastifyReply, body: string): FastifyReply {
  return reply.code(200).header('content-type', JSON_TYPE).send(body);
}

function positiveInt(params: URLSearchParams, name: string, fallback: number): number {
  const text = params.get(name) ?? '';
  if (text === '') return fallback;
  if (!/^\d+$/.test(text)) throw badRequest(`invalid ${name}: strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`);
  const value = Number(text);
  return value > 0 ? value : fallback;
}

function fieldOptions(params: URLSearchParams): DetectedFieldsOptions {
  return { lineLimit: positiveInt(params, 'line_limit', DEFAULT_FIELD_LIMIT), limit: positiveInt(params, 'limit', DEFAULT_FIELD_LIMIT) };
}

function notServed(): never {
  throw new NornError('NOT_SERVED', '404 page not found');
}

/** Go's duration text for a limit in ms, as Loki's config API writes them (`30d1h`, `0s`). */
function modelDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = Math.floor(ms / 1000);
  // Prometheus' model.Duration: weeks only when they divide the rest exactly.
  const parts: [number, string, boolean][] = [[86_400 * 365, 'y', false], [86_400 * 7, 'w', true], [86_400, 'd', false], [3600, 'h', false], [60, 'm', false], [1, 's', false]];
  let out = '';
  for (const [size, unit, exact] of parts) {
    if (exact && rest % size !== 0) continue;
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out === '' ? '0s' : out;
}

/** The tenant limits Drilldown reads, in Loki's names and encodings. */
function drilldownLimits(limits: LimitsConfig): Record<string, unknown> {
  const otlp = limits.otlpConfig;
  const rules = (list: LimitsConfig['otlpConfig']['logAttributes']) =>
    list.length === 0 ? null : list.map((rule) => ({ Action: rule.action, Attributes: rule.attributes ?? null, Regex: rule.regex ?? '' }));
  return {
    discover_log_levels: limits.discoverLogLevels,
    discover_service_name: limits.discoverServiceName,
    log_level_fields: limits.logLevelFields,
    max_entries_limit_per_query: limits.maxEntriesLimitPerQuery,
    max_line_size_truncate: false,
    max_query_length: modelDuration(limits.maxQueryLengthMs),
    max_query_lookback: '0s',
    max_query_range: '0s',
    metric_aggregation_enabled: false,
    otlp_config: {
      ResourceAttributes: { IgnoreDefaults: otlp.resourceAttributes.ignoreDefaults, AttributesConfig: rules(otlp.resourceAttributes.attributesConfig) },
      ScopeAttributes: rules(otlp.scopeAttributes),
      LogAttributes: rules(otlp.logAttributes),
    },
    pattern_persistence_enabled: false,
    volume_enabled: true,
  };
}

export function registerDrilldownRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const now = deps.now ?? systemClock;
  const service = deps.query;
  void app.register(async (scope) => {
    const route = queryScope(scope, deps);

    route('/loki/api/v1/detected_labels', async (request, reply) => {
      if (service.detectedLabels === undefined) notServed();
      const tenant = readTenant(request, deps.auth);
      const params = requestParams(request);
      const labels = await service.detectedLabels(tenant, parseBounds(params, now()), optionalQuery(params));
      return sendJson(reply, JSON.stringify({ detectedLabels: labels }));
    });

    route('/loki/api/v1/detected_fields', async (request, reply) => {
      if (service.detectedFields === undefined) notServed();
      const tenant = readTenant(request, deps.auth);
      const params = requestParams(request);
      const options = fieldOptions(params);
      const fields = await service.detectedFields(tenant, requiredQuery(params), parseBounds(params, now()), options);
      // Loki writes `limit` only beside an answer that has fields.
      return sendJson(reply, JSON.stringify(fields.length > 0 ? { fields, limit: options.limit } : { fields }));
    });

    route('/loki/api/v1/detected_field/:name/values', async (request, reply) => {
      if (service.detectedFieldValues === undefined) notServed();
      const tenant = readTenant(request, deps.auth);
      const params = requestParams(request);
      const { name } = request.params as { name: string };
      const options = fieldOptions(params);
      const values = await service.detectedFieldValues(tenant, name, requiredQuery(params), parseBounds(params, now()), options);
      return sendJson(reply, JSON.stringify(values.length > 0 ? { values, limit: options.limit } : { values }));
    });

    route('/loki/api/v1/patterns', async (request, reply) => {
      if (service.patterns === undefined) notServed();
      const tenant = readTenant(request, deps.auth);
      const params = requestParams(request);
      const query = requiredQuery(params);
      // Step as query_range takes it (seconds or a duration), defaulting as Loki does.
      const { start, end, step } = rangeQueryParams(tenant, params, now());
      const patterns = await service.patterns(tenant, query, { start, end }, Number(step / 1_000_000n));
      return sendJson(reply, JSON.stringify({ status: 'success', data: patterns }));
    });

    route('/loki/api/v1/index/volume_range', async (request, reply) => {
      const tenant = readTenant(request, deps.auth);
      const params = requestParams(request);
      const query = requiredQuery(params);
      const { start, end, step } = rangeQueryParams(tenant, params, now());
      // A service that cannot compute it answers the shape with no series, as before it could.
      const series =
        service.volumeRange === undefined ? [] : await service.volumeRange(tenant, query, { start, end }, Number(step / 1_000_000n), volumeOptions(params));
      const result = series.map(
        (s) => `{"metric":${JSON.stringify(s.metric)},"values":[${s.values.map(([t, v]) => `[${formatPromTime(t)},"${v}"]`).join(',')}]}`,
      );
      return sendJson(reply, `{"status":"success","data":{"resultType":"matrix","result":[${result.join(',')}]}}`);
    });

    route('/loki/api/v1/drilldown-limits', async (request, reply) => {
      const tenant = readTenant(request, deps.auth);
      const limits = deps.tenantLimits?.(tenant.split('|')[0]!);
      return sendJson(
        reply,
        JSON.stringify({
          limits: limits !== undefined ? drilldownLimits(limits) : {},
          pattern_ingester_enabled: service.patterns !== undefined,
          version: deps.buildInfo.version,
        }),
      );
    });
  });
}
