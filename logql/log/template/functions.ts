// The functions Loki's templates offer: Go's `strings` helpers under their old names, the sprig
// subset Loki enables, Loki's own (`__line__`, `__timestamp__`, `bytes`, `duration`, ...), and
// text/template's builtins.

import { RE2JS } from 're2js';
import { parseGoDuration, parseHumanBytes } from '../../../core/go/mod.js';
import { expand } from '../../engine/label-replace.js';
import { GoTime, formatGoTime, parseGoTime } from './go-time.js';
import { BUILTINS, queryEscape, type CallContext, type FnSpec } from './builtins.js';

export type { CallContext };
import { TemplateExecError, checkOutputSize, requireInt, requireString, requireTime, toFloat64, toInt64, truth, type Value } from './values.js';

const str = requireString;

function regex(pattern: string, fn: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    throw new TemplateExecError(`error calling ${fn}: ${(error as Error).message}`);
  }
}

function replaceAll(re: RE2JS, s: string, repl: (m: ReturnType<RE2JS['matcher']>) => string): string {
  const m = re.matcher(s);
  let out = '';
  let last = 0;
  let from = 0;
  while (from <= s.length && m.find(from)) {
    out += s.slice(last, m.start()) + repl(m);
    last = m.end();
    from = m.end() === m.start() ? m.end() + 1 : m.end();
  }
  return out + s.slice(last);
}

function goTrim(s: string, cutset: string, left: boolean, right: boolean): string {
  const set = new Set(Array.from(cutset));
  const chars = Array.from(s);
  let a = 0;
  let b = chars.length;
  if (left) while (a < b && set.has(chars[a]!)) a++;
  if (right) while (b > a && set.has(chars[b - 1]!)) b--;
  return chars.slice(a, b).join('');
}

function queryUnescape(s: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(s)) {
    const bad = /%.{0,2}/.exec(s.slice(s.search(/%(?![0-9a-fA-F]{2})/)))![0];
    throw new TemplateExecError(`error calling urldecode: invalid URL escape ${JSON.stringify(bad)}`);
  }
  return Buffer.from(s.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

function toTime(v: Value): GoTime {
  if (v instanceof GoTime) return v;
  if (typeof v === 'bigint') return new GoTime(v * 1_000_000_000n);
  return GoTime.now();
}

function empty(v: Value | undefined): boolean {
  return v === undefined || !truth(v);
}

function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_, pre: string, ch: string) => pre + ch.toUpperCase());
}

const runes = (s: string): string[] => Array.from(s);

const FUNCS: Record<string, FnSpec> = {
  // Go strings package, Loki's original names.
  ToLower: { arity: 1, fn: ([s]) => str(s!, 'ToLower').toLowerCase() },
  ToUpper: { arity: 1, fn: ([s]) => str(s!, 'ToUpper').toUpperCase() },
  Replace: {
    arity: 4,
    fn: ([s, o, n, c]) => {
      const src = str(s!, 'Replace');
      const old = str(o!, 'Replace');
      const neu = str(n!, 'Replace');
      let count = requireInt(c!, 'Replace');
      if (count < 0) return src.split(old).join(neu);
      let out = src;
      let at = 0;
      while (count-- > 0) {
        const i = out.indexOf(old, at);
        if (i === -1) break;
        out = out.slice(0, i) + neu + out.slice(i + old.length);
        at = i + neu.length + (old === '' ? 1 : 0);
      }
      return out;
    },
  },
  Trim: { arity: 2, fn: ([s, c]) => goTrim(str(s!, 'Trim'), str(c!, 'Trim'), true, true) },
  TrimLeft: { arity: 2, fn: ([s, c]) => goTrim(str(s!, 'TrimLeft'), str(c!, 'TrimLeft'), true, false) },
  TrimRight: { arity: 2, fn: ([s, c]) => goTrim(str(s!, 'TrimRight'), str(c!, 'TrimRight'), false, true) },
  TrimPrefix: { arity: 2, fn: ([s, p]) => { const v = str(s!, 'TrimPrefix'); const x = str(p!, 'TrimPrefix'); return v.startsWith(x) ? v.slice(x.length) : v; } },
  TrimSuffix: { arity: 2, fn: ([s, p]) => { const v = str(s!, 'TrimSuffix'); const x = str(p!, 'TrimSuffix'); return x !== '' && v.endsWith(x) ? v.slice(0, -x.length) : v; } },
  TrimSpace: { arity: 1, fn: ([s]) => str(s!, 'TrimSpace').trim() },
  regexReplaceAll: {
    arity: 3,
    fn: ([r, s, repl]) => {
      const re = regex(str(r!, 'regexReplaceAll'), 'regexReplaceAll');
      const template = str(repl!, 'regexReplaceAll');
      const named = re.namedGroups() as Record<string, number>;
      return replaceAll(re, str(s!, 'regexReplaceAll'), (m) =>
        expand(template, (ref) => {
          const index = /^\d+$/.test(ref) ? Number(ref) : named[ref];
          return index === undefined || index > m.groupCount() ? '' : (m.group(index) ?? '');
        }),
      );
    },
  },
  regexReplaceAllLiteral: {
    arity: 3,
    fn: ([r, s, repl]) => replaceAll(regex(str(r!, 'regexReplaceAllLiteral'), 'regexReplaceAllLiteral'), str(s!, 'regexReplaceAllLiteral'), () => str(repl!, 'regexReplaceAllLiteral')),
  },
  count: {
    arity: 2,
    fn: ([r, s]) => {
      const re = regex(str(r!, 'count'), 'count');
      let n = 0n;
      replaceAll(re, str(s!, 'count'), () => {
        n++;
        return '';
      });
      return n;
    },
  },
  urldecode: { arity: 1, fn: ([s]) => queryUnescape(str(s!, 'urldecode')) },
  urlencode: { arity: 1, fn: ([s]) => queryEscape(str(s!, 'urlencode')) },
  bytes: {
    arity: 1,
    fn: ([s]) => {
      try {
        return parseHumanBytes(str(s!, 'bytes'));
      } catch (error) {
        throw new TemplateExecError(`error calling bytes: ${(error as Error).message}`);
      }
    },
  },
  duration: { arity: 1, fn: ([s]) => durationSeconds(s!, 'duration') },
  duration_seconds: { arity: 1, fn: ([s]) => durationSeconds(s!, 'duration_seconds') },
  unixEpochMillis: { arity: 1, fn: ([t]) => (requireTime(t!, 'unixEpochMillis').ns / 1_000_000n).toString() },
  unixEpochNanos: { arity: 1, fn: ([t]) => requireTime(t!, 'unixEpochNanos').ns.toString() },
  unixEpoch: { arity: 1, fn: ([t]) => requireTime(t!, 'unixEpoch').unixSeconds().toString() },
  unixToTime: {
    arity: 1,
    fn: ([s]) => {
      const text = str(s!, 'unixToTime');
      if (!/^-?\d+$/.test(text)) throw new TemplateExecError(`error calling unixToTime: unable to parse ${text}`);
      const n = BigInt(text);
      const digits = text.replace('-', '').length;
      const ns = digits <= 10 ? n * 1_000_000_000n : digits <= 13 ? n * 1_000_000n : digits <= 16 ? n * 1000n : n;
      return new GoTime(ns);
    },
  },
  toDateInZone: {
    arity: 3,
    fn: ([f, z, s]) => {
      const zone = str(z!, 'toDateInZone');
      const offset = zone === 'UTC' || zone === '' ? 0 : 0;
      return parseGoTime(str(f!, 'toDateInZone'), str(s!, 'toDateInZone'), offset) ?? new GoTime(-62135596800000000000n);
    },
  },
  __line__: { arity: 0, fn: (_args, ctx) => ctx.line },
  __timestamp__: { arity: 0, fn: (_args, ctx) => new GoTime(ctx.ts) },

  // sprig
  b64enc: { arity: 1, fn: ([s]) => Buffer.from(str(s!, 'b64enc'), 'utf8').toString('base64') },
  b64dec: {
    arity: 1,
    fn: ([s]) => {
      const text = str(s!, 'b64dec');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return 'illegal base64 data at input byte 0';
      return Buffer.from(text, 'base64').toString('utf8');
    },
  },
  lower: { arity: 1, fn: ([s]) => str(s!, 'lower').toLowerCase() },
  upper: { arity: 1, fn: ([s]) => str(s!, 'upper').toUpperCase() },
  title: { arity: 1, fn: ([s]) => title(str(s!, 'title')) },
  trunc: {
    arity: 2,
    fn: ([c, s]) => {
      const n = requireInt(c!, 'trunc');
      const r = runes(str(s!, 'trunc'));
      if (n < 0 && r.length + n > 0) return r.slice(r.length + n).join('');
      if (n >= 0 && r.length > n) return r.slice(0, n).join('');
      return r.join('');
    },
  },
  substr: {
    arity: 3,
    fn: ([a, b, s]) => {
      let start = requireInt(a!, 'substr');
      let end = requireInt(b!, 'substr');
      const r = runes(str(s!, 'substr'));
      if (end > r.length) end = r.length;
      if (start > r.length) start = r.length;
      if (start < 0) return end < 0 ? '' : r.slice(0, end).join('');
      if (end < 0) return r.slice(start).join('');
      if (start > end) return '';
      return r.slice(start, end).join('');
    },
  },
  contains: { arity: 2, fn: ([sub, s]) => str(s!, 'contains').includes(str(sub!, 'contains')) },
  hasPrefix: { arity: 2, fn: ([p, s]) => str(s!, 'hasPrefix').startsWith(str(p!, 'hasPrefix')) },
  hasSuffix: { arity: 2, fn: ([p, s]) => str(s!, 'hasSuffix').endsWith(str(p!, 'hasSuffix')) },
  indent: { arity: 2, fn: ([n, s]) => indent(requireInt(n!, 'indent'), str(s!, 'indent')) },
  nindent: { arity: 2, fn: ([n, s]) => '\n' + indent(requireInt(n!, 'nindent'), str(s!, 'nindent')) },
  replace: {
    arity: 3,
    fn: ([o, n, s]) => {
      const pieces = str(s!, 'replace').split(str(o!, 'replace'));
      const joiner = str(n!, 'replace');
      let size = (pieces.length - 1) * joiner.length;
      for (const piece of pieces) size += piece.length;
      checkOutputSize('replace', size);
      return pieces.join(joiner);
    },
  },
  repeat: {
    arity: 2,
    fn: ([n, s]) => {
      const text = str(s!, 'repeat');
      const count = Math.max(0, requireInt(n!, 'repeat'));
      checkOutputSize('repeat', text.length * count);
      return text.repeat(count);
    },
  },
  trim: { arity: 1, fn: ([s]) => str(s!, 'trim').trim() },
  trimAll: { arity: 2, fn: ([c, s]) => goTrim(str(s!, 'trimAll'), str(c!, 'trimAll'), true, true) },
  trimSuffix: { arity: 2, fn: ([x, s]) => { const v = str(s!, 'trimSuffix'); const p = str(x!, 'trimSuffix'); return p !== '' && v.endsWith(p) ? v.slice(0, -p.length) : v; } },
  trimPrefix: { arity: 2, fn: ([x, s]) => { const v = str(s!, 'trimPrefix'); const p = str(x!, 'trimPrefix'); return v.startsWith(p) ? v.slice(p.length) : v; } },
  int: { arity: 1, fn: ([v]) => toInt64(v!) },
  float64: { arity: 1, fn: ([v]) => toFloat64(v!) },
  add: { arity: [1, -1], fn: (args) => args.reduce<bigint>((a, v) => a + toInt64(v), 0n) },
  sub: { arity: 2, fn: ([a, b]) => toInt64(a!) - toInt64(b!) },
  mul: { arity: [1, -1], fn: (args) => args.reduce<bigint>((a, v) => a * toInt64(v), 1n) },
  div: {
    arity: 2,
    fn: ([a, b]) => {
      const d = toInt64(b!);
      if (d === 0n) throw new TemplateExecError('error calling div: runtime error: integer divide by zero');
      return toInt64(a!) / d;
    },
  },
  mod: {
    arity: 2,
    fn: ([a, b]) => {
      const d = toInt64(b!);
      if (d === 0n) throw new TemplateExecError('error calling mod: runtime error: integer divide by zero');
      return toInt64(a!) % d;
    },
  },
  addf: { arity: [1, -1], fn: (args) => args.reduce<number>((a, v) => a + toFloat64(v), 0) },
  subf: { arity: [1, -1], fn: ([a, ...rest]) => rest.reduce<number>((acc, v) => acc - toFloat64(v), toFloat64(a!)) },
  mulf: { arity: [1, -1], fn: ([a, ...rest]) => rest.reduce<number>((acc, v) => acc * toFloat64(v), toFloat64(a!)) },
  divf: { arity: [1, -1], fn: ([a, ...rest]) => rest.reduce<number>((acc, v) => acc / toFloat64(v), toFloat64(a!)) },
  max: { arity: [1, -1], fn: (args) => args.map(toInt64).reduce((a, b) => (b > a ? b : a)) },
  min: { arity: [1, -1], fn: (args) => args.map(toInt64).reduce((a, b) => (b < a ? b : a)) },
  maxf: { arity: [1, -1], fn: (args) => Math.max(...args.map(toFloat64)) },
  minf: { arity: [1, -1], fn: (args) => Math.min(...args.map(toFloat64)) },
  ceil: { arity: 1, fn: ([a]) => Math.ceil(toFloat64(a!)) },
  floor: { arity: 1, fn: ([a]) => Math.floor(toFloat64(a!)) },
  round: {
    arity: [2, 3],
    fn: ([a, p, r]) => {
      const roundOn = r === undefined ? 0.5 : toFloat64(r);
      const pow = Math.pow(10, toFloat64(p!));
      const digit = pow * toFloat64(a!);
      const frac = digit - Math.trunc(digit);
      return (frac >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow;
    },
  },
  fromJson: {
    arity: 1,
    fn: ([s]) => {
      try {
        return jsonToValue(JSON.parse(str(s!, 'fromJson')));
      } catch {
        return null;
      }
    },
  },
  date: { arity: 2, fn: ([f, d]) => formatGoTime(str(f!, 'date'), toTime(d!)) },
  toDate: { arity: 2, fn: ([f, s]) => parseGoTime(str(f!, 'toDate'), str(s!, 'toDate')) ?? new GoTime(-62135596800000000000n) },
  now: { arity: 0, fn: () => GoTime.now() },
  default: { arity: [1, 2], fn: ([d, given]) => (empty(given) ? d! : given!) },
  alignLeft: { arity: 2, fn: ([n, s]) => align(requireInt(n!, 'alignLeft'), str(s!, 'alignLeft'), true) },
  alignRight: { arity: 2, fn: ([n, s]) => align(requireInt(n!, 'alignRight'), str(s!, 'alignRight'), false) },

  ...BUILTINS,
};

function durationSeconds(v: Value, fn: string): number {
  try {
    return parseGoDuration(str(v, fn)) / 1e9;
  } catch (error) {
    throw new TemplateExecError(`error calling ${fn}: ${(error as Error).message}`);
  }
}

function indent(n: number, s: string): string {
  let lines = 1;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) lines++;
  checkOutputSize('indent', s.length + Math.max(0, n) * lines);
  const pad = ' '.repeat(Math.max(0, n));
  return pad + s.replace(/\n/g, '\n' + pad);
}

function align(n: number, s: string, left: boolean): string {
  const r = runes(s);
  if (n < 0) return s;
  if (r.length > n) return left ? r.slice(0, n).join('') : r.slice(r.length - n).join('');
  checkOutputSize(left ? 'alignLeft' : 'alignRight', n);
  return left ? s + ' '.repeat(n - r.length) : ' '.repeat(n - r.length) + s;
}

function jsonToValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(jsonToValue);
  const out: Record<string, Value> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = jsonToValue(x);
  return out;
}

export const FUNCTION_NAMES: readonly string[] = Object.keys(FUNCS);

export function callFunction(name: string, args: Value[], ctx: CallContext): Value {
  const spec = FUNCS[name];
  if (spec === undefined) throw new TemplateExecError(`function ${JSON.stringify(name)} not defined`);
  const [min, max] = typeof spec.arity === 'number' ? [spec.arity, spec.arity] : spec.arity;
  if (args.length < min || (max !== -1 && args.length > max)) {
    throw new TemplateExecError(`wrong number of args for ${name}: want ${min === max ? min : `at least ${min}`} got ${args.length}`);
  }
  return spec.fn(args, ctx);
}
