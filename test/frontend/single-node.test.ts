// One process (`--target all`, embedded bus): no querier can exist, so the frontend's pieces run
// in the process itself, and /queriers says so.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNorn } from '../helpers/norn.js';
import { LokiClient, nowNs } from '../helpers/loki-client.js';
import { metricValue } from './querier-cluster.js';

let norn: Awaited<ReturnType<typeof startTestNorn>>;
let loki: LokiClient;

beforeAll(async () => {
  norn = await startTestNorn();
  loki = new LokiClient(norn.address);
});

afterAll(async () => {
  await norn?.stop();
});

describe('a single node', () => {
  it('answers in process, sees no querier, and counts its pieces as local', async () => {
    const now = nowNs();
    await loki.push([{ stream: { app: 'one' }, values: [[String(now - 2_000_000_000n), 'first'], [String(now - 1_000_000_000n), 'second']] }]);
    const body = await loki.getJson<{ data: { result: Array<{ values: Array<[string, string]> }> } }>('/loki/api/v1/query_range', {
      query: '{app="one"}',
      start: String(now - 60_000_000_000n),
      end: String(now + 1n),
    });
    expect(body.data.result.flatMap((stream) => stream.values.map(([, line]) => line))).toEqual(['second', 'first']);
    const view = await loki.getJson<{ queriers: unknown[] }>('/queriers');
    expect(view.queriers).toEqual([]);
    const metrics = await (await fetch(`${norn.address}/metrics`)).text();
    expect(metricValue(metrics, 'norn_frontend_queriers_live')).toBe(0);
    expect(metricValue(metrics, 'norn_frontend_local_subqueries_total')).toBeGreaterThan(0);
  });
});
