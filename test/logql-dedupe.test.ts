// Replica deduplication through the HTTP API, on one node and on a three-ingester cluster with
// RF 3: streams that log the same lines at the same instants all count in `sum`, each replica's
// copy counts once, and entries that differ only in structured metadata are distinct lines,
// in one push and across a flush (memory and store both hold them then).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNorn } from '../app/norn.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { LokiClient } from './helpers/loki-client.js';
import { startTestNorn } from './helpers/norn.js';

// A whole minute ten minutes ago: every entry sits in (BASE, BASE + 60 s].
const BASE_S = Math.floor(Date.now() / 60_000) * 60 - 600;
const ns = (s: number): string => String(BigInt(BASE_S + s) * 1_000_000_000n);
const AT = String(BASE_S + 60);

interface Vector {
  data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

async function vector(loki: LokiClient, query: string): Promise<Array<[Record<string, string>, number]>> {
  const body = await loki.getJson<Vector>('/loki/api/v1/query', { query, time: AT });
  expect(body.data.resultType).toBe('vector');
  return body.data.result.map((s) => [s.metric, Number(s.value[1])]);
}

const lines = Array.from({ length: 6 }, (_, i) => `GET /foobar ${i}`);

async function pushSharedLines(loki: LokiClient): Promise<void> {
  const machines = [
    { cluster: 'a', machine: 'm1' },
    { cluster: 'b', machine: 'm2' },
    { cluster: 'b', machine: 'm3' },
  ];
  await loki.push(machines.map((m) => ({ stream: { job: 'dedupe', ...m }, values: lines.map((line, i): [string, string] => [ns(10 * (i + 1)), line]) })));
}

/** The checks, for any deployment: `flush` moves everything in memory to the store. */
function dedupeChecks(client: () => LokiClient, flush: () => Promise<void>): void {
  it('sums streams that share lines, each replica counted once', async () => {
    const loki = client();
    await pushSharedLines(loki);
    expect(await vector(loki, 'sum(count_over_time({job="dedupe"} |~ ".+bar" [1m]))')).toEqual([[{}, 18]]);
    expect(await vector(loki, 'sum by (cluster) (count_over_time({job="dedupe"} |~ ".+bar" [1m]))')).toEqual([
      [{ cluster: 'a' }, 6],
      [{ cluster: 'b' }, 12],
    ]);
    expect(await vector(loki, 'sum(rate({job="dedupe"}[1m]))')).toEqual([[{}, 0.3]]);
    const ratio = await vector(loki, 'count_over_time({job="dedupe"}[1m]) / on (job) group_left sum by (job) (count_over_time({job="dedupe"}[1m]))');
    expect(ratio.map(([metric]) => metric.machine)).toEqual(['m1', 'm2', 'm3']);
    for (const [, v] of ratio) expect(v).toBeCloseTo(1 / 3, 12);
  });

  it('keeps entries that differ only in structured metadata, across a flush too', async () => {
    const loki = client();
    await loki.push([{ stream: { job: 'md' }, values: [[ns(10), 'same', { trace_id: '1' }], [ns(10), 'same', { trace_id: '2' }]] }]);
    expect(await vector(loki, 'sum(count_over_time({job="md"}[1m]))')).toEqual([[{}, 2]]);
    await flush();
    // A retry of the first (same metadata) is a copy; a third metadata value is a new line.
    await loki.push([{ stream: { job: 'md' }, values: [[ns(10), 'same', { trace_id: '1' }], [ns(10), 'same', { trace_id: '3' }]] }]);
    expect(await vector(loki, 'sum(count_over_time({job="md"}[1m]))')).toEqual([[{}, 3]]);
    expect(await vector(loki, 'sum(count_over_time({job="md"} | drop trace_id [1m]))')).toEqual([[{}, 3]]);
    expect(await vector(loki, 'sum by (trace_id) (count_over_time({job="md"}[1m]))')).toEqual([
      [{ trace_id: '1' }, 1],
      [{ trace_id: '2' }, 1],
      [{ trace_id: '3' }, 1],
    ]);
    const body = await loki.queryRange('{job="md"}', { start: ns(0), end: ns(60) });
    const entries = body.data.result.flatMap((s) => s.values.map(([ts, line]) => `${ts} ${line} ${s.stream.trace_id}`));
    expect(entries.sort()).toEqual([`${ns(10)} same 1`, `${ns(10)} same 2`, `${ns(10)} same 3`]);
  }, 120_000); // a flush fsyncs every chunk: slow on a busy machine
}

describe('one node', () => {
  let norn: RunningNorn;
  let loki: LokiClient;
  beforeAll(async () => {
    norn = await startTestNorn();
    loki = new LokiClient(norn.address);
  });
  afterAll(async () => {
    await norn?.stop();
  });
  it('answers a stage that cannot be built with 400 and the builder\'s message, and keeps serving', async () => {
    for (const [query, message] of [
      ['{job="dedupe"} |~ "(("', 'error parsing regexp: missing closing ): `((`'],
      ['sum(count_over_time({job="dedupe"} |~ `error\\` [1m]))', 'error parsing regexp: trailing backslash at end of expression: ``'],
      ['{job="dedupe"} |> "<verb> /api"', "named captures are not allowed: found '<verb>'"],
    ]) {
      const res = await loki.get('/loki/api/v1/query_range', { query: query!, start: ns(0), end: ns(60) });
      expect([res.status, await res.text()]).toEqual([400, message]);
    }
    expect((await loki.get('/loki/api/v1/query', { query: 'vector(1)' })).status).toBe(200);
  });
  dedupeChecks(
    () => loki,
    async () => {
      const res = await fetch(`${norn.address}/flush`, { method: 'POST' });
      expect(res.status).toBe(204);
    },
  );
});

describe('one node, several tenants', () => {
  let norn: RunningNorn;
  beforeAll(async () => {
    norn = await startTestNorn({ auth: true, querier: { multiTenantQueriesEnabled: true } });
    await pushSharedLines(new LokiClient(norn.address, 'a'));
    await new LokiClient(norn.address, 'b').push([
      { stream: { job: 'dedupe', cluster: 'c', machine: 'm4' }, values: lines.map((line, i): [string, string] => [ns(10 * (i + 1)), line]) },
    ]);
  });
  afterAll(async () => {
    await norn?.stop();
  });

  it('answers metric queries over `a|b` with each series tagged by its tenant first', async () => {
    const both = new LokiClient(norn.address, 'a|b');
    expect(await vector(both, 'sum(count_over_time({job="dedupe"}[1m]))')).toEqual([[{}, 24]]);
    expect(await vector(both, 'sum by (__tenant_id__) (count_over_time({job="dedupe"}[1m]))')).toEqual([
      [{ __tenant_id__: 'a' }, 18],
      [{ __tenant_id__: 'b' }, 6],
    ]);
    expect(await vector(both, 'sum(count_over_time({job="dedupe", __tenant_id__="b"}[1m]))')).toEqual([[{}, 6]]);
    expect(await vector(new LokiClient(norn.address, 'b'), 'sum(count_over_time({job="dedupe"}[1m]))')).toEqual([[{}, 6]]);
  });
});

describe('a three-ingester cluster with RF 3', () => {
  let cluster: TestCluster;
  let loki: LokiClient;
  beforeAll(async () => {
    cluster = await startCluster({ ingesters: 3, replicationFactor: 3 });
    loki = new LokiClient(cluster.gateway.url);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  dedupeChecks(
    () => loki,
    async () => {
      for (const ingester of cluster.ingesters.values()) {
        const res = await fetch(`${ingester.url}/flush`, { method: 'POST' });
        expect(res.status).toBe(204);
      }
    },
  );
});
