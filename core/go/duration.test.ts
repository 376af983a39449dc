import { describe, expect, it } from 'vitest';
import { formatGoDuration, formatPromDuration, parseGoDurationNs, parsePromDuration } from './duration.js';

const S = 1_000_000_000n;

describe("Prometheus' model.ParseDuration", () => {
  it.each([
    ['0', 0n],
    ['5m', 300n * S],
    ['1h30m', 5400n * S],
    ['2d', 172_800n * S],
    ['1w', 604_800n * S],
    ['1y', 31_536_000n * S],
    ['100ms', 100_000_000n],
    ['1y2w3d4h5m6s7ms', (31_536_000n + 2n * 604_800n + 3n * 86_400n + 4n * 3600n + 5n * 60n + 6n) * S + 7_000_000n],
    ['9223372036854ms', 9_223_372_036_854_000_000n],
  ])('%s -> %s ns', (text, ns) => {
    expect(parsePromDuration(text)).toBe(ns);
  });

  it.each([
    ['', 'empty duration string'],
    ['5x', 'not a valid duration string: "5x"'],
    ['1.5h', 'not a valid duration string: "1.5h"'],
    ['1h1y', 'not a valid duration string: "1h1y"'],
    ['-5m', 'not a valid duration string: "-5m"'],
    ['5m\n', 'not a valid duration string: "5m\\n"'],
    ['9223372036855ms', 'duration out of range'],
  ])('rejects %j with %j', (text, message) => {
    expect(() => parsePromDuration(text)).toThrow(new Error(message));
  });

  it('prints years and weeks only where they divide exactly', () => {
    expect(formatPromDuration(0n)).toBe('0s');
    expect(formatPromDuration(5400n * S)).toBe('1h30m');
    expect(formatPromDuration(90n * 86_400n * S)).toBe('90d');
    expect(formatPromDuration(14n * 86_400n * S)).toBe('2w');
    expect(formatPromDuration(365n * 86_400n * S)).toBe('1y');
    expect(formatPromDuration(1_500_000n)).toBe('1ms');
  });
});

describe("Go's time.ParseDuration", () => {
  it.each([
    ['0', 0n],
    ['-0', 0n],
    ['+5s', 5n * S],
    ['1h30m', 5400n * S],
    ['1.5h', 5400n * S],
    ['300ms', 300_000_000n],
    ['2us', 2000n],
    ['2µs', 2000n],
    ['2μs', 2000n],
    ['-1.5s', -1_500_000_000n],
    ['.5s', 500_000_000n],
    ['1.s', S],
    ['1.5ns', 1n],
    ['1h1h', 7200n * S],
    ['9223372036854775807ns', 9_223_372_036_854_775_807n],
    ['-9223372036854775808ns', -9_223_372_036_854_775_808n],
  ])('%s -> %s ns', (text, ns) => {
    expect(parseGoDurationNs(text)).toBe(ns);
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['-', 'time: invalid duration "-"'],
    ['.s', 'time: invalid duration ".s"'],
    ['s', 'time: invalid duration "s"'],
    ['1', 'time: missing unit in duration "1"'],
    ['1h5', 'time: missing unit in duration "1h5"'],
    ['1x', 'time: unknown unit "x" in duration "1x"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1µx', 'time: unknown unit "\\xc2\\xb5x" in duration "1\\xc2\\xb5x"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
  ])('rejects %j with %j', (text, message) => {
    expect(() => parseGoDurationNs(text)).toThrow(new Error(message));
  });

  it.each([
    [0n, '0s'],
    [1n, '1ns'],
    [1500n, '1.5µs'],
    [1_500_000n, '1.5ms'],
    [1_500_000_000n, '1.5s'],
    [60n * S, '1m0s'],
    [3600n * S, '1h0m0s'],
    [90_061n * S, '25h1m1s'],
    [-1_500_000_000n, '-1.5s'],
    [9_223_372_036_854_775_807n, '2562047h47m16.854775807s'],
  ])('prints %s ns as %s', (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text);
  });

  it('prints a number of nanoseconds as the same bigint would print', () => {
    expect(formatGoDuration(1500)).toBe('1.5µs');
    expect(formatGoDuration(5400e9)).toBe('1h30m0s');
  });
});
