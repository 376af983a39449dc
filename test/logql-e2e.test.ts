// LogQL end to end through Loki's HTTP API on one node: parsers, formatting, metric queries in
// range and instant form, Grafana's health check, format_query, and Loki's error wording.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNorn } from '../app/norn.js';
import { LokiClient } from './helpers/loki-client.js';
import { startTestNorn } from './helpers/norn.js';

let norn: RunningNorn;
let loki: LokiClient;
// A whole minute ten minutes ago: every entry sits in [BASE, BASE + 60 s).
const BASE_S = Math.floor(Date.now() / 60_000) * 60 - 600;
const sec = (s: number) => String(BigInt(BASE_S + s) * 1_000_000_000n);

interface Matrix {
  data: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
}
interface Vector {
  data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

beforeAll(async () => {
  norn = await startTestNorn();
  loki = new LokiClient(norn.address);
  const levels = ['info', 'info', 'error', 'warn', 'info', 'error'];
  await loki.push([
    {
      stream: { job: 'app', env: 'prod' },
      values: levels.map((level, i) => [sec(i * 10), `level=${level} msg="request ${i}" latency_ms=${(i + 1) * 10}`]),
    },
    {
      stream: { job: 'web' },
      values: [
        [sec(1), JSON.stringify({ status: 200, path: '/a', user: { name: 'ann' } })],
        [sec(2), JSON.stringify({ status: 503, path: '/b', user: { name: 'bob' } })],
        [sec(3), JSON.stringify({ status: 500, path: '/c', user: { name: 'cy' } })],
        [sec(4), 'not json at all'],
      ],
    },
    { stream: { job: 'redos' }, values: [[sec(5), 'a'.repeat(50_000) + '!']] },
  ]);
});

afterAll(async () => {
  await norn?.stop();
});

const range = { start: sec(0), end: sec(60) };

describe('log queries with pipelines', () => {
  it('parses JSON, filters on numbers and keeps extracted labels', async () => {
    const body = await loki.queryRange('{job="web"} | json | status >= 500', { ...range, direction: 'forward' });
    expect(body.data.result.map((s) => [s.stream['path'], s.stream['user_name'], s.stream['status']])).toEqual(
      expect.arrayContaining([
        ['/b', 'bob', '503'],
        ['/c', 'cy', '500'],
      ]),
    );
    expect(body.data.result).toHaveLength(2);
  });

  it('marks lines a parser cannot read with __error__ and lets a filter drop them', async () => {
    const errors = await loki.queryRange('{job="web"} | json | __error__ != ""', range);
    expect(errors.data.result).toHaveLength(1);
    expect(errors.data.result[0]!.stream['__error__']).toBe('JSONParserErr');
    expect(errors.data.result[0]!.values[0]![1]).toBe('not json at all');
  });

  it('rewrites lines with line_format', async () => {
    const lines = await loki.lines('{job="app"} | logfmt | level="error" | line_format "{{.level | upper}}: {{.msg}}"', range);
    expect(lines).toEqual(['ERROR: request 2', 'ERROR: request 5']);
  });

  it('answers a catastrophic-backtracking regex at once and correctly', async () => {
    expect(await loki.lines('{job="redos"} |~ "(a+)+$"', range)).toEqual([]);
    expect(await loki.lines('{job="redos"} |~ "(a+)+!$"', range)).toHaveLength(1);
  });
});

describe('metric queries', () => {
  it('counts over a range as a matrix with Loki\'s step and windows', async () => {
    const body = await loki.getJson<Matrix>('/loki/api/v1/query_range', {
      query: 'count_over_time({job="app"}[30s])',
      start: String(BASE_S + 30),
      end: String(BASE_S + 60),
      step: '30',
    });
    expect(body.data.resultType).toBe('matrix');
    // Windows are (T-30s, T]: at T=30 the entries at 10, 20, 30 (0 is excluded); at 60 those at 40, 50.
    expect(body.data.result).toEqual([
      { metric: { env: 'prod', job: 'app' }, values: [[BASE_S + 30, '3'], [BASE_S + 60, '2']] },
    ]);
  });

  it('sums by a parsed label at an instant', async () => {
    const body = await loki.getJson<Vector>('/loki/api/v1/query', {
      query: 'sum by (level) (count_over_time({job="app"} | logfmt [5m]))',
      time: String(BASE_S + 60),
    });
    expect(body.data.resultType).toBe('vector');
    const counts = Object.fromEntries(body.data.result.map((s) => [s.metric['level'], s.value[1]]));
    expect(counts).toEqual({ info: '3', error: '2', warn: '1' });
  });

  it('unwraps a label and aggregates it', async () => {
    const body = await loki.getJson<Vector>('/loki/api/v1/query', {
      query: 'sum(sum_over_time({job="app"} | logfmt | unwrap latency_ms [5m]))',
      time: String(BASE_S + 60),
    });
    expect(body.data.result.map((s) => s.value[1])).toEqual(['210']);
  });

  it('answers Grafana\'s health check vector(1)+vector(1) with one sample of 2', async () => {
    const body = await loki.getJson<Vector>('/loki/api/v1/query', { query: 'vector(1)+vector(1)' });
    expect(body.data.resultType).toBe('vector');
    expect(body.data.result).toHaveLength(1);
    expect(body.data.result[0]!.value[1]).toBe('2');
  });

  it('computes rates and topk', async () => {
    const rate = await loki.getJson<Vector>('/loki/api/v1/query', { query: 'rate({job="app"}[1m])', time: String(BASE_S + 60) });
    expect(Number(rate.data.result[0]!.value[1])).toBeCloseTo(5 / 60, 10);
    const top = await loki.getJson<Vector>('/loki/api/v1/query', {
      query: 'topk(1, sum by (job) (count_over_time({job=~"app|web"}[5m])))',
      time: String(BASE_S + 60),
    });
    expect(top.data.result.map((s) => [s.metric['job'], s.value[1]])).toEqual([['app', '6']]);
  });
});

describe('query text', () => {
  it('pretty-prints with format_query', async () => {
    const body = await loki.getJson<{ status: string; data: string }>('/loki/api/v1/format_query', { query: '{job="app"}|="x"' });
    expect(body.data).toBe('{job="app"} |= "x"');
  });

  it('refuses bad queries with Loki\'s parse error', async () => {
    const response = await loki.get('/loki/api/v1/query', { query: 'sum(count_over_time({job="app"}))' });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/^parse error at line 1, col \d+/);
  });
});
