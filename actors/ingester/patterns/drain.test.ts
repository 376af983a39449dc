import { describe, expect, it } from 'vitest';
import { Drain, tokenize } from './drain.js';
import { PatternStore } from './store.js';

describe('Drain', () => {
  it('mines lines that differ in parameters into one template', () => {
    const drain = new Drain();
    drain.train('level=info msg="user logged in" user=alice duration=15ms');
    drain.train('level=info msg="user logged in" user=bob duration=7ms');
    const last = drain.train('level=info msg="user logged in" user=carol duration=3ms')!;
    expect(last.pattern).toBe('level=info msg="user logged in" user=<_> duration=<_>');
    const other = drain.train('connection reset by peer 10.0.0.1')!;
    expect(other.id).not.toBe(last.id);
    expect(drain.size).toBe(2);
  });

  it('keeps keys of numeric logfmt values and caps long lines', () => {
    expect(tokenize('status=500 took 12 ms', 80)).toEqual(['status=<_>', 'took', '<_>', 'ms']);
    expect(tokenize('a b c d', 2)).toEqual(['a', 'b', '<_>']);
  });

  it('evicts the least recently used cluster beyond its cap', () => {
    const drain = new Drain({ prefixTokens: 2, similarity: 0.3, maxClustersPerLeaf: 100, maxClusters: 2, maxTokens: 80 });
    drain.train('alpha one');
    drain.train('beta two');
    drain.train('gamma three');
    expect(drain.size).toBe(2);
  });
});

describe('PatternStore', () => {
  it('counts per step bucket per stream and answers by selector', () => {
    const now = 1_700_000_000_000;
    const store = new PatternStore(() => now);
    const labels = [{ name: 'app', value: 'a' }];
    const ts = (ms: number) => BigInt(ms) * 1_000_000n;
    store.observe('t', '{app="a"}', labels, [
      { ts: ts(now - 125_000), line: 'GET /x 200 5ms' },
      { ts: ts(now - 65_000), line: 'GET /y 200 9ms' },
      { ts: ts(now - 61_000), line: 'GET /z 404 1ms' },
    ]);
    const result = store.query('t', '{app="a"}', now - 3_600_000, now, 60_000);
    expect(result).toHaveLength(1);
    expect(result[0]!.patterns).toEqual([{ pattern: 'GET <_> <_> <_>', samples: [[now - 125_000 - ((now - 125_000) % 60_000), 1], [now - 65_000 - ((now - 65_000) % 60_000), 2]] }]);
    expect(store.query('t', '{app="b"}', now - 3_600_000, now, 60_000)).toEqual([]);
    expect(store.query('other', '{app="a"}', now - 3_600_000, now, 60_000)).toEqual([]);
  });
});

describe('Drain with many leaves', () => {
  it('routes, matches and evicts the same once its leaves outgrow the scanned list', () => {
    const drain = new Drain({ prefixTokens: 1, similarity: 0.3, maxClustersPerLeaf: 100, maxClusters: 12, maxTokens: 80 });
    const first = new Map<number, number>();
    // Twelve leaves (first tokens w0..w11), each trained twice: the second line joins the first's cluster.
    for (let i = 0; i < 12; i++) first.set(i, drain.train(`w${'x'.repeat(i)} user=alice took=${i}ms`)!.id);
    for (let i = 0; i < 12; i++) {
      const again = drain.train(`w${'x'.repeat(i)} user=bob took=${i + 1}ms`)!;
      expect(again.id).toBe(first.get(i));
      expect(again.pattern).toBe(`w${'x'.repeat(i)} user=<_> took=<_>`);
      expect(drain.cluster(again.id)).toBe(again);
    }
    expect(drain.size).toBe(12);
    expect(drain.clusters().map((cluster) => cluster.id)).toEqual([...first.values()]);
    // At the cap, a new template evicts the least recently used cluster: leaf 0's.
    const evicted: number[] = [];
    drain.onEvict = (cluster) => evicted.push(cluster.id);
    drain.train('brand new line');
    expect(evicted).toEqual([first.get(0)]);
    expect(drain.size).toBe(12);
    expect(drain.cluster(first.get(0)!)).toBeUndefined();
  });
});
