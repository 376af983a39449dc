import { describe, expect, it } from 'vitest';
import { formatHumanBytes, parseHumanBytes } from './bytes.js';
import { goQuote, goUnquote, goUnquoteChecked } from './quote.js';

describe("Go's strconv.Quote for label values", () => {
  it.each([
    ['plain', '"plain"'],
    ['', '""'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['tab\there\nnew\rline', '"tab\\there\\nnew\\rline"'],
    ['\x07\b\f\v', '"\\a\\b\\f\\v"'],
    ['\x01\x1f\x7f', '"\\x01\\x1f\\x7f"'],
    ['é 世界 🙂', '"é 世界 🙂"'],
  ])('%j -> %s', (value, quoted) => {
    expect(goQuote(value)).toBe(quoted);
  });
});

describe("Go's strconv.Unquote for LogQL's string literals", () => {
  it.each([
    ['"plain"', 'plain'],
    ['"a\\tb\\n"', 'a\tb\n'],
    ['"\\a\\b\\f\\v\\\\\\""', '\x07\b\f\v\\"'],
    ['"\\u00e9\\U0001F642"', 'é🙂'],
    ['"\\xc3\\xa9 \\303\\251"', 'é é'],
    ['`raw \\n "quoted"`', 'raw \\n "quoted"'],
  ])('%s -> %j', (literal, value) => {
    expect(goUnquote(literal)).toBe(value);
  });

  it('reads a value back from what goQuote wrote', () => {
    for (const value of ['a"b\\c', 'tab\tnew\nline\x01\x7f', 'é 世界']) expect(goUnquote(goQuote(value))).toBe(value);
  });

  it('tells bytes that are no UTF-8 apart', () => {
    expect(goUnquoteChecked('"\\xc3\\xa9"')).toEqual({ value: 'é', validUtf8: true });
    expect(goUnquoteChecked('"\\xa0\\xa1"')).toEqual({ value: '\xa0\xa1', validUtf8: false });
  });

  it.each(['"', '"a', 'a"', "'a'", '"\\q"', '"\\\'"', '"a"b"', '"\\ud800"', '"\\x4"', '"\\400"', '`a`b`', '"line\nbreak"'])('refuses %j', (literal) => {
    expect(() => goUnquote(literal)).toThrow(new Error('invalid syntax'));
  });
});

describe("go-humanize's byte sizes", () => {
  it.each([
    ['42', 42],
    ['5MB', 5_000_000],
    ['5mb', 5_000_000],
    ['1.5KiB', 1536],
    ['1 kb', 1000],
    ['1,000', 1000],
    ['2Gi', 2 * 1024 ** 3],
    ['10b', 10],
  ])('%s -> %s bytes', (text, bytes) => {
    expect(parseHumanBytes(text)).toBe(bytes);
  });

  it.each([
    ['MB', 'strconv.ParseFloat: parsing "": invalid syntax'],
    ['1.2.3MB', 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
    ['5XB', 'unhandled size name: xb'],
    ['20EB', 'too large: 20EB'],
  ])('refuses %j with %j', (text, message) => {
    expect(() => parseHumanBytes(text)).toThrow(new Error(message));
  });

  it('prints SI sizes, exactly or in bytes where SI would round', () => {
    expect(formatHumanBytes(5)).toBe('5B');
    expect(formatHumanBytes(1500)).toBe('1.5kB');
    expect(formatHumanBytes(20_000_000)).toBe('20MB');
    expect(formatHumanBytes(1024)).toBe('1024B');
    for (const bytes of [10, 999, 1000, 1500, 20_000_000, 1024, 123_456_789]) expect(parseHumanBytes(formatHumanBytes(bytes))).toBe(bytes);
  });
});
