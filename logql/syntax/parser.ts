// The LogQL parser: a Pratt (precedence-climbing) parser over Loki's grammar. Binary operators
// follow Loki's precedence (`or` < `and`/`unless` < comparisons < `+ -` < `* / %` < `^`, the last
// right-associative); everything else is recursive descent over the same productions.

import { RE2JS } from 're2js';
import { LogQLParseError } from '../errors.js';
import type {
  BinaryOp, BinOpExpr, Cardinality, Expr, Grouping, LabelMatcher, LogRange, LogSelectorExpr,
  RangeAggregationExpr, RangeOp, SampleExpr, Stage, UnwrapExpr, VectorAggregationExpr, VectorMatching, VectorOp,
} from './ast.js';
import { mergeLiterals } from './literal-math.js';
import { parsePipeline, parseSelector, parseSignedNumber, parseUnwrap } from './parse-pipeline.js';
import { TokenStream } from './token-stream.js';
import { BINARY_PRECEDENCE, RANGE_FUNCTION_KINDS, VECTOR_FUNCTION_KINDS } from './tokens.js';
import { goFormatFixed6, goParseFloat } from '../../core/go/mod.js';
import { validateExpr } from './validate.js';

/** Loki's cap on query text, bytes. */
export const MAX_QUERY_LENGTH = 128 * 1024;

/** Parses and validates a query, as Loki's `ParseExpr`. Throws `LogQLParseError`. */
export function parseExpr(input: string): Expr {
  const { expr, deferred } = parseWithoutValidation(input);
  validateExpr(expr, deferred);
  return expr;
}

export function parseLogSelector(input: string): LogSelectorExpr {
  const expr = parseExpr(input);
  if (expr.kind !== 'logSelector') throw new LogQLParseError('only log selector is supported');
  return expr;
}

export function parseSampleExpr(input: string): SampleExpr {
  const expr = parseExpr(input);
  if (expr.kind === 'logSelector') throw new LogQLParseError('only sample expression supported');
  return expr;
}

function parseWithoutValidation(input: string): { expr: Expr; deferred: Map<object, LogQLParseError> } {
  const size = Buffer.byteLength(input, 'utf8');
  if (size >= MAX_QUERY_LENGTH) throw new LogQLParseError(`input size too long (${size} > ${MAX_QUERY_LENGTH})`);
  const ts = new TokenStream(input);
  const expr = parseBinary(ts, 0);
  if (!ts.is('$end')) ts.fail();
  return { expr, deferred: ts.deferred };
}

function parseBinary(ts: TokenStream, minPrec: number): Expr {
  ts.descend();
  // Each operator of a left-associative chain puts the chain one level deeper.
  let chained = 0;
  try {
    let left = parsePrimary(ts);
    for (;;) {
      const tok = ts.peek();
      const prec = BINARY_PRECEDENCE.get(tok.kind);
      if (prec === undefined || prec < minPrec) return left;
      ts.advance();
      ts.descend();
      chained++;
      const modifiers = parseBinOpModifiers(ts);
      const right = parseBinary(ts, tok.kind === '^' ? prec : prec + 1);
      left = makeBinOp(ts, tok.kind as BinaryOp, modifiers, left, right);
    }
  } finally {
    ts.ascend(chained + 1);
  }
}

interface BinOpModifiers {
  readonly returnBool: boolean;
  readonly matching: VectorMatching;
}

function parseBinOpModifiers(ts: TokenStream): BinOpModifiers {
  const returnBool = ts.accept('bool') !== undefined;
  let on = false;
  let labels: string[] | undefined;
  let card: Cardinality = 'one-to-one';
  let include: string[] | undefined;
  if (ts.is('on') || ts.is('ignoring')) {
    on = ts.advance().kind === 'on';
    labels = parseLabelList(ts);
    if (ts.is('group_left') || ts.is('group_right')) {
      card = ts.advance().kind === 'group_left' ? 'many-to-one' : 'one-to-many';
      if (ts.is('(')) include = parseLabelList(ts);
    }
  }
  return { returnBool, matching: { card, on, labels, include } };
}

/** `( a, b )`; `undefined` for `()`, as Loki keeps no list for an empty one. */
function parseLabelList(ts: TokenStream): string[] | undefined {
  ts.expect('(');
  if (ts.accept(')')) return undefined;
  const labels = [ts.expect('IDENTIFIER').str];
  while (ts.accept(',')) labels.push(ts.expect('IDENTIFIER').str);
  ts.expect(')');
  return labels;
}

const LEG_TYPE = (e: LogSelectorExpr): string => (e.stages.length > 0 ? '*syntax.PipelineExpr' : '*syntax.MatchersExpr');

function makeBinOp(ts: TokenStream, op: BinaryOp, mods: BinOpModifiers, lhs: Expr, rhs: Expr): SampleExpr {
  const node: BinOpExpr = {
    kind: 'binOp', op, lhs: lhs as SampleExpr, rhs: rhs as SampleExpr, returnBool: mods.returnBool, matching: mods.matching,
  };
  if (lhs.kind === 'logSelector') {
    ts.defer(node, `unexpected type for left leg of binary operation (${op}): ${LEG_TYPE(lhs)}`);
    return node;
  }
  if (rhs.kind === 'logSelector') {
    ts.defer(node, `unexpected type for right leg of binary operation (${op}): ${LEG_TYPE(rhs)}`);
    return node;
  }
  const setOp = op === 'and' || op === 'or' || op === 'unless';
  if (setOp && lhs.kind === 'literal') {
    ts.defer(node, `unexpected literal for left leg of logical/set binary operation (${op}): ${goFormatFixed6(lhs.value)}`);
    return node;
  }
  if (setOp && rhs.kind === 'literal') {
    ts.defer(node, `unexpected literal for right leg of logical/set binary operation (${op}): ${goFormatFixed6(rhs.value)}`);
    return node;
  }
  if (lhs.kind === 'literal' && rhs.kind === 'literal') return { kind: 'literal', value: mergeLiterals(op, lhs.value, rhs.value) };
  return node;
}

function parsePrimary(ts: TokenStream): Expr {
  const tok = ts.peek();
  if (tok.kind === '(') {
    ts.advance();
    const inner = parseBinary(ts, 0);
    ts.expect(')');
    return inner;
  }
  if (tok.kind === '{') return parseLogSelectorExpr(ts);
  if (tok.kind === 'NUMBER' || ((tok.kind === '+' || tok.kind === '-') && ts.is('NUMBER', 1))) {
    return { kind: 'literal', value: parseSignedNumber(ts)! };
  }
  if (RANGE_FUNCTION_KINDS.has(tok.kind)) return parseRangeAggregation(ts);
  if (VECTOR_FUNCTION_KINDS.has(tok.kind)) return parseVectorAggregation(ts);
  if (tok.kind === 'label_replace') return parseLabelReplace(ts);
  if (tok.kind === 'VARIANTS') return parseVariants(ts);
  if (tok.kind === 'VECTOR') {
    ts.advance();
    ts.expect('(');
    const text = ts.expect('NUMBER').str;
    ts.expect(')');
    const value = goParseFloat(text);
    if (value === undefined) throw new LogQLParseError(`unable to parse vectorExpr as a float: strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
    return { kind: 'vector', value };
  }
  return ts.fail(tok);
}

function parseVariants(ts: TokenStream): SampleExpr {
  ts.advance();
  ts.expect('(');
  const variants: SampleExpr[] = [parseSampleOperand(ts)];
  while (ts.accept(',')) variants.push(parseSampleOperand(ts));
  ts.expect(')');
  ts.expect('OF');
  ts.expect('(');
  const of = parseLogRange(ts);
  ts.expect(')');
  return { kind: 'variants', variants, of };
}

function parseLogSelectorExpr(ts: TokenStream): LogSelectorExpr {
  const matchers = parseSelector(ts);
  const stages = parsePipeline(ts);
  // `| unwrap` belongs to range aggregations only.
  if (ts.is('|') && ts.is('unwrap', 1)) ts.fail(ts.peek(1));
  return { kind: 'logSelector', matchers, stages };
}

/** Parses a metric operand and insists on a sample expression, as the grammar does. */
function parseSampleOperand(ts: TokenStream): SampleExpr {
  const expr = parseBinary(ts, 0);
  if (expr.kind === 'logSelector') ts.fail();
  return expr;
}

function parseGrouping(ts: TokenStream): Grouping | undefined {
  if (!ts.is('by') && !ts.is('without')) return undefined;
  const without = ts.advance().kind === 'without';
  return { without, groups: parseLabelList(ts) };
}

function parseRangeAggregation(ts: TokenStream): SampleExpr {
  const op = ts.advance().str as RangeOp;
  ts.expect('(');
  let paramText: string | undefined;
  if (ts.is('NUMBER') && ts.is(',', 1)) {
    paramText = ts.advance().str;
    ts.advance();
  }
  const range = parseLogRange(ts);
  ts.expect(')');
  const grouping = parseGrouping(ts);
  let param: number | undefined;
  const node: RangeAggregationExpr = { kind: 'rangeAggregation', op, range, param: undefined, grouping };
  if (paramText !== undefined) {
    if (op !== 'quantile_over_time') {
      ts.defer(node, `parameter ${paramText} not supported for operation ${op}`);
      return node;
    }
    param = goParseFloat(paramText);
    if (param === undefined) {
      ts.defer(node, `invalid parameter for operation ${op}: strconv.ParseFloat: parsing ${JSON.stringify(paramText)}: invalid syntax`);
      return node;
    }
  } else if (op === 'quantile_over_time') {
    ts.defer(node, `parameter required for operation ${op}`);
    return node;
  }
  const result: RangeAggregationExpr = { ...node, param };
  const problem = rangeAggregationProblem(result);
  if (problem !== undefined) ts.defer(result, problem);
  return result;
}

const GROUPING_OPS = new Set(['avg_over_time', 'stddev_over_time', 'stdvar_over_time', 'quantile_over_time', 'max_over_time', 'min_over_time', 'first_over_time', 'last_over_time']);
const UNWRAP_OPS = new Set(['avg_over_time', 'sum_over_time', 'max_over_time', 'min_over_time', 'stddev_over_time', 'stdvar_over_time', 'quantile_over_time', 'rate', 'rate_counter', 'absent_over_time', 'first_over_time', 'last_over_time']);
const PLAIN_OPS = new Set(['bytes_over_time', 'bytes_rate', 'count_over_time', 'rate', 'absent_over_time']);

function rangeAggregationProblem(e: RangeAggregationExpr): string | undefined {
  if (e.grouping !== undefined && !GROUPING_OPS.has(e.op)) return `grouping not allowed for ${e.op} aggregation`;
  if (e.range.unwrap !== undefined) return UNWRAP_OPS.has(e.op) ? undefined : `invalid aggregation ${e.op} with unwrap`;
  return PLAIN_OPS.has(e.op) ? undefined : `invalid aggregation ${e.op} without unwrap`;
}

/** The forms of Loki's `logRangeExpr`: the range may follow the selector, the pipeline or parens. */
function parseLogRange(ts: TokenStream): LogRange {
  if (ts.accept('(')) {
    if (ts.is('(')) {
      const nested = parseLogRange(ts);
      ts.expect(')');
      return nested;
    }
    const parts = parseRangeParts(ts);
    ts.expect(')');
    if (parts.rangeNs !== undefined) return { ...parts, rangeNs: parts.rangeNs };
    const rangeNs = ts.expect('RANGE').ns;
    return { ...parts, rangeNs, offsetNs: parseOffset(ts) };
  }
  const parts = parseRangeParts(ts);
  if (parts.rangeNs === undefined) ts.fail();
  return { ...parts, rangeNs: parts.rangeNs };
}

interface RangeParts {
  selector: LogSelectorExpr;
  rangeNs: bigint | undefined;
  offsetNs: bigint;
  unwrap: UnwrapExpr | undefined;
}

function parseRangeParts(ts: TokenStream): RangeParts {
  const matchers: LabelMatcher[] = parseSelector(ts);
  let stages: Stage[] = parsePipeline(ts);
  let unwrap = ts.is('|') && ts.is('unwrap', 1) ? parseUnwrap(ts) : undefined;
  let rangeNs: bigint | undefined;
  let offsetNs = 0n;
  if (ts.is('RANGE')) {
    rangeNs = ts.advance().ns;
    offsetNs = parseOffset(ts);
    if (stages.length === 0 && unwrap === undefined) {
      stages = parsePipeline(ts);
      if (ts.is('|') && ts.is('unwrap', 1)) unwrap = parseUnwrap(ts);
    }
  }
  return { selector: { kind: 'logSelector', matchers, stages }, rangeNs, offsetNs, unwrap };
}

function parseOffset(ts: TokenStream): bigint {
  if (!ts.accept('offset')) return 0n;
  return ts.expect('DURATION').ns;
}

function parseVectorAggregation(ts: TokenStream): SampleExpr {
  const opTok = ts.advance();
  const op = opTok.str as VectorOp;
  let grouping = parseGrouping(ts);
  ts.expect('(');
  let paramText: string | undefined;
  if (ts.is('NUMBER') && ts.is(',', 1)) {
    paramText = ts.advance().str;
    ts.advance();
  }
  const expr = parseSampleOperand(ts);
  ts.expect(')');
  if (grouping === undefined) grouping = parseGrouping(ts);
  const node: VectorAggregationExpr = {
    kind: 'vectorAggregation', op, expr, grouping: grouping ?? { without: false, groups: undefined }, param: undefined,
  };
  // approx_topk is exact here: for the cardinalities one process holds, its answer is topk's.
  if (op === 'topk' || op === 'bottomk' || op === 'approx_topk') {
    if (paramText === undefined) {
      ts.defer(node, `parameter required for operation ${op}`);
      return node;
    }
    if (!/^[+-]?\d+$/.test(paramText)) {
      ts.defer(node, `invalid parameter ${op}(${paramText},`);
      return node;
    }
    const k = Number(paramText);
    if (k <= 0) {
      ts.defer(node, `invalid parameter (must be greater than 0) ${op}(${paramText}`);
      return node;
    }
    return { ...node, param: k };
  }
  if (paramText !== undefined) ts.defer(node, `unsupported parameter for operation ${op}(${paramText},`);
  return node;
}

function parseLabelReplace(ts: TokenStream): SampleExpr {
  ts.advance();
  ts.expect('(');
  const expr = parseSampleOperand(ts);
  const args: string[] = [];
  for (let i = 0; i < 4; i++) {
    ts.expect(',', [',']);
    args.push(ts.expect('STRING').str);
  }
  ts.expect(')');
  const [dst, replacement, src, regex] = args as [string, string, string, string];
  const node: SampleExpr = { kind: 'labelReplace', expr, dst, replacement, src, regex };
  try {
    RE2JS.compile(`^(?:${regex})$`);
  } catch (error) {
    ts.defer(node, `invalid regex in label_replace: ${(error as Error).message}`);
  }
  return node;
}
