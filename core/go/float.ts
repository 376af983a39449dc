// Go's floats as text. Reading: `strconv.ParseFloat(s, 64)`, with the syntax of Go's
// floating-point literals (decimal and hexadecimal mantissas, `_` between digits), the spellings
// `inf`, `infinity` and `nan` in any case, and Go's two failures: invalid syntax, and a value too
// large for a float64. Writing: `fmt.Sprint`, `strconv.FormatFloat(v, 'f', -1, 64)` and `%f`,
// as LogQL's canonical text prints numbers (it crosses the bus as the query plan, so it must be
// byte-identical to Loki's).

import { goQuote } from './quote.js';

export type GoNumError = 'invalid syntax' | 'value out of range';

/** What Go returns: the value (±Inf when out of range, as Go) and the error, if any. */
export interface GoFloat {
  readonly value: number;
  readonly error?: GoNumError;
}

const DECIMAL = /^[+-]?(?:[0-9_]+(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][+-]?[0-9][0-9_]*)?$/;
const HEX = /^[+-]?0[xX](?:[0-9a-fA-F_]+(?:\.[0-9a-fA-F_]*)?|\.[0-9a-fA-F_]+)[pP][+-]?[0-9][0-9_]*$/;
const SPECIAL = /^(?:[+-]?inf(?:inity)?|nan)$/i;

/**
 * Go's rule for `_`: only between digits, or between a base prefix and a digit. The mantissa's
 * first character must be a digit or `.` (Go never starts a number with `_`).
 */
function underscoresOk(text: string): boolean {
  let s = text[0] === '+' || text[0] === '-' ? text.slice(1) : text;
  let saw: 'start' | 'digit' | 'underscore' | 'other' = 'start';
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X')) {
    s = s.slice(2);
    saw = 'digit';
    hex = true;
  }
  for (const c of s) {
    const digit = (c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c));
    if (digit) saw = 'digit';
    else if (c === '_') {
      if (saw !== 'digit') return false;
      saw = 'underscore';
    } else {
      if (saw === 'underscore') return false;
      saw = 'other';
    }
  }
  return saw !== 'underscore';
}

function parseHex(text: string): number {
  const negative = text[0] === '-';
  const body = text.replace(/^[+-]?0[xX]/, '').replace(/_/g, '');
  const [mantissa, exponent] = body.split(/[pP]/) as [string, string];
  const [whole, fraction = ''] = mantissa.split('.') as [string, string?];
  const digits = (whole + fraction).replace(/^0+/, '');
  // Exact for up to 13 hex digits (52 bits); beyond that the tail is rounded by the float sum.
  let value = digits === '' ? 0 : parseInt(digits.slice(0, 13), 16) * 16 ** Math.max(0, digits.length - 13);
  if (digits.length > 13) value += parseInt(digits.slice(13), 16);
  value *= 2 ** (Number(exponent) - 4 * fraction.length);
  return negative ? -value : value;
}

/** Go's `strconv.ParseFloat(text, 64)` as a value and an error, the way Go returns them. */
export function readGoFloat(text: string): GoFloat {
  if (SPECIAL.test(text)) {
    const lower = text.toLowerCase();
    if (lower === 'nan') return { value: NaN };
    return { value: lower[0] === '-' ? -Infinity : Infinity };
  }
  let value: number;
  if (DECIMAL.test(text)) {
    if (text.includes('_') && !underscoresOk(text)) return { value: 0, error: 'invalid syntax' };
    value = Number(text.replace(/_/g, ''));
  } else if (HEX.test(text)) {
    if (text.includes('_') && !underscoresOk(text)) return { value: 0, error: 'invalid syntax' };
    value = parseHex(text);
  } else {
    return { value: 0, error: 'invalid syntax' };
  }
  if (!Number.isFinite(value)) return { value, error: 'value out of range' };
  return { value };
}

/** Go's error text for a failed `strconv.ParseFloat`. */
export function parseFloatError(text: string, error: GoNumError = 'invalid syntax'): string {
  return `strconv.ParseFloat: parsing ${goQuote(text)}: ${error}`;
}

/** `strconv.ParseFloat(text, 64)`, throwing Go's error text on either failure. */
export function parseGoFloat(text: string): number {
  const { value, error } = readGoFloat(text);
  if (error !== undefined) throw new Error(parseFloatError(text, error));
  return value;
}

/**
 * `strconv.ParseFloat(text, 64)` for callers that only refuse bad syntax: `undefined` where the
 * text is no float, the value (±Inf) where Go reports it out of range.
 */
export function goParseFloat(text: string): number | undefined {
  const { value, error } = readGoFloat(text);
  return error === 'invalid syntax' ? undefined : value;
}

/** `fmt.Sprint(v)` for a float64: shortest digits, `%e` form when the exponent is < -4 or >= 6. */
export function goFormatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, expText] = value.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const abs = Math.abs(exp);
    return `${mantissa}e${sign}${abs < 10 ? '0' + abs : abs}`;
  }
  return formatPlain(value);
}

/** `strconv.FormatFloat(v, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatPlain(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const text = String(value);
  if (!text.includes('e')) return text;
  const negative = value < 0;
  const [mantissa, expText] = Math.abs(value).toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  let out: string;
  if (exp >= 0) {
    out = digits.length - 1 <= exp ? digits + '0'.repeat(exp - digits.length + 1) : digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  } else {
    out = '0.' + '0'.repeat(-exp - 1) + digits;
  }
  return negative ? '-' + out : out;
}

/** Go's `%f` (six decimals), as `vector(1)` prints its value. */
export function goFormatFixed6(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return value.toFixed(6);
}
