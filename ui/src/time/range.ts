// Time ranges as the URL keeps them: `now`, `now-1h` (relative) or an absolute instant (RFC 3339
// or Unix milliseconds), resolved to Unix nanoseconds when a query runs.

import type { NsRange } from '../api/loki';

export interface TimeRange {
  from: string;
  to: string;
}

export const DEFAULT_RANGE: TimeRange = { from: 'now-1h', to: 'now' };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of a duration like `90s`, `5m`, `1h30m`, `2d`; undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}

/** Milliseconds since the epoch for one end of a range, or undefined when the text is not a time. */
export function resolveTime(text: string, nowMs: number): number | undefined {
  const trimmed = text.trim();
  if (trimmed === 'now') return nowMs;
  const relative = /^now-(.+)$/.exec(trimmed);
  if (relative !== null) {
    const ms = durationMs(relative[1]!);
    return ms === undefined ? undefined : nowMs - ms;
  }
  if (/^\d{13}$/.test(trimmed)) return Number(trimmed);
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const parsed = Date.parse(trimmed);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

export interface ResolvedRange {
  startMs: number;
  endMs: number;
  ns: NsRange;
}

export function resolveRange(range: TimeRange, nowMs = Date.now()): ResolvedRange | { error: string } {
  const startMs = resolveTime(range.from, nowMs);
  const endMs = resolveTime(range.to, nowMs);
  if (startMs === undefined) return { error: `"${range.from}" is not a time: use now, now-1h or 2024-01-02T15:04:05Z` };
  if (endMs === undefined) return { error: `"${range.to}" is not a time: use now, now-1h or 2024-01-02T15:04:05Z` };
  if (startMs >= endMs) return { error: 'the start of the range must be before its end' };
  return { startMs, endMs, ns: { start: msToNs(startMs), end: msToNs(endMs) } };
}

export function msToNs(ms: number): string {
  return (BigInt(Math.round(ms)) * 1_000_000n).toString();
}

export function nsToMs(ns: string): number {
  return Number(BigInt(ns) / 1_000_000n);
}

/** A bar or step width near `range / buckets`, rounded to a duration people read at a glance. */
export function niceStepMs(rangeMs: number, buckets: number): number {
  const nice = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800].map((s) => s * 1000);
  const wanted = rangeMs / buckets;
  return nice.find((step) => step >= wanted) ?? nice[nice.length - 1]!;
}

/** A Prometheus duration for a step in milliseconds (`30s`, `5m`, `1h`). */
export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** `5m ago`, `3s`: ages for the cluster page. */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Local time with milliseconds: `2024-01-02 15:04:05.123`. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The value of a `datetime-local` input for an instant, and back. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fromLocalInput(value: string): number | undefined {
  const parsed = new Date(value).getTime();
  return Number.isNaN(parsed) ? undefined : parsed;
}

export const QUICK_RANGES: ReadonlyArray<{ from: string; label: string }> = [
  { from: 'now-5m', label: 'Last 5 minutes' },
  { from: 'now-15m', label: 'Last 15 minutes' },
  { from: 'now-1h', label: 'Last 1 hour' },
  { from: 'now-3h', label: 'Last 3 hours' },
  { from: 'now-6h', label: 'Last 6 hours' },
  { from: 'now-12h', label: 'Last 12 hours' },
  { from: 'now-24h', label: 'Last 24 hours' },
  { from: 'now-2d', label: 'Last 2 days' },
  { from: 'now-7d', label: 'Last 7 days' },
];

export function describeRange(range: TimeRange): string {
  if (range.to === 'now') {
    const quick = QUICK_RANGES.find((q) => q.from === range.from);
    if (quick !== undefined) return quick.label;
    if (range.from.startsWith('now-')) return `Last ${range.from.slice(4)}`;
  }
  const from = resolveTime(range.from, Date.now());
  const to = resolveTime(range.to, Date.now());
  const show = (text: string, ms: number | undefined): string => (text.startsWith('now') || ms === undefined ? text : formatTimestamp(ms).slice(0, 19));
  return `${show(range.from, from)} to ${show(range.to, to)}`;
}
