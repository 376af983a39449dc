// Durations as Loki reads and prints them: Prometheus' `model.ParseDuration` / `Duration.String`
// (`5m`, `1h30m`, `2d`, `1w`, `1y`; whole milliseconds, units biggest first) for query ranges and
// API parameters, and Go's `time.ParseDuration` / `Duration.String` (`1.5h`, `300ms`, `2µs`) for
// label filters, `offset` and messages. All values are nanoseconds.

import { goQuote } from './quote.js';

const INT64_MAX = (1n << 63n) - 1n;
const NS_PER_MS = 1_000_000n;

const PROM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const PROM_UNITS: ReadonlyArray<readonly [unit: string, ms: bigint]> = [
  ['y', 365n * 86_400_000n],
  ['w', 7n * 86_400_000n],
  ['d', 86_400_000n],
  ['h', 3_600_000n],
  ['m', 60_000n],
  ['s', 1000n],
  ['ms', 1n],
];

/** Prometheus' `model.ParseDuration`, to nanoseconds; throws Prometheus' error text. */
export function parsePromDuration(text: string): bigint {
  if (text === '0') return 0n;
  if (text === '') throw new Error('empty duration string');
  const match = PROM_DURATION.exec(text);
  if (match === null) throw new Error(`not a valid duration string: ${goQuote(text)}`);
  let ms = 0n;
  PROM_UNITS.forEach(([, unitMs], i) => {
    const part = match[i + 1];
    if (part !== undefined) ms += BigInt(part) * unitMs;
  });
  const ns = ms * NS_PER_MS;
  if (ns > INT64_MAX) throw new Error('duration out of range');
  return ns;
}

/**
 * Prometheus' `model.Duration.String()`: `5m`, `1h30m`, `90d`, `0s`. Years and weeks are used
 * only when they divide the rest exactly, as 90d reads better than 12w6d.
 */
export function formatPromDuration(ns: bigint): string {
  let ms = ns / NS_PER_MS;
  if (ms === 0n) return '0s';
  let out = '';
  for (const [unit, unitMs] of PROM_UNITS) {
    if ((unit === 'y' || unit === 'w') && ms % unitMs !== 0n) continue;
    const count = ms / unitMs;
    if (count > 0n) {
      out += `${count}${unit}`;
      ms -= count * unitMs;
    }
  }
  return out;
}

const GO_UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  'µs': 1000n, // U+00B5 micro sign
  'μs': 1000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** The `time` package's own quoting in its errors: non-ASCII and control bytes as `\xNN`. */
function timeQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0x80 || code < 0x20) {
      for (const byte of Buffer.from(char, 'utf8')) out += '\\x' + byte.toString(16).padStart(2, '0');
    } else {
      out += char === '"' || char === '\\' ? '\\' + char : char;
    }
  }
  return out + '"';
}

/** Go's `time.ParseDuration`, to nanoseconds; throws Go's error text. */
export function parseGoDurationNs(text: string): bigint {
  const invalid = (): Error => new Error(`time: invalid duration ${timeQuote(text)}`);
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const whole = number[1]!;
    const fraction = number[2];
    if (whole === '' && (fraction === undefined || fraction === '')) throw invalid();
    s = s.slice(number[0].length);
    const unit = /^[^0-9.]*/.exec(s)![0];
    if (unit === '') throw new Error(`time: missing unit in duration ${timeQuote(text)}`);
    s = s.slice(unit.length);
    const scale = GO_UNITS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${timeQuote(unit)} in duration ${timeQuote(text)}`);
    let value = whole === '' ? 0n : BigInt(whole);
    if (value > (1n << 63n) / scale) throw invalid();
    value *= scale;
    if (fraction !== undefined && fraction !== '') {
      // Go keeps the fraction's digits while they fit in 63 bits, then truncates to whole ns.
      let digits = 0n;
      let divisor = 1;
      for (const digit of fraction) {
        const next = digits * 10n + BigInt(digit);
        if (next > 1n << 63n) break;
        digits = next;
        divisor *= 10;
      }
      value += BigInt(Math.trunc(Number(digits) * (Number(scale) / divisor)));
    }
    total += value;
    if (total > 1n << 63n) throw invalid();
  }
  if (negative) return -total;
  if (total > INT64_MAX) throw invalid();
  return total;
}

/** Go's `time.ParseDuration`, as a number of nanoseconds (exact up to 2^53 ns, about 104 days). */
export function parseGoDuration(text: string): number {
  return Number(parseGoDurationNs(text));
}

function withFraction(value: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const fraction = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return fraction === '' ? `${value / scale}` : `${value / scale}.${fraction}`;
}

/** Go's `time.Duration.String()`: `1h0m0s`, `1.5s`, `300ms`, `2µs`, `0s`. */
export function formatGoDuration(nanoseconds: number | bigint): string {
  let ns = typeof nanoseconds === 'bigint' ? nanoseconds : BigInt(Math.round(nanoseconds));
  if (ns === 0n) return '0s';
  const negative = ns < 0n;
  if (negative) ns = -ns;
  let out: string;
  if (ns < 1000n) out = `${ns}ns`;
  else if (ns < 1_000_000n) out = withFraction(ns, 3) + 'µs';
  else if (ns < 1_000_000_000n) out = withFraction(ns, 6) + 'ms';
  else {
    const hours = ns / 3_600_000_000_000n;
    const minutes = (ns / 60_000_000_000n) % 60n;
    const seconds = withFraction(ns % 60_000_000_000n, 9) + 's';
    out = hours > 0n ? `${hours}h${minutes}m${seconds}` : minutes > 0n ? `${minutes}m${seconds}` : seconds;
  }
  return negative ? '-' + out : out;
}
