import { describe, expect, it } from 'vitest';
import { labelsFromRecord, type Entry } from '../../core/model.js';
import { MemoryQuerier, type MemoryStream } from '../testing/memory-querier.js';
import type { QueryData, QueryParams } from '../types.js';
import { Engine } from './engine.js';

const sec = (n: number): bigint => BigInt(Math.round(n * 1000)) * 1_000_000n;

// {app="a"}: one line every 10 s from 10 s to 100 s; every third line is an error.
const aEntries: Entry[] = Array.from({ length: 10 }, (_, k) => {
  const i = k + 1;
  return { ts: sec(i * 10), line: `level=${i % 3 === 0 ? 'error' : 'info'} took=${i * 10}ms n=${i}` };
});
// {app="b"}: three lines; the last one's n is not a number.
const bEntries: Entry[] = [
  { ts: sec(5), line: 'level=info n=100' },
  { ts: sec(15), line: 'level=info n=100' },
  { ts: sec(25), line: 'level=error n=x' },
];
const streams: MemoryStream[] = [
  { labels: labelsFromRecord({ app: 'a', env: 'prod' }), entries: aEntries },
  { labels: labelsFromRecord({ app: 'b', env: 'dev' }), entries: bEntries },
];

// Two replicas hold the same data: every sample arrives twice and must count once.
const querier = new MemoryQuerier(streams, 2);

function instant(query: string, at: number): QueryParams {
  return { tenant: 't', query, start: sec(at), end: sec(at), step: 0n, interval: 0n, limit: 100, direction: 'backward', kind: 'instant' };
}

function range(query: string, from: number, to: number, step: number): QueryParams {
  return { tenant: 't', query, start: sec(from), end: sec(to), step: step === 0 ? 0n : sec(step), interval: 0n, limit: 100, direction: 'backward', kind: 'range' };
}

async function run(params: QueryParams): Promise<QueryData> {
  return (await new Engine().query(params, querier)).data;
}

/** A vector as [labels, value] pairs, in result order. */
async function vector(query: string, at: number): Promise<Array<[Record<string, string>, number]>> {
  const data = await run(instant(query, at));
  if (data.resultType !== 'vector') throw new Error(`vector expected, got ${data.resultType}`);
  for (const s of data.result) expect(s.t).toBe(at * 1000);
  return data.result.map((s) => [Object.fromEntries(s.metric.map((l) => [l.name, l.value])), s.v]);
}

const instantCases: Array<[string, number, Array<[Record<string, string>, number]>]> = [
  // Windows are (T - range, T]: the line at exactly T - range is out, the one at T is in.
  ['count_over_time({app="a"}[30s])', 60, [[{ app: 'a', env: 'prod' }, 3]]],
  ['count_over_time({app="a"}[30s])', 61, [[{ app: 'a', env: 'prod' }, 3]]],
  ['count_over_time({app="a"}[30s] offset 30s)', 90, [[{ app: 'a', env: 'prod' }, 3]]],
  ['rate({app="a"}[1m])', 60, [[{ app: 'a', env: 'prod' }, 0.1]]],
  ['bytes_over_time({app="b"}[1m])', 30, [[{ app: 'b', env: 'dev' }, 16 + 16 + 15]]],
  ['bytes_rate({app="b"}[10s])', 30, [[{ app: 'b', env: 'dev' }, 1.5]]],
  ['sum by (level) (count_over_time({app="a"} | logfmt [1m]))', 60, [[{ level: 'error' }, 2], [{ level: 'info' }, 4]]],
  ['sum without (took, n, env) (count_over_time({app="a"} | logfmt [1m]))', 60, [[{ app: 'a', level: 'error' }, 2], [{ app: 'a', level: 'info' }, 4]]],
  ['sum by (level) (sum_over_time({app="a"} | logfmt | unwrap n [1m]))', 60, [[{ level: 'error' }, 9], [{ level: 'info' }, 12]]],
  ['avg_over_time({app="a"} | logfmt | unwrap duration(took) [1m]) by (level)', 60, [[{ level: 'error' }, 0.045], [{ level: 'info' }, 0.03]]],
  ['max_over_time({app="a"} | logfmt | unwrap n [1m]) by (app)', 60, [[{ app: 'a' }, 6]]],
  ['min_over_time({app="a"} | logfmt | unwrap n [1m]) by (app)', 60, [[{ app: 'a' }, 1]]],
  ['first_over_time({app="a"} | logfmt | unwrap n [1m]) by (app)', 60, [[{ app: 'a' }, 1]]],
  ['last_over_time({app="a"} | logfmt | unwrap n [1m]) by (app)', 60, [[{ app: 'a' }, 6]]],
  ['quantile_over_time(0.5, {app="a"} | logfmt | unwrap n [1m]) by (app)', 60, [[{ app: 'a' }, 3.5]]],
  ['stdvar_over_time({app="a"} | logfmt | unwrap n [1m]) by (app)', 60, [[{ app: 'a' }, 35 / 12]]],
  ['sum_over_time({app="b"} | logfmt | __error__="" | unwrap n | __error__="" [1m])', 30, [[{ app: 'b', env: 'dev', level: 'info' }, 200]]],
  ['sum by (app) (rate_counter({app="a"} | logfmt | drop took, level | unwrap n [1m]))', 60, [[{ app: 'a' }, 0.1]]],
  ['absent_over_time({app="zzz", env=~"x.*"}[1m])', 60, [[{ app: 'zzz' }, 1]]],
  ['absent_over_time({app="a"}[1m])', 60, []],
  ['topk(1, count_over_time({app=~"a|b"}[1m]))', 40, [[{ app: 'a', env: 'prod' }, 4]]],
  ['bottomk(1, count_over_time({app=~"a|b"}[1m]))', 40, [[{ app: 'b', env: 'dev' }, 3]]],
  ['sort_desc(count_over_time({app=~"a|b"}[1m]))', 40, [[{ app: 'a', env: 'prod' }, 4], [{ app: 'b', env: 'dev' }, 3]]],
  ['sort(count_over_time({app=~"a|b"}[1m]))', 40, [[{ app: 'b', env: 'dev' }, 3], [{ app: 'a', env: 'prod' }, 4]]],
  ['count(count_over_time({app=~"a|b"}[1m]))', 40, [[{}, 2]]],
  ['avg(count_over_time({app=~"a|b"}[1m]))', 40, [[{}, 3.5]]],
  ['stddev(count_over_time({app=~"a|b"}[1m]))', 40, [[{}, 0.5]]],
  ['max by (missing) (count_over_time({app=~"a|b"}[1m]))', 40, [[{}, 4]]],
  ['count_over_time({app=~"a|b"}[1m]) > 3', 40, [[{ app: 'a', env: 'prod' }, 4]]],
  ['count_over_time({app=~"a|b"}[1m]) > bool 3', 40, [[{ app: 'a', env: 'prod' }, 1], [{ app: 'b', env: 'dev' }, 0]]],
  ['10 - count_over_time({app=~"a|b"}[1m])', 40, [[{ app: 'a', env: 'prod' }, 6], [{ app: 'b', env: 'dev' }, 7]]],
  ['count_over_time({app="a"}[1m]) / on (app) count_over_time({app="a"}[30s])', 60, [[{ app: 'a' }, 2]]],
  ['count_over_time({app="a"}[1m]) / ignoring (env) count_over_time({app="a"}[30s])', 60, [[{ app: 'a' }, 2]]],
  ['count_over_time({app=~"a|b"}[1m]) * on () group_left vector(2)', 40, [[{ app: 'a', env: 'prod' }, 8], [{ app: 'b', env: 'dev' }, 6]]],
  ['count_over_time({app=~"a|b"}[1m]) and count_over_time({app="a"}[1m])', 40, [[{ app: 'a', env: 'prod' }, 4]]],
  ['count_over_time({app=~"a|b"}[1m]) unless count_over_time({app="a"}[1m])', 40, [[{ app: 'b', env: 'dev' }, 3]]],
  ['count_over_time({app="b"}[1m]) or count_over_time({app="a"}[1m])', 40, [[{ app: 'a', env: 'prod' }, 4], [{ app: 'b', env: 'dev' }, 3]]],
  ['label_replace(count_over_time({app="a"}[1m]), "svc", "$1-svc", "app", "(.*)")', 40, [[{ app: 'a', env: 'prod', svc: 'a-svc' }, 4]]],
  ['label_replace(count_over_time({app="a"}[1m]), "svc", "$1", "app", "nomatch")', 40, [[{ app: 'a', env: 'prod' }, 4]]],
  ['vector(1) + vector(1)', 60, [[{}, 2]]],
  ['sum(count_over_time({app="a"}[1m])) + vector(1)', 60, [[{}, 7]]],
  ['count_over_time({app="nothing"}[1m])', 60, []],
];

describe('instant metric queries', () => {
  it.each(instantCases)('%s at %ss', async (query, at, expected) => {
    const got = await vector(query, at);
    expect(got.map(([l]) => l)).toEqual(expected.map(([l]) => l));
    got.forEach(([, v], i) => expect(v).toBeCloseTo(expected[i]![1], 9));
  });

  it('a literal is a scalar', async () => {
    expect(await run(instant('1 + 1', 60))).toEqual({ resultType: 'scalar', result: { t: 60_000, v: 2 } });
  });

  it('division by zero is NaN, as in Loki', async () => {
    const got = await vector('count_over_time({app="a"}[1m]) / 0', 60);
    expect(Number.isNaN(got[0]![1])).toBe(true);
    const scalar = await run(instant('1 / 0', 60));
    expect(scalar.resultType === 'scalar' && Number.isNaN(scalar.result.v)).toBe(true);
  });

  it('infinite quantiles outside [0, 1]', async () => {
    const got = await vector('quantile_over_time(2, {app="a"} | logfmt | unwrap n [1m]) by (app)', 60);
    expect(got[0]![1]).toBe(Infinity);
  });

  it('fails a series that still carries __error__', async () => {
    await expect(run(instant('sum_over_time({app="b"} | logfmt | unwrap n [1m])', 30))).rejects.toMatchObject({
      code: 'LOGQL_PIPELINE',
      status: 400,
      message: expect.stringContaining("pipeline error: 'SampleExtractionErr' for series:"),
    });
  });

  it('fails many-to-many matching', async () => {
    await expect(run(instant('count_over_time({app=~"a|b"}[1m]) + on () count_over_time({app=~"a|b"}[1m])', 40))).rejects.toMatchObject({ status: 400 });
  });
});

describe('range metric queries', () => {
  it('steps from start to end and leaves gaps', async () => {
    const data = await run(range('count_over_time({app="b"}[10s])', 0, 40, 10));
    expect(data).toEqual({
      resultType: 'matrix',
      result: [{ metric: labelsFromRecord({ app: 'b', env: 'dev' }), points: [{ t: 10_000, v: 1 }, { t: 20_000, v: 1 }, { t: 30_000, v: 1 }] }],
    });
  });

  it('evaluates every step of an aggregation', async () => {
    const data = await run(range('sum(count_over_time({app=~"a|b"}[20s]))', 20, 100, 20));
    if (data.resultType !== 'matrix') throw new Error('matrix expected');
    expect(data.result).toHaveLength(1);
    expect(data.result[0]!.points).toEqual([
      { t: 20_000, v: 4 },
      { t: 40_000, v: 3 },
      { t: 60_000, v: 2 },
      { t: 80_000, v: 2 },
      { t: 100_000, v: 2 },
    ]);
  });

  it('defaults the step to max(floor(range / 250), 1s)', async () => {
    const data = await run(range('vector(1)', 0, 1000, 0));
    if (data.resultType !== 'matrix') throw new Error('matrix expected');
    expect(data.result[0]!.points).toHaveLength(251);
    expect(data.result[0]!.points[1]!.t).toBe(4000);
    const small = await run(range('vector(1)', 0, 10, 0));
    if (small.resultType !== 'matrix') throw new Error('matrix expected');
    expect(small.result[0]!.points.map((p) => p.t)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]);
  });

  it('refuses more than 11,000 points a series', async () => {
    await expect(run(range('vector(1)', 0, 3600, 0.1))).rejects.toMatchObject({
      code: 'LOGQL_LIMIT',
      message: 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    });
  });

  it('a literal over a range is one series', async () => {
    const data = await run(range('2 * 3', 0, 20, 10));
    expect(data).toEqual({ resultType: 'matrix', result: [{ metric: [], points: [{ t: 0, v: 6 }, { t: 10_000, v: 6 }, { t: 20_000, v: 6 }] }] });
  });
});
