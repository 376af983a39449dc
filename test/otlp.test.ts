// OTLP ingest end to end: the OpenTelemetry JS logs SDK with its OTLP/HTTP exporters (JSON and
// protobuf) pushes to a real Norn node, and the logs are read back through Loki's API by the
// labels and structured metadata Loki 3 would have given them.

import { gzipSync } from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as HttpJsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as HttpProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOtlpLogsProto } from '../gateway/otlp/proto.js';
import { startTestNorn } from './helpers/norn.js';

let norn: Awaited<ReturnType<typeof startTestNorn>>;

beforeAll(async () => {
  norn = await startTestNorn({
    auth: true,
    limits: {
      discoverServiceName: (await import('../core/limits.js')).DEFAULT_LIMITS.discoverServiceName,
      discoverLogLevels: true,
      overrides: {
        // A tenant that indexes `team` and drops `secret`, with discovery off.
        custom: {
          ...(await import('../core/limits.js')).DEFAULT_LIMITS,
          discoverLogLevels: false,
          otlpConfig: {
            resourceAttributes: { ignoreDefaults: false, attributesConfig: [{ action: 'index_label', attributes: ['team'] }] },
            scopeAttributes: [],
            logAttributes: [{ action: 'drop', regex: 'secret.*' }],
          },
        },
      },
    },
  });
});
afterAll(async () => {
  await norn?.stop();
});

async function exportWith(exporter: LogRecordExporter, resource: Record<string, string>, emit: (logger: ReturnType<LoggerProvider['getLogger']>) => void): Promise<void> {
  const provider = new LoggerProvider({ resource: resourceFromAttributes(resource), processors: [new SimpleLogRecordProcessor({ exporter })] });
  emit(provider.getLogger('checkout-logger', '1.2.3'));
  await provider.forceFlush();
  await provider.shutdown();
}

async function queryRange(tenant: string, query: string, categorize = true): Promise<any> {
  const url = new URL('/loki/api/v1/query_range', norn.address);
  url.searchParams.set('query', query);
  url.searchParams.set('start', String(BigInt(Date.now() - 3_600_000) * 1_000_000n));
  url.searchParams.set('end', String(BigInt(Date.now() + 60_000) * 1_000_000n));
  url.searchParams.set('direction', 'forward');
  const headers: Record<string, string> = { 'X-Scope-OrgID': tenant };
  if (categorize) headers['X-Loki-Response-Encoding-Flags'] = 'categorize-labels';
  const response = await fetch(url, { headers });
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

describe('OTLP/HTTP from the OpenTelemetry SDK', () => {
  it('JSON exporter: resource attributes on the default list become labels, the rest metadata', async () => {
    const exporter = new HttpJsonExporter({ url: `${norn.address}/otlp/v1/logs`, headers: { 'X-Scope-OrgID': 'otel' } });
    await exportWith(exporter, { 'service.name': 'checkout', 'k8s.namespace.name': 'shop', 'host.name': 'node-7' }, (logger) => {
      const now = Date.now();
      logger.emit({
        timestamp: now - 5,
        body: 'order placed',
        severityNumber: SeverityNumber.INFO,
        severityText: 'INFO',
        attributes: { 'order.id': 'o-17', 'http.status_code': 201 },
        context: undefined,
      });
      logger.emit({ timestamp: now, body: 'payment failed', severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', attributes: { 'order.id': 'o-18' } });
    });

    const body = await queryRange('otel', '{service_name="checkout"}');
    expect(body.data.encodingFlags).toEqual(['categorize-labels']);
    expect(body.data.result).toHaveLength(1);
    const stream = body.data.result[0];
    expect(stream.stream).toEqual({ service_name: 'checkout', k8s_namespace_name: 'shop' });
    expect(stream.values.map((value: unknown[]) => value[1])).toEqual(['order placed', 'payment failed']);
    const first = stream.values[0][2].structuredMetadata;
    expect(first).toMatchObject({
      host_name: 'node-7',
      order_id: 'o-17',
      http_status_code: '201',
      severity_number: '9',
      severity_text: 'INFO',
      scope_name: 'checkout-logger',
      scope_version: '1.2.3',
      detected_level: 'info',
    });
    expect(stream.values[1][2].structuredMetadata.detected_level).toBe('error');

    // Read back by metadata, as Drilldown filters fields.
    const byMetadata = await queryRange('otel', '{service_name="checkout"} | order_id="o-18"');
    expect(byMetadata.data.result[0].values.map((value: unknown[]) => value[1])).toEqual(['payment failed']);
  });

  it('protobuf exporter: trace and span ids as hex metadata, levels from severity', async () => {
    const exporter = new HttpProtoExporter({ url: `${norn.address}/otlp/v1/logs`, headers: { 'X-Scope-OrgID': 'otel' } });
    const { context, trace, TraceFlags } = await import('@opentelemetry/api');
    const spanContext = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED };
    await exportWith(exporter, { 'service.name': 'billing', 'deployment.environment': 'prod', 'cloud.region': 'eu-west-1' }, (logger) => {
      logger.emit({
        body: 'invoice sent',
        severityNumber: SeverityNumber.WARN,
        attributes: { customer: 'acme' },
        context: trace.setSpanContext(context.active(), spanContext),
      });
    });
    const body = await queryRange('otel', '{service_name="billing", deployment_environment="prod"}');
    expect(body.data.result).toHaveLength(1);
    expect(body.data.result[0].stream).toEqual({ service_name: 'billing', deployment_environment: 'prod', cloud_region: 'eu-west-1' });
    const metadata = body.data.result[0].values[0][2].structuredMetadata;
    expect(metadata).toMatchObject({ trace_id: TRACE_ID, span_id: SPAN_ID, flags: '1', customer: 'acme', detected_level: 'warn' });

    const byTrace = await queryRange('otel', `{service_name="billing"} | trace_id="${TRACE_ID}"`, false);
    // Without the flag Loki folds metadata into the stream labels.
    expect(byTrace.data.result[0].stream).toMatchObject({ service_name: 'billing', trace_id: TRACE_ID, customer: 'acme' });
    expect(byTrace.data.result[0].values[0][1]).toBe('invoice sent');
  });
});

describe('OTLP/HTTP by hand: gzip, otlp_config, errors', () => {
  const url = () => `${norn.address}/otlp/v1/logs`;
  const nowNs = () => BigInt(Date.now()) * 1_000_000n;

  it('gzip protobuf body, per-tenant otlp_config indexes, keeps and drops as configured', async () => {
    const body = encodeOtlpLogsProto({ 'service.name': 'api', team: 'core' }, [
      { timeUnixNano: nowNs(), body: 'hello', attributes: { 'secret.token': 'x', keep: 'y' } },
    ]);
    const response = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', 'x-scope-orgid': 'custom' },
      body: gzipSync(body),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await response.arrayBuffer()).byteLength).toBe(0);
    const result = await queryRange('custom', '{team="core"}');
    expect(result.data.result[0].stream).toEqual({ service_name: 'api', team: 'core' });
    // Dropped by the tenant's rule; no detected_level (discovery off for this tenant).
    expect(result.data.result[0].values[0][2]).toEqual({ structuredMetadata: { keep: 'y' } });
  });

  it('JSON body with the timestamp falling back to the observed time', async () => {
    const observed = nowNs();
    const document = {
      resourceLogs: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cron' } }] },
        scopeLogs: [{ logRecords: [{ observedTimeUnixNano: observed.toString(), body: { kvlistValue: { values: [{ key: 'b', value: { intValue: '2' } }, { key: 'a', value: { boolValue: true } }] } } }] }],
      }],
    };
    const response = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-scope-orgid': 'otel' }, body: JSON.stringify(document) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    const result = await queryRange('otel', '{service_name="cron"}');
    expect(result.data.result[0].values[0][0]).toBe(observed.toString());
    expect(result.data.result[0].values[0][1]).toBe('{"a":true,"b":2}');
  });

  it('answers a bad body with 400 and a google.rpc.Status in the request encoding', async () => {
    const json = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-scope-orgid': 'otel' }, body: '{"resourceLogs": 7' });
    expect(json.status).toBe(400);
    const status = (await json.json()) as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/^failed to decode OTLP logs: invalid JSON/);

    const proto = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': 'otel' }, body: Buffer.from([0x0a, 0xff, 0x01]) });
    expect(proto.status).toBe(400);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');

    const type = await fetch(url(), { method: 'POST', headers: { 'content-type': 'text/plain', 'x-scope-orgid': 'otel' }, body: 'x' });
    expect(type.status).toBe(415);
    const noTenant = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noTenant.status).toBe(401);
  });

  it('reports a partial success when some records are refused', async () => {
    const old = BigInt(Date.now() - 30 * 24 * 3_600_000) * 1_000_000n;
    const body = encodeOtlpLogsProto({ 'service.name': 'partial' }, [
      { timeUnixNano: nowNs(), body: 'fresh' },
      { timeUnixNano: old, body: 'too old' },
    ]);
    const document = { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial-json' } }] }, scopeLogs: [{ logRecords: [
      { timeUnixNano: nowNs().toString(), body: { stringValue: 'fresh' } },
      { timeUnixNano: old.toString(), body: { stringValue: 'too old' } },
    ] }] }] };
    const json = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-scope-orgid': 'otel' }, body: JSON.stringify(document) });
    expect(json.status).toBe(200);
    const answer = (await json.json()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedLogRecords).toBe('1');
    expect(answer.partialSuccess.errorMessage).toMatch(/timestamp too old/);

    const proto = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': 'otel' }, body });
    expect(proto.status).toBe(200);
    expect((await proto.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const result = await queryRange('otel', '{service_name="partial"}');
    expect(result.data.result[0].values.map((value: unknown[]) => value[1])).toEqual(['fresh']);

    // Everything refused: a plain 400.
    const allOld = encodeOtlpLogsProto({ 'service.name': 'partial' }, [{ timeUnixNano: old, body: 'too old' }]);
    const refused = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': 'otel' }, body: allOld });
    expect(refused.status).toBe(400);
  });
});
