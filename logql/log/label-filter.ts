// Label filters: string matchers, numbers, durations, byte sizes and IP addresses, combined with
// `and` / `or`. A value that does not convert sets `__error__=LabelFilterErr` and keeps the
// line, so `| __error__=""` can drop it later, as in Loki.

import type { CompareOp, LabelFilter, LabelMatcher } from '../syntax/ast.js';
import { goParseFloat, parseFloatError, parseGoDuration, parseHumanBytes } from '../../core/go/mod.js';
import { compileIpPattern, containsMatchingAddress } from './ip.js';
import type { LabelsBuilder } from './labels-builder.js';
import { fullMatchTest } from './regex.js';

export const ERR_LABEL_FILTER = 'LabelFilterErr';

/** What a label filter reads and writes of a line's labels (a `LabelsBuilder`, or a stand-in for one). */
export type FilterLabels = Pick<LabelsBuilder, 'get' | 'filterValue' | 'setError'>;

export type LabelPredicate = (lb: FilterLabels) => boolean;

/** Every label name a filter reads, once each. */
export function labelFilterNames(f: LabelFilter): string[] {
  if (f.kind === 'binary') return [...new Set([...labelFilterNames(f.left), ...labelFilterNames(f.right)])];
  return [f.kind === 'string' ? f.matcher.name : f.name];
}

export function compileMatcherTest(m: LabelMatcher): (value: string) => boolean {
  switch (m.type) {
    case '=': return (v) => v === m.value;
    case '!=': return (v) => v !== m.value;
    case '=~': {
      const re = fullMatchTest(m.value);
      return (v) => re.test(v);
    }
    case '!~': {
      const re = fullMatchTest(m.value);
      return (v) => !re.test(v);
    }
  }
}

function compare(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '<': return a < b;
    case '<=': return a <= b;
  }
}

function converted(name: string, op: CompareOp, target: number, convert: (v: string) => number): LabelPredicate {
  return (lb) => {
    const raw = lb.get(name);
    if (raw === undefined) return false;
    let value: number;
    try {
      value = convert(raw);
    } catch (error) {
      lb.setError(ERR_LABEL_FILTER, (error as Error).message);
      return true;
    }
    return compare(op, value, target);
  };
}

function parseNumber(v: string): number {
  // Plain integers (status codes, counts) are most of what filters compare: up to 15 digits,
  // the sum is exact and equals Go's value; anything else goes through Go's full syntax.
  const negative = v.charCodeAt(0) === 45 ? 1 : 0;
  if (v.length > negative && v.length <= 15 + negative) {
    let value = 0;
    let i = negative;
    for (; i < v.length; i++) {
      const d = v.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (i === v.length) return negative === 1 ? -value : value;
  }
  const n = goParseFloat(v);
  if (n === undefined) throw new Error(parseFloatError(v));
  return n;
}

export function compileLabelFilter(f: LabelFilter): LabelPredicate {
  switch (f.kind) {
    case 'string': {
      const test = compileMatcherTest(f.matcher);
      const name = f.matcher.name;
      return (lb) => test(lb.filterValue(name));
    }
    case 'number': return converted(f.name, f.op, f.value, parseNumber);
    case 'duration': return converted(f.name, f.op, f.ns, parseGoDuration);
    case 'bytes': return converted(f.name, f.op, f.bytes, parseHumanBytes);
    case 'ip': {
      const matcher = compileIpPattern(f.pattern);
      const negate = f.op === '!=';
      return (lb) => {
        const value = lb.get(f.name);
        if (value === undefined) return false;
        return containsMatchingAddress(value, matcher) !== negate;
      };
    }
    case 'binary': {
      const left = compileLabelFilter(f.left);
      const right = compileLabelFilter(f.right);
      if (f.and) {
        return (lb) => {
          const l = left(lb);
          const r = right(lb);
          return l && r;
        };
      }
      return (lb) => left(lb) || right(lb);
    }
  }
}
