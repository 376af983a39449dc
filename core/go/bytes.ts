// Byte sizes the way go-humanize reads and writes them, as Loki's bytes label filters and
// `bytes()` template function do: `5MB` (SI), `1.5KiB` (IEC), `42` (bytes).

import { parseFloatError, readGoFloat } from './float.js';

const UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, ki: 1024, kib: 1024,
  m: 1e6, mb: 1e6, mi: 1024 ** 2, mib: 1024 ** 2,
  g: 1e9, gb: 1e9, gi: 1024 ** 3, gib: 1024 ** 3,
  t: 1e12, tb: 1e12, ti: 1024 ** 4, tib: 1024 ** 4,
  p: 1e15, pb: 1e15, pi: 1024 ** 5, pib: 1024 ** 5,
  e: 1e18, eb: 1e18, ei: 1024 ** 6, eib: 1024 ** 6,
};

/** go-humanize `ParseBytes`: `5MB`, `1.5 KiB`, `1,000`; throws its error text. */
export function parseHumanBytes(text: string): number {
  const digits = /^[0-9.,]*/.exec(text)![0];
  const number = digits.replace(/,/g, '');
  const { value, error } = readGoFloat(number);
  if (error !== undefined) throw new Error(parseFloatError(number, error));
  const unit = text.slice(digits.length).trim().toLowerCase();
  const multiplier = UNITS[unit];
  if (multiplier === undefined) throw new Error(`unhandled size name: ${unit}`);
  const bytes = value * multiplier;
  if (bytes >= 2 ** 64) throw new Error(`too large: ${text}`);
  return Math.trunc(bytes);
}

const SI_SIZES = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'] as const;

/**
 * go-humanize `Bytes` with spaces removed, as Loki prints a bytes filter: `20MB`, `1.5kB`. Where
 * that rounds (1KiB would print as `1.0kB`, which reads back as 1000), the exact `1024B` is printed
 * instead: plans cross the bus as text and must mean on the far side what they meant here.
 */
export function formatHumanBytes(value: number): string {
  if (value < 10) return `${value}B`;
  const exponent = Math.floor(Math.log(value) / Math.log(1000));
  const rounded = Math.floor((value / 1000 ** exponent) * 10 + 0.5) / 10;
  const text = (rounded < 10 ? rounded.toFixed(1) : rounded.toFixed(0)) + SI_SIZES[exponent]!;
  return parseHumanBytes(text) === value ? text : `${value}B`;
}
