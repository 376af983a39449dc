// Regular expressions for user patterns: RE2 semantics and linear time through re2js, with fast
// paths Loki also takes. Literal patterns become substring or equality tests, `(?i)literal` a
// case-insensitive search, literal alternatives a set of substrings; any other pattern is
// guarded by a literal it cannot match without, so most lines never reach the regex engine.

import { RE2JS } from 're2js';

export interface StringTest {
  test(value: string): boolean;
}

const META = new Set(['\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$']);

/** The literal a pattern denotes when it has no operators (escaped punctuation allowed). */
export function literalOf(pattern: string): string | undefined {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined || /[0-9A-Za-z]/.test(next)) return undefined;
      out += next;
      i++;
      continue;
    }
    if (META.has(ch)) return undefined;
    out += ch;
  }
  return out;
}

function escapeJs(literal: string): string {
  return literal.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * A literal every match of `pattern` must contain, or undefined when none is evident. Only
 * literal runs outside groups and classes, not made optional by a quantifier, qualify; any
 * top-level alternation or flag group disqualifies the whole pattern.
 */
export function requiredLiteral(pattern: string): string | undefined {
  if (pattern.startsWith('(?')) return undefined;
  let best = '';
  let run = '';
  let depth = 0;
  const flush = (): void => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    const next = pattern[i + 1];
    const optional = next === '*' || next === '?' || next === '{';
    if (ch === '\\') {
      const esc = pattern[i + 1];
      if (esc === undefined) return undefined;
      const after = pattern[i + 2];
      const escOptional = after === '*' || after === '?' || after === '{';
      if (/[0-9A-Za-z]/.test(esc) || depth > 0 || escOptional) flush();
      else run += esc;
      if (escOptional || after === '+') flush();
      i++;
      continue;
    }
    if (ch === '[') {
      flush();
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') {
        if (pattern[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (ch === '(') {
      flush();
      depth++;
      continue;
    }
    if (ch === ')') {
      depth--;
      continue;
    }
    if (ch === '|') {
      if (depth === 0) return undefined;
      continue;
    }
    if (depth > 0 || META.has(ch)) {
      flush();
      continue;
    }
    if (optional) {
      flush();
      continue;
    }
    run += ch;
    if (next === '+') flush();
  }
  flush();
  return best === '' ? undefined : best;
}

function compileRe2(pattern: string): RE2JS {
  return RE2JS.compile(pattern);
}

/** Unanchored search, as `|~` does on lines. */
export function searchTest(pattern: string): StringTest {
  const literal = literalOf(pattern);
  if (literal !== undefined) return { test: (v) => v.includes(literal) };
  const ci = /^\(\?i\)(.*)$/s.exec(pattern);
  if (ci !== undefined && ci !== null) {
    const inner = literalOf(ci[1]!);
    if (inner !== undefined) {
      const re = new RegExp(escapeJs(inner), 'iu');
      return { test: (v) => re.test(v) };
    }
  }
  const alternatives = literalAlternatives(pattern);
  if (alternatives !== undefined) return { test: (v) => alternatives.some((a) => v.includes(a)) };
  const re = compileRe2(pattern);
  const guard = requiredLiteral(pattern);
  if (guard !== undefined) return { test: (v) => v.includes(guard) && re.test(v) };
  return { test: (v) => re.test(v) };
}

/** `a|b|c` made only of literals. */
function literalAlternatives(pattern: string): string[] | undefined {
  if (!pattern.includes('|')) return undefined;
  const parts = pattern.split('|').map(literalOf);
  if (parts.some((p) => p === undefined || p === '')) return undefined;
  return parts as string[];
}

/** Whole-value match, as label matchers and label filters use (`^(?:pattern)$`). */
export function fullMatchTest(pattern: string): StringTest {
  const literal = literalOf(pattern);
  if (literal !== undefined) return { test: (v) => v === literal };
  if (pattern === '.*') return { test: () => true };
  if (pattern === '.+') return { test: (v) => v.length > 0 };
  const alternatives = literalAlternatives(pattern);
  if (alternatives !== undefined) {
    const set = new Set(alternatives);
    return { test: (v) => set.has(v) };
  }
  const prefix = /^((?:[^\\.+*?()|[\]{}^$]|\\[^0-9A-Za-z])+)\.\*$/.exec(pattern);
  if (prefix !== null) {
    const lit = literalOf(prefix[1]!)!;
    return { test: (v) => v.startsWith(lit) };
  }
  const re = compileRe2(`^(?:${pattern})$`);
  return { test: (v) => re.matches(v) };
}
