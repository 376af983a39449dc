import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { fullMatchTest, literalOf, requiredLiteral, searchTest } from './regex.js';

describe('literal analysis', () => {
  it.each<[string, string | undefined]>([
    ['foo', 'foo'],
    ['foo\\.bar', 'foo.bar'],
    ['foo.bar', undefined],
    ['a\\d', undefined],
  ])('literalOf(%s)', (pattern, expected) => {
    expect(literalOf(pattern)).toBe(expected);
  });

  it.each<[string, string | undefined]>([
    ['blk_[0-9]+ terminating', ' terminating'],
    ['colou?r', 'colo'],
    ['ab{2}c', 'a'],
    ['^GET /api/.*', 'GET /api/'],
    ['(foo|bar)bazz', 'bazz'],
    ['foo|bar', undefined],
    ['(?i)foo', undefined],
    ['a+bc', 'bc'],
    ['x*y', 'y'],
    ['\\d+ms', 'ms'],
  ])('requiredLiteral(%s)', (pattern, expected) => {
    expect(requiredLiteral(pattern)).toBe(expected);
  });

  // Whatever a pattern matches contains its required literal, on random inputs.
  it('never requires a literal a match can lack', () => {
    const patterns = ['colou?r', 'ab{2}c', 'a+bc', 'x*y', '(ab|cd)+e', 'a.b?c', 'ab*c+d', '[ab]c\\.d', 'a(b)?c', 'ba+b'];
    const alphabet = 'abcdexyruol.';
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (const pattern of patterns) {
      const re = RE2JS.compile(pattern);
      const needle = requiredLiteral(pattern);
      for (let i = 0; i < 3000; i++) {
        let s = '';
        const n = Math.floor(random() * 12);
        for (let j = 0; j < n; j++) s += alphabet[Math.floor(random() * alphabet.length)];
        if (needle !== undefined && re.test(s)) expect(s.includes(needle), `${pattern} on ${s}`).toBe(true);
        expect(searchTest(pattern).test(s)).toBe(re.test(s));
      }
    }
  });

  it('fast paths agree with full matching', () => {
    const cases: Array<[string, string, boolean]> = [
      ['foo', 'foo', true],
      ['foo', 'foobar', false],
      ['foo|bar', 'bar', true],
      ['foo.*', 'foobar', true],
      ['foo.*', 'xfoo', false],
      ['.+', '', false],
      ['.*', '', true],
      ['a\\d+', 'a12', true],
    ];
    for (const [pattern, value, expected] of cases) expect(fullMatchTest(pattern).test(value)).toBe(expected);
  });
});
