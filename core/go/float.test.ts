import { describe, expect, it } from 'vitest';
import { goParseFloat, parseGoFloat, readGoFloat } from './float.js';
import { parseGoInt64 } from './int.js';

describe("Go's strconv.ParseFloat", () => {
  it.each([
    ['1', 1],
    ['-2.5', -2.5],
    ['+.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['1_000', 1000],
    ['1_000.000_1', 1000.0001],
    ['1e1_0', 1e10],
    ['0x1p-2', 0.25],
    ['0x1.8p1', 3],
    ['0X_1P0', 1],
    ['0x.8p0', 0.5],
    ['-0x10p0', -16],
    ['inf', Infinity],
    ['+Inf', Infinity],
    ['-Infinity', -Infinity],
    ['1e-400', 0],
  ])('%s -> %s', (text, value) => {
    expect(readGoFloat(text)).toEqual({ value });
  });

  it('reads NaN in any case, without a sign', () => {
    expect(readGoFloat('NaN').value).toBeNaN();
    expect(readGoFloat('nan').error).toBeUndefined();
    expect(readGoFloat('+nan').error).toBe('invalid syntax');
  });

  it.each(['', ' 1', '1 ', '.', 'e5', '1e', '1e+', '1.2.3', '_1', '1_', '1__0', '1_.5', '1._5', '1e_5', '0x1', '0x1.8', '0xp1', 'infin', 'infinityx', '1,5', '0b101'])(
    'refuses %j as Go does',
    (text) => {
      expect(readGoFloat(text).error).toBe('invalid syntax');
      expect(goParseFloat(text)).toBeUndefined();
      expect(() => parseGoFloat(text)).toThrow(new Error(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`));
    },
  );

  it('reports overflow as out of range, with the infinity Go returns', () => {
    expect(readGoFloat('1e400')).toEqual({ value: Infinity, error: 'value out of range' });
    expect(readGoFloat('-0x1p2000')).toEqual({ value: -Infinity, error: 'value out of range' });
    expect(goParseFloat('1e400')).toBe(Infinity);
    expect(() => parseGoFloat('1e400')).toThrow(new Error('strconv.ParseFloat: parsing "1e400": value out of range'));
  });
});

describe("Go's strconv.ParseInt and Atoi", () => {
  it('reads decimal int64s exactly', () => {
    expect(parseGoInt64('9223372036854775807')).toBe(9_223_372_036_854_775_807n);
    expect(parseGoInt64('-9223372036854775808')).toBe(-9_223_372_036_854_775_808n);
    expect(parseGoInt64('+5')).toBe(5n);
  });

  it.each([
    ['', 'strconv.ParseInt: parsing "": invalid syntax'],
    ['1_000', 'strconv.ParseInt: parsing "1_000": invalid syntax'],
    ['0x10', 'strconv.ParseInt: parsing "0x10": invalid syntax'],
    ['1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
  ])('refuses %j with %j', (text, message) => {
    expect(() => parseGoInt64(text)).toThrow(new Error(message));
  });

  it('names Atoi in its errors when asked', () => {
    expect(() => parseGoInt64('x', 'Atoi')).toThrow(new Error('strconv.Atoi: parsing "x": invalid syntax'));
  });
});
