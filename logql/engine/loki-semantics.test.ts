// Loki's exact answers for the cases where an evaluation once differed: each row is a query, the
// data it runs over and the value Loki gives. Every source is read three times over, as three
// replicas (RF 3) would answer, so every row also checks that replicas' copies count once while
// distinct streams that hold the same lines at the same times all count.

import { describe, expect, it } from 'vitest';
import { labelsFromRecord, type Entry, type Labels } from '../../core/model.js';
import { MemoryQuerier, type MemoryStream } from '../testing/memory-querier.js';
import type { Querier, QueryData, QueryParams } from '../types.js';
import { Engine } from './engine.js';

const sec = (n: number): bigint => BigInt(Math.round(n * 1000)) * 1_000_000n;

function stream(labels: Record<string, string>, lines: string[], metadata?: Array<Record<string, string> | undefined>): MemoryStream {
  const entries: Entry[] = lines.map((line, i) => {
    const md = metadata?.[i];
    return md === undefined ? { ts: sec(10 * (i + 1)), line } : { ts: sec(10 * (i + 1)), line, metadata: labelsFromRecord(md) };
  });
  return { labels: labelsFromRecord(labels), entries };
}

const bar = Array.from({ length: 6 }, (_, i) => `GET /foobar ${i}`);
const streams: MemoryStream[] = [
  // Three machines log the same lines at the same instants (case 1, 5).
  stream({ app: 'foo', cluster: 'a', machine: 'm1' }, bar),
  stream({ app: 'foo', cluster: 'b', machine: 'm2' }, bar),
  stream({ app: 'foo', cluster: 'b', machine: 'm3' }, bar),
  // unwrap over lines that lack the label or hold it empty (case 2).
  stream({ app: 'u' }, ['latency=10 size=1KB took=1s', 'size=2KB took=500ms', 'latency= size= took=', 'latency=5 size=1KiB took=1m']),
  stream({ app: 'j' }, ['{"latency":10}', '{"other":1}', '{"latency":""}', '{"latency":4}']),
  stream({ app: 'bad' }, ['latency=abc']),
  // Empty labels are no labels (case 3).
  stream({ app: 's' }, ['{"name":"bob"}', '{"x":1}', '{"name":""}']),
  // Durations and byte sizes with units (case 4).
  stream({ app: 'd' }, ['took=1h30m size=3MB', 'took=1s size=2048KiB', 'took=2s size=2GiB', 'took=500ms size=2TB', 'took=1.6s size=2PiB', 'size=900kB']),
  // Keys that appear twice in a line (case 6).
  stream({ app: 'p', f: 'logfmt' }, ['a=1 a=2', 'b= b=3']),
  stream({ app: 'p', f: 'json' }, ['{"a":"1","a":"2"}']),
  // Entries equal in timestamp and line, different in structured metadata (case 12).
  { labels: labelsFromRecord({ app: 'md' }), entries: [
    { ts: sec(10), line: 'same', metadata: labelsFromRecord({ trace_id: '1' }) },
    { ts: sec(10), line: 'same', metadata: labelsFromRecord({ trace_id: '2' }) },
  ] },
];

const querier = new MemoryQuerier(streams, 3);

function instant(query: string, at = 60): QueryParams {
  return { tenant: 't', query, start: sec(at), end: sec(at), step: 0n, interval: 0n, limit: 100, direction: 'backward', kind: 'instant' };
}

async function run(params: QueryParams): Promise<QueryData> {
  return (await new Engine().query(params, querier)).data;
}

function show(labels: Labels): string {
  return '{' + labels.map((l) => `${l.name}="${l.value}"`).join(', ') + '}';
}

/** An instant vector as [labels, value] in result order. */
async function vector(query: string, at = 60): Promise<Array<[string, number]>> {
  const data = await run(instant(query, at));
  if (data.resultType !== 'vector') throw new Error(`vector expected, got ${data.resultType}`);
  return data.result.map((s) => [show(s.metric), s.v]);
}

type Row = [query: string, expected: Array<[string, number]>];

const cases: Record<string, Row[]> = {
  '1: sum keys samples by stream before it aggregates': [
    ['sum(count_over_time({app="foo"} |~ ".+bar" [1m]))', [['{}', 18]]],
    ['sum by (cluster) (count_over_time({app="foo"} |~ ".+bar" [1m]))', [['{cluster="a"}', 6], ['{cluster="b"}', 12]]],
    ['sum(rate({app="foo"}[1m]))', [['{}', 0.3]]],
    ['sum(bytes_over_time({app="foo"}[1m]))', [['{}', 3 * bar.reduce((n, l) => n + l.length, 0)]]],
    ['sum by (app) (count_over_time({app="foo"} | drop machine, cluster [1m]))', [['{app="foo"}', 18]]],
    ['count_over_time({app="foo"} | drop machine, cluster [1m])', [['{app="foo"}', 18]]],
  ],
  '2: unwrap skips lines without the label, or with it empty': [
    ['sum by (app) (sum_over_time({app="u"} | logfmt | unwrap latency [1m]))', [['{app="u"}', 15]]],
    ['avg_over_time({app="u"} | logfmt | unwrap latency [1m]) by (app)', [['{app="u"}', 7.5]]],
    ['sum by (app) (count_over_time({app="u"} | logfmt [1m]))', [['{app="u"}', 4]]],
    ['first_over_time({app="u"} | logfmt | unwrap latency [1m]) by (app)', [['{app="u"}', 10]]],
    ['last_over_time({app="u"} | logfmt | unwrap latency [1m]) by (app)', [['{app="u"}', 5]]],
    ['sum by (app) (sum_over_time({app="u"} | logfmt | unwrap bytes(size) [1m]))', [['{app="u"}', 1000 + 2000 + 1024]]],
    ['max_over_time({app="u"} | logfmt | unwrap duration(took) [1m]) by (app)', [['{app="u"}', 60]]],
    ['sum by (app) (sum_over_time({app="u"} | logfmt | unwrap duration_seconds(took) [1m]))', [['{app="u"}', 61.5]]],
    ['quantile_over_time(0.5, {app="u"} | logfmt | unwrap latency [1m]) by (app)', [['{app="u"}', 7.5]]],
    ['sum by (app) (sum_over_time({app="j"} | json | unwrap latency [1m]))', [['{app="j"}', 14]]],
    ['sum by (app) (sum_over_time({app="u"} | logfmt | unwrap latency [1m] offset 30s))', [['{app="u"}', 10]]],
    ['absent_over_time({app="u"} | logfmt | unwrap latency [5s])', [['{app="u"}', 1]]],
  ],
  '3: an empty label is no label, in filters and in series': [
    ['count_over_time({app="s"} | json name [1m])', [['{app="s"}', 2], ['{app="s", name="bob"}', 1]]],
    ['count_over_time({app="s"} | json | name="" [1m])', [['{app="s"}', 1], ['{app="s", x="1"}', 1]]],
    ['sum(count_over_time({app="s"} | json | name="" [1m]))', [['{}', 2]]],
    ['sum(count_over_time({app="s"} | json | name=~".*" [1m]))', [['{}', 3]]],
    ['sum by (name) (count_over_time({app="s"} | json [1m]))', [['{}', 2], ['{name="bob"}', 1]]],
    ['count_over_time({app="s"} | json name | name!="" [1m])', [['{app="s", name="bob"}', 1]]],
  ],
  '4: duration and bytes filters read the label with its unit': [
    ['sum(count_over_time({app="d"} | logfmt | took > 1.5s [2m]))', [['{}', 3]]],
    ['sum(count_over_time({app="d"} | logfmt | took >= 1h [2m]))', [['{}', 1]]],
    ['sum(count_over_time({app="d"} | logfmt | size > 1MB [2m]))', [['{}', 5]]],
    ['sum(count_over_time({app="d"} | logfmt | size >= 2TB [2m]))', [['{}', 2]]],
    ['sum(count_over_time({app="d"} | logfmt | size > 2000GiB [2m]))', [['{}', 1]]],
    ['sum(count_over_time({app="d"} | logfmt | size >= 2PiB [2m]))', [['{}', 1]]],
    ['sum(count_over_time({app="d"} | logfmt | size < 1MiB [2m]))', [['{}', 1]]],
  ],
  '5: many-to-one matching': [
    [
      'count_over_time({app="foo"}[1m]) / on (app) group_left sum by (app) (count_over_time({app="foo"}[1m]))',
      [['{app="foo", cluster="a", machine="m1"}', 1 / 3], ['{app="foo", cluster="b", machine="m2"}', 1 / 3], ['{app="foo", cluster="b", machine="m3"}', 1 / 3]],
    ],
    [
      'sum(count_over_time({app="foo"}[1m])) / on () group_right count_over_time({app="foo"}[1m])',
      [['{app="foo", cluster="a", machine="m1"}', 3], ['{app="foo", cluster="b", machine="m2"}', 3], ['{app="foo", cluster="b", machine="m3"}', 3]],
    ],
  ],
  '6: parsers keep the first value of a repeated key': [
    ['sum by (a) (count_over_time({app="p", f="logfmt"} | logfmt [1m]))', [['{}', 1], ['{a="1"}', 1]]],
    ['sum by (b) (count_over_time({app="p", f="logfmt"} | logfmt [1m]))', [['{}', 1], ['{b="3"}', 1]]],
    ['sum by (b) (count_over_time({app="p", f="logfmt"} | logfmt --keep-empty [1m]))', [['{}', 2]]],
    ['sum by (a) (count_over_time({app="p", f="json"} | json [1m]))', [['{a="1"}', 1]]],
  ],
  '8: sort keeps its order through arithmetic with a scalar': [
    ['sort_desc(sum by (cluster) (count_over_time({app="foo"}[1m]))) * 2', [['{cluster="b"}', 24], ['{cluster="a"}', 12]]],
    ['sort(sum by (cluster) (count_over_time({app="foo"}[1m]))) + 1', [['{cluster="a"}', 7], ['{cluster="b"}', 13]]],
    ['10 * sort_desc(sum by (cluster) (count_over_time({app="foo"}[1m])))', [['{cluster="b"}', 120], ['{cluster="a"}', 60]]],
  ],
  '9: approx_topk answers as topk for small cardinalities': [
    ['approx_topk(1, sum by (cluster) (count_over_time({app="foo"}[1m])))', [['{cluster="b"}', 12]]],
    ['approx_topk(5, sum by (machine) (count_over_time({app="foo"}[1m])))', [['{machine="m1"}', 6], ['{machine="m2"}', 6], ['{machine="m3"}', 6]]],
  ],
  '9: variants run each metric query over the log range, tagged by index': [
    [
      'variants(sum(count_over_time({app="foo"}[1m])), sum(bytes_over_time({app="foo"}[1m]))) of ({app="foo"}[1m])',
      [['{__variant__="0"}', 18], ['{__variant__="1"}', 3 * bar.reduce((n, l) => n + l.length, 0)]],
    ],
    [
      'variants(sum by (cluster) (count_over_time({app="foo"}[1m]))) of ({app="foo"}[1m])',
      [['{__variant__="0", cluster="a"}', 6], ['{__variant__="0", cluster="b"}', 12]],
    ],
  ],
  '12: entries that differ only in structured metadata are distinct': [
    ['sum(count_over_time({app="md"}[1m]))', [['{}', 2]]],
    ['sum(count_over_time({app="md"} | drop trace_id [1m]))', [['{}', 2]]],
    ['count_over_time({app="md"}[1m])', [['{app="md", trace_id="1"}', 1], ['{app="md", trace_id="2"}', 1]]],
  ],
};

describe('LogQL answers as Loki does', () => {
  for (const [group, rows] of Object.entries(cases)) {
    describe(group, () => {
      it.each(rows)('%s', async (query, expected) => {
        const got = await vector(query);
        expect(got.map(([l]) => l)).toEqual(expected.map(([l]) => l));
        got.forEach(([, v], i) => expect(v).toBeCloseTo(expected[i]![1], 12));
      });
    });
  }

  // [query, HTTP status, Loki's message]
  const refused: Array<[string, number, string]> = [
    ['{app="foo"} |> "<verb> /api 200"', 400, "named captures are not allowed: found '<verb>'"],
    ['{app="foo"} |> "<_> /api <_>"', 0, ''],
    ['{app="foo"} |~ ip("1.1.1.1") or "x"', 400, 'ip: invalid operation'],
    ['{app="foo"} |~ "x" or ip("1.1.1.1")', 400, 'ip: invalid operation'],
    ['{app="foo"} |~ ip("1.1.1.1")', 400, 'ip: invalid operation'],
    ['{app="foo"} |= ip("1.1.1.1") or "x"', 0, ''],
    ['{app=~"\\xa0\\xa1"}', 400, 'parse error : error parsing regexp: invalid UTF-8: `\\xa0\\xa1`'],
    ['{app="foo", x="\\xff"}', 400, 'parse error : invalid UTF-8 in label value: "\\xff"'],
    ['{app="\\xc3\\xa9"} |= "\\xc3\\xa9"', 0, ''],
    ['{app="foo"} |~ `error\\`', 400, 'error parsing regexp: trailing backslash at end of expression: ``'],
    ['{app="foo"} |~ "(("', 400, 'error parsing regexp: missing closing ): `((`'],
    ['count_over_time({app="foo"} != "a" |~ "x(" [1m])', 400, 'error parsing regexp: missing closing ): `x(`'],
    ['sum(rate({app="foo"} | line_format "x" |~ "[a" [1m])) / 2', 400, 'error parsing regexp: missing closing ]: `[a`'],
    ['sum(variants(count_over_time({app="foo"}[1m])) of ({app="foo"}[1m]))', 400, 'parse error : variants must be the outermost expression of a query'],
  ];

  it.each(refused)('7, 10: %s answers %i', async (query, status, message) => {
    const kind = query.includes('[1m]') ? 'instant' : 'range';
    const params: QueryParams = { ...instant(query), kind, start: kind === 'range' ? sec(0) : sec(60) };
    const outcome = await run(params).then(() => undefined, (error: unknown) => error as { status?: number; message: string });
    if (status === 0) {
      expect(outcome).toBeUndefined();
      return;
    }
    expect(outcome?.status).toBe(status);
    expect(outcome?.message).toBe(message);
  });

  it('2: absent_over_time counts a window whose only line lacks the value as absent', async () => {
    // At 30 s the window (25 s, 30 s] holds only `latency= size= took=`.
    expect(await vector('absent_over_time({app="u"} | logfmt | unwrap latency [5s])', 30)).toEqual([['{app="u"}', 1]]);
    expect(await vector('absent_over_time({app="u"} | logfmt | unwrap latency [5s])', 40)).toEqual([]);
  });

  it('2: a non-empty value that does not convert is still a pipeline error', async () => {
    await expect(run(instant('sum_over_time({app="bad"} | logfmt | unwrap latency [1m])'))).rejects.toThrow(
      /^pipeline error: 'SampleExtractionErr' for series: '\{__error__="SampleExtractionErr", __error_details__="strconv.ParseFloat: parsing \\"abc\\": invalid syntax", app="bad", latency="abc"\}'/,
    );
  });

  describe('11: API edges', () => {
    // One line a second, 0..9 s, in each of two streams.
    const ticks = (app: string): MemoryStream => ({
      labels: labelsFromRecord({ app }),
      entries: Array.from({ length: 10 }, (_, i) => ({ ts: sec(i), line: `${app} ${i}` })),
    });
    const twoStreams = new MemoryQuerier([ticks('x'), ticks('y')], 3);

    async function logs(query: string, direction: 'forward' | 'backward', interval: number, limit: number): Promise<string[]> {
      const params: QueryParams = { tenant: 't', query, start: sec(0), end: sec(10), step: 0n, interval: sec(interval), limit, direction, kind: 'range' };
      const data = (await new Engine().query(params, twoStreams)).data;
      if (data.resultType !== 'streams') throw new Error('streams expected');
      return data.result.flatMap((s) => s.entries.map((e) => e.line));
    }

    it.each<[string, 'forward' | 'backward', number, number, string[]]>([
      // The limit counts entries the interval lets through, and the interval is kept across streams.
      ['{app="x"}', 'forward', 3, 3, ['x 0', 'x 3', 'x 6']],
      ['{app="x"}', 'backward', 3, 2, ['x 9', 'x 6']],
      ['{app="x"}', 'forward', 4, 10, ['x 0', 'x 4', 'x 8']],
      ['{app=~"x|y"}', 'forward', 2, 3, ['x 0', 'x 2', 'x 4']],
      ['{app=~"x|y"}', 'forward', 0, 3, ['x 0', 'x 1', 'y 0']],
    ])('%s %s interval=%is limit=%i', async (query, direction, interval, limit, expected) => {
      expect((await logs(query, direction, interval, limit)).sort()).toEqual([...expected].sort());
    });

    // Tenant a holds {app="foo"} x3 machines, tenant b one more machine with the same lines.
    const byTenant: Record<string, Querier> = {
      a: new MemoryQuerier(streams.slice(0, 3), 3),
      b: new MemoryQuerier([stream({ app: 'foo', cluster: 'c', machine: 'm4' }, bar)], 3),
    };
    const tenants: Querier = {
      selectLogs: (params, stats) => byTenant[params.tenant]!.selectLogs(params, stats),
      selectSamples: (params, stats) => byTenant[params.tenant]!.selectSamples(params, stats),
    };
    async function tenantVector(query: string): Promise<Array<[string, number]>> {
      const data = (await new Engine().query({ ...instant(query), tenant: 'a|b' }, tenants)).data;
      if (data.resultType !== 'vector') throw new Error('vector expected');
      return data.result.map((s) => [show(s.metric), s.v]);
    }

    it.each<[string, Array<[string, number]>]>([
      ['sum(count_over_time({app="foo"}[1m]))', [['{}', 24]]],
      ['sum by (__tenant_id__) (count_over_time({app="foo"}[1m]))', [['{__tenant_id__="a"}', 18], ['{__tenant_id__="b"}', 6]]],
      ['sum(count_over_time({app="foo", __tenant_id__="b"}[1m]))', [['{}', 6]]],
      ['sum by (cluster) (rate({app="foo", __tenant_id__=~"a|b"}[1m]))', [['{cluster="a"}', 0.1], ['{cluster="b"}', 0.2], ['{cluster="c"}', 0.1]]],
      ['count_over_time({app="foo", cluster="c"}[1m])', [['{__tenant_id__="b", app="foo", cluster="c", machine="m4"}', 6]]],
    ])('several tenants: %s', async (query, expected) => {
      const got = await tenantVector(query);
      expect(got.map(([l]) => l)).toEqual(expected.map(([l]) => l));
      got.forEach(([, v], i) => expect(v).toBeCloseTo(expected[i]![1], 12));
    });
  });
});
