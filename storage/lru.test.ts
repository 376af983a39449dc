import { describe, expect, it } from 'vitest';
import { LruCache } from './lru.js';

describe('LruCache', () => {
  it('evicts the least recently used entries by weight', () => {
    const cache = new LruCache<string, string>(10, (v) => v.length);
    cache.set('a', 'aaaa');
    cache.set('b', 'bbbb');
    expect(cache.get('a')).toBe('aaaa'); // a is now the most recent
    cache.set('c', 'cccc');
    expect(cache.has('b')).toBe(false);
    expect(cache.get('a')).toBe('aaaa');
    expect(cache.get('c')).toBe('cccc');
    expect(cache.weight).toBe(8);
  });

  it('does not keep a value heavier than the whole cache', () => {
    const cache = new LruCache<string, string>(3, (v) => v.length);
    cache.set('small', 'ab');
    cache.set('big', 'abcd');
    expect(cache.has('big')).toBe(false);
    expect(cache.get('small')).toBe('ab');
  });

  it('replaces values and tracks weight through deletes', () => {
    const cache = new LruCache<string, string>(100, (v) => v.length);
    cache.set('k', 'one');
    cache.set('k', 'three');
    expect(cache.weight).toBe(5);
    expect(cache.size).toBe(1);
    cache.delete('k');
    expect(cache.weight).toBe(0);
    cache.set('x', 'y');
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('counts items when no weigher is given', () => {
    const cache = new LruCache<number, number>(2);
    cache.set(1, 1);
    cache.set(2, 2);
    cache.set(3, 3);
    expect([cache.has(1), cache.has(2), cache.has(3)]).toEqual([false, true, true]);
  });
});
