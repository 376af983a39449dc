// Loki's post-parse validation: errors recorded while building nodes, `sort` groupings, and the
// rule that a selector needs at least one matcher that does not match the empty string.

import { RE2JS } from 're2js';
import { LogQLParseError } from '../errors.js';
import type { Expr, LabelMatcher, SampleExpr } from './ast.js';

export const ERR_EMPTY_COMPATIBLE =
  'queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will';

export function validateExpr(expr: Expr, deferred: ReadonlyMap<object, LogQLParseError>): void {
  if (expr.kind === 'logSelector') {
    validateMatchers(expr.matchers);
    return;
  }
  if (expr.kind === 'variants') {
    validateMatchers(expr.of.selector.matchers);
    for (const variant of expr.variants) validateSample(variant, deferred);
    return;
  }
  validateSample(expr, deferred);
}

function validateSample(expr: SampleExpr, deferred: ReadonlyMap<object, LogQLParseError>): void {
  const error = deferred.get(expr);
  if (error !== undefined) throw error;
  switch (expr.kind) {
    case 'binOp':
      validateSample(expr.lhs, deferred);
      validateSample(expr.rhs, deferred);
      return;
    case 'literal':
    case 'vector':
      return;
    case 'vectorAggregation':
      if ((expr.op === 'sort' || expr.op === 'sort_desc') && (expr.grouping.groups?.length ?? 0) > 0) {
        throw new LogQLParseError("sort and sort_desc doesn't allow grouping by ");
      }
      validateSample(expr.expr, deferred);
      return;
    case 'labelReplace':
      validateSample(expr.expr, deferred);
      return;
    case 'variants':
      throw new LogQLParseError('variants must be the outermost expression of a query');
    case 'rangeAggregation':
      validateMatchers(expr.range.selector.matchers);
      return;
  }
}

export function validateMatchers(matchers: readonly LabelMatcher[]): void {
  if (!matchers.some((m) => !matcherMatchesEmpty(m))) throw new LogQLParseError(ERR_EMPTY_COMPATIBLE);
}

export function matcherMatchesEmpty(m: LabelMatcher): boolean {
  switch (m.type) {
    case '=': return m.value === '';
    case '!=': return m.value !== '';
    case '=~': return RE2JS.compile(`^(?:${m.value})$`).matches('');
    case '!~': return !RE2JS.compile(`^(?:${m.value})$`).matches('');
  }
}
