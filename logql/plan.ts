// The data-source side of LogQL: what ingesters and queriers compile from a plan's canonical
// text before running it where the data lives. Compiled plans are stateless and cached by text.

import { labelValue, type Labels } from '../core/model.js';
import { InvalidPipelineError, LogQLError, LogQLParseError } from './errors.js';
import { CompiledExtractor, type SampleExtractor } from './log/extractor.js';
import { compileMatcherTest } from './log/label-filter.js';
import { CompiledPipeline, requiredSubstrings, type Pipeline } from './log/pipeline.js';
import type { Expr, Grouping, LabelMatcher, LogSelectorExpr, RangeAggregationExpr, SampleExpr } from './syntax/ast.js';
import { parseExpr } from './syntax/parser.js';
import { exprToString, sampleToString } from './syntax/printer.js';

/** A stream matcher, ready to test label values. */
export interface Matcher extends LabelMatcher {
  matches(value: string): boolean;
}

export interface LogSelectorPlan {
  readonly expr: LogSelectorExpr;
  /** Canonical text of the selector and pipeline. */
  readonly text: string;
  readonly matchers: Matcher[];
  readonly pipeline: Pipeline;
  /** No pipeline stages: lines pass unchanged. */
  readonly isNoop: boolean;
  /** Case-sensitive literals every returned line contains before any rewrite; raw-byte prefilter. */
  readonly requiredSubstrings: string[];
}

export interface SamplePlan {
  readonly expr: RangeAggregationExpr;
  readonly text: string;
  readonly matchers: Matcher[];
  readonly extractor: SampleExtractor;
  readonly requiredSubstrings: string[];
}

export function compileMatchers(matchers: readonly LabelMatcher[]): Matcher[] {
  return matchers.map((m) => {
    const test = compileMatcherTest(m);
    return { ...m, matches: test };
  });
}

/** A label set matches when every matcher accepts its value ("" for an absent label). */
export function matchesLabels(matchers: readonly Matcher[], labels: Labels): boolean {
  for (const m of matchers) if (!m.matches(labelValue(labels, m.name) ?? '')) return false;
  return true;
}

const CACHE_SIZE = 256;
const logCache = new Map<string, LogSelectorPlan>();
const sampleCache = new Map<string, SamplePlan>();

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
  return value;
}

export function compileLogSelector(text: string): LogSelectorPlan {
  const cached = logCache.get(text);
  if (cached !== undefined) return cached;
  const expr = parseExpr(text);
  if (expr.kind !== 'logSelector') throw new LogQLParseError('only log selector is supported');
  const plan: LogSelectorPlan = {
    expr,
    text: exprToString(expr),
    matchers: compileMatchers(expr.matchers),
    pipeline: new CompiledPipeline(expr.stages),
    isNoop: expr.stages.length === 0,
    requiredSubstrings: requiredSubstrings(expr.stages),
  };
  return remember(logCache, text, plan);
}

/** The single range aggregation under `expr`, looking through wrappers with one operand. */
export function innerRangeAggregation(expr: SampleExpr): RangeAggregationExpr | undefined {
  switch (expr.kind) {
    case 'rangeAggregation': return expr;
    case 'vectorAggregation':
    case 'labelReplace': return innerRangeAggregation(expr.expr);
    default: return undefined;
  }
}

const GROUPING_PUSHDOWN_OPS = new Set(['bytes_over_time', 'bytes_rate', 'sum_over_time', 'rate', 'count_over_time']);

/**
 * The grouping a `sum` may apply while extracting samples: summing before or after grouping gives
 * the same result for these range aggregations, and early grouping keeps series few.
 */
export function pushedDownGrouping(expr: SampleExpr): Grouping | undefined {
  if (expr.kind !== 'vectorAggregation' || expr.op !== 'sum') return undefined;
  const inner = expr.expr;
  if (inner.kind !== 'rangeAggregation' || inner.grouping !== undefined || !GROUPING_PUSHDOWN_OPS.has(inner.op)) return undefined;
  return expr.grouping;
}

/**
 * Compiles `SelectSamplesParams.expr`: a range aggregation, or a `sum` over one, whose grouping
 * then applies during extraction.
 */
export function compileSampleExpr(text: string): SamplePlan {
  const cached = sampleCache.get(text);
  if (cached !== undefined) return cached;
  const expr = parseExpr(text);
  const inner = expr.kind === 'logSelector' ? undefined : innerRangeAggregation(expr);
  if (inner === undefined) throw new LogQLParseError('only range aggregations extract samples');
  const pushed = expr.kind === 'logSelector' ? undefined : pushedDownGrouping(expr);
  const range = pushed !== undefined ? { ...inner, grouping: pushed } : inner;
  const extractor = new CompiledExtractor(range);
  const plan: SamplePlan = {
    expr: range,
    text: exprToString(range),
    matchers: compileMatchers(range.range.selector.matchers),
    extractor,
    requiredSubstrings: extractor.requiredSubstrings,
  };
  return remember(sampleCache, text, plan);
}

/** Go's regexp message names the expression; RE2's leaves it off where it is empty. */
function goRegexpMessage(message: string): string {
  return message.startsWith('error parsing regexp:') && !message.includes('`') ? `${message}: \`\`` : message;
}

function* rangeAggregations(expr: SampleExpr): Generator<RangeAggregationExpr> {
  switch (expr.kind) {
    case 'rangeAggregation': yield expr; return;
    case 'vectorAggregation':
    case 'labelReplace': yield* rangeAggregations(expr.expr); return;
    case 'binOp': yield* rangeAggregations(expr.lhs); yield* rangeAggregations(expr.rhs); return;
    case 'variants': for (const v of expr.variants) yield* rangeAggregations(v); return;
    default: return;
  }
}

/**
 * Builds every pipeline a query needs before any source is asked, so a stage that cannot be
 * built (a regex RE2 refuses, a named capture in `|>`) is the client's 400, never a 500 from
 * wherever the data lives.
 */
export function compileQueryPlans(expr: Expr): void {
  try {
    if (expr.kind === 'logSelector') compileLogSelector(exprToString(expr));
    else for (const range of rangeAggregations(expr)) compileSampleExpr(sampleToString(range));
  } catch (error) {
    if (error instanceof LogQLError) throw error;
    throw new InvalidPipelineError(goRegexpMessage((error as Error).message), { cause: error });
  }
}
