import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type LimitsConfig } from '../../core/limits.js';
import { normalizeLabelName, otlpConfigProblem, otlpToStreams, valueAsString } from './otlp.js';
import type { OtlpKeyValue, OtlpLogsRequest } from './otlp-api.js';

const kv = (key: string, value: string): OtlpKeyValue => ({ key, value: { string: value } });
const record = (over: Partial<OtlpLogsRequest['resourceLogs'][0]['scopeLogs'][0]['logRecords'][0]> = {}) => ({
  timeUnixNano: 5n, observedTimeUnixNano: 7n, severityNumber: 0, severityText: '', body: { string: 'line' },
  attributes: [], droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), ...over,
});
function request(resource: OtlpKeyValue[], records = [record()]): OtlpLogsRequest {
  return { resourceLogs: [{ resource: { attributes: resource }, scopeLogs: [{ scope: { name: 's', version: '', attributes: [], droppedAttributesCount: 0 }, logRecords: records }] }] };
}

describe('OTLP mapping', () => {
  it('normalizes attribute names as Prometheus does', () => {
    expect(normalizeLabelName('k8s.pod.name')).toBe('k8s_pod_name');
    expect(normalizeLabelName('http-status/code')).toBe('http_status_code');
    expect(normalizeLabelName('2xx')).toBe('key_2xx');
    expect(normalizeLabelName('_private')).toBe('key_private');
    expect(normalizeLabelName('__kept')).toBe('__kept');
  });

  it('writes values as pdata AsString does', () => {
    expect(valueAsString({ int: 12345678901234567890n })).toBe('12345678901234567890');
    expect(valueAsString({ double: 1.5 })).toBe('1.5');
    expect(valueAsString({ bool: false })).toBe('false');
    expect(valueAsString({ bytes: new Uint8Array([1, 2]) })).toBe('AQI=');
    expect(valueAsString({ array: [{ string: 'a' }, { int: 1n }] })).toBe('["a",1]');
    expect(valueAsString({ kvlist: [kv('b', 'x'), kv('a', 'y')] })).toBe('{"a":"y","b":"x"}');
    expect(valueAsString({ empty: true })).toBe('');
  });

  it('indexes the default resource attributes, keeps the rest and the record fields as metadata', () => {
    const streams = otlpToStreams(request([kv('service.name', 'api'), kv('k8s.pod.name', 'p-1'), kv('host.name', 'h')], [
      record({ severityNumber: 9, severityText: 'INFO', attributes: [kv('user.id', 'u')], flags: 1, traceId: new Uint8Array(16).fill(0xab), spanId: new Uint8Array(8).fill(1) }),
    ]), DEFAULT_LIMITS, 99n);
    expect(streams).toHaveLength(1);
    expect(streams[0]!.labels).toEqual({ service_name: 'api', k8s_pod_name: 'p-1' });
    const entry = streams[0]!.entries[0]!;
    expect(entry.ts).toBe(5n);
    expect(Object.fromEntries(entry.metadata!.map((l) => [l.name, l.value]))).toEqual({
      host_name: 'h', user_id: 'u', observed_timestamp: '7', severity_number: '9', severity_text: 'INFO', flags: '1',
      trace_id: 'ab'.repeat(16), span_id: '01'.repeat(8), scope_name: 's',
    });
  });

  it('discovers service_name from indexed attributes, else unknown_service; falls back to observed time, then now', () => {
    const noService = otlpToStreams(request([kv('k8s.container.name', 'c')], [record({ timeUnixNano: 0n })]), DEFAULT_LIMITS, 99n);
    expect(noService[0]!.labels).toEqual({ k8s_container_name: 'c', service_name: 'c' });
    expect(noService[0]!.entries[0]!.ts).toBe(7n);
    expect(noService[0]!.entries[0]!.metadata?.some((l) => l.name === 'observed_timestamp')).toBe(false);
    const none = otlpToStreams(request([kv('host.name', 'h')], [record({ timeUnixNano: 0n, observedTimeUnixNano: 0n })]), DEFAULT_LIMITS, 99n);
    expect(none[0]!.labels).toEqual({ service_name: 'unknown_service' });
    expect(none[0]!.entries[0]!.ts).toBe(99n);
  });

  it('applies otlp_config: extra index labels, ignore_defaults, drops by name and regex', () => {
    const limits: LimitsConfig = {
      ...DEFAULT_LIMITS,
      otlpConfig: {
        resourceAttributes: { ignoreDefaults: true, attributesConfig: [{ action: 'index_label', attributes: ['team'] }, { action: 'drop', regex: 'cloud\\..*' }] },
        scopeAttributes: [],
        logAttributes: [{ action: 'drop', attributes: ['password'] }],
      },
    };
    const streams = otlpToStreams(request([kv('service.name', 'api'), kv('team', 'core'), kv('cloud.region', 'x')], [record({ attributes: [kv('password', 'p'), kv('a', 'b')] })]), limits, 0n);
    // service.name exists (kept as metadata), so no unknown_service is made up, as in Loki.
    expect(streams[0]!.labels).toEqual({ team: 'core' });
    expect(streams[0]!.entries[0]!.metadata!.map((l) => l.name).sort()).toEqual(['a', 'observed_timestamp', 'scope_name', 'service_name']);
  });

  it('refuses otlp_config rules Loki refuses', () => {
    const base = DEFAULT_LIMITS.otlpConfig;
    expect(otlpConfigProblem(base)).toBeUndefined();
    expect(otlpConfigProblem({ ...base, logAttributes: [{ action: 'index_label', attributes: ['a'] }] })).toBe('index_label action is only supported for resource_attributes');
    expect(otlpConfigProblem({ ...base, scopeAttributes: [{ action: 'drop' }] })).toBe('attributes or regex must be set');
    expect(otlpConfigProblem({ ...base, scopeAttributes: [{ action: 'drop', attributes: ['a'], regex: 'b' }] })).toBe('only one of attributes or regex must be set');
  });
});
