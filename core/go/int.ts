// Go's `strconv.ParseInt(s, 10, 64)` and `strconv.Atoi` (the same on 64-bit Go, under another
// name in its error texts): an optional sign and decimal digits, nothing else.

import type { GoNumError } from './float.js';
import { goQuote } from './quote.js';

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Go's error text for a failed `strconv.<fn>`. */
export function parseIntError(text: string, error: GoNumError, fn: 'ParseInt' | 'Atoi' = 'ParseInt'): string {
  return `strconv.${fn}: parsing ${goQuote(text)}: ${error}`;
}

/** `strconv.ParseInt(text, 10, 64)` (or `Atoi`, for its error text); throws Go's error text. */
export function parseGoInt64(text: string, fn: 'ParseInt' | 'Atoi' = 'ParseInt'): bigint {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(parseIntError(text, 'invalid syntax', fn));
  const parsed = BigInt(text);
  if (parsed > INT64_MAX || parsed < INT64_MIN) throw new Error(parseIntError(text, 'value out of range', fn));
  return parsed;
}
