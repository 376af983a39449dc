// The canonical text of a syntax tree, byte for byte as Loki's `String()` methods print it.
// Plans cross the bus as this text, and `/format_query` starts from it.

import type {
  BinOpExpr, Expr, Grouping, LabelFilter, LabelMatcher, LineFilterStage, LogRange, LogSelectorExpr,
  NamedLabelMatcher, SampleExpr, Stage, UnwrapExpr, VectorAggregationExpr,
} from './ast.js';
import { formatGoDuration, formatHumanBytes, formatPlain, formatPromDuration, goFormatFixed6, goFormatFloat, goQuote } from '../../core/go/mod.js';

export function exprToString(expr: Expr): string {
  switch (expr.kind) {
    case 'logSelector': return logSelectorToString(expr);
    default: return sampleToString(expr);
  }
}

export function matcherToString(m: LabelMatcher): string {
  return `${m.name}${m.type}${goQuote(m.value)}`;
}

export function matchersToString(matchers: readonly LabelMatcher[]): string {
  return '{' + matchers.map(matcherToString).join(', ') + '}';
}

export function logSelectorToString(e: LogSelectorExpr): string {
  const selector = matchersToString(e.matchers);
  if (e.stages.length === 0) return selector;
  return selector + ' ' + e.stages.map(stageToString).join(' ');
}

function lineFilterToString(s: LineFilterStage): string {
  return s.op + ' ' + s.terms.map((t) => (t.ip ? `ip(${goQuote(t.match)})` : goQuote(t.match))).join(' or ');
}

function extractionsToString(list: readonly { name: string; expression: string }[]): string {
  return list.map((x) => `${x.name}=${goQuote(x.expression)}`).join(',');
}

function namedToString(list: readonly NamedLabelMatcher[]): string {
  return list.map((n) => (n.matcher !== undefined ? matcherToString(n.matcher) : n.name)).join(',');
}

export function stageToString(s: Stage): string {
  switch (s.kind) {
    case 'lineFilter': return lineFilterToString(s);
    case 'logfmt': {
      if (s.extractions !== undefined) {
        return '| logfmt ' + (s.strict ? '--strict ' : '') + (s.keepEmpty ? '--keep-empty ' : '') + extractionsToString(s.extractions);
      }
      return '| logfmt' + (s.strict ? ' --strict' : '') + (s.keepEmpty ? ' --keep-empty' : '');
    }
    case 'json': return s.extractions !== undefined ? '| json ' + extractionsToString(s.extractions) : '| json';
    case 'regexp': return `| regexp ${goQuote(s.pattern)}`;
    case 'pattern': return `| pattern ${goQuote(s.pattern)}`;
    case 'unpack': return '| unpack';
    case 'decolorize': return '| decolorize';
    case 'labelFilter': return '| ' + labelFilterToString(s.filter);
    case 'lineFormat': return `| line_format ${goQuote(s.template)}`;
    case 'labelFormat':
      return '| label_format ' + s.formats.map((f) => `${f.name}=${f.rename ? f.value : goQuote(f.value)}`).join(',');
    case 'drop': return '| drop ' + namedToString(s.labels);
    case 'keep': return '| keep ' + namedToString(s.labels);
  }
}

export function labelFilterToString(f: LabelFilter): string {
  switch (f.kind) {
    case 'string': return matcherToString(f.matcher);
    case 'ip': return `${f.name}${f.op}ip(${goQuote(f.pattern)})`;
    case 'number': return `${f.name}${f.op}${formatPlain(f.value)}`;
    case 'duration': return `${f.name}${f.op}${formatGoDuration(f.ns)}`;
    case 'bytes': return `${f.name}${f.op}${formatHumanBytes(f.bytes)}`;
    case 'binary': return `( ${labelFilterToString(f.left)}${f.and ? ' , ' : ' or '}${labelFilterToString(f.right)} )`;
  }
}

function unwrapToString(u: UnwrapExpr): string {
  let out = u.conversion !== undefined ? ` | unwrap ${u.conversion}(${u.label})` : ` | unwrap ${u.label}`;
  for (const f of u.postFilters) out += ` | ${labelFilterToString(f)}`;
  return out;
}

export function logRangeToString(r: LogRange): string {
  let out = logSelectorToString(r.selector);
  if (r.unwrap !== undefined) out += unwrapToString(r.unwrap);
  out += `[${formatPromDuration(r.rangeNs)}]`;
  if (r.offsetNs !== 0n) out += ` offset ${formatGoDuration(r.offsetNs)}`;
  return out;
}

function groupingToString(g: Grouping): string {
  return `${g.without ? ' without ' : ' by '}(${(g.groups ?? []).join(',')})`;
}

function vectorAggregationToString(e: VectorAggregationExpr): string {
  const params = e.op === 'topk' || e.op === 'bottomk' || e.op === 'approx_topk' ? [String(e.param ?? 0), sampleToString(e.expr)] : [sampleToString(e.expr)];
  const singleton = (e.grouping.groups === undefined || e.grouping.groups.length === 0) && !e.grouping.without;
  return e.op + (singleton ? '' : groupingToString(e.grouping)) + '(' + params.join(',') + ')';
}

function binOpToString(e: BinOpExpr): string {
  let op: string = e.op;
  if (e.returnBool) op += ' bool';
  const m = e.matching;
  let group = m.card === 'many-to-one' ? 'group_left' : m.card === 'one-to-many' ? 'group_right' : '';
  if (m.include !== undefined) group = `${group} (${m.include.join(',')})`;
  if (m.on || m.labels !== undefined) op = `${op} ${m.on ? 'on' : 'ignoring'} (${(m.labels ?? []).join(',')}) ${group}`;
  return `(${sampleToString(e.lhs)} ${op} ${sampleToString(e.rhs)})`;
}

export function sampleToString(e: SampleExpr): string {
  switch (e.kind) {
    case 'rangeAggregation': {
      const param = e.param !== undefined ? formatPlain(e.param) + ',' : '';
      return `${e.op}(${param}${logRangeToString(e.range)})` + (e.grouping !== undefined ? groupingToString(e.grouping) : '');
    }
    case 'vectorAggregation': return vectorAggregationToString(e);
    case 'binOp': return binOpToString(e);
    case 'literal': return goFormatFloat(e.value);
    case 'vector': return `vector(${goFormatFixed6(e.value)})`;
    case 'labelReplace':
      return `label_replace(${sampleToString(e.expr)},${goQuote(e.dst)},${goQuote(e.replacement)},${goQuote(e.src)},${goQuote(e.regex)})`;
    case 'variants':
      return `variants(${e.variants.map(sampleToString).join(', ')}) of (${logRangeToString(e.of)})`;
  }
}
