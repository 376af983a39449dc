// Line filters: `|=` substring, `|~` regex, `|>` pattern, their negations, `ip("...")`, and
// `or` chains. Each compiles to a plain predicate over the line.

import type { LineFilterStage, LineFilterTerm } from '../syntax/ast.js';
import { ipLineFilter } from './ip.js';
import { PatternLineFilter, parsePatternNodes } from './pattern.js';
import { literalOf, requiredLiteral, searchTest } from './regex.js';

export type LinePredicate = (line: string) => boolean;

function termTest(op: LineFilterStage['op'], term: LineFilterTerm): LinePredicate {
  if (term.ip) {
    // ip() finds addresses: it means "contains" or "does not contain", never a regex or pattern.
    if (op !== '|=' && op !== '!=') throw new Error('ip: invalid operation');
    return ipLineFilter(term.match);
  }
  switch (op) {
    case '|=':
    case '!=': {
      const needle = term.match;
      if (needle === '') return () => true;
      return (line) => line.includes(needle);
    }
    case '|~':
    case '!~': {
      if (term.match === '') return () => true;
      const re = searchTest(term.match);
      return (line) => re.test(line);
    }
    case '|>':
    case '!>': {
      const pattern = new PatternLineFilter(term.match);
      return (line) => pattern.test(line);
    }
  }
}

export function compileLineFilter(stage: LineFilterStage): LinePredicate {
  const tests = stage.terms.map((term) => termTest(stage.op, term));
  const negative = stage.op === '!=' || stage.op === '!~' || stage.op === '!>';
  if (tests.length === 1) {
    const only = tests[0]!;
    return negative ? (line) => !only(line) : only;
  }
  const any: LinePredicate = (line) => tests.some((t) => t(line));
  return negative ? (line) => !any(line) : any;
}

/**
 * A case-sensitive literal every line this filter keeps must contain, so storage may skip raw
 * bytes without it: the text of `|=`, a literal a `|~` regex cannot match without, the longest
 * literal of a `|>` pattern.
 */
export function requiredNeedle(stage: LineFilterStage): string | undefined {
  if (stage.terms.length !== 1) return undefined;
  const term = stage.terms[0]!;
  if (term.ip || term.match === '') return undefined;
  switch (stage.op) {
    case '|=': return term.match;
    case '|~': return literalOf(term.match) ?? requiredLiteral(term.match);
    case '|>': {
      let best = '';
      for (const node of parsePatternNodes(term.match)) if ('literal' in node && node.literal.length > best.length) best = node.literal;
      return best === '' ? undefined : best;
    }
    default: return undefined;
  }
}
