// Go time values for templates: formatting and parsing with Go reference layouts
// ("2006-01-02T15:04:05Z07:00"), in UTC unless a layout or zone says otherwise.

export class GoTime {
  /** Nanoseconds since the epoch; `offsetSeconds` is the zone offset used for display. */
  constructor(readonly ns: bigint, readonly offsetSeconds = 0, readonly zone = 'UTC') {}

  static now(): GoTime {
    return new GoTime(BigInt(Date.now()) * 1_000_000n);
  }

  unixSeconds(): bigint {
    const s = this.ns / 1_000_000_000n;
    return this.ns < 0n && this.ns % 1_000_000_000n !== 0n ? s - 1n : s;
  }

  /** Go's default `time.Time.String()`. */
  toString(): string {
    return formatGoTime('2006-01-02 15:04:05.999999999 -0700 MST', this);
  }
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

// Longest tokens first, as Go's layout scanner prefers them.
const TOKENS = [
  'January', 'Monday', '2006', '-07:00:00', 'Z07:00:00', '-07:00', 'Z07:00', '-0700', 'Z0700', '-07', 'Z07',
  'Jan', 'Mon', 'MST', '002', '__2', '_2', '01', '02', '03', '04', '05', '06', '15', 'PM', 'pm',
  '1', '2', '3', '4', '5',
];

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

interface Parts {
  year: number; month: number; day: number; hour: number; minute: number; second: number; nanos: number; weekday: number; yday: number;
}

function partsOf(t: GoTime): Parts {
  const shifted = t.ns + BigInt(t.offsetSeconds) * 1_000_000_000n;
  let ms = shifted / 1_000_000n;
  let nanos = Number(shifted % 1_000_000_000n);
  if (nanos < 0) {
    nanos += 1_000_000_000;
  }
  if (shifted < 0n && shifted % 1_000_000n !== 0n) ms -= 1n;
  const d = new Date(Number(ms));
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(),
    minute: d.getUTCMinutes(), second: d.getUTCSeconds(), nanos, weekday: d.getUTCDay(),
    yday: Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - start) / 86_400_000) + 1,
  };
}

function zoneText(offset: number, colon: boolean, seconds: boolean, z: boolean, short = false): string {
  if (z && offset === 0) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const h = pad(Math.floor(abs / 3600), 2);
  const m = pad(Math.floor((abs % 3600) / 60), 2);
  const s = pad(abs % 60, 2);
  if (short) return sign + h;
  return sign + h + (colon ? ':' : '') + m + (seconds ? (colon ? ':' : '') + s : '');
}

export function formatGoTime(layout: string, t: GoTime): string {
  const p = partsOf(t);
  let out = '';
  let i = 0;
  while (i < layout.length) {
    // Fractional seconds: .000 / ,000 (fixed) and .999 (trimmed)
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac !== null && /[05]$/.test(layout.slice(0, i))) {
      const digits = frac[1]!;
      const text = pad(p.nanos, 9).slice(0, digits.length);
      if (digits[0] === '0') out += layout[i] + text;
      else {
        const trimmed = text.replace(/0+$/, '');
        if (trimmed !== '') out += layout[i] + trimmed;
      }
      i += frac[0].length;
      continue;
    }
    const tok = TOKENS.find((x) => layout.startsWith(x, i));
    if (tok === undefined) {
      out += layout[i];
      i++;
      continue;
    }
    i += tok.length;
    switch (tok) {
      case 'January': out += MONTHS[p.month - 1]; break;
      case 'Jan': out += MONTHS[p.month - 1]!.slice(0, 3); break;
      case 'Monday': out += DAYS[p.weekday]; break;
      case 'Mon': out += DAYS[p.weekday]!.slice(0, 3); break;
      case '2006': out += pad(p.year, 4); break;
      case '06': out += pad(p.year % 100, 2); break;
      case '01': out += pad(p.month, 2); break;
      case '1': out += p.month; break;
      case '02': out += pad(p.day, 2); break;
      case '2': out += p.day; break;
      case '_2': out += String(p.day).padStart(2, ' '); break;
      case '002': out += pad(p.yday, 3); break;
      case '__2': out += String(p.yday).padStart(3, ' '); break;
      case '15': out += pad(p.hour, 2); break;
      case '03': out += pad(p.hour % 12 === 0 ? 12 : p.hour % 12, 2); break;
      case '3': out += p.hour % 12 === 0 ? 12 : p.hour % 12; break;
      case '04': out += pad(p.minute, 2); break;
      case '4': out += p.minute; break;
      case '05': out += pad(p.second, 2); break;
      case '5': out += p.second; break;
      case 'PM': out += p.hour >= 12 ? 'PM' : 'AM'; break;
      case 'pm': out += p.hour >= 12 ? 'pm' : 'am'; break;
      case 'MST': out += t.zone; break;
      case '-0700': out += zoneText(t.offsetSeconds, false, false, false); break;
      case '-07:00': out += zoneText(t.offsetSeconds, true, false, false); break;
      case '-07': out += zoneText(t.offsetSeconds, false, false, false, true); break;
      case '-07:00:00': out += zoneText(t.offsetSeconds, true, true, false); break;
      case 'Z0700': out += zoneText(t.offsetSeconds, false, false, true); break;
      case 'Z07:00': out += zoneText(t.offsetSeconds, true, false, true); break;
      case 'Z07': out += zoneText(t.offsetSeconds, false, false, true, true); break;
      case 'Z07:00:00': out += zoneText(t.offsetSeconds, true, true, true); break;
    }
  }
  return out;
}

/** Go's `time.Parse` for the common layout elements; undefined when `value` does not fit. */
export function parseGoTime(layout: string, value: string, offsetSeconds = 0): GoTime | undefined {
  let re = '';
  const fields: string[] = [];
  let i = 0;
  while (i < layout.length) {
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac !== null) {
      re += '(?:[.,](\\d+))?';
      fields.push('frac');
      i += frac[0].length;
      continue;
    }
    const tok = TOKENS.find((x) => layout.startsWith(x, i));
    if (tok === undefined) {
      re += layout[i]!.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
      i++;
      continue;
    }
    i += tok.length;
    const group: Record<string, string> = {
      January: '([A-Za-z]+)', Jan: '([A-Za-z]{3})', Monday: '(?:[A-Za-z]+)', Mon: '(?:[A-Za-z]{3})', '2006': '(\\d{4})', '06': '(\\d{2})',
      '01': '(\\d{2})', '1': '(\\d{1,2})', '02': '(\\d{2})', '2': '(\\d{1,2})', '_2': ' ?(\\d{1,2})', '002': '(\\d{3})', '__2': ' *(\\d{1,3})',
      '15': '(\\d{2})', '03': '(\\d{2})', '3': '(\\d{1,2})', '04': '(\\d{2})', '4': '(\\d{1,2})', '05': '(\\d{2})', '5': '(\\d{1,2})',
      PM: '(AM|PM)', pm: '(am|pm)', MST: '(?:[A-Z]{3,4}|[+-]\\d{2})',
      '-0700': '([+-]\\d{4})', '-07:00': '([+-]\\d{2}:\\d{2})', '-07': '([+-]\\d{2})', '-07:00:00': '([+-]\\d{2}:\\d{2}:\\d{2})',
      Z0700: '(Z|[+-]\\d{4})', 'Z07:00': '(Z|[+-]\\d{2}:\\d{2})', Z07: '(Z|[+-]\\d{2})', 'Z07:00:00': '(Z|[+-]\\d{2}:\\d{2}:\\d{2})',
    };
    const g = group[tok]!;
    re += g;
    if (g.startsWith('(') && !g.startsWith('(?:')) fields.push(tok);
  }
  const m = new RegExp(`^${re}$`).exec(value);
  if (m === null) return undefined;
  let year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0, pm: boolean | undefined;
  let offset = offsetSeconds;
  fields.forEach((f, idx) => {
    const v = m[idx + 1];
    if (v === undefined) return;
    switch (f) {
      case '2006': year = Number(v); break;
      case '06': year = 2000 + Number(v) - (Number(v) >= 69 ? 100 : 0); break;
      case 'January': case 'Jan': month = MONTHS.findIndex((x) => x.toLowerCase().startsWith(v.toLowerCase())) + 1; break;
      case '01': case '1': month = Number(v); break;
      case '02': case '2': case '_2': day = Number(v); break;
      case '15': case '03': case '3': hour = Number(v); break;
      case '04': case '4': minute = Number(v); break;
      case '05': case '5': second = Number(v); break;
      case 'frac': nanos = Number(v.padEnd(9, '0').slice(0, 9)); break;
      case 'PM': case 'pm': pm = v.toLowerCase() === 'pm'; break;
      default:
        if (v === 'Z') offset = 0;
        else {
          const sign = v[0] === '-' ? -1 : 1;
          const [h = '0', mm = '0', ss = '0'] = v.slice(1).includes(':') ? v.slice(1).split(':') : [v.slice(1, 3), v.slice(3, 5) || '0', '0'];
          offset = sign * (Number(h) * 3600 + Number(mm) * 60 + Number(ss));
        }
    }
  });
  if (pm !== undefined) hour = (hour % 12) + (pm ? 12 : 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offset * 1000;
  return new GoTime(BigInt(ms) * 1_000_000n + BigInt(nanos), offset, offset === 0 ? 'UTC' : '');
}
