// Timestamps and durations in every form Loki's HTTP API accepts, to exact nanoseconds (bigint).
// Error texts follow Go's strconv and Prometheus' duration parser, which Loki passes through.

import { goQuote, parseGoFloat, parseGoInt64, parsePromDuration } from '../core/go/mod.js';
import { NS_PER_SECOND } from '../core/model.js';

/** Go's `math.Round`: halves away from zero (JS rounds them up). */
function goRound(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Go's `time.Parse(time.RFC3339Nano, value)`; undefined when the text is not RFC 3339. */
export function parseRfc3339(value: string): bigint | undefined {
  const match = RFC3339.exec(value);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (match[8] === undefined) {
    const offsetHours = Number(match[10]);
    const offsetMins = Number(match[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (offsetHours * 60 + offsetMins) * (match[9] === '-' ? -1 : 1);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  const seconds = BigInt(utc.getTime() / 1000 - offsetMinutes * 60);
  const fraction = (match[7] ?? '').slice(0, 9).padEnd(9, '0');
  return seconds * NS_PER_SECOND + BigInt(fraction);
}

/**
 * Loki's `parseTimestamp`: RFC 3339 (nano), a float (seconds with millisecond rounding, or
 * nanoseconds when the integer part exceeds 1e10), or an integer (seconds up to 1e10, else ns).
 */
export function parseTimestamp(value: string, fallback: bigint): bigint {
  if (value === '') return fallback;
  const rfc = parseRfc3339(value);
  if (rfc !== undefined) return rfc;
  if (value.includes('.')) {
    const parsed = parseGoFloat(value);
    if (Number.isNaN(parsed) || !Number.isFinite(parsed)) throw new Error('floating point timestamp is NaN or Inf');
    const high = Math.trunc(parsed);
    if (high > 9.223372036854776e18 || high < -9.223372036854776e18) {
      throw new Error('floating point timestamp exceeds integer range');
    }
    if (high <= 1e10) {
      const low = goRound((parsed - high) * 1000) / 1000;
      return BigInt(high) * NS_PER_SECOND + BigInt(Math.trunc(low * 1e9));
    }
    return BigInt(high);
  }
  const integer = parseGoInt64(value);
  return integer <= 10_000_000_000n ? integer * NS_PER_SECOND : integer;
}

/** Loki's `parseSecondsOrDuration` for `step` and `interval`: float seconds or a duration. */
export function parseSecondsOrDuration(value: string): bigint {
  let seconds: number | undefined;
  try {
    seconds = parseGoFloat(value);
  } catch {
    seconds = undefined;
  }
  if (seconds !== undefined && !Number.isNaN(seconds)) {
    const ns = seconds * 1e9;
    if (ns > 9.223372036854776e18 || ns < -9.223372036854776e18) {
      throw new Error(`cannot parse ${goQuote(value)} to a valid duration. It overflows int64`);
    }
    return BigInt(Math.trunc(ns));
  }
  try {
    return parsePromDuration(value);
  } catch {
    throw new Error(`cannot parse ${goQuote(value)} to a valid duration`);
  }
}
