// Loki's detected-field type inference, in its order: int, float, boolean, duration, bytes,
// else string, each as Go's parser for that type (strconv, time.ParseDuration, humanize) accepts it.

import type { DetectedFieldType } from '../api.js';

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:inf|infinity|nan)$/i;
const BOOLEAN = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);
const DURATION = /^[+-]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const BYTES = /^[+-]?(?:\d+\.?\d*|\.\d+)\s*(?:[kmgtpe]i?b?|b|byte|bytes)?$/i;

export function fieldType(value: string): DetectedFieldType {
  if (INT.test(value) && isInt64(value)) return 'int';
  if (FLOAT.test(value)) return 'float';
  if (BOOLEAN.has(value)) return 'boolean';
  if (DURATION.test(value)) return 'duration';
  if (BYTES.test(value)) return 'bytes';
  return 'string';
}

/** What Go's `strconv.ParseFloat` accepts (decimal forms). */
export function isGoFloat(value: string): boolean {
  return FLOAT.test(value);
}

function isInt64(value: string): boolean {
  const n = BigInt(value);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}
