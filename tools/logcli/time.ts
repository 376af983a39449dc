// Times and durations as logcli takes them: RFC 3339 instants for --from/--to/--now, Go and
// Prometheus durations (`1h30m`, `500ms`, `2d`, `1w`) for --since/--step/--delay-for.

import { UsageError } from './errors.js';

export const NS_PER_MS = 1_000_000n;
export const NS_PER_SECOND = 1_000_000_000n;

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: NS_PER_MS,
  s: NS_PER_SECOND,
  m: 60n * NS_PER_SECOND,
  h: 3600n * NS_PER_SECOND,
  d: 86_400n * NS_PER_SECOND,
  w: 7n * 86_400n * NS_PER_SECOND,
  y: 365n * 86_400n * NS_PER_SECOND,
};

/** A duration in ns; a bare number is seconds. Throws UsageError naming the flag. */
export function parseDuration(text: string, flag: string): bigint {
  if (/^\d+(\.\d+)?$/.test(text)) return BigInt(Math.round(Number(text) * 1e9));
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)/y;
  let total = 0n;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const match = part.exec(text);
    if (match === null) throw new UsageError(`${flag}: invalid duration ${JSON.stringify(text)} (expected e.g. 30s, 5m, 1h30m, 2d)`);
    total += BigInt(Math.round(Number(match[1]) * Number(UNIT_NS[match[2]!]!)));
    at = part.lastIndex;
  }
  if (text.length === 0) throw new UsageError(`${flag}: empty duration`);
  return total;
}

/** An RFC 3339 time (nanosecond precision kept), or a Unix time in seconds/nanoseconds. */
export function parseTime(text: string, flag: string): bigint {
  if (/^\d+$/.test(text)) return text.length > 12 ? BigInt(text) : BigInt(text) * NS_PER_SECOND;
  const match = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (match === null) throw new UsageError(`${flag}: invalid time ${JSON.stringify(text)} (expected RFC 3339, e.g. 2024-05-01T10:00:00Z)`);
  const ms = Date.parse(`${match[1]}T${match[2]}${match[4]!.toUpperCase()}`);
  if (Number.isNaN(ms)) throw new UsageError(`${flag}: invalid time ${JSON.stringify(text)}`);
  const fraction = BigInt((match[3] ?? '').padEnd(9, '0') || '0');
  return BigInt(ms) * NS_PER_MS + fraction;
}

export const nowNs = (): bigint => BigInt(Date.now()) * NS_PER_MS;

/**
 * RFC 3339 with the nanoseconds, in UTC or local time. `fixed` keeps all nine digits, so a
 * column of times lines up; otherwise trailing zeros go, as in Loki's RFC3339Nano.
 */
export function formatTime(tsNs: bigint, utc: boolean, fixed = false): string {
  const ms = Number(tsNs / NS_PER_MS);
  const nanos = tsNs % NS_PER_SECOND;
  const date = new Date(ms);
  const digits = nanos.toString().padStart(9, '0');
  const fraction = fixed ? `.${digits}` : nanos === 0n ? '' : `.${digits.replace(/0+$/, '')}`;
  if (utc) return `${date.toISOString().slice(0, 19)}${fraction}Z`;
  const offsetMin = -date.getTimezoneOffset();
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19);
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  const zone = offsetMin === 0 ? 'Z' : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local}${fraction}${zone}`;
}

/** A Go-style duration for messages: 1h0m0s -> "1h", 90s -> "1m30s". */
export function formatDuration(ns: bigint): string {
  let seconds = Number(ns / NS_PER_SECOND);
  if (seconds === 0) return `${Number(ns / NS_PER_MS)}ms`;
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  return parts.join('');
}
