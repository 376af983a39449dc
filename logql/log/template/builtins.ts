// text/template's builtin functions: logic, comparison, printing, indexing and escaping.

import { GoTime } from './go-time.js';
import { TemplateExecError, compareValues, formatValue, kindOf, requireString, sprintf, toInt64, truth, type Value } from './values.js';

export interface CallContext {
  readonly line: string;
  readonly ts: bigint;
}

export type Fn = (args: Value[], ctx: CallContext) => Value;

export interface FnSpec {
  /** Exact count, or [min, max] (max -1 for variadic). */
  readonly arity: number | readonly [number, number];
  readonly fn: Fn;
}

export function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}


export const BUILTINS: Record<string, FnSpec> = {
  // text/template builtins
  and: { arity: [1, -1], fn: (args) => args.find((a) => !truth(a)) ?? args[args.length - 1]! },
  or: { arity: [1, -1], fn: (args) => args.find((a) => truth(a)) ?? args[args.length - 1]! },
  not: { arity: 1, fn: ([a]) => !truth(a!) },
  len: {
    arity: 1,
    fn: ([a]) => {
      if (typeof a === 'string') return BigInt(Buffer.byteLength(a, 'utf8'));
      if (Array.isArray(a)) return BigInt(a.length);
      if (a !== null && typeof a === 'object' && !(a instanceof GoTime)) return BigInt(Object.keys(a).length);
      throw new TemplateExecError(`error calling len: len of type ${kindOf(a!)}`);
    },
  },
  index: {
    arity: [1, -1],
    fn: ([item, ...keys]) => {
      let cur: Value = item!;
      for (const k of keys) {
        if (Array.isArray(cur)) cur = cur[Number(toInt64(k))] ?? null;
        else if (cur !== null && typeof cur === 'object' && !(cur instanceof GoTime)) cur = cur[formatValue(k)] ?? null;
        else throw new TemplateExecError(`error calling index: can't index item of type ${kindOf(cur)}`);
      }
      return cur;
    },
  },
  print: { arity: [0, -1], fn: (args) => args.map(formatValue).reduce((acc, s, i) => acc + (i > 0 && typeof args[i] !== 'string' && typeof args[i - 1] !== 'string' ? ' ' : '') + s, '') },
  println: { arity: [0, -1], fn: (args) => args.map(formatValue).join(' ') + '\n' },
  printf: { arity: [1, -1], fn: ([f, ...rest]) => sprintf(requireString(f!, 'printf'), rest) },
  eq: { arity: [2, -1], fn: ([a, ...rest]) => rest.some((b) => compareValues(a!, b, 'eq')) },
  ne: { arity: 2, fn: ([a, b]) => !compareValues(a!, b!, 'eq') },
  lt: { arity: 2, fn: ([a, b]) => compareValues(a!, b!, 'lt') },
  le: { arity: 2, fn: ([a, b]) => compareValues(a!, b!, 'lt') || compareValues(a!, b!, 'eq') },
  gt: { arity: 2, fn: ([a, b]) => compareValues(b!, a!, 'lt') },
  ge: { arity: 2, fn: ([a, b]) => compareValues(b!, a!, 'lt') || compareValues(a!, b!, 'eq') },
  urlquery: { arity: [0, -1], fn: (args) => queryEscape(args.map(formatValue).join('')) },
  html: { arity: [0, -1], fn: (args) => args.map(formatValue).join('').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!) },
  js: { arity: [0, -1], fn: (args) => JSON.stringify(args.map(formatValue).join('')).slice(1, -1).replace(/'/g, "\\'") },
};
