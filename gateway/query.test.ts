import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { QueryService, TimeRange, VolumeOptions } from '../actors/querier/api.js';
import type { QueryParams, QueryResponse } from '../logql/types.js';
import { emptyStats } from '../logql/types.js';
import { MultiTenantQuerier } from '../actors/querier/multi-tenant.js';
import { BusTimeoutError, RemoteError } from '../bus/errors.js';
import { LogQLParseError, QueryLimitError } from '../logql/errors.js';
import { createHttpServer } from './server.js';
import type { HttpDeps } from './deps.js';

const NOW = 1700000000000000000n; // 2023-11-14T22:13:20Z
const HOUR = 3_600_000_000_000n;

interface Calls {
  queries: QueryParams[];
  labelNames: { tenant: string; range: TimeRange; query: string | undefined }[];
  labelValues: { tenant: string; name: string; range: TimeRange; query: string | undefined }[];
  series: { tenant: string; matchers: readonly string[]; range: TimeRange }[];
  indexStats: { tenant: string; query: string; range: TimeRange }[];
  volume: { tenant: string; query: string; range: TimeRange; options: VolumeOptions }[];
}

const streamsAnswer: QueryResponse = {
  data: {
    resultType: 'streams',
    result: [
      {
        labels: [{ name: 'app', value: 'api' }],
        entries: [
          { ts: 1700000000000000002n, line: 'with "quotes" and \\ and <html>' },
          { ts: 1700000000000000001n, line: 'traced', metadata: [{ name: 'trace_id', value: 't1' }] },
        ],
      },
    ],
  },
  stats: { ...emptyStats(), totalBytesProcessed: 2048, totalLinesProcessed: 10, execTimeSeconds: 0.25, totalEntriesReturned: 2, storeBytesProcessed: 1024 },
};

let app: ReturnType<typeof createHttpServer> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function start(answer: (params: QueryParams) => QueryResponse | Promise<QueryResponse>, overrides: Partial<HttpDeps> = {}) {
  const calls: Calls = { queries: [], labelNames: [], labelValues: [], series: [], indexStats: [], volume: [] };
  const query: QueryService = {
    query: async (params) => {
      calls.queries.push(params);
      return answer(params);
    },
    labelNames: async (tenant, range, q) => {
      calls.labelNames.push({ tenant, range, query: q });
      return tenant === 'b' ? ['job', 'zone'] : ['app', 'job'];
    },
    labelValues: async (tenant, name, range, q) => {
      calls.labelValues.push({ tenant, name, range, query: q });
      return ['api', 'web'];
    },
    series: async (tenant, matchers, range) => {
      calls.series.push({ tenant, matchers, range });
      return [{ app: 'api', env: 'prod' }];
    },
    indexStats: async (tenant, q, range) => {
      calls.indexStats.push({ tenant, query: q, range });
      return { streams: 2, chunks: 3, entries: 40, bytes: 500 };
    },
    volume: async (tenant, q, range, options) => {
      calls.volume.push({ tenant, query: q, range, options });
      return tenant === 'b' ? [{ metric: { app: 'web' }, bytes: 50 }] : [{ metric: { app: 'api' }, bytes: 300 }, { metric: { app: 'web' }, bytes: 200 }];
    },
  };
  app = createHttpServer({
    push: { push: async () => {} },
    // As the composition root serves it: reads naming several tenants are split and stitched.
    query: new MultiTenantQuerier(query),
    logger: pino({ level: 'silent' }),
    auth: false,
    registry: new Registry(),
    isReady: () => true,
    buildInfo: { version: 'test', revision: 'r', branch: 'b' },
    limits: { maxBodyBytes: 1 << 20 },
    now: () => NOW,
    ...overrides,
  });
  return { app, calls };
}

function get(url: string, headers: Record<string, string> = {}) {
  return app!.inject({ method: 'GET', url, headers });
}

describe('query_range parameters', () => {
  it('applies Loki defaults: end now, start an hour before, limit 100, backward, step range/250', async () => {
    const { calls } = start(() => streamsAnswer);
    const res = await get('/loki/api/v1/query_range?query=' + encodeURIComponent('{app="api"}'));
    expect(res.statusCode).toBe(200);
    expect(calls.queries[0]).toEqual({
      tenant: 'fake',
      query: '{app="api"}',
      start: NOW - HOUR,
      end: NOW,
      step: 14_000_000_000n,
      interval: 0n,
      limit: 100,
      direction: 'backward',
      kind: 'range',
    });
  });

  it('reads every parameter, in every time format', async () => {
    const { calls } = start(() => streamsAnswer);
    await get('/loki/api/v1/query_range?query=x&start=2023-11-14T21:13:20.5Z&end=1700000000&limit=5&direction=FORWARD&step=30s&interval=1.5');
    await get('/loki/api/v1/query_range?query=x&start=1699996400000000001&end=1700000000.25&step=10');
    await get('/loki/api/v1/query_range?query=x&since=5m&end=1800000000');
    expect(calls.queries.map(({ start, end, step, interval, limit, direction }) => ({ start, end, step, interval, limit, direction }))).toEqual([
      { start: 1699996400500000000n, end: NOW, step: 30_000_000_000n, interval: 1_500_000_000n, limit: 5, direction: 'forward' },
      { start: 1699996400000000001n, end: 1700000000250000000n, step: 10_000_000_000n, interval: 0n, limit: 100, direction: 'backward' },
      // `since` counts back from now when `end` lies in the future, as Loki does.
      { start: NOW - 300_000_000_000n, end: 1800000000000000000n, step: 400_001_000_000_000n, interval: 0n, limit: 100, direction: 'backward' },
    ]);
  });

  it('takes form-encoded POST bodies', async () => {
    const { calls } = start(() => streamsAnswer);
    const res = await app!.inject({
      method: 'POST',
      url: '/loki/api/v1/query_range',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ query: '{app="api"} |= "x"', start: '1699999000', end: '1700000000', limit: '7' }).toString(),
    });
    expect(res.statusCode).toBe(200);
    expect(calls.queries[0]).toMatchObject({ query: '{app="api"} |= "x"', start: 1699999000000000000n, end: NOW, limit: 7 });
  });

  it.each([
    ['start=abc', "could not parse 'start' parameter: strconv.ParseInt: parsing \"abc\": invalid syntax"],
    ['end=1699990000&start=1700000000', 'end timestamp must not be before or equal to start time'],
    ['limit=0', 'limit must be a positive value'],
    ['limit=ten', 'strconv.Atoi: parsing "ten": invalid syntax'],
    ['direction=sideways', "invalid direction 'sideways'"],
    ['step=0', 'zero or negative query resolution step widths are not accepted. Try a positive integer'],
    ['step=fast', 'cannot parse "fast" to a valid duration'],
    ['step=0.1', 'exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter'],
    ['interval=-1', 'interval must be >= 0'],
    ['since=forever', "could not parse 'since' parameter: not a valid duration string: \"forever\""],
  ])('%s -> 400 with plain text', async (params, message) => {
    const { calls } = start(() => streamsAnswer);
    const res = await get('/loki/api/v1/query_range?query=x&' + params);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe(message);
    expect(calls.queries).toHaveLength(0);
  });
});

describe('instant query', () => {
  it('evaluates at `time`, defaulting to now', async () => {
    const { calls } = start(() => ({ data: { resultType: 'vector', result: [] }, stats: emptyStats() }));
    await get('/loki/api/v1/query?query=' + encodeURIComponent('count_over_time({a="b"}[1m])'));
    await get('/loki/api/v1/query?query=x&time=2023-11-14T22:13:20.000000009Z&limit=3&direction=forward');
    expect(calls.queries[0]).toEqual({ tenant: 'fake', query: 'count_over_time({a="b"}[1m])', start: NOW, end: NOW, step: 0n, interval: 0n, limit: 100, direction: 'backward', kind: 'instant' });
    expect(calls.queries[1]).toMatchObject({ start: NOW + 9n, end: NOW + 9n, limit: 3, direction: 'forward', kind: 'instant' });
  });
});

describe('response JSON', () => {
  it('streams: metadata folded into stream labels without the encoding flag', async () => {
    start(() => streamsAnswer);
    const res = await get('/loki/api/v1/query_range?query=x');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(res.body);
    expect(body.status).toBe('success');
    expect(body.data.resultType).toBe('streams');
    expect(body.data.encodingFlags).toBeUndefined();
    expect(body.data.result).toEqual([
      { stream: { app: 'api' }, values: [['1700000000000000002', 'with "quotes" and \\ and <html>']] },
      { stream: { app: 'api', trace_id: 't1' }, values: [['1700000000000000001', 'traced']] },
    ]);
  });

  it('streams: categorize-labels keeps stream labels and adds a third element to every value', async () => {
    start(() => streamsAnswer);
    const res = await get('/loki/api/v1/query_range?query=x', { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' });
    const body = JSON.parse(res.body);
    expect(body.data.encodingFlags).toEqual(['categorize-labels']);
    expect(body.data.result).toEqual([
      {
        stream: { app: 'api' },
        values: [
          ['1700000000000000002', 'with "quotes" and \\ and <html>', {}],
          ['1700000000000000001', 'traced', { structuredMetadata: { trace_id: 't1' } }],
        ],
      },
    ]);
  });

  it("stats in Loki's shape, filled from the engine's counters", async () => {
    start(() => streamsAnswer);
    const stats = JSON.parse((await get('/loki/api/v1/query_range?query=x')).body).data.stats;
    expect(Object.keys(stats)).toEqual(['summary', 'querier', 'ingester', 'cache', 'index']);
    expect(stats.summary).toMatchObject({
      bytesProcessedPerSecond: 8192,
      linesProcessedPerSecond: 40,
      totalBytesProcessed: 2048,
      totalLinesProcessed: 10,
      execTime: 0.25,
      totalEntriesReturned: 2,
    });
    expect(stats.querier.store.chunk.decompressedBytes).toBe(1024);
    expect(Object.keys(stats.cache)).toEqual(['chunk', 'index', 'result', 'statsResult', 'volumeResult', 'seriesResult', 'labelResult', 'instantMetricResult']);
    expect(stats.ingester.totalReached).toBe(0);
  });

  it('matrix: values as [seconds, "value"] with Prometheus number text', async () => {
    start(() => ({
      data: {
        resultType: 'matrix',
        result: [
          { metric: [{ name: 'level', value: 'error' }], points: [{ t: 1700000000000, v: 1 / 3 }, { t: 1700000060500, v: NaN }] },
          { metric: [], points: [{ t: 1700000000000, v: Infinity }, { t: 1700000001000, v: 1e21 }] },
        ],
      },
      stats: emptyStats(),
    }));
    const res = await get('/loki/api/v1/query_range?query=x');
    expect(res.body).toContain(
      '"result":[{"metric":{"level":"error"},"values":[[1700000000,"0.3333333333333333"],[1700000060.5,"NaN"]]},' +
        '{"metric":{},"values":[[1700000000,"+Inf"],[1700000001,"1000000000000000000000"]]}]',
    );
    expect(JSON.parse(res.body).data.resultType).toBe('matrix');
  });

  it('vector and scalar', async () => {
    let answer: QueryResponse = {
      data: { resultType: 'vector', result: [{ metric: [{ name: 'a', value: 'b' }], t: 1700000000123, v: 2 }] },
      stats: emptyStats(),
    };
    start(() => answer);
    const vector = await get('/loki/api/v1/query?query=x');
    expect(vector.body).toContain('"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1700000000.123,"2"]}]');
    answer = { data: { resultType: 'scalar', result: { t: 1700000000000, v: -Infinity } }, stats: emptyStats() };
    const scalar = await get('/loki/api/v1/query?query=x');
    expect(JSON.parse(scalar.body).data.result).toEqual([1700000000, '-Inf']);
  });
});

describe('errors from the query service', () => {
  it.each([
    [new LogQLParseError('syntax error: unexpected IDENTIFIER', 1, 1), 400],
    [new QueryLimitError('max entries limit per query exceeded'), 400],
    [new BusTimeoutError('norn.ingester.x.query', 5000), 503],
    [new RemoteError('norn.ingester.x.query', 'remote failure', 'SOME_NEWER_CODE', 422), 422],
    [new RemoteError('norn.ingester.x.query', 'error at stream: invalid labels', 'VALIDATION', 400), 400],
    [new Error('disk on fire'), 500],
    ['a thrown string', 500],
  ])('%s -> %s, plain text, no trailing newline', async (error, status) => {
    start(() => {
      throw error;
    });
    const res = await get('/loki/api/v1/query_range?query=x');
    expect(res.statusCode).toBe(status);
    expect(res.body).toBe(error instanceof Error ? error.message : error);
  });
});

describe('labels and series', () => {
  it('label names with bounds and query', async () => {
    const { calls } = start(() => streamsAnswer);
    const res = await get('/loki/api/v1/labels?start=1699990000&end=1700000000&query=' + encodeURIComponent('{app="api"}'));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'success', data: ['app', 'job'] });
    expect(calls.labelNames[0]).toEqual({ tenant: 'fake', range: { start: 1699990000000000000n, end: NOW }, query: '{app="api"}' });
    const alias = await get('/loki/api/v1/label');
    expect(JSON.parse(alias.body).data).toEqual(['app', 'job']);
    expect(calls.labelNames[1]!.range).toEqual({ start: NOW - HOUR, end: NOW });
    expect(calls.labelNames[1]!.query).toBeUndefined();
  });

  it('label values by name', async () => {
    const { calls } = start(() => streamsAnswer);
    const res = await get('/loki/api/v1/label/app/values?since=10m');
    expect(JSON.parse(res.body)).toEqual({ status: 'success', data: ['api', 'web'] });
    expect(calls.labelValues[0]).toMatchObject({ name: 'app', range: { start: NOW - 600_000_000_000n, end: NOW } });
  });

  it('series with repeated match[] by GET and POST', async () => {
    const { calls } = start(() => streamsAnswer);
    const res = await get('/loki/api/v1/series?match[]=' + encodeURIComponent('{app="api"}') + '&match[]=' + encodeURIComponent('{env="prod"}'));
    expect(JSON.parse(res.body)).toEqual({ status: 'success', data: [{ app: 'api', env: 'prod' }] });
    expect(calls.series[0]!.matchers).toEqual(['{app="api"}', '{env="prod"}']);
    const post = await app!.inject({
      method: 'POST',
      url: '/loki/api/v1/series',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'match%5B%5D=%7Bapp%3D%22api%22%7D&start=1699999999',
    });
    expect(post.statusCode).toBe(200);
    expect(calls.series[1]).toEqual({ tenant: 'fake', matchers: ['{app="api"}'], range: { start: 1699999999000000000n, end: NOW } });
  });

  it('index stats and volume pass their parameters and answer Loki shapes', async () => {
    const { calls } = start(() => streamsAnswer);
    const stats = await get('/loki/api/v1/index/stats?query={a="b"}&start=1699990000');
    expect(JSON.parse(stats.body)).toEqual({ streams: 2, chunks: 3, entries: 40, bytes: 500 });
    expect(calls.indexStats[0]).toEqual({ tenant: 'fake', query: '{a="b"}', range: { start: 1699990000000000000n, end: NOW } });
    const volume = await get('/loki/api/v1/index/volume?query={a="b"}&limit=1&targetLabels=app,env&aggregateBy=labels');
    expect(JSON.parse(volume.body)).toEqual({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { app: 'api' }, value: [1700000000, '300'] }, { metric: { app: 'web' }, value: [1700000000, '200'] }] },
    });
    expect(calls.volume[0]!.options).toEqual({ limit: 1, targetLabels: ['app', 'env'], aggregateBy: 'labels' });
    expect((await get('/loki/api/v1/index/volume?query={a="b"}')).statusCode).toBe(200);
    expect(calls.volume[1]!.options).toEqual({ limit: 100, targetLabels: [], aggregateBy: 'series' });
    expect((await get('/loki/api/v1/index/stats')).statusCode).toBe(400);
    expect((await get('/loki/api/v1/index/volume?query={a="b"}&aggregateBy=pods')).statusCode).toBe(400);
    expect(JSON.parse((await get('/loki/api/v1/index/volume_range?query={a="b"}')).body).data.resultType).toBe('matrix');
  });

  it('sums index stats and volumes across tenants', async () => {
    start(() => streamsAnswer, { auth: true });
    const stats = await get('/loki/api/v1/index/stats?query={a="b"}', { 'X-Scope-OrgID': 'a|b' });
    expect(JSON.parse(stats.body)).toEqual({ streams: 4, chunks: 6, entries: 80, bytes: 1000 });
    const volume = await get('/loki/api/v1/index/volume?query={a="b"}', { 'X-Scope-OrgID': 'a|b' });
    expect(JSON.parse(volume.body).data.result).toEqual([
      { metric: { app: 'api' }, value: [1700000000, '300'] },
      { metric: { app: 'web' }, value: [1700000000, '250'] },
    ]);
  });
});

describe('tenancy on reads', () => {
  it('requires an org id with auth', async () => {
    start(() => streamsAnswer, { auth: true });
    const res = await get('/loki/api/v1/query_range?query=x');
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe('no org id');
  });

  it('queries several tenants, tags streams with __tenant_id__ and keeps the newest `limit` entries', async () => {
    const { calls } = start(
      (params) => ({
        data: {
          resultType: 'streams',
          result: [
            {
              labels: [{ name: 'app', value: 'api' }],
              entries: params.tenant === 'a' ? [{ ts: 30n, line: 'a30' }, { ts: 10n, line: 'a10' }] : [{ ts: 20n, line: 'b20' }],
            },
          ],
        },
        stats: { ...emptyStats(), totalLinesProcessed: 5 },
      }),
      { auth: true },
    );
    const res = await get('/loki/api/v1/query_range?query=x&limit=2', { 'X-Scope-OrgID': 'b|a|a' });
    expect(calls.queries.map((query) => query.tenant).sort()).toEqual(['a', 'b']);
    const body = JSON.parse(res.body);
    expect(body.data.result).toEqual([
      { stream: { __tenant_id__: 'a', app: 'api' }, values: [['30', 'a30']] },
      { stream: { __tenant_id__: 'b', app: 'api' }, values: [['20', 'b20']] },
    ]);
    expect(body.data.stats.summary.totalLinesProcessed).toBe(10);
  });

  it('hands metric queries across tenants to the engine whole, and unions labels', async () => {
    const { calls } = start(() => ({ data: { resultType: 'vector', result: [] }, stats: emptyStats() }), { auth: true });
    const res = await get('/loki/api/v1/query?query=count_over_time({a="b"}[1m])', { 'X-Scope-OrgID': 'a|b' });
    expect(res.statusCode).toBe(200);
    expect(calls.queries.map((query) => query.tenant)).toEqual(['a|b']);
    const labels = await get('/loki/api/v1/labels', { 'X-Scope-OrgID': 'a|b' });
    expect(JSON.parse(labels.body).data).toEqual(['app', 'job', 'zone']);
    expect(calls.labelNames.map((call) => call.tenant)).toEqual(['a', 'b']);
    const series = await get('/loki/api/v1/series?match[]={a="b"}', { 'X-Scope-OrgID': 'a|b' });
    expect(JSON.parse(series.body).data).toEqual([
      { app: 'api', env: 'prod', __tenant_id__: 'a' },
      { app: 'api', env: 'prod', __tenant_id__: 'b' },
    ]);
  });
});
