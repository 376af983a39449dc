// The write path's limits and validation as a hostile or careless client meets them: text that
// is not well formed, structured metadata that tries to slip past the limits, the stream limit's
// status, 0 meaning "no limit", and the opt-in for reads across tenants.

import { afterEach, describe, expect, it } from 'vitest';
import type { RunningNorn } from '../app/norn.js';
import { LokiClient, nowNs } from './helpers/loki-client.js';
import { startTestNorn, tempDir } from './helpers/norn.js';

const running: RunningNorn[] = [];
afterEach(async () => {
  for (const norn of running.splice(0)) await norn.stop();
});

async function start(overrides: Parameters<typeof startTestNorn>[0] = {}): Promise<RunningNorn> {
  // Without ingest discovery, streams and metadata are exactly what the test pushed.
  const norn = await startTestNorn({ ...overrides, limits: { discoverServiceName: [], discoverLogLevels: false, ...overrides.limits } });
  running.push(norn);
  return norn;
}

function pushBody(streams: Array<{ stream: Record<string, string>; values: unknown[][] }>): string {
  return JSON.stringify({ streams });
}

describe('hardening the write path', () => {
  it('a lone UTF-16 surrogate becomes one U+FFFD at ingest: memory, store and restart agree', async () => {
    const dataDir = tempDir();
    const ts = String(nowNs());
    // JSON.stringify keeps the lone surrogate as the escape `\ud800`, as a JS shipper sends it.
    const body = pushBody([{ stream: { app: 'utf16', ['k']: 'v\ud800' }, values: [[ts, 'bad \ud800 x']] }]);
    expect(body).toContain('\\ud800');
    let norn = await start({ storage: { dataDir } });
    const response = await new LokiClient(norn.address).pushRaw(body);
    expect(response.status).toBe(204);
    const flushed = await fetch(`${norn.address}/flush`, { method: 'POST' });
    expect(flushed.status).toBe(204);
    // The flushed chunk is still in memory (retain_flushed) and in the store: one line, not two.
    const result = await new LokiClient(norn.address).queryRange('{app="utf16"}');
    expect(result.data.result).toEqual([{ stream: { app: 'utf16', k: 'v\uFFFD' }, values: [[ts, 'bad \uFFFD x']] }]);
    await norn.stop();
    running.splice(running.indexOf(norn), 1);

    norn = await start({ storage: { dataDir } });
    expect(await new LokiClient(norn.address).lines('{app="utf16"}')).toEqual(['bad \uFFFD x']);
  });

  it('caps structured metadata per entry as Loki: too many pairs and too many bytes are 400', async () => {
    const norn = await start();
    const loki = new LokiClient(norn.address);
    const many: Record<string, string> = {};
    for (let i = 0; i < 200; i++) many[`k${i}`] = 'v';
    const tooMany = await loki.pushRaw(pushBody([{ stream: { app: 'meta' }, values: [[String(nowNs()), 'x', many]] }]));
    expect(tooMany.status).toBe(400);
    expect(await tooMany.text()).toBe(
      "stream '{app=\"meta\"}' has too many structured metadata labels: '200', limit: '128'. Please see `limits_config.max_structured_metadata_entries_count` or contact your Loki administrator to increase it.\n",
    );
    const big = await loki.pushRaw(pushBody([{ stream: { app: 'meta' }, values: [[String(nowNs()), 'x', { blob: 'y'.repeat(70_000) }]] }]));
    expect(big.status).toBe(400);
    expect(await big.text()).toContain("has structured metadata too large: '70004' bytes, limit: '65536' bytes.");
    expect(await loki.lines('{app="meta"}')).toEqual([]);
  });

  it('counts structured metadata against the ingestion rate', async () => {
    const norn = await start({ limits: { ingestionRateBytes: 1_000, ingestionBurstBytes: 1_000 } });
    const loki = new LokiClient(norn.address);
    const response = await loki.pushRaw(pushBody([{ stream: { app: 'rate' }, values: [[String(nowNs()), 'x', { blob: 'y'.repeat(5_000) }]] }]));
    expect(response.status).toBe(429);
    expect(await response.text()).toMatch(/^Ingestion rate limit exceeded for user fake/);
  });

  it('answers the stream limit with 429 and the stream, as Loki (clients retry); 0 is no limit', async () => {
    const limited = await start({ limits: { maxStreamsPerTenant: 1 } });
    const loki = new LokiClient(limited.address);
    await loki.push([{ stream: { app: 'a' }, values: [[String(nowNs()), 'one']] }]);
    const second = await loki.pushRaw(pushBody([{ stream: { app: 'b' }, values: [[String(nowNs()), 'two']] }]));
    expect(second.status).toBe(429);
    expect(await second.text()).toBe(
      "Maximum active stream limit exceeded when trying to create stream {app=\"b\"}, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: 'fake'\n",
    );

    const unlimited = await start({ limits: { maxStreamsPerTenant: 0, maxEntriesLimitPerQuery: 0 } });
    const open = new LokiClient(unlimited.address);
    await open.push(Array.from({ length: 20 }, (_, i) => ({ stream: { app: `s${i}` }, values: [[String(nowNs()), `line ${i}`] as [string, string]] })));
    const all = await open.queryRange('{app=~"s.*"}', { limit: '100000' });
    expect(all.data.result.length).toBe(20);
  });

  it("holds each tenant's metric queries to its own max_query_series, through the frontend's pieces too", async () => {
    const norn = await start({ limits: { maxQuerySeries: 600, maxStreamsPerTenant: 0 } });
    const client = new LokiClient(norn.address);
    const ts = String(nowNs() - 30_000_000_000n);
    await client.push(Array.from({ length: 550 }, (_, i) => ({ stream: { app: 'wide', n: String(i) }, values: [[ts, `line ${i}`] as [string, string]] })));
    // More than the engine's default of 500, fewer than the tenant's 600: every piece answers.
    const wide = await client.get('/loki/api/v1/query', { query: 'count_over_time({app="wide"}[5m])' });
    expect(wide.status).toBe(200);
    expect(((await wide.json()) as { data: { result: unknown[] } }).data.result.length).toBe(550);

    const narrow = await start({ limits: { maxQuerySeries: 100, maxStreamsPerTenant: 0 } });
    const small = new LokiClient(narrow.address);
    await small.push(Array.from({ length: 150 }, (_, i) => ({ stream: { app: 'wide', n: String(i) }, values: [[ts, `line ${i}`] as [string, string]] })));
    const refused = await small.get('/loki/api/v1/query', { query: 'count_over_time({app="wide"}[5m])' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('maximum of series (100) reached for a single query');
  });

  it('reads across tenants only with multi_tenant_queries_enabled, as Loki', async () => {
    const closed = await start({ auth: true });
    const refused = await new LokiClient(closed.address, 'a|b').get('/loki/api/v1/query_range', { query: '{app="x"}', since: '1h' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('multiple org IDs present');

    const openNorn = await start({ auth: true, querier: { multiTenantQueriesEnabled: true } });
    await new LokiClient(openNorn.address, 'a').push([{ stream: { app: 'x' }, values: [[String(nowNs()), 'from a']] }]);
    await new LokiClient(openNorn.address, 'b').push([{ stream: { app: 'x' }, values: [[String(nowNs()), 'from b']] }]);
    expect((await new LokiClient(openNorn.address, 'a|b').lines('{app="x"}')).sort()).toEqual(['from a', 'from b']);
  });
});

describe('hostile queries', () => {
  it('deep nesting answers 400, not 500 "Maximum call stack size exceeded", and the node keeps serving', async () => {
    const norn = await start();
    for (const query of ['('.repeat(20_000) + '{app="x"}' + ')'.repeat(20_000), 'sum('.repeat(5_000) + 'count_over_time({app="x"}[1m])' + ')'.repeat(5_000)]) {
      // Too long for a URL: sent as a form body, as Grafana does for long queries.
      const response = await fetch(`${norn.address}/loki/api/v1/query_range`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query, since: '1h' }).toString(),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).not.toContain('Maximum call stack size exceeded');
    }
    expect((await fetch(`${norn.address}/ready`)).status).toBe(200);
  });
});
