// Timestamps in the formats Promtail's timestamp stage takes: the named ones (RFC3339, Unix,
// UnixMs, ...) and Go reference layouts ("2006-01-02 15:04:05.000 MST"), turned into a regex
// once per layout. A layout without a zone is read in `location` (an IANA name) or UTC.

const NAMED: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

type Field = 'year' | 'year2' | 'month' | 'monthName' | 'day' | 'hour' | 'hour12' | 'minute' | 'second' | 'fraction' | 'ampm' | 'zone' | 'zoneName' | 'skip';

// Longest tokens first, so `2006` wins over `2` and `January` over `Jan`.
const TOKENS: ReadonlyArray<readonly [string, Field, string]> = [
  ['January', 'monthName', '[A-Za-z]+'], ['Monday', 'skip', '[A-Za-z]+'], ['Z07:00', 'zone', 'Z|[+-]\\d{2}:\\d{2}'],
  ['-07:00', 'zone', '[+-]\\d{2}:\\d{2}'], ['Z0700', 'zone', 'Z|[+-]\\d{4}'], ['-0700', 'zone', '[+-]\\d{4}'], ['2006', 'year', '\\d{4}'],
  ['Jan', 'monthName', '[A-Za-z]{3}'], ['Mon', 'skip', '[A-Za-z]{3}'], ['MST', 'zoneName', '[A-Z]{2,5}|[+-]\\d{2,4}'], ['-07', 'zone', '[+-]\\d{2}'],
  ['_2', 'day', ' ?\\d{1,2}'], ['01', 'month', '\\d{2}'], ['02', 'day', '\\d{2}'], ['06', 'year2', '\\d{2}'], ['15', 'hour', '\\d{2}'],
  ['03', 'hour12', '\\d{2}'], ['04', 'minute', '\\d{2}'], ['05', 'second', '\\d{2}'], ['PM', 'ampm', '[AP]M'], ['pm', 'ampm', '[ap]m'],
  ['1', 'month', '\\d{1,2}'], ['2', 'day', '\\d{1,2}'], ['3', 'hour12', '\\d{1,2}'], ['4', 'minute', '\\d{1,2}'], ['5', 'second', '\\d{1,2}'],
];

interface CompiledLayout {
  readonly regex: RegExp;
  readonly fields: readonly Field[];
}

const cache = new Map<string, CompiledLayout>();

function compile(layout: string): CompiledLayout {
  const cached = cache.get(layout);
  if (cached !== undefined) return cached;
  let source = '^';
  const fields: Field[] = [];
  for (let i = 0; i < layout.length; ) {
    // `.000`/`.999` (and `,000`): fractional seconds, fixed or optional width.
    const fraction = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (fraction !== null) {
      source += fraction[1]![0] === '9' ? '(?:[.,](\\d+))?' : `[.,](\\d{${fraction[1]!.length}})`;
      fields.push('fraction');
      i += fraction[0].length;
      continue;
    }
    const token = TOKENS.find(([text]) => layout.startsWith(text, i));
    if (token !== undefined) {
      source += `(${token[2]})`;
      fields.push(token[1]);
      i += token[0].length;
      continue;
    }
    source += layout[i]!.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
    i++;
  }
  const compiled = { regex: new RegExp(`${source}$`), fields };
  cache.set(layout, compiled);
  return compiled;
}

/** The offset of `zone` from UTC at the instant `utcMs`, in minutes. */
function zoneOffsetMinutes(zone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(utcMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((wall - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

export function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses `value` in `format`; undefined when it does not fit. `nowYear` fills in a missing year. */
export function parseTimestamp(format: string, value: string, location?: string, nowYear = new Date().getUTCFullYear()): bigint | undefined {
  const trimmed = value.trim();
  switch (format) {
    case 'Unix':
      return /^\d+(\.\d+)?$/.test(trimmed) ? unixFraction(trimmed) : undefined;
    case 'UnixMs':
      return /^\d+$/.test(trimmed) ? BigInt(trimmed) * 1_000_000n : undefined;
    case 'UnixUs':
      return /^\d+$/.test(trimmed) ? BigInt(trimmed) * 1_000n : undefined;
    case 'UnixNs':
      return /^\d+$/.test(trimmed) ? BigInt(trimmed) : undefined;
  }
  const { regex, fields } = compile(NAMED[format] ?? format);
  const match = regex.exec(trimmed);
  if (match === null) return undefined;
  let year = nowYear;
  let month = 0;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0n;
  let pm: boolean | undefined;
  let offsetMin: number | undefined;
  fields.forEach((field, i) => {
    const text = match[i + 1];
    if (text === undefined) return;
    switch (field) {
      case 'year': year = Number(text); break;
      case 'year2': year = 2000 + Number(text) - (Number(text) >= 69 ? 100 : 0); break;
      case 'month': month = Number(text) - 1; break;
      case 'monthName': month = MONTHS.indexOf(text.slice(0, 3).toLowerCase()); break;
      case 'day': day = Number(text.trim()); break;
      case 'hour': case 'hour12': hour = Number(text); break;
      case 'minute': minute = Number(text); break;
      case 'second': second = Number(text); break;
      case 'fraction': nanos = BigInt(text.slice(0, 9).padEnd(9, '0')); break;
      case 'ampm': pm = text.toLowerCase() === 'pm'; break;
      case 'zone': offsetMin = text === 'Z' ? 0 : zoneText(text); break;
      case 'zoneName': offsetMin = text === 'UTC' || text === 'GMT' || text === 'Z' ? 0 : /^[+-]\d+$/.test(text) ? zoneText(text) : undefined; break;
      case 'skip': break;
    }
  });
  if (month < 0) return undefined;
  if (pm !== undefined) hour = (hour % 12) + (pm ? 12 : 0);
  const wall = Date.UTC(year, month, day, hour, minute, second);
  if (Number.isNaN(wall)) return undefined;
  const offset = offsetMin ?? (location !== undefined ? zoneOffsetMinutes(location, wall - zoneOffsetMinutes(location, wall) * 60_000) : 0);
  return BigInt(wall - offset * 60_000) * 1_000_000n + nanos;
}

function zoneText(text: string): number {
  const digits = text.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
  return text[0] === '-' ? -minutes : minutes;
}

function unixFraction(text: string): bigint {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole!) * 1_000_000_000n + BigInt(fraction.slice(0, 9).padEnd(9, '0'));
}
