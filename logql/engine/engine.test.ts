import { describe, expect, it } from 'vitest';
import { labelsFromRecord } from '../../core/model.js';
import { compileLogSelector, compileSampleExpr } from '../plan.js';
import { MemoryQuerier, type MemoryStream } from '../testing/memory-querier.js';
import { emptyStats, type QueryParams } from '../types.js';
import { Engine } from './engine.js';
import { selectLogsFromStreams, selectSamplesFromStreams } from './select.js';

const s = (n: number): bigint => BigInt(n) * 1_000_000_000n;

const streams: MemoryStream[] = [
  {
    labels: labelsFromRecord({ app: 'a', env: 'prod' }),
    entries: [
      { ts: s(1), line: 'level=info msg="started" took=10ms' },
      { ts: s(2), line: 'level=error msg="boom" took=250ms' },
      { ts: s(4), line: 'level=info msg="ok" took=5ms' },
    ],
  },
  {
    labels: labelsFromRecord({ app: 'b', env: 'prod' }),
    entries: [
      { ts: s(3), line: 'level=error msg="bad" took=1s' },
      { ts: s(5), line: 'level=debug msg="noise"' },
    ],
  },
];

function logParams(query: string, extra: Partial<QueryParams> = {}): QueryParams {
  return {
    tenant: 'fake', query, start: s(0), end: s(10), step: 0n, interval: 0n, limit: 100, direction: 'backward', kind: 'range', ...extra,
  };
}

describe('Engine log queries', () => {
  it('filters, limits in direction and groups by labels', async () => {
    const res = await new Engine().query(logParams('{env="prod"} |= "error"', { limit: 1 }), new MemoryQuerier(streams));
    expect(res.data.resultType).toBe('streams');
    if (res.data.resultType !== 'streams') return;
    expect(res.data.result).toEqual([{ labels: labelsFromRecord({ app: 'b', env: 'prod' }), entries: [{ ts: s(3), line: 'level=error msg="bad" took=1s' }] }]);
    expect(res.stats.totalEntriesReturned).toBe(1);
  });

  it('deduplicates replicas and keeps the first entries forward', async () => {
    const res = await new Engine().query(logParams('{env="prod"}', { limit: 3, direction: 'forward' }), new MemoryQuerier(streams, 2));
    if (res.data.resultType !== 'streams') throw new Error('streams expected');
    const all = res.data.result.flatMap((st) => st.entries.map((e) => e.ts));
    expect(all.sort()).toEqual([s(1), s(2), s(3)]);
    expect(res.stats.totalEntriesReturned).toBe(3);
  });

  it('parsed labels become stream labels', async () => {
    const res = await new Engine().query(logParams('{app="a"} | logfmt | level="error" | keep level'), new MemoryQuerier(streams));
    if (res.data.resultType !== 'streams') throw new Error('streams expected');
    // Each entry also says which of its labels the parser made (for categorize-labels answers).
    expect(res.data.result).toEqual([
      { labels: labelsFromRecord({ level: 'error' }), entries: [{ ts: s(2), line: 'level=error msg="boom" took=250ms', parsed: labelsFromRecord({ level: 'error' }) }] },
    ]);
  });

  it('rejects a bad query with a coded 400', async () => {
    await expect(new Engine().query(logParams('{app="a"'), new MemoryQuerier(streams))).rejects.toMatchObject({ code: 'LOGQL_PARSE', status: 400 });
  });
});

describe('data-source API', () => {
  it('exposes matchers, required substrings and a pipeline', () => {
    const plan = compileLogSelector('{app="a"} |= "err" |~ "x" | logfmt |= "boom"');
    expect(plan.matchers.map((m) => [m.name, m.type, m.value])).toEqual([['app', '=', 'a']]);
    expect(plan.requiredSubstrings).toEqual(['err', 'x', 'boom']);
    expect(compileLogSelector('{app="a"} |~ "blk_[0-9]+ terminating" |> "<_> took <_>" |= "a" or "b" != "c"').requiredSubstrings).toEqual([' terminating', ' took ']);
    expect(compileLogSelector('{app="a"} |~ "(?i)err" |~ "a|b" | line_format "x" |= "after"').requiredSubstrings).toEqual([]);
    expect(plan.isNoop).toBe(false);
    const p = plan.pipeline.forStream(labelsFromRecord({ app: 'a' }));
    expect(p.process(1n, 'level=err x=1 boom')).toEqual({ line: 'level=err x=1 boom', labels: labelsFromRecord({ app: 'a', level: 'err', x: '1' }) });
    expect(p.process(1n, 'nothing here')).toBeNull();
    expect(compileLogSelector('{app="a"}').isNoop).toBe(true);
  });

  it('extracts samples with a line hash', () => {
    const plan = compileSampleExpr('bytes_over_time({env="prod"} |= "error" [1m])');
    const series = selectSamplesFromStreams(streams, plan, { start: s(0), end: s(10) }, emptyStats());
    expect(series.map((x) => x.samples.map((y) => y.value))).toEqual([[Buffer.byteLength('level=error msg="boom" took=250ms')], [Buffer.byteLength('level=error msg="bad" took=1s')]]);
    expect(series[0]!.samples[0]!.hash).toBe(series[0]!.samples[0]!.hash >>> 0);
  });

  it('stops reading a stream once the limit is settled', () => {
    const plan = compileLogSelector('{app="a"}');
    let read = 0;
    const entries = (function* () {
      for (let i = 0; i < 1000; i++) {
        read++;
        yield { ts: BigInt(i), line: `l${i}` };
      }
    })();
    const stats = emptyStats();
    const out = selectLogsFromStreams([{ labels: labelsFromRecord({ app: 'a' }), entries }], plan, { start: 0n, end: 10_000n, direction: 'forward', limit: 10 }, stats);
    expect(out[0]!.entries.map((e) => e.line)).toEqual(['l0', 'l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l8', 'l9']);
    expect(read).toBe(11);
    expect(stats.totalLinesProcessed).toBe(10);
  });
});

describe('sample extraction with a pushed-down sum', () => {
  it('groups while extracting when the text is a sum over a range aggregation', () => {
    const lines = [
      { ts: s(1), line: 'level=info id=1' },
      { ts: s(2), line: 'level=info id=2' },
      { ts: s(3), line: 'level=error id=3' },
    ];
    const input = [{ labels: labelsFromRecord({ app: 'a' }), entries: lines }];
    const plain = selectSamplesFromStreams(input, compileSampleExpr('count_over_time({app="a"} | logfmt [1m])'), { start: 0n, end: s(10) }, emptyStats());
    expect(plain).toHaveLength(3);
    const grouped = selectSamplesFromStreams(input, compileSampleExpr('sum by (level)(count_over_time({app="a"} | logfmt [1m]))'), { start: 0n, end: s(10) }, emptyStats());
    expect(grouped.map((x) => [x.labels, x.samples.length])).toEqual([
      [labelsFromRecord({ level: 'info' }), 2],
      [labelsFromRecord({ level: 'error' }), 1],
    ]);
  });
});
