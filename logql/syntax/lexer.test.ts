import { describe, expect, it } from 'vitest';
import { Lexer } from './lexer.js';
import { formatQuery } from '../format.js';
import { formatGoDuration, formatHumanBytes, formatPromDuration, goFormatFloat, goParseFloat, parseGoDuration, parseHumanBytes, parsePromDuration } from '../../core/go/mod.js';

function kinds(input: string): string[] {
  const lexer = new Lexer(input);
  const out: string[] = [];
  for (;;) {
    const tok = lexer.next();
    if (tok.kind === '$end') return out;
    out.push(`${tok.kind}:${tok.kind === 'DURATION' || tok.kind === 'RANGE' ? tok.ns : tok.kind === 'BYTES' ? tok.bytes : tok.str}`);
  }
}

describe('lexer', () => {
  it.each<[string, string[]]>([
    ['1 1.5 .5 1e3 0x1F 1_000', ['NUMBER:1', 'NUMBER:1.5', 'NUMBER:.5', 'NUMBER:1e3', 'NUMBER:0x1F', 'NUMBER:1_000']],
    ['1ns 2us 3µs 4ms 5s 6m 7h 8d 9w 10y', ['DURATION:1', 'DURATION:2000', 'DURATION:3000', 'DURATION:4000000', 'DURATION:5000000000', 'DURATION:360000000000', 'DURATION:25200000000000', 'DURATION:691200000000000', 'DURATION:5443200000000000', 'DURATION:315360000000000000']],
    ['1h30m 1.5h -5m', ['DURATION:5400000000000', 'DURATION:5400000000000', 'DURATION:-300000000000']],
    ['10B 1KB 1kB 1KiB 1MB 1MiB 1GB 1GiB 1TB 1TiB 1PB 1PiB', ['BYTES:10', 'BYTES:1000', 'BYTES:1000', 'BYTES:1024', 'BYTES:1000000', 'BYTES:1048576', 'BYTES:1000000000', 'BYTES:1073741824', 'BYTES:1000000000000', 'BYTES:1099511627776', 'BYTES:1000000000000000', 'BYTES:1125899906842624']],
    ['[5m] [1h30m] [1d]', ['RANGE:300000000000', 'RANGE:5400000000000', 'RANGE:86400000000000']],
    ['"a\\tb" `c\\d` "\\u00e9\\x41"', ['STRING:a\tb', 'STRING:c\\d', 'STRING:éA']],
    ['rate(x) rate = by sum by (', ['RATE:rate', '(:(', 'IDENTIFIER:x', '):)', 'IDENTIFIER:rate', '=:=', 'by:by', 'SUM:sum', 'by:by', '(:(']],
    ['|= != |~ !~ |> !> =~ == <= >= | --strict --keep-empty', ['|=:|=', '!=:!=', '|~:|~', '!~:!~', '|>:|>', '!>:!>', '=~:=~', '==:==', '<=:<=', '>=:>=', '|:|', 'PARSER_FLAG:--strict', 'PARSER_FLAG:--keep-empty']],
    ['a # comment\nb', ['IDENTIFIER:a', 'IDENTIFIER:b']],
    ['JSON Logfmt BY', ['json:json', 'logfmt:logfmt', 'by:by']],
  ])('%s', (input, expected) => {
    expect(kinds(input)).toEqual(expected);
  });
});

describe('units', () => {
  it('prints durations as Prometheus and Go do', () => {
    expect(formatPromDuration(parsePromDuration('90m'))).toBe('1h30m');
    expect(formatPromDuration(parsePromDuration('14d'))).toBe('2w');
    expect(formatPromDuration(parsePromDuration('15d'))).toBe('15d');
    expect(formatGoDuration(90 * 60e9)).toBe('1h30m0s');
    expect(formatGoDuration(1.5e9)).toBe('1.5s');
    expect(formatGoDuration(2500)).toBe('2.5µs');
    expect(parseGoDuration('1h2m3.5s')).toBe(3723.5e9);
    expect(() => parseGoDuration('5x')).toThrow('time: unknown unit "x" in duration "5x"');
    expect(() => parseGoDuration('5')).toThrow('time: missing unit in duration "5"');
  });

  it('reads and prints byte sizes as go-humanize', () => {
    expect(parseHumanBytes('1.5 KiB')).toBe(1536);
    expect(formatHumanBytes(20_000_000)).toBe('20MB');
    expect(formatHumanBytes(1000)).toBe('1.0kB');
    expect(formatHumanBytes(1024)).toBe('1024B');
    expect(formatHumanBytes(5)).toBe('5B');
  });

  it('parses floats as Go', () => {
    expect(goParseFloat('1e3')).toBe(1000);
    expect(goParseFloat('+Inf')).toBe(Infinity);
    expect(Number.isNaN(goParseFloat('NaN'))).toBe(true);
    expect(goParseFloat('0x1p4')).toBe(16);
    expect(goParseFloat('12abc')).toBeUndefined();
    expect(goFormatFloat(123456)).toBe('123456');
    expect(goFormatFloat(1234567)).toBe('1.234567e+06');
    expect(goFormatFloat(0.00001)).toBe('1e-05');
  });
});

describe('format_query', () => {
  it('keeps a short query on one line', () => {
    expect(formatQuery('sum(rate({app="a"}  |= "x" [5m]))')).toBe('sum(rate({app="a"} |= "x"[5m]))');
  });

  it('breaks a long one as Loki does', () => {
    const out = formatQuery(
      'sum by (job) (rate({job="loki", namespace="production", container="querier"} |= "error" != "timeout" | logfmt | duration > 10s [5m])) / sum by (job) (rate({job="loki"}[5m]))',
    );
    expect(out).toBe(
      [
        '  sum by (job)(',
        '    rate(',
        '      {job="loki", namespace="production", container="querier"}',
        '        |= "error" != "timeout"',
        '        | logfmt',
        '        | duration>10s [5m]',
        '    )',
        '  )',
        '/',
        '  sum by (job)(rate({job="loki"}[5m]))',
      ].join('\n'),
    );
  });
});

describe('parseLabels', () => {
  it('reads a label string, sorted, empty values dropped', async () => {
    const { parseLabels } = await import('./labels.js');
    expect(parseLabels('{b="2", a="1", c=""}')).toEqual([{ name: 'a', value: '1' }, { name: 'b', value: '2' }]);
    expect(parseLabels('{}')).toEqual([]);
    expect(() => parseLabels('{a=1}')).toThrow('syntax error: unexpected NUMBER');
    expect(() => parseLabels('{a="1"')).toThrow('unexpected $end, expecting } or ,');
  });
});
