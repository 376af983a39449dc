// The ruler's HTTP API, as Loki serves it. Loki's own routes take and give YAML:
//   GET    /loki/api/v1/rules[/{namespace}[/{group}]]   (404 "no rule groups found" when empty)
//   POST   /loki/api/v1/rules/{namespace}              one group as YAML -> 202
//   DELETE /loki/api/v1/rules/{namespace}[/{group}]    -> 202
// (also under Loki's legacy `/api/prom/rules` and `/prometheus/config/v1/rules`), and
// Prometheus' JSON for Grafana's alerting UI: `/prometheus/api/v1/rules`, `/prometheus/api/v1/alerts`.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stringify as toYaml } from 'yaml';
import type { ActiveAlert, GroupStatusView, RuleNamespaces, RuleStatusView } from '../actors/ruler/api.js';
import type { HttpDeps } from './deps.js';
import { messageOf, sendPlainError, statusOf } from './errors.js';
import { singleTenant } from './tenant.js';

const CONFIG_PREFIXES = ['/loki/api/v1/rules', '/api/prom/rules', '/prometheus/config/v1/rules'];
const PROM_PREFIXES = ['/prometheus/api/v1', '/api/prom/api/v1'];

/** Go's `strconv.FormatFloat(v, 'e', -1, 64)`, as Prometheus prints an alert's value. */
export function goExponent(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const [mantissa, exp] = value.toExponential().split('e') as [string, string];
  const n = Number(exp);
  return `${mantissa}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

/** Go's time.Time in JSON (RFC 3339, trailing zero fractions dropped); 0 is Go's zero time. */
export function goTime(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

function sendYaml(reply: FastifyReply, value: unknown): FastifyReply {
  return reply.code(200).header('content-type', 'application/yaml').send(toYaml(value));
}

function accepted(reply: FastifyReply): FastifyReply {
  return reply.code(202).header('content-type', 'application/json').send('{"status":"success","data":null,"errorType":"","error":""}');
}

function promError(reply: FastifyReply, status: number, errorType: string, message: string): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(JSON.stringify({ status: 'error', errorType, error: message }));
}

function namespacesToPlain(namespaces: RuleNamespaces): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [namespace, groups] of namespaces) out[namespace] = groups;
  return out;
}

function alertJson(alert: ActiveAlert): Record<string, unknown> {
  return {
    labels: alert.labels,
    annotations: alert.annotations,
    state: alert.state,
    activeAt: goTime(alert.activeAtMs),
    ...(alert.keepFiringSinceMs !== undefined ? { keepFiringSince: goTime(alert.keepFiringSinceMs) } : {}),
    value: goExponent(alert.value),
  };
}

/** Pending and firing alerts; resolved ones are Alertmanager's business, as in Prometheus. */
function liveAlerts(rule: RuleStatusView): ActiveAlert[] {
  return rule.alerts.filter((alert) => alert.state !== 'inactive');
}

function ruleJson(rule: RuleStatusView, excludeAlerts: boolean): Record<string, unknown> {
  const common = {
    name: rule.name,
    query: rule.query,
    labels: rule.labels,
  };
  const tail = { health: rule.health, lastError: rule.lastError, type: rule.kind, lastEvaluation: goTime(rule.lastEvaluationMs), evaluationTime: rule.evaluationSeconds };
  if (rule.kind === 'recording') return { ...common, ...tail };
  return {
    state: rule.state,
    ...common,
    duration: rule.forSeconds,
    keepFiringFor: rule.keepFiringForSeconds,
    annotations: rule.annotations,
    ...(excludeAlerts ? {} : { alerts: liveAlerts(rule).map(alertJson) }),
    ...tail,
  };
}

interface RuleFilters {
  readonly type: string;
  readonly state: string;
  readonly health: string;
  readonly names: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
  readonly files: ReadonlySet<string>;
  readonly excludeAlerts: boolean;
}

class BadData extends Error {}

function list(query: Record<string, unknown>, name: string): Set<string> {
  const value = query[`${name}[]`] ?? query[name];
  if (value === undefined) return new Set();
  return new Set(Array.isArray(value) ? value.map(String) : [String(value)]);
}

function filtersFrom(request: FastifyRequest): RuleFilters {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const one = (name: string): string => String(query[name] ?? '').toLowerCase();
  const type = one('type');
  if (type !== '' && type !== 'alert' && type !== 'record') throw new BadData(`unsupported rule type ${JSON.stringify(type)}`);
  const state = one('state');
  if (state !== '' && state !== 'firing' && state !== 'pending' && state !== 'inactive') throw new BadData(`unsupported state value ${JSON.stringify(state)}`);
  const health = one('health');
  if (health !== '' && health !== 'ok' && health !== 'err' && health !== 'unknown') throw new BadData(`unsupported health value ${JSON.stringify(health)}`);
  const exclude = one('exclude_alerts');
  if (exclude !== '' && !['true', 'false', '1', '0', 't', 'f'].includes(exclude)) {
    throw new BadData(`invalid parameter "exclude_alerts": error converting exclude_alerts: strconv.ParseBool: parsing ${JSON.stringify(exclude)}: invalid syntax`);
  }
  return {
    type,
    state,
    health,
    names: list(query, 'rule_name'),
    groups: list(query, 'rule_group'),
    files: list(query, 'file'),
    excludeAlerts: exclude === 'true' || exclude === '1' || exclude === 't',
  };
}

function matches(rule: RuleStatusView, filters: RuleFilters): boolean {
  if (filters.type === 'alert' && rule.kind !== 'alerting') return false;
  if (filters.type === 'record' && rule.kind !== 'recording') return false;
  if (filters.state !== '' && (rule.kind !== 'alerting' || rule.state !== filters.state)) return false;
  if (filters.health !== '' && rule.health !== filters.health) return false;
  if (filters.names.size > 0 && !filters.names.has(rule.name)) return false;
  return true;
}

function groupsJson(groups: readonly GroupStatusView[], filters: RuleFilters): unknown[] {
  const ruleFiltered = filters.type !== '' || filters.state !== '' || filters.health !== '' || filters.names.size > 0;
  const out: unknown[] = [];
  for (const group of groups) {
    if (filters.groups.size > 0 && !filters.groups.has(group.name)) continue;
    if (filters.files.size > 0 && !filters.files.has(group.namespace)) continue;
    const rules = group.rules.filter((rule) => matches(rule, filters));
    if (ruleFiltered && rules.length === 0) continue;
    out.push({
      name: group.name,
      file: group.namespace,
      rules: rules.map((rule) => ruleJson(rule, filters.excludeAlerts)),
      interval: group.intervalSeconds,
      limit: group.limit,
      lastEvaluation: goTime(group.lastEvaluationMs),
      evaluationTime: group.evaluationSeconds,
    });
  }
  return out;
}

export function registerRulesRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const rules = deps.rules;
  if (rules === undefined) return;
  void app.register(async (scope) => {
    // Rule groups arrive as YAML under any content type (cortextool, Grafana, curl): read raw text.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof BadData) return promError(reply, 400, 'bad_data', error.message);
      const status = statusOf(error);
      if (status >= 500) deps.logger.error({ err: error, route: request.routeOptions.url }, 'rules request failed');
      return sendPlainError(reply, status, messageOf(error), true);
    });

    const tenantOf = (request: FastifyRequest): string => singleTenant(request, deps.auth);
    const params = (request: FastifyRequest): { namespace?: string; group?: string } => request.params as { namespace?: string; group?: string };

    for (const prefix of CONFIG_PREFIXES) {
      scope.get(prefix, async (request, reply) => {
        const found = await rules.listRuleGroups(tenantOf(request));
        if (found.size === 0) return sendPlainError(reply, 404, 'no rule groups found', true);
        return sendYaml(reply, namespacesToPlain(found));
      });
      scope.get(`${prefix}/:namespace`, async (request, reply) => {
        const namespace = params(request).namespace!;
        const found = await rules.listRuleGroups(tenantOf(request), namespace);
        if (found.size === 0) return sendPlainError(reply, 404, 'no rule groups found', true);
        return sendYaml(reply, namespacesToPlain(found));
      });
      scope.get(`${prefix}/:namespace/:group`, async (request, reply) => {
        const { namespace, group } = params(request);
        return sendYaml(reply, await rules.getRuleGroup(tenantOf(request), namespace!, group!));
      });
      scope.post(`${prefix}/:namespace`, async (request, reply) => {
        const body = typeof request.body === 'string' ? request.body : '';
        await rules.setRuleGroup(tenantOf(request), params(request).namespace!, body);
        return accepted(reply);
      });
      scope.delete(`${prefix}/:namespace`, async (request, reply) => {
        await rules.deleteNamespace(tenantOf(request), params(request).namespace!);
        return accepted(reply);
      });
      scope.delete(`${prefix}/:namespace/:group`, async (request, reply) => {
        const { namespace, group } = params(request);
        await rules.deleteRuleGroup(tenantOf(request), namespace!, group!);
        return accepted(reply);
      });
    }

    for (const prefix of PROM_PREFIXES) {
      scope.get(`${prefix}/rules`, async (request, reply) => {
        const tenant = tenantOf(request);
        const filters = filtersFrom(request);
        const groups = groupsJson(await rules.groupStatus(tenant), filters);
        return reply.code(200).header('content-type', 'application/json').send(JSON.stringify({ status: 'success', data: { groups } }));
      });
      scope.get(`${prefix}/alerts`, async (request, reply) => {
        const tenant = tenantOf(request);
        const alerts: unknown[] = [];
        for (const group of await rules.groupStatus(tenant)) {
          for (const rule of group.rules) if (rule.kind === 'alerting') alerts.push(...liveAlerts(rule).map(alertJson));
        }
        return reply.code(200).header('content-type', 'application/json').send(JSON.stringify({ status: 'success', data: { alerts } }));
      });
    }
  });
}
