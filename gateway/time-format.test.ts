import { describe, expect, it } from 'vitest';
import { formatPromTime, formatSampleValue } from './number-format.js';
import { parsePromDuration } from '../core/go/mod.js';
import { parseRfc3339, parseSecondsOrDuration, parseTimestamp } from './time-format.js';

const FALLBACK = 42n;

describe('parseTimestamp', () => {
  it.each([
    ['', FALLBACK],
    // RFC 3339, with and without fractions and offsets
    ['2023-11-14T22:13:20Z', 1700000000000000000n],
    ['2023-11-14T22:13:20.123456789Z', 1700000000123456789n],
    ['2023-11-14T22:13:20.5Z', 1700000000500000000n],
    ['2023-11-15T00:13:20.000000001+02:00', 1700000000000000001n],
    ['2023-11-14T17:13:20-05:00', 1700000000000000000n],
    ['1969-12-31T23:59:59Z', -1000000000n],
    // integers: seconds up to 1e10, nanoseconds beyond
    ['1700000000', 1700000000000000000n],
    ['10000000000', 10000000000000000000n],
    ['1700000000123456789', 1700000000123456789n],
    ['0', 0n],
    ['-5', -5000000000n],
    // floats: seconds with millisecond rounding
    ['1700000000.123', 1700000000123000000n],
    ['1700000000.1234567', 1700000000123000000n],
    ['1700000000.9996', 1700000001000000000n],
    ['1.5e9', 1500000000000000000n],
    ['+5', 5000000000n],
    // Go rounds the millisecond half away from zero.
    ['-0.0005', -1000000n],
  ])('%s -> %s ns', (text, expected) => {
    expect(parseTimestamp(text, FALLBACK)).toBe(expected);
  });

  it('treats a float above 1e10 as nanoseconds, dropping the fraction', () => {
    expect(parseTimestamp('17000000000.75', FALLBACK)).toBe(17000000000n);
  });

  it.each([
    ['abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ['1.2.3', 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
    ['99999999999999999999', 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
    ['2023-13-01T00:00:00Z', 'strconv.ParseInt: parsing "2023-13-01T00:00:00Z": invalid syntax'],
    ['NaN.', 'strconv.ParseFloat: parsing "NaN.": invalid syntax'],
  ])('rejects %s with Go text', (text, message) => {
    expect(() => parseTimestamp(text, FALLBACK)).toThrow(message);
  });

  it('parses RFC 3339 exactly or not at all', () => {
    expect(parseRfc3339('2024-02-29T12:00:00Z')).toBe(1709208000000000000n);
    expect(parseRfc3339('2023-02-29T12:00:00Z')).toBeUndefined();
    expect(parseRfc3339('2023-11-14 22:13:20Z')).toBeUndefined();
    expect(parseRfc3339('2023-11-14T22:13:20')).toBeUndefined();
  });
});

describe('durations', () => {
  it.each([
    ['0', 0n],
    ['5m', 300_000_000_000n],
    ['1h30m', 5_400_000_000_000n],
    ['2d', 172_800_000_000_000n],
    ['1w', 604_800_000_000_000n],
    ['1y', 31_536_000_000_000_000n],
    ['100ms', 100_000_000n],
  ])('Prometheus duration %s', (text, ns) => {
    expect(parsePromDuration(text)).toBe(ns);
  });

  it('rejects what Prometheus rejects', () => {
    expect(() => parsePromDuration('5x')).toThrow('not a valid duration string: "5x"');
    expect(() => parsePromDuration('1.5h')).toThrow('not a valid duration string');
    expect(() => parsePromDuration('')).toThrow('empty duration string');
  });

  it('reads step and interval as float seconds or a duration', () => {
    expect(parseSecondsOrDuration('15')).toBe(15_000_000_000n);
    expect(parseSecondsOrDuration('0.5')).toBe(500_000_000n);
    expect(parseSecondsOrDuration('1m')).toBe(60_000_000_000n);
    expect(parseSecondsOrDuration('-10')).toBe(-10_000_000_000n);
    expect(() => parseSecondsOrDuration('fast')).toThrow('cannot parse "fast" to a valid duration');
    expect(() => parseSecondsOrDuration('1e300')).toThrow('It overflows int64');
  });
});

describe('number formatting', () => {
  it.each([
    [1, '1'],
    [0.1, '0.1'],
    [1 / 3, '0.3333333333333333'],
    [-2.5, '-2.5'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [-2.5e-8, '-0.000000025'],
    [123456789e20, '12345678900000000000000000000'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [-0, '-0'],
  ])('sample value %s -> %s', (value, text) => {
    expect(formatSampleValue(value)).toBe(text);
  });

  it('writes Prometheus millisecond times as seconds', () => {
    expect(formatPromTime(1700000000123)).toBe('1700000000.123');
    expect(formatPromTime(1700000000000)).toBe('1700000000');
    expect(formatPromTime(1568404331324)).toBe('1568404331.324');
  });
});
