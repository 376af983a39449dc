// Queriers as their own role, over real processes: a nats-server, an S3 server, three ingesters,
// a gateway whose query frontend sends its sub-queries to two `--target querier` processes, and
// a reference gateway with the frontend off (every query whole, in its own process). A day of
// acknowledged lines; metric and log queries over the day answer the same through the queriers
// as in the reference; a querier killed with sub-queries in flight costs a retry, not an answer;
// SIGTERM drains a querier, and with none left the gateway answers in its own process.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodingFlags, renderQueryResponse } from '../../gateway/render.js';
import { rangeQueryParams } from '../../gateway/query-params.js';
import type { QueryParams } from '../../logql/types.js';
import { LokiClient, nowNs } from '../helpers/loki-client.js';
import { metricValue, remoteExecutor, startQuerierCluster, type QuerierCluster, type TestRemote } from './querier-cluster.js';

const HOUR_NS = 3_600_000_000_000n;
const MINUTE_NS = 60_000_000_000n;
const STREAMS = [
  { job: 'fe', app: 'api', level: 'info' },
  { job: 'fe', app: 'api', level: 'error' },
  { job: 'fe', app: 'web', level: 'info' },
  { job: 'fe', app: 'web', level: 'error' },
];
/** One line every 90 s per stream: 960 a stream, 3,840 in the day. */
const EVERY_NS = 90_000_000_000n;
const METRIC_QUERIES = ['sum by (level) (count_over_time({job="fe"}[10m]))', 'sum by (app, status) (rate({job="fe"} | logfmt | status >= 500 [30m]))'];
/** More shapes: sharded and not, unwrapped, vector-vector and scalar arithmetic, no grouping. */
const MORE_METRIC_QUERIES = [
  'topk(1, sum by (app) (bytes_over_time({job="fe"}[1h])))',
  'avg by (level) (count_over_time({job="fe"}[20m]))',
  'quantile_over_time(0.9, {job="fe"} | logfmt | unwrap bytes [1h]) by (app)',
  'sum(count_over_time({job="fe", level="error"}[30m])) / sum(count_over_time({job="fe"}[30m])) * 100',
  'max by (app) (max_over_time({job="fe"} | logfmt | unwrap bytes [15m]))',
  'count(sum by (app, level) (rate({job="fe"}[10m])))',
  'count_over_time({job="fe"} |= "status=500" [1h])',
];

let cluster: QuerierCluster;
let remote: TestRemote;
let gateway: LokiClient;
let reference: LokiClient;
const end = (nowNs() / MINUTE_NS) * MINUTE_NS;
const start = end - 24n * HOUR_NS;
let pushed = 0;

beforeAll(async () => {
  cluster = await startQuerierCluster({ ingesters: 3, replicationFactor: 3, queriers: 2, maxConcurrent: 2 });
  gateway = new LokiClient(cluster.gateway.url);
  reference = new LokiClient(cluster.reference.url);
  remote = await remoteExecutor(cluster.nats.url);
  await remote.waitForLive(2);
  // A day of lines, an hour a request, every stream in time order; each push acknowledged (204).
  for (let hour = 0n; hour < 24n; hour++) {
    const streams = STREAMS.map((labels, s) => {
      const values: Array<[string, string]> = [];
      for (let ts = start + hour * HOUR_NS + BigInt(s) * 1_000_000_000n; ts < start + (hour + 1n) * HOUR_NS; ts += EVERY_NS) {
        values.push([String(ts), `level=${labels.level} app=${labels.app} status=${ts % 7n === 0n ? 500 : 200} bytes=${Number(ts % 1000n)} n=${pushed++}`]);
      }
      return { stream: labels, values };
    });
    await gateway.push(streams);
  }
}, 120_000);

afterAll(async () => {
  await remote?.close();
  await cluster?.stop();
});

function range(query: string, extra: Record<string, string> = {}): { search: Record<string, string>; params: QueryParams } {
  const search = { query, start: String(start), end: String(end), limit: '5000', ...extra };
  return { search, params: rangeQueryParams('fake', new URLSearchParams(search), end) };
}

/** `data.resultType` and `data.result` of an answer (stats carry timings, which differ). */
function resultOf(json: string): unknown {
  const { data } = JSON.parse(json) as { data: { resultType: string; result: unknown } };
  return { resultType: data.resultType, result: data.result };
}

async function ask(client: LokiClient, search: Record<string, string>): Promise<unknown> {
  const response = await client.get('/loki/api/v1/query_range', search);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${client.baseUrl} answered ${response.status}: ${text}`);
  return resultOf(text);
}

async function askInstant(client: LokiClient, search: Record<string, string>): Promise<unknown> {
  const response = await client.get('/loki/api/v1/query', search);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${client.baseUrl} answered ${response.status}: ${text}`);
  return resultOf(text);
}

/** The whole query as one sub-query on a querier, through the frontend's bus executor. */
async function onOneQuerier(query: QueryParams): Promise<unknown> {
  return resultOf(renderQueryResponse(await remote.executor.execute({ params: query }, {}), encodingFlags(undefined)));
}

async function gatewayMetrics(): Promise<string> {
  return (await fetch(`${cluster.gateway.url}/metrics`)).text();
}

describe('queriers on the bus', () => {
  it('register on the gateway, serve /ready and /metrics and no Loki API', async () => {
    const view = (await (await fetch(`${cluster.gateway.url}/queriers`, { headers: { Accept: 'application/json' } })).json()) as {
      queriers: Array<{ id: string; state: string; live: boolean; maxConcurrent: number }>;
    };
    expect(view.queriers.map((q) => [q.id, q.state, q.live, q.maxConcurrent])).toEqual([
      ['querier-1', 'ACTIVE', true, 2],
      ['querier-2', 'ACTIVE', true, 2],
    ]);
    const html = await (await fetch(`${cluster.gateway.url}/queriers`, { headers: { Accept: 'text/html' } })).text();
    expect(html).toContain('<td>querier-2</td>');
    const querier = cluster.queriers.get('querier-1')!;
    expect((await fetch(`${querier.url}/ready`)).status).toBe(200);
    expect(await (await fetch(`${querier.url}/metrics`)).text()).toContain('norn_querier_worker_inflight_subqueries 0');
    expect((await fetch(`${querier.url}/loki/api/v1/query_range?query=%7Bjob%3D%22fe%22%7D`)).status).toBe(404);
  });

  it('answers 24-hour metric queries through the queriers exactly as the reference does', async () => {
    for (const query of METRIC_QUERIES) {
      const { search, params } = range(query, { step: '600' });
      const expected = await ask(reference, search);
      expect((expected as { result: unknown[] }).result.length).toBeGreaterThan(0);
      expect(await ask(gateway, search)).toEqual(expected);
      expect(await onOneQuerier(params)).toEqual(expected);
    }
    const metrics = await gatewayMetrics();
    expect(metricValue(metrics, 'norn_frontend_querier_subqueries_total', { querier: 'querier-1' })).toBeGreaterThan(0);
    expect(metricValue(metrics, 'norn_frontend_querier_subqueries_total', { querier: 'querier-2' })).toBeGreaterThan(0);
    expect(metricValue(metrics, 'norn_frontend_local_subqueries_total')).toBe(0);
  });

  it('answers more metric shapes, range and instant, exactly as the reference does', async () => {
    for (const query of MORE_METRIC_QUERIES) {
      const { search } = range(query, { step: '900' });
      const expected = await ask(reference, search);
      expect((expected as { result: unknown[] }).result.length, query).toBeGreaterThan(0);
      expect(await ask(gateway, search), query).toEqual(expected);
      const instant = { query, time: String(end - 3n * HOUR_NS) };
      const instantExpected = await askInstant(reference, instant);
      expect((instantExpected as { result: unknown[] }).result.length, query).toBeGreaterThan(0);
      expect(await askInstant(gateway, instant), query).toEqual(instantExpected);
    }
  });

  it('answers a 24-hour log query of every line through the queriers exactly as the reference does', async () => {
    const { search, params } = range('{job="fe"} |= "app="');
    const expected = (await ask(reference, search)) as { result: Array<{ values: unknown[] }> };
    expect(expected.result.reduce((sum, stream) => sum + stream.values.length, 0)).toBe(pushed);
    expect(await ask(gateway, search)).toEqual(expected);
    expect(await onOneQuerier(params)).toEqual(expected);
  });

  it('answers a repeated metric query from the results cache', async () => {
    const { search } = range(METRIC_QUERIES[0]!, { step: '600' });
    const hitsBefore = metricValue(await gatewayMetrics(), 'norn_query_frontend_results_cache_hits_total');
    const subQueriesBefore = metricValue(await gatewayMetrics(), 'norn_frontend_querier_subqueries_total');
    expect(await ask(gateway, search)).toEqual(await ask(reference, search));
    const metrics = await gatewayMetrics();
    expect(metricValue(metrics, 'norn_query_frontend_results_cache_hits_total')).toBeGreaterThan(hitsBefore);
    // At most the newest split, still inside the cache's freshness window, goes to a querier.
    expect(metricValue(metrics, 'norn_frontend_querier_subqueries_total') - subQueriesBefore).toBeLessThanOrEqual(2);
  });

  it('still answers right when a querier is killed with sub-queries in flight, and counts the retries', async () => {
    const victim = cluster.queriers.get('querier-1')!;
    const retriesBefore = metricValue(await gatewayMetrics(), 'norn_frontend_retries_total');
    const { search } = range('{job="fe"} |= "level="', { direction: 'forward' });
    const expected = await ask(reference, search);
    // Frozen first, so the sub-queries the gateway sends it are surely in flight when it dies.
    victim.child.kill('SIGSTOP');
    const answer = ask(gateway, search);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await victim.stop('SIGKILL');
    expect(await answer).toEqual(expected);
    const metrics = await gatewayMetrics();
    expect(metricValue(metrics, 'norn_frontend_retries_total')).toBeGreaterThan(retriesBefore);
    expect(metricValue(metrics, 'norn_frontend_querier_inflight', { querier: 'querier-1' })).toBe(0);
  });

  it('drains a querier on SIGTERM, takes it off /queriers, then answers in the gateway itself', async () => {
    await remote.waitForLive(1);
    const querier = cluster.queriers.get('querier-2')!;
    expect(await querier.stop('SIGTERM')).toBe(0);
    await remote.waitForLive(0);
    const view = (await (await fetch(`${cluster.gateway.url}/queriers`)).json()) as { queriers: Array<{ id: string; live: boolean }> };
    expect(view.queriers.filter((q) => q.id === 'querier-2')).toEqual([]);
    const { search } = range('{job="fe", level="error"}');
    expect(await ask(gateway, search)).toEqual(await ask(reference, search));
    expect(metricValue(await gatewayMetrics(), 'norn_frontend_local_subqueries_total')).toBeGreaterThan(0);
  });
});
