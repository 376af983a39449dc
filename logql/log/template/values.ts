// Template values and Go's rules for them: ints are `bigint`, floats `number`, plus strings,
// booleans, nil (`null`), times, and the maps / slices `fromJson` builds. Printing, truth and
// comparison follow text/template and fmt.

import { goFormatFloat } from '../../../core/go/mod.js';
import { GoTime } from './go-time.js';
import { LogQLError } from '../../errors.js';

export type Value = string | bigint | number | boolean | null | GoTime | Value[] | { [key: string]: Value };

export class TemplateExecError extends Error {}

/**
 * Most characters one template may produce for one line (`line_format`) or one label
 * (`label_format`), 1 Mi. A template builds its output in memory for every line it formats, so
 * without a bound `{{ repeat 100000000 "x" }}` over a hundred lines exhausts the process's heap;
 * past the bound the query fails with a 400, as a query the client got wrong.
 */
export const MAX_TEMPLATE_OUTPUT = 1 << 20;

export class TemplateLimitError extends LogQLError {
  constructor(what: string, size: number, unit: string) {
    super('LOGQL_LIMIT', `template output too large: ${what} would produce ${size} ${unit}, more than the ${MAX_TEMPLATE_OUTPUT} a template may produce for one line or label`);
  }
}

/** Refuses, before building it, an output of `size` characters (or loop iterations). */
export function checkOutputSize(what: string, size: number, unit = 'characters'): void {
  if (size > MAX_TEMPLATE_OUTPUT) throw new TemplateLimitError(what, size, unit);
}

export function kindOf(v: Value): string {
  if (v === null) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof GoTime) return 'time.Time';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

export function printValue(v: Value): string {
  if (v === null) return '<no value>';
  return formatValue(v);
}

/** fmt's `%v`. */
export function formatValue(v: Value): string {
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return goFormatFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof GoTime) return v.toString();
  if (Array.isArray(v)) return '[' + v.map(formatValue).join(' ') + ']';
  return 'map[' + Object.keys(v).sort().map((k) => `${k}:${formatValue(v[k]!)}`).join(' ') + ']';
}

export function truth(v: Value): boolean {
  if (v === null) return false;
  if (typeof v === 'string') return v !== '';
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'boolean') return v;
  if (v instanceof GoTime) return true;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

export function requireString(v: Value, fn: string): string {
  if (typeof v !== 'string') throw new TemplateExecError(`error calling ${fn}: wrong type for value; expected string; got ${kindOf(v)}`);
  return v;
}

export function requireInt(v: Value, fn: string): number {
  if (typeof v === 'bigint') return Number(v);
  throw new TemplateExecError(`error calling ${fn}: wrong type for value; expected int; got ${kindOf(v)}`);
}

export function requireTime(v: Value, fn: string): GoTime {
  if (v instanceof GoTime) return v;
  throw new TemplateExecError(`error calling ${fn}: wrong type for value; expected time.Time; got ${kindOf(v)}`);
}

/** spf13/cast `ToInt64`, as sprig's arithmetic converts: unparseable text is 0. */
export function toInt64(v: Value): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[+-]?\d+$/.test(t)) return BigInt(t);
    if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) return BigInt(t.replace(/^([+-]?)0[xX]/, '$10x'));
    return 0n;
  }
  return 0n;
}

/** spf13/cast `ToFloat64`. */
export function toFloat64(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = Number(v.trim());
    return v.trim() === '' || Number.isNaN(n) ? 0 : n;
  }
  return 0;
}

function basic(v: Value): 'int' | 'float' | 'string' | 'bool' | 'nil' | 'other' {
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v === null) return 'nil';
  return 'other';
}

/** text/template's `eq` and ordering: same basic kinds only. */
export function compareValues(a: Value, b: Value, op: 'eq' | 'lt'): boolean {
  const ka = basic(a);
  const kb = basic(b);
  if (ka !== kb) throw new TemplateExecError(`error calling ${op}: incompatible types for comparison`);
  if (ka === 'other' || (op === 'lt' && (ka === 'bool' || ka === 'nil'))) {
    throw new TemplateExecError(`error calling ${op}: invalid type for comparison`);
  }
  if (op === 'eq') return a === b;
  return (a as string | number | bigint) < (b as string | number | bigint);
}

/** A subset of fmt's `Sprintf` verbs: %v %s %d %f %e %g %q %x %X %t %c %%, with flags and width. */
export function sprintf(format: string, args: Value[]): string {
  let out = '';
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const m = /^([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/.exec(format.slice(i + 1));
    if (m === null) {
      out += '%!(NOVERB)';
      continue;
    }
    i += m[0].length;
    const [, flags = '', widthText, precText, verb] = m;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++]!;
    const prec = precText === undefined ? undefined : Number(precText);
    let text: string;
    switch (verb) {
      case 'v': case 's': text = formatValue(arg); if (prec !== undefined && verb === 's') text = text.slice(0, prec); break;
      case 'q': text = JSON.stringify(formatValue(arg)); break;
      case 'd': text = typeof arg === 'bigint' ? arg.toString() : `%!d(${kindOf(arg)}=${formatValue(arg)})`; break;
      case 'f': case 'F': text = typeof arg === 'number' || typeof arg === 'bigint' ? Number(arg).toFixed(prec ?? 6) : `%!f(${kindOf(arg)}=${formatValue(arg)})`; break;
      case 'e': text = typeof arg === 'number' ? Number(arg).toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2') : `%!e(${kindOf(arg)}=${formatValue(arg)})`; break;
      case 'g': text = typeof arg === 'number' ? goFormatFloat(arg) : formatValue(arg); break;
      case 't': text = typeof arg === 'boolean' ? String(arg) : `%!t(${kindOf(arg)}=${formatValue(arg)})`; break;
      case 'x': case 'X': {
        const raw = typeof arg === 'bigint' ? arg.toString(16) : Buffer.from(formatValue(arg), 'utf8').toString('hex');
        text = verb === 'X' ? raw.toUpperCase() : raw;
        break;
      }
      case 'c': text = typeof arg === 'bigint' ? String.fromCodePoint(Number(arg)) : `%!c(${kindOf(arg)}=${formatValue(arg)})`; break;
      default: text = `%!${verb}(${kindOf(arg)}=${formatValue(arg)})`;
    }
    if (flags.includes('+') && (typeof arg === 'bigint' || typeof arg === 'number') && !text.startsWith('-')) text = '+' + text;
    const width = widthText === undefined ? 0 : Number(widthText);
    checkOutputSize('printf', width);
    if (text.length < width) {
      if (flags.includes('-')) text = text.padEnd(width, ' ');
      else if (flags.includes('0') && verb !== 's' && verb !== 'v') text = text.startsWith('-') ? '-' + text.slice(1).padStart(width - 1, '0') : text.padStart(width, '0');
      else text = text.padStart(width, ' ');
    }
    out += text;
  }
  if (argi < args.length) out += '%!(EXTRA ' + args.slice(argi).map((a) => `${kindOf(a)}=${formatValue(a)}`).join(', ') + ')';
  return out;
}
