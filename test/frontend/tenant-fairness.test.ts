// The frontend's fair queue over real processes: a nats-server, an S3 server, an ingester, a
// gateway with `--auth` and one querier that runs one sub-query at a time, so every sub-query
// waits its turn in the gateway's queue. Tenant A floods the gateway with day-long metric
// queries (a sub-query per hour each); tenant B then asks one small query. B's answer must come
// while A's backlog is still waiting: the queue served B at its turn, not after A's whole
// backlog. Asserted on the gateway's queue gauges and counters, not on latency.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LokiClient, nowNs } from '../helpers/loki-client.js';
import { metricValue, remoteExecutor, startQuerierCluster, type QuerierCluster, type TestRemote } from './querier-cluster.js';

const HOUR_NS = 3_600_000_000_000n;
const MINUTE_NS = 60_000_000_000n;
const FLOOD_QUERIES = 12;

let cluster: QuerierCluster;
let remote: TestRemote;
const end = (nowNs() / MINUTE_NS) * MINUTE_NS;
const start = end - 24n * HOUR_NS;

function client(tenant: string): LokiClient {
  return new LokiClient(cluster.gateway.url, tenant);
}

async function gatewayMetrics(): Promise<string> {
  return (await fetch(`${cluster.gateway.url}/metrics`)).text();
}

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  cluster = await startQuerierCluster({ ingesters: 1, replicationFactor: 1, queriers: 1, maxConcurrent: 1, auth: true, cacheResults: false });
  remote = await remoteExecutor(cluster.nats.url);
  await remote.waitForLive(1);
  // A day of lines for tenant A (a line a minute in each of two streams), a few minutes for B.
  for (let hour = 0n; hour < 24n; hour++) {
    const values = (level: string): Array<[string, string]> => {
      const out: Array<[string, string]> = [];
      for (let ts = start + hour * HOUR_NS; ts < start + (hour + 1n) * HOUR_NS; ts += MINUTE_NS) out.push([String(ts), `level=${level} at=${ts}`]);
      return out;
    };
    await client('tenant-a').push([
      { stream: { job: 'flood', level: 'info' }, values: values('info') },
      { stream: { job: 'flood', level: 'error' }, values: values('error') },
    ]);
  }
  await client('tenant-b').push([{ stream: { job: 'small' }, values: [[String(end - 2n * MINUTE_NS), 'level=info small']] }]);
}, 120_000);

afterAll(async () => {
  await remote?.close();
  await cluster?.stop();
});

describe('the frontend queue between tenants', () => {
  it("serves tenant B's small query while tenant A's flood is still queued", async () => {
    // Each flood query is 24-25 hour-long splits: twelve queue about 300 sub-queries for one slot.
    const flood = Array.from({ length: FLOOD_QUERIES }, (_, i) =>
      client('tenant-a').get('/loki/api/v1/query_range', {
        query: `sum by (level) (count_over_time({job="flood"} |= "level" [${5 + i}m]))`,
        start: String(start),
        end: String(end),
        step: '300',
      }),
    );
    await waitFor(async () => metricValue(await gatewayMetrics(), 'norn_query_frontend_queue_length', { tenant: 'tenant-a' }) >= 100, "tenant A's backlog");

    const small = await client('tenant-b').get('/loki/api/v1/query', { query: 'count_over_time({job="small"}[10m])', time: String(end) });
    const afterSmall = await gatewayMetrics();
    expect(small.status).toBe(200);
    const body = (await small.json()) as { data: { result: Array<{ value: [number, string] }> } };
    expect(body.data.result.map((sample) => sample.value[1])).toEqual(['1']);

    // B was served at its turn: A's backlog had hardly moved and is still waiting.
    expect(metricValue(afterSmall, 'norn_query_frontend_dequeued_total', { tenant: 'tenant-b' })).toBe(1);
    const aEnqueued = metricValue(afterSmall, 'norn_query_frontend_enqueued_total', { tenant: 'tenant-a' });
    const aDequeued = metricValue(afterSmall, 'norn_query_frontend_dequeued_total', { tenant: 'tenant-a' });
    expect(aEnqueued).toBeGreaterThanOrEqual(FLOOD_QUERIES * 24);
    expect(metricValue(afterSmall, 'norn_query_frontend_queue_length', { tenant: 'tenant-a' })).toBeGreaterThan(50);
    expect(aEnqueued - aDequeued).toBeGreaterThan(50);

    // And A's flood still answers in full: fairness delays it, it loses nothing.
    const answers = await Promise.all(flood);
    expect(answers.map((response) => response.status)).toEqual(Array.from({ length: FLOOD_QUERIES }, () => 200));
    const first = (await answers[0]!.json()) as { data: { result: Array<{ metric: Record<string, string> }> } };
    expect(first.data.result.map((series) => series.metric.level).sort()).toEqual(['error', 'info']);
    const final = await gatewayMetrics();
    expect(metricValue(final, 'norn_query_frontend_dequeued_total', { tenant: 'tenant-a' })).toBe(aEnqueued);
    expect(metricValue(final, 'norn_query_frontend_queue_length', { tenant: 'tenant-a' })).toBe(0);
  }, 120_000);
});
