// Parsing of stream selectors, pipeline stages and label filters: everything between `{` and the
// end of a log query, or the `[range]` of a metric one.

import { RE2JS } from 're2js';
import { LogQLParseError } from '../errors.js';
import type {
  CompareOp, LabelExtraction, LabelFilter, LabelFormatEntry, LabelMatcher, LineFilterOp,
  LineFilterTerm, MatchType, NamedLabelMatcher, Stage, UnwrapConversion, UnwrapExpr,
} from './ast.js';
import type { TokenStream } from './token-stream.js';
import { goParseFloat } from '../../core/go/mod.js';
import { validatePatternExpression, validateRegexpParser } from './stage-validation.js';

const MATCH_OPS: ReadonlySet<string> = new Set(['=', '!=', '=~', '!~']);
const LINE_FILTER_OPS: ReadonlySet<string> = new Set(['|=', '!=', '|~', '!~', '|>', '!>']);
const COMPARE_OPS: ReadonlyMap<string, CompareOp> = new Map([
  ['>', '>'], ['>=', '>='], ['<', '<'], ['<=', '<='], ['!=', '!='], ['=', '=='], ['==', '=='],
]);

export function parseSelector(ts: TokenStream): LabelMatcher[] {
  ts.expect('{');
  const matchers: LabelMatcher[] = [];
  if (ts.accept('}')) return matchers;
  matchers.push(parseMatcher(ts));
  while (ts.accept(',')) matchers.push(parseMatcher(ts));
  ts.expect('}', ['}', ',']);
  return matchers;
}

export function parseMatcher(ts: TokenStream): LabelMatcher {
  const name = ts.expect('IDENTIFIER', ['IDENTIFIER']).str;
  const op = ts.peek();
  if (!MATCH_OPS.has(op.kind)) ts.fail(op, ['=', '=~', '!~', '!=']);
  ts.advance();
  const tok = ts.expect('STRING', ['STRING']);
  // A label value is text: bytes that are not UTF-8 cannot be one (Loki refuses them too).
  if (tok.invalidUtf8 === true) {
    const escaped = tok.text.slice(1, -1);
    const type = op.kind as MatchType;
    throw new LogQLParseError(type === '=~' || type === '!~' ? `error parsing regexp: invalid UTF-8: \`${escaped}\`` : `invalid UTF-8 in label value: ${tok.text}`);
  }
  return newMatcher(op.kind as MatchType, name, tok.str);
}

export function newMatcher(type: MatchType, name: string, value: string): LabelMatcher {
  if (type === '=~' || type === '!~') {
    try {
      RE2JS.compile(`^(?:${value})$`);
    } catch (error) {
      throw new LogQLParseError((error as Error).message);
    }
  }
  return { type, name, value };
}

/** Stages up to (not including) `| unwrap`, a range, or anything that cannot continue a pipeline. */
export function parsePipeline(ts: TokenStream): Stage[] {
  const stages: Stage[] = [];
  for (;;) {
    const tok = ts.peek();
    if (LINE_FILTER_OPS.has(tok.kind)) {
      stages.push(...parseLineFilter(ts));
      continue;
    }
    if (tok.kind !== '|' || ts.is('unwrap', 1)) return stages;
    ts.advance();
    stages.push(parseStage(ts));
  }
}

function parseLineFilter(ts: TokenStream): Stage[] {
  const op = ts.advance().kind as LineFilterOp;
  const terms: LineFilterTerm[] = [parseLineFilterTerm(ts, true)];
  while (ts.accept('or')) terms.push(parseLineFilterTerm(ts, false));
  const negative = op === '!=' || op === '!~' || op === '!>';
  // `!= "a" or "b"` means neither: Loki rewrites it into consecutive filters.
  if (negative) return terms.map((term) => ({ kind: 'lineFilter', op, terms: [term] }));
  return [{ kind: 'lineFilter', op, terms }];
}

function parseLineFilterTerm(ts: TokenStream, first: boolean): LineFilterTerm {
  if (ts.is('ip')) {
    ts.advance();
    ts.expect('(');
    const match = ts.expect('STRING').str;
    ts.expect(')');
    return { match, ip: true };
  }
  return { match: ts.expect('STRING', first ? ['STRING', 'ip'] : undefined).str, ip: false };
}

function parseStage(ts: TokenStream): Stage {
  const tok = ts.peek();
  switch (tok.kind) {
    case 'logfmt': {
      ts.advance();
      let strict = false;
      let keepEmpty = false;
      while (ts.is('PARSER_FLAG')) {
        const flag = ts.advance().str;
        if (flag === '--strict') strict = true;
        else keepEmpty = true;
      }
      const extractions = ts.is('IDENTIFIER') ? parseExtractions(ts) : undefined;
      return { kind: 'logfmt', strict, keepEmpty, extractions };
    }
    case 'json': {
      ts.advance();
      const extractions = ts.is('IDENTIFIER') ? parseExtractions(ts) : undefined;
      return { kind: 'json', extractions };
    }
    case 'regexp': {
      ts.advance();
      const pattern = ts.expect('STRING').str;
      validateRegexpParser(pattern);
      return { kind: 'regexp', pattern };
    }
    case 'pattern': {
      ts.advance();
      const pattern = ts.expect('STRING').str;
      validatePatternExpression(pattern);
      return { kind: 'pattern', pattern };
    }
    case 'unpack':
      ts.advance();
      return { kind: 'unpack' };
    case 'decolorize':
      ts.advance();
      return { kind: 'decolorize' };
    case 'line_format':
      ts.advance();
      return { kind: 'lineFormat', template: ts.expect('STRING').str };
    case 'label_format': {
      ts.advance();
      const formats: LabelFormatEntry[] = [parseLabelFormat(ts)];
      while (ts.accept(',')) formats.push(parseLabelFormat(ts));
      return { kind: 'labelFormat', formats };
    }
    case 'drop':
    case 'keep': {
      ts.advance();
      const labels: NamedLabelMatcher[] = [parseNamedMatcher(ts)];
      while (ts.accept(',')) labels.push(parseNamedMatcher(ts));
      return tok.kind === 'drop' ? { kind: 'drop', labels } : { kind: 'keep', labels };
    }
    case 'IDENTIFIER':
    case '(':
      return { kind: 'labelFilter', filter: parseLabelFilter(ts) };
    default:
      return ts.fail(tok);
  }
}

function parseExtractions(ts: TokenStream): LabelExtraction[] {
  const out: LabelExtraction[] = [];
  do {
    const name = ts.expect('IDENTIFIER').str;
    const expression = ts.accept('=') ? ts.expect('STRING').str : name;
    out.push({ name, expression });
  } while (ts.accept(','));
  return out;
}

function parseLabelFormat(ts: TokenStream): LabelFormatEntry {
  const name = ts.expect('IDENTIFIER').str;
  ts.expect('=');
  const tok = ts.peek();
  if (tok.kind === 'IDENTIFIER') return { name, value: ts.advance().str, rename: true };
  if (tok.kind === 'STRING') return { name, value: ts.advance().str, rename: false };
  return ts.fail(tok);
}

function parseNamedMatcher(ts: TokenStream): NamedLabelMatcher {
  const name = ts.expect('IDENTIFIER').str;
  const op = ts.peek();
  if (!MATCH_OPS.has(op.kind)) return { name };
  ts.advance();
  return { matcher: newMatcher(op.kind as MatchType, name, ts.expect('STRING').str) };
}

/**
 * A label filter expression. `and` binds tighter than `or`; `,` and juxtaposition join the operand
 * before them with everything after them, as Loki's grammar resolves them.
 */
export function parseLabelFilter(ts: TokenStream): LabelFilter {
  ts.descend();
  let chained = 0;
  try {
    let left = parseAndLevel(ts);
    while (ts.accept('or')) {
      ts.descend();
      chained++;
      left = { kind: 'binary', and: false, left, right: parseAndLevel(ts) };
    }
    return left;
  } finally {
    ts.ascend(chained + 1);
  }
}

function parseAndLevel(ts: TokenStream): LabelFilter {
  let chained = 0;
  try {
    let left = parseCommaLevel(ts);
    while (ts.accept('and')) {
      ts.descend();
      chained++;
      left = { kind: 'binary', and: true, left, right: parseCommaLevel(ts) };
    }
    return left;
  } finally {
    ts.ascend(chained);
  }
}

function parseCommaLevel(ts: TokenStream): LabelFilter {
  const first = parseLabelFilterPrimary(ts);
  if (ts.accept(',') || ts.is('IDENTIFIER') || ts.is('(')) {
    return { kind: 'binary', and: true, left: first, right: parseLabelFilter(ts) };
  }
  return first;
}

function parseLabelFilterPrimary(ts: TokenStream): LabelFilter {
  if (ts.accept('(')) {
    const inner = parseLabelFilter(ts);
    ts.expect(')');
    return inner;
  }
  const name = ts.expect('IDENTIFIER').str;
  const op = ts.peek();
  if (op.kind === '=~' || op.kind === '!~') {
    ts.advance();
    return { kind: 'string', matcher: newMatcher(op.kind, name, ts.expect('STRING').str) };
  }
  const compare = COMPARE_OPS.get(op.kind);
  if (compare === undefined) return ts.fail(op);
  ts.advance();
  const value = ts.peek();
  if ((op.kind === '=' || op.kind === '!=') && value.kind === 'STRING') {
    ts.advance();
    return { kind: 'string', matcher: newMatcher(op.kind, name, value.str) };
  }
  if ((op.kind === '=' || op.kind === '!=') && value.kind === 'ip') {
    ts.advance();
    ts.expect('(');
    const pattern = ts.expect('STRING').str;
    ts.expect(')');
    return { kind: 'ip', name, op: op.kind, pattern };
  }
  if (value.kind === 'DURATION') {
    ts.advance();
    return { kind: 'duration', name, op: compare, ns: Number(value.ns) };
  }
  if (value.kind === 'BYTES') {
    ts.advance();
    return { kind: 'bytes', name, op: compare, bytes: value.bytes };
  }
  const literal = parseSignedNumber(ts);
  if (literal === undefined) return ts.fail(value, ['BYTES', 'NUMBER', 'DURATION']);
  return { kind: 'number', name, op: compare, value: literal };
}

/** `NUMBER`, `+NUMBER` or `-NUMBER`; undefined (nothing consumed) otherwise. */
export function parseSignedNumber(ts: TokenStream): number | undefined {
  let sign = 1;
  if ((ts.is('+') || ts.is('-')) && ts.is('NUMBER', 1)) sign = ts.advance().kind === '-' ? -1 : 1;
  if (!ts.is('NUMBER')) return undefined;
  const text = ts.advance().str;
  const value = goParseFloat(text);
  if (value === undefined) {
    throw new LogQLParseError(`unable to parse literal as a float: strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
  }
  return sign * value;
}

/** `| unwrap label` or `| unwrap bytes(label)`, with `| filter` stages after it. */
export function parseUnwrap(ts: TokenStream): UnwrapExpr {
  ts.expect('|');
  ts.expect('unwrap');
  const tok = ts.peek();
  let conversion: UnwrapConversion | undefined;
  let label: string;
  if (tok.kind === 'BYTES_CONV' || tok.kind === 'DURATION_CONV' || tok.kind === 'DURATION_SECONDS_CONV') {
    ts.advance();
    conversion = tok.str as UnwrapConversion;
    ts.expect('(');
    label = ts.expect('IDENTIFIER').str;
    ts.expect(')');
  } else {
    label = ts.expect('IDENTIFIER').str;
  }
  const postFilters: LabelFilter[] = [];
  while (ts.is('|')) {
    ts.advance();
    postFilters.push(parseLabelFilter(ts));
  }
  return { label, conversion, postFilters };
}
