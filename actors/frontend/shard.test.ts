import { describe, expect, it } from 'vitest';
import { parseSampleExpr } from '../../logql/mod.js';
import { shardPlan } from './shard.js';
import type { Steps } from './steps.js';

const legs = (query: string) => shardPlan(parseSampleExpr(query))?.legs;

describe('shardPlan', () => {
  it('shards what merges exactly', () => {
    expect(legs('count_over_time({app="a"}[5m])')).toEqual(['count_over_time({app="a"}[5m])']);
    expect(legs('rate({app="a"} | logfmt [1m]) > 2')).toHaveLength(1);
    expect(legs('quantile_over_time(0.9, {app="a"} | logfmt | unwrap latency [5m])')).toHaveLength(1);
    expect(legs('sum by (level) (count_over_time({app="a"} | logfmt [5m]))')).toHaveLength(1);
    expect(legs('max without (host) (bytes_over_time({app="a"}[5m]))')).toHaveLength(1);
    expect(legs('sum(sum by (host) (rate({app="a"}[5m])))')).toHaveLength(1);
    expect(legs('sum(count by (host) (rate({app="a"}[5m])))')).toHaveLength(1);
    expect(legs('count(rate({app="a"}[5m]))')).toHaveLength(1);
    expect(legs('topk(3, bytes_over_time({app="a"}[5m]))')).toHaveLength(1);
    expect(legs('sum(rate({app="a"}[5m])) * 100')).toHaveLength(1);
  });

  it('runs avg as a sum and a count', () => {
    expect(legs('avg by (host) (rate({app="a"}[5m]))')).toEqual([
      'sum by (host)(rate({app="a"}[5m]))',
      'count by (host)(rate({app="a"}[5m]))',
    ]);
  });

  it('leaves unsharded what a shard cannot answer alone', () => {
    for (const query of [
      'absent_over_time({app="a"}[5m])',
      'max_over_time({app="a"} | logfmt | unwrap n [5m]) by (host)',
      'quantile_over_time(0.9, {app="a"} | logfmt | unwrap n [5m]) by (host)',
      'count_over_time({app="a"} | drop host [5m])',
      'sum(count_over_time({app="a"} | label_format host="x" [5m]))',
      'label_replace(rate({app="a"}[5m]), "x", "$1", "host", "(.*)")',
      'sum(rate({app="a"}[5m])) / sum(rate({app="b"}[5m]))',
      'topk by (host) (3, rate({app="a"}[5m]))',
      'stddev(rate({app="a"}[5m]))',
      'sum(max by (host) (rate({app="a"}[5m])))',
      'count(count by (host) (rate({app="a"}[5m])))',
      'sort(rate({app="a"}[5m]))',
      'sum(rate({app="a"}[5m])) + 1 > sum(rate({app="b"}[5m]))',
    ]) {
      expect(legs(query), query).toBeUndefined();
    }
  });

  it('merges shards: sums of sums, counts as sums, avg as sum over count, then scalar operators', () => {
    const sample = (host: string, value: number) => ({ labels: [{ name: 'host', value: host }], key: `{host="${host}"}`, value });
    const shards = (a: number[], b: number[]): Steps[] => [[[sample('h1', a[0]!), sample('h2', a[1]!)]], [[sample('h1', b[0]!)]]];
    const sum = shardPlan(parseSampleExpr('sum by (host) (rate({app="a"}[5m])) * 2'))!;
    expect(sum.merge([shards([1, 2], [3])])[0]!.map((s) => [s.key, s.value])).toEqual([['{host="h1"}', 8], ['{host="h2"}', 4]]);
    const avg = shardPlan(parseSampleExpr('avg by (host) (rate({app="a"}[5m]))'))!;
    const merged = avg.merge([shards([4, 2], [6]), shards([1, 1], [3])]);
    expect(merged[0]!.map((s) => [s.key, s.value])).toEqual([['{host="h1"}', 2.5], ['{host="h2"}', 2]]);
    const top = shardPlan(parseSampleExpr('topk(1, rate({app="a"}[5m]))'))!;
    expect(top.merge([shards([1, 5], [3])])[0]!.map((s) => s.key)).toEqual(['{host="h2"}']);
    expect(top.order).toBe('keep');
  });
});
