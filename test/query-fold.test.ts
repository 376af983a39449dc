// Metric queries folded in the store scan answer exactly as the line-by-line engine does, on a
// real node (in process, one scan worker) holding loghub's logs and some logfmt lines: the older
// half flushed to the store and gone from memory, the newer half in the ingester, and a stretch
// pushed again after its flush (an ingester holding copies of stored lines, so the folding
// bound moves back to them). The reference is the same querier asked without windows, so
// nothing folds: every value, series and order must be equal, not close.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNorn } from '../app/norn.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { Engine } from '../logql/mod.js';
import type { Querier, QueryParams, SelectSamplesParams } from '../logql/types.js';
import { corpusStreams, partition } from '../actors/frontend/testing/corpus.js';
import { LokiClient } from './helpers/loki-client.js';
import { startTestNorn } from './helpers/norn.js';

const S = 1_000_000_000n;
const MIN = 60n * S;
const HOUR = 60n * MIN;
const BASE = (BigInt(Date.now()) * 1_000_000n / HOUR - 8n) * HOUR + 7n * MIN;
const SPACING = 12n * S;
const END = BASE + 7n * HOUR;
const ALL = '{source=~".+"}';

let norn: RunningNorn;

function logfmtStream(level: string, from: bigint, to: bigint): { stream: Record<string, string>; values: Array<[string, string]> } {
  const values: Array<[string, string]> = [];
  let n = 0;
  for (let ts = from; ts < to; ts += 7n * S) values.push([String(ts), `level=${n % 5 === 0 ? 'error' : level} status=${200 + (n++ % 4) * 100} took=${n % 13}ms`]);
  return { stream: { source: 'app', host: `app-${level}` }, values };
}

beforeAll(async () => {
  norn = await startTestNorn({ limits: { ...DEFAULT_LIMITS, discoverServiceName: [], discoverLogLevels: false }, ingester: { retainFlushedMs: 0 }, querier: { queryWorkers: 1 } });
  const loki = new LokiClient(norn.address);
  const split = BASE + 3n * HOUR;
  const [older, newer] = partition(corpusStreams(BASE, SPACING), split);
  for (const stream of older) await loki.push([stream]);
  await loki.push([logfmtStream('info', BASE, split), logfmtStream('warn', BASE, split)]);
  await norn.ingester!.flush();
  // Half an hour of flushed lines pushed again: the ingester now holds copies of stored lines.
  const again = logfmtStream('info', BASE, split);
  await loki.push([{ ...again, values: again.values.filter(([ts]) => BigInt(ts) >= split - 30n * MIN) }]);
  for (const stream of newer) await loki.push([stream]);
  await loki.push([logfmtStream('info', split, END), logfmtStream('warn', split, END)]);
}, 120_000);

afterAll(async () => {
  await norn?.stop();
});

/** The querier, asked without windows: the store scan then never folds. */
function unfolded(): Querier {
  const querier = norn.querier!.querier;
  return {
    selectLogs: (params, stats) => querier.selectLogs(params, stats),
    selectSamples: (params: SelectSamplesParams, stats) => {
      const { windows: _windows, ...rest } = params;
      return querier.selectSamples(rest, stats);
    },
  };
}

function range(query: string, step: bigint): QueryParams {
  return { tenant: 'fake', query, start: BASE + 10n * MIN, end: END, step, interval: 0n, limit: 100, direction: 'backward', kind: 'range' };
}

function instant(query: string, at: bigint): QueryParams {
  return { tenant: 'fake', query, start: at, end: at, step: 0n, interval: 0n, limit: 100, direction: 'backward', kind: 'instant' };
}

const QUERIES = [
  `sum by (source) (count_over_time(${ALL}[5m]))`,
  `count_over_time({source="HDFS"}[10m])`,
  `sum(rate(${ALL} |= "error" [5m]))`,
  `sum without (host) (bytes_over_time({source=~"H.*"}[15m]))`,
  `max by (source) (bytes_rate(${ALL}[5m] offset 30m))`,
  `avg by (source) (rate(${ALL}[7m]))`,
  `sum by (level) (count_over_time({source="app"} | logfmt [5m]))`,
  `sum by (level, status) (rate({source="app"} | logfmt | status >= 300 [10m]))`,
  `sum (count_over_time({source="app"} | logfmt [1h]))`,
  `topk(2, sum by (host) (count_over_time(${ALL}[20m])))`,
  `sum by (source) (count_over_time(${ALL}[5m])) / ignoring (source) group_left sum(count_over_time(${ALL}[5m]))`,
];

describe('folded metric queries on a node', () => {
  it('answer range queries exactly as the unfolded engine, for steps shorter and longer than the range', async () => {
    const engine = new Engine();
    for (const query of QUERIES) {
      for (const step of [60n * S, 25n * MIN, 37n * S]) {
        const params = range(query, step);
        const want = await engine.query(params, unfolded());
        expect((want.data.result as unknown[]).length, query).toBeGreaterThan(0);
        const got = await norn.querier!.querier.query(params);
        expect(got.data, `${query} step ${step / S}s`).toEqual(want.data);
      }
    }
    const metrics = await (await fetch(`${norn.address}/metrics`)).text();
    const folded = /norn_querier_store_folds_total\{outcome="folded"\} (\d+)/.exec(metrics);
    expect(Number(folded?.[1])).toBeGreaterThanOrEqual(QUERIES.length * 3);
    // The bound was right every time: no selection had to be asked again.
    expect(metrics).not.toMatch(/norn_querier_store_folds_total\{outcome="conflict"\} [1-9]/);
  });

  it('answer instant queries exactly as the unfolded engine, in the store, in the ingester and across both', async () => {
    const engine = new Engine();
    for (const query of QUERIES) {
      for (const at of [BASE + 90n * MIN, BASE + 3n * HOUR + 5n * MIN, END - MIN]) {
        const params = instant(query, at);
        expect((await norn.querier!.querier.query(params)).data, `${query} at ${at}`).toEqual((await engine.query(params, unfolded())).data);
      }
    }
  });
});
