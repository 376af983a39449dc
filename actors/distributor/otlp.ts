// OTLP logs -> Loki streams, as Loki 3 maps them. Resource attributes on the index list become
// stream labels; every other resource, scope and log attribute, and the record's own fields
// (trace and span ids, severity, flags, observed time), become structured metadata; the body
// is the line. Attribute names are normalized to label names (`k8s.pod.name` -> `k8s_pod_name`),
// maps flatten with `_`, and a tenant's `otlp_config` decides what is indexed, kept or dropped.

import { DEFAULT_OTLP_INDEX_LABELS, type LimitsConfig, type OtlpAction, type OtlpAttributesConfig, type OtlpConfig } from '../../core/limits.js';
import { sortLabels, type Entry, type Label } from '../../core/model.js';
import type { PushStreamInput } from './api.js';
import { OTLP_SEVERITY_NUMBER, SERVICE_NAME_LABEL, UNKNOWN_SERVICE } from './discovery.js';
import type { OtlpLogRecord, OtlpLogsRequest, OtlpValue } from './otlp-api.js';

/** Prometheus' `NormalizeLabel`: invalid characters become `_`; a leading digit or lone `_` gets `key`. */
export function normalizeLabelName(name: string): string {
  if (name === '') return name;
  let out = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(out)) out = 'key_' + out;
  else if (out.startsWith('_') && !out.startsWith('__')) out = 'key' + out;
  return out;
}

/** pdata's `Value.AsString`: strings as they are, other scalars in their text form, the rest as JSON. */
export function valueAsString(value: OtlpValue): string {
  if ('string' in value) return value.string;
  if ('bool' in value) return value.bool ? 'true' : 'false';
  if ('int' in value) return value.int.toString();
  if ('double' in value) return doubleAsString(value.double);
  if ('bytes' in value) return Buffer.from(value.bytes).toString('base64');
  if ('empty' in value) return '';
  return rawJson(value);
}

function doubleAsString(value: number): string {
  if (!Number.isFinite(value)) return `json: unsupported value: ${Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'}`;
  // ES6 number formatting, which pdata follows for doubles.
  return String(value);
}

function rawJson(value: OtlpValue): string {
  return JSON.stringify(toRaw(value));
}

/** The value as plain JSON data; maps' keys sorted, as Go's encoder writes them. */
function toRaw(value: OtlpValue): unknown {
  if ('string' in value) return value.string;
  if ('bool' in value) return value.bool;
  if ('int' in value) return rawInt(value.int);
  if ('double' in value) return Number.isFinite(value.double) ? value.double : null;
  if ('bytes' in value) return Buffer.from(value.bytes).toString('base64');
  if ('array' in value) return value.array.map(toRaw);
  if ('kvlist' in value) {
    const record: Record<string, unknown> = {};
    for (const kv of [...value.kvlist].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) record[kv.key] = toRaw(kv.value);
    return record;
  }
  return null;
}

/** Integers beyond a double's exact range keep their digits, written as a string. */
function rawInt(int: bigint): unknown {
  const number = Number(int);
  return Number.isSafeInteger(number) ? number : int.toString();
}

/** Labels for one attribute: a map flattens into `prefix_key` pairs, anything else is one pair. */
function attributeToLabels(key: string, value: OtlpValue, prefix: string, out: Label[]): void {
  const name = normalizeLabelName(prefix === '' ? key : `${prefix}_${key}`);
  if ('kvlist' in value) {
    for (const kv of value.kvlist) attributeToLabels(kv.key, kv.value, name, out);
    return;
  }
  out.push({ name, value: valueAsString(value) });
}

/** One `otlp_config` list, compiled: the first rule that names or matches an attribute decides. */
class ActionRules {
  private readonly rules: { action: OtlpAction; names?: Set<string>; regex?: RegExp }[];

  constructor(rules: readonly OtlpAttributesConfig[]) {
    this.rules = rules.map((rule) => ({
      action: rule.action,
      names: rule.attributes !== undefined ? new Set(rule.attributes) : undefined,
      // Prometheus' relabel regexes are anchored at both ends.
      regex: rule.regex !== undefined ? new RegExp(`^(?:${rule.regex})$`) : undefined,
    }));
  }

  actionFor(attribute: string): OtlpAction {
    for (const rule of this.rules) {
      if (rule.regex?.test(attribute) === true || rule.names?.has(attribute) === true) return rule.action;
    }
    return 'structured_metadata';
  }
}

interface CompiledOtlpConfig {
  readonly resource: ActionRules;
  readonly scope: ActionRules;
  readonly log: ActionRules;
}

const compiled = new WeakMap<OtlpConfig, CompiledOtlpConfig>();

function compile(config: OtlpConfig): CompiledOtlpConfig {
  let rules = compiled.get(config);
  if (rules === undefined) {
    const resource = config.resourceAttributes.ignoreDefaults
      ? config.resourceAttributes.attributesConfig
      : [{ action: 'index_label' as const, attributes: DEFAULT_OTLP_INDEX_LABELS }, ...config.resourceAttributes.attributesConfig];
    rules = { resource: new ActionRules(resource), scope: new ActionRules(config.scopeAttributes), log: new ActionRules(config.logAttributes) };
    compiled.set(config, rules);
  }
  return rules;
}

/** Checks an `otlp_config` as Loki does when it loads one; returns the problem, or undefined. */
export function otlpConfigProblem(config: OtlpConfig): string | undefined {
  const lists: [string, readonly OtlpAttributesConfig[]][] = [
    ['resource_attributes', config.resourceAttributes.attributesConfig],
    ['scope_attributes', config.scopeAttributes],
    ['log_attributes', config.logAttributes],
  ];
  for (const [where, rules] of lists) {
    for (const rule of rules) {
      if (!['index_label', 'structured_metadata', 'drop'].includes(rule.action)) {
        return 'unsupported action, it must be one of: drop, index_label, structured_metadata';
      }
      const hasNames = rule.attributes !== undefined && rule.attributes.length > 0;
      if (!hasNames && rule.regex === undefined) return 'attributes or regex must be set';
      if (hasNames && rule.regex !== undefined) return 'only one of attributes or regex must be set';
      if (rule.action === 'index_label' && where !== 'resource_attributes') return 'index_label action is only supported for resource_attributes';
      if (rule.regex !== undefined) {
        try {
          new RegExp(rule.regex);
        } catch (error) {
          return `invalid regex ${JSON.stringify(rule.regex)}: ${(error as Error).message}`;
        }
      }
    }
  }
  return undefined;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function recordToEntry(record: OtlpLogRecord, rules: CompiledOtlpConfig, nowNs: bigint): { entry: Entry; metadata: Label[] } {
  const metadata: Label[] = [];
  for (const kv of record.attributes) {
    if (rules.log.actionFor(kv.key) === 'structured_metadata') attributeToLabels(kv.key, kv.value, '', metadata);
  }
  // Without its own timestamp the record takes the observed one, which is then not repeated.
  if (record.timeUnixNano !== 0n && record.observedTimeUnixNano !== 0n) {
    metadata.push({ name: 'observed_timestamp', value: record.observedTimeUnixNano.toString() });
  }
  if (record.severityNumber !== 0) metadata.push({ name: OTLP_SEVERITY_NUMBER, value: String(record.severityNumber) });
  if (record.severityText !== '') metadata.push({ name: 'severity_text', value: record.severityText });
  if (record.droppedAttributesCount !== 0) metadata.push({ name: 'dropped_attributes_count', value: String(record.droppedAttributesCount) });
  if (record.flags !== 0) metadata.push({ name: 'flags', value: String(record.flags) });
  if (record.traceId.length > 0 && record.traceId.some((byte) => byte !== 0)) metadata.push({ name: 'trace_id', value: hex(record.traceId) });
  if (record.spanId.length > 0 && record.spanId.some((byte) => byte !== 0)) metadata.push({ name: 'span_id', value: hex(record.spanId) });
  const ts = record.timeUnixNano !== 0n ? record.timeUnixNano : record.observedTimeUnixNano !== 0n ? record.observedTimeUnixNano : nowNs;
  return { entry: { ts, line: valueAsString(record.body) }, metadata };
}

/** Metadata names are label names: duplicates keep the first value (log attributes before resource's). */
function dedupe(metadata: Label[]): Label[] {
  const seen = new Set<string>();
  const out: Label[] = [];
  for (const label of metadata) {
    if (seen.has(label.name)) continue;
    seen.add(label.name);
    out.push(label);
  }
  return out;
}

/**
 * The streams an OTLP export request carries, one per distinct set of index labels. Discovery
 * of `service_name` happens here, as in Loki, from the indexed attributes only.
 */
export function otlpToStreams(request: OtlpLogsRequest, limits: LimitsConfig, nowNs: bigint): PushStreamInput[] {
  const rules = compile(limits.otlpConfig);
  const discover = limits.discoverServiceName;
  const streams = new Map<string, { labels: Record<string, string>; entries: Entry[] }>();
  for (const resourceLogs of request.resourceLogs) {
    const labels: Record<string, string> = {};
    const resourceMetadata: Label[] = [];
    const attributes = resourceLogs.resource.attributes;
    let hasServiceName = attributes.some((kv) => kv.key === 'service.name' && valueAsString(kv.value) !== '');
    for (const kv of attributes) {
      const action = rules.resource.actionFor(kv.key);
      if (action === 'drop') continue;
      const pairs: Label[] = [];
      attributeToLabels(kv.key, kv.value, '', pairs);
      if (action === 'structured_metadata') {
        resourceMetadata.push(...pairs);
        continue;
      }
      for (const pair of pairs) {
        labels[pair.name] = pair.value;
        if (!hasServiceName && discover.includes(pair.name)) {
          labels[SERVICE_NAME_LABEL] = pair.value;
          hasServiceName = true;
        }
      }
    }
    if (!hasServiceName && discover.length > 0) labels[SERVICE_NAME_LABEL] = UNKNOWN_SERVICE;
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let stream = streams.get(key);
    if (stream === undefined) streams.set(key, (stream = { labels, entries: [] }));

    for (const scopeLogs of resourceLogs.scopeLogs) {
      const scope = scopeLogs.scope;
      const scopeMetadata: Label[] = [];
      for (const kv of scope.attributes) {
        if (rules.scope.actionFor(kv.key) === 'structured_metadata') attributeToLabels(kv.key, kv.value, '', scopeMetadata);
      }
      if (scope.name !== '') scopeMetadata.push({ name: 'scope_name', value: scope.name });
      if (scope.version !== '') scopeMetadata.push({ name: 'scope_version', value: scope.version });
      if (scope.droppedAttributesCount !== 0) {
        scopeMetadata.push({ name: 'scope_dropped_attributes_count', value: String(scope.droppedAttributesCount) });
      }
      for (const record of scopeLogs.logRecords) {
        const { entry, metadata } = recordToEntry(record, rules, nowNs);
        const all = dedupe([...metadata, ...resourceMetadata, ...scopeMetadata]);
        stream.entries.push(all.length > 0 ? { ...entry, metadata: sortLabels(all) } : entry);
      }
    }
  }
  return [...streams.values()].map(({ labels, entries }) => ({ labels, entries }));
}
