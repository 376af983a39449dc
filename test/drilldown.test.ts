// Grafana Logs Drilldown against a real Norn node: the calls its data source makes (landing-page
// volume, a service's labels, fields and patterns tabs, the level histogram, a field's values,
// a filter built from a categorized answer), replayed over HTTP as Grafana sends them (RFC 3339
// times), with Loki's answer shapes asserted field by field.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNorn } from './helpers/norn.js';

let norn: Awaited<ReturnType<typeof startTestNorn>>;
const baseMs = Date.now() - 120_000;
const ns = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();

const batchLines: [number, string][] = [];
for (let i = 0; i < 12; i++) {
  const status = i % 4 === 0 ? 500 : 200;
  const level = status === 500 ? 'error' : 'info';
  batchLines.push([baseMs + i * 1000, `level=${level} msg="request done" status=${status} duration=${10 + i}ms path=/api/v${i % 2}`]);
}
const jsonLines: [number, string][] = [
  [baseMs + 500, '{"level":"warn","user":{"id":"u1","plan":"pro"},"latency_ms":12.5,"ok":true}'],
  [baseMs + 1500, '{"level":"warn","user":{"id":"u2","plan":"free"},"latency_ms":7.25,"ok":false}'],
];

async function push(streams: unknown): Promise<void> {
  const response = await fetch(`${norn.address}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams }),
  });
  expect(response.status, await response.text()).toBe(204);
}

/** A GET with Grafana's RFC 3339 range over the pushed data. */
async function get(path: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<any> {
  const url = new URL(path, norn.address);
  url.searchParams.set('start', new Date(baseMs - 60_000).toISOString());
  url.searchParams.set('end', new Date(Date.now() + 1_000).toISOString());
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const response = await fetch(url, { headers });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text);
}

beforeAll(async () => {
  // Loki's defaults for discovery, which the test helper turns off for older tests.
  const { DEFAULT_LIMITS } = await import('../core/limits.js');
  norn = await startTestNorn({ limits: { discoverServiceName: DEFAULT_LIMITS.discoverServiceName, discoverLogLevels: true } });
  await push([
    // No service_name: discovered from `job`; the level comes from each logfmt line.
    { stream: { job: 'batch', cluster: 'eu' }, values: batchLines.map(([ms, line]) => [ns(ms), line]) },
    { stream: { app: 'web', pod: 'web-1' }, values: jsonLines.map(([ms, line]) => [ns(ms), line, { trace_id: 't-' + ms }]) },
    // Neither a source label nor a level: unknown_service, level unknown.
    { stream: { host: 'h1' }, values: [[ns(baseMs + 100), 'plain text without markers']] },
  ]);
});
afterAll(async () => {
  await norn?.stop();
});

describe('Logs Drilldown calls', () => {
  it('landing page: index/volume by service_name counts every service, discovered ones included', async () => {
    const body = await get('/loki/api/v1/index/volume', { query: '{service_name=~".+"}', limit: '5000' });
    expect(body.status).toBe('success');
    expect(body.data.resultType).toBe('vector');
    const byService = Object.fromEntries(body.data.result.map((r: any) => [r.metric.service_name, Number(r.value[1])]));
    expect(Object.keys(byService).sort()).toEqual(['batch', 'unknown_service', 'web']);
    const batchBytes = batchLines.reduce((sum, [, line]) => sum + Buffer.byteLength(line), 0);
    expect(byService.batch).toBeGreaterThanOrEqual(batchBytes);
    for (const r of body.data.result) {
      expect(Object.keys(r.metric)).toEqual(['service_name']);
      expect(typeof r.value[0]).toBe('number');
      expect(typeof r.value[1]).toBe('string');
    }
  });

  it("a service's labels tab: detected_labels with cardinality", async () => {
    const body = await get('/loki/api/v1/detected_labels', { query: '{service_name="batch"}' });
    expect(body).toEqual({
      detectedLabels: [
        { label: 'cluster', cardinality: 1 },
        { label: 'job', cardinality: 1 },
        { label: 'service_name', cardinality: 1 },
      ],
    });
    const all = await get('/loki/api/v1/detected_labels', { query: '' });
    expect(all.detectedLabels.find((l: any) => l.label === 'service_name')).toEqual({ label: 'service_name', cardinality: 3 });
  });

  it("a service's fields tab: detected_fields with types, parsers and jsonPath", async () => {
    const body = await get('/loki/api/v1/detected_fields', { query: '{service_name="batch"}' });
    expect(body.limit).toBe(1000);
    const fields = Object.fromEntries(body.fields.map((f: any) => [f.label, f]));
    expect(fields.detected_level).toEqual({ label: 'detected_level', type: 'string', cardinality: 2, parsers: null });
    expect(fields.status).toEqual({ label: 'status', type: 'int', cardinality: 2, parsers: ['logfmt'] });
    expect(fields.duration).toEqual({ label: 'duration', type: 'duration', cardinality: 12, parsers: ['logfmt'] });
    expect(fields.path).toEqual({ label: 'path', type: 'string', cardinality: 2, parsers: ['logfmt'] });
    expect(fields.msg).toMatchObject({ type: 'string', cardinality: 1 });

    const web = await get('/loki/api/v1/detected_fields', { query: '{service_name="web"}' });
    const webFields = Object.fromEntries(web.fields.map((f: any) => [f.label, f]));
    expect(webFields.user_id).toEqual({ label: 'user_id', type: 'string', cardinality: 2, parsers: ['json'], jsonPath: ['user', 'id'] });
    expect(webFields.latency_ms).toEqual({ label: 'latency_ms', type: 'float', cardinality: 2, parsers: ['json'], jsonPath: ['latency_ms'] });
    expect(webFields.ok).toEqual({ label: 'ok', type: 'boolean', cardinality: 2, parsers: ['json'], jsonPath: ['ok'] });
    expect(webFields.trace_id).toEqual({ label: 'trace_id', type: 'string', cardinality: 2, parsers: null });
    expect(webFields.detected_level).toEqual({ label: 'detected_level', type: 'string', cardinality: 1, parsers: null });
  });

  it("a field's values: detected_field/NAME/values", async () => {
    const body = await get('/loki/api/v1/detected_field/status/values', { query: '{service_name="batch"}' });
    expect(body).toEqual({ values: ['200', '500'], limit: 1000 });
    const levels = await get('/loki/api/v1/detected_field/detected_level/values', { query: '{service_name=~".+"}' });
    expect(levels.values).toEqual(['error', 'info', 'unknown', 'warn']);
  });

  it('the patterns tab: patterns with per-step counts', async () => {
    const body = await get('/loki/api/v1/patterns', { query: '{service_name="batch"}', step: '1m' });
    expect(body.status).toBe('success');
    expect(body.data.length).toBeGreaterThanOrEqual(1);
    const total = body.data.reduce((sum: number, p: any) => sum + p.samples.reduce((s: number, [, c]: number[]) => s + c!, 0), 0);
    expect(total).toBe(batchLines.length);
    for (const pattern of body.data) {
      expect(typeof pattern.pattern).toBe('string');
      expect(pattern.pattern).toContain('<_>');
      for (const [t, count] of pattern.samples) {
        expect(Number.isInteger(t)).toBe(true);
        expect(t % 60).toBe(0);
        expect(count).toBeGreaterThan(0);
      }
    }
    // A pattern is a valid line filter that matches the lines it came from.
    const top = body.data[0].pattern as string;
    const matched = await get('/loki/api/v1/query_range', { query: `{service_name="batch"} |> ${JSON.stringify(top)}`, limit: '1000' });
    const count = matched.data.result.reduce((sum: number, s: any) => sum + s.values.length, 0);
    const topCount = body.data[0].samples.reduce((s: number, [, c]: number[]) => s + c!, 0);
    expect(count).toBeGreaterThanOrEqual(topCount);
  });

  it('the level histogram: sum by (detected_level) (count_over_time(...))', async () => {
    const body = await get('/loki/api/v1/query_range', {
      query: 'sum by (detected_level) (count_over_time({service_name="batch"} | drop __error__ [1m]))',
      step: '60',
    });
    expect(body.data.resultType).toBe('matrix');
    const totals = Object.fromEntries(
      body.data.result.map((s: any) => [s.metric.detected_level, s.values.reduce((sum: number, [, v]: [number, string]) => sum + Number(v), 0)]),
    );
    // Each entry counts once per minute window it falls in; windows of 1m over steps of 1m do not overlap.
    expect(totals).toEqual({ error: 3, info: 9 });
  });

  it('volume over time: index/volume_range with real figures', async () => {
    const body = await get('/loki/api/v1/index/volume_range', { query: '{service_name=~".+"}', step: '60' });
    expect(body.data.resultType).toBe('matrix');
    const batch = body.data.result.find((s: any) => s.metric.service_name === 'batch');
    const bytes = batch.values.reduce((sum: number, [, v]: [number, string]) => sum + Number(v), 0);
    expect(bytes).toBe(batchLines.reduce((sum, [, line]) => sum + Buffer.byteLength(line), 0));
  });

  it('a filter on a parsed field, built from a categorized answer', async () => {
    const flags = { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' };
    const body = await get('/loki/api/v1/query_range', { query: '{service_name="batch"} | logfmt', limit: '1000' }, flags);
    expect(body.data.encodingFlags).toEqual(['categorize-labels']);
    expect(body.data.result).toHaveLength(1);
    expect(body.data.result[0].stream).toEqual({ cluster: 'eu', job: 'batch', service_name: 'batch' });
    const entry = body.data.result[0].values.find((v: any) => v[1].includes('status=500'));
    expect(entry[2]).toEqual({
      structuredMetadata: { detected_level: 'error' },
      parsed: { duration: entry[2].parsed.duration, level: 'error', msg: 'request done', path: entry[2].parsed.path, status: '500' },
    });
    // Grafana builds `| status="500"` after the parser, never a stream matcher, from `parsed`.
    const filtered = await get('/loki/api/v1/query_range', { query: '{service_name="batch"} | logfmt | status="500"', limit: '1000' }, flags);
    expect(filtered.data.result[0].values).toHaveLength(3);

    // Tail is categorized the same way: checked in the tail route's own tests.
  });

  it('drilldown-limits: the tenant limits Drilldown reads', async () => {
    const body = await get('/loki/api/v1/drilldown-limits', {});
    expect(body.pattern_ingester_enabled).toBe(true);
    expect(typeof body.version).toBe('string');
    expect(body.limits.discover_log_levels).toBe(true);
    expect(body.limits.discover_service_name).toContain('job');
    expect(body.limits.log_level_fields).toContain('level');
    expect(body.limits.max_query_length).toBe('30d1h');
    expect(body.limits.otlp_config.ResourceAttributes.IgnoreDefaults).toBe(false);
  });
});
