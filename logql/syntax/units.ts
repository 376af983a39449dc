// Durations, byte sizes and numbers written the way Loki reads and prints them: Prometheus
// durations (`5m`, `1d`, `1w`, `1y`) inside `[...]`, Go durations (`1.5h`, `300ms`, `2us`) in
// filters and `offset`, humanize byte sizes (`5MB`, `1KiB`), Go's float syntax for values.

const NS_PER_MS = 1_000_000;

const PROM_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600 * 1000],
  ['w', 7 * 24 * 3600 * 1000],
  ['d', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
  ['ms', 1],
];

const PROM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Prometheus `model.ParseDuration`; returns nanoseconds or throws Prometheus's message. */
export function parsePromDuration(text: string): bigint {
  if (text === '0') return 0n;
  const match = text === '' ? null : PROM_DURATION.exec(text);
  if (!match) throw new Error(`not a valid duration string: "${text}"`);
  let ms = 0n;
  for (let i = 0; i < PROM_UNITS.length; i++) {
    const group = match[i + 1];
    if (group !== undefined) ms += BigInt(group) * BigInt(PROM_UNITS[i]![1]);
  }
  return ms * BigInt(NS_PER_MS);
}

/** Prometheus `model.Duration.String()`: `5m`, `1h30m`, `90d`, `0s`. */
export function formatPromDuration(ns: bigint): string {
  let ms = ns / BigInt(NS_PER_MS);
  if (ms === 0n) return '0s';
  let out = '';
  for (const [unit, mult] of PROM_UNITS) {
    const m = BigInt(mult);
    const exactOnly = unit === 'y' || unit === 'w';
    if (exactOnly && ms % m !== 0n) continue;
    const v = ms / m;
    if (v > 0n) {
      out += `${v}${unit}`;
      ms -= v * m;
    }
  }
  return out;
}

const GO_UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go `time.ParseDuration`; nanoseconds as a number, or throws Go's message. */
export function parseGoDuration(text: string): number {
  const orig = text;
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${quoteGo(orig)}`);
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const intPart = num[1] ?? '';
    const fracPart = num[2];
    if (intPart === '' && (fracPart === undefined || fracPart === '')) {
      throw new Error(`time: invalid duration ${quoteGo(orig)}`);
    }
    s = s.slice(num[0].length);
    const unitMatch = /^[^0-9.]+/.exec(s);
    if (!unitMatch) throw new Error(`time: missing unit in duration ${quoteGo(orig)}`);
    const unit = unitMatch[0];
    const scale = GO_UNITS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${quoteGo(unit)} in duration ${quoteGo(orig)}`);
    s = s.slice(unit.length);
    const value = Number(`${intPart === '' ? '0' : intPart}.${fracPart ?? '0'}`);
    total += value * scale;
  }
  return negative ? -total : total;
}

function quoteGo(text: string): string {
  return JSON.stringify(text);
}

/** Go `time.Duration.String()`: `1h0m0s`, `1.5s`, `300ms`, `2µs`, `0s`. */
export function formatGoDuration(nsValue: number | bigint): string {
  let ns = typeof nsValue === 'bigint' ? nsValue : BigInt(Math.round(nsValue));
  if (ns === 0n) return '0s';
  const negative = ns < 0n;
  if (negative) ns = -ns;
  let out: string;
  if (ns < 1_000_000_000n) {
    if (ns < 1000n) out = `${ns}ns`;
    else if (ns < 1_000_000n) out = fraction(ns, 3) + 'µs';
    else out = fraction(ns, 6) + 'ms';
  } else {
    const hours = ns / 3_600_000_000_000n;
    const minutes = (ns / 60_000_000_000n) % 60n;
    const seconds = fraction(ns % 60_000_000_000n, 9) + 's';
    if (hours > 0n) out = `${hours}h${minutes}m${seconds}`;
    else if (minutes > 0n) out = `${minutes}m${seconds}`;
    else out = seconds;
  }
  return negative ? '-' + out : out;
}

function fraction(value: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const whole = value / scale;
  const frac = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return frac === '' ? `${whole}` : `${whole}.${frac}`;
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, ki: 1024, kib: 1024,
  m: 1e6, mb: 1e6, mi: 1024 ** 2, mib: 1024 ** 2,
  g: 1e9, gb: 1e9, gi: 1024 ** 3, gib: 1024 ** 3,
  t: 1e12, tb: 1e12, ti: 1024 ** 4, tib: 1024 ** 4,
  p: 1e15, pb: 1e15, pi: 1024 ** 5, pib: 1024 ** 5,
  e: 1e18, eb: 1e18, ei: 1024 ** 6, eib: 1024 ** 6,
};

/** go-humanize `ParseBytes`: `5MB`, `1.5 KiB`, `42`; throws its message on failure. */
export function parseHumanBytes(text: string): number {
  const num = /^[0-9.,]*/.exec(text)![0];
  const value = goParseFloat(num.replace(/,/g, ''));
  if (value === undefined) throw new Error(`strconv.ParseFloat: parsing ${quoteGo(num)}: invalid syntax`);
  const unit = text.slice(num.length).trim().toLowerCase();
  const mult = BYTE_UNITS[unit];
  if (mult === undefined) throw new Error(`unhandled size name: ${unit}`);
  return Math.trunc(value * mult);
}

/**
 * go-humanize `Bytes` with spaces removed, as Loki prints a bytes filter: `20MB`, `1.5kB`. Where
 * that rounds (1KiB would print as `1.0kB`, which reads back as 1000), the exact `1024B` is printed
 * instead: plans cross the bus as text and must mean on the far side what they meant here.
 */
export function formatHumanBytes(value: number): string {
  if (value < 10) return `${value}B`;
  const sizes = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const e = Math.floor(Math.log(value) / Math.log(1000));
  const val = Math.floor((value / 1000 ** e) * 10 + 0.5) / 10;
  const text = (val < 10 ? val.toFixed(1) : val.toFixed(0)) + sizes[e]!;
  return parseHumanBytes(text) === value ? text : `${value}B`;
}

const GO_FLOAT = /^[+-]?(?:(?:\d+(?:_\d+)*)(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+)?$/;
const GO_HEX_FLOAT = /^[+-]?0[xX](?:[0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?|\.[0-9a-fA-F]+)[pP][+-]?\d+$/;
const GO_SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/** Go `strconv.ParseFloat(s, 64)`; `undefined` where Go returns an error. */
export function goParseFloat(text: string): number | undefined {
  if (GO_FLOAT.test(text)) return Number(text.replace(/_/g, ''));
  if (GO_SPECIAL.test(text)) {
    const lower = text.toLowerCase();
    if (lower.endsWith('nan')) return lower.length === 3 ? NaN : undefined;
    return lower.startsWith('-') ? -Infinity : Infinity;
  }
  if (GO_HEX_FLOAT.test(text)) return parseHexFloat(text);
  return undefined;
}

function parseHexFloat(text: string): number {
  const negative = text.startsWith('-');
  const body = text.replace(/^[+-]?0[xX]/, '');
  const [mant, exp] = body.split(/[pP]/) as [string, string | undefined];
  const [whole, frac = ''] = mant.split('.') as [string, string?];
  let value = parseInt(whole === '' ? '0' : whole, 16);
  for (let i = 0; i < frac.length; i++) value += parseInt(frac[i]!, 16) / 16 ** (i + 1);
  value *= 2 ** Number(exp ?? '0');
  return negative ? -value : value;
}

/** The message Go's `strconv.ParseFloat` gives for text it rejects. */
export function parseFloatError(text: string): string {
  return `strconv.ParseFloat: parsing ${quoteGo(text)}: invalid syntax`;
}
