// Pretty printing for `/format_query`, laid out as Loki's formatter does: an expression whose
// canonical text fits in 100 bytes stays on one line; a longer one breaks its children onto
// indented lines (two spaces a level), pipeline stages one per line.

import type { Expr, Grouping, LogRange, LogSelectorExpr, SampleExpr, Stage, UnwrapExpr } from './ast.js';
import { formatPromDuration, goFormatFloat, goQuote } from '../../core/go/mod.js';
import { exprToString, labelFilterToString, logRangeToString, logSelectorToString, matchersToString, sampleToString, stageToString } from './printer.js';

const MAX_CHARS_PER_LINE = 100;

const indent = (level: number): string => '  '.repeat(level);
const tooLong = (text: string): boolean => Buffer.byteLength(text, 'utf8') > MAX_CHARS_PER_LINE;

export function prettyPrint(expr: Expr): string {
  return expr.kind === 'logSelector' ? prettySelector(expr, 0) : prettySample(expr, 0);
}

/** Consecutive line filters form one stage, as in Loki's tree. */
function groupStages(stages: readonly Stage[]): Stage[][] {
  const groups: Stage[][] = [];
  for (const s of stages) {
    const last = groups[groups.length - 1];
    if (s.kind === 'lineFilter' && last !== undefined && last[0]!.kind === 'lineFilter') last.push(s);
    else groups.push([s]);
  }
  return groups;
}

function prettyStageGroup(group: readonly Stage[], level: number): string {
  const text = group.map(stageToString).join(' ');
  if (group[0]!.kind === 'decolorize') return text;
  if (group[0]!.kind !== 'lineFilter' || !tooLong(text)) return indent(level) + text;
  return group.map((s) => indent(level) + stageToString(s)).join('\n');
}

function prettySelector(e: LogSelectorExpr, level: number): string {
  const text = logSelectorToString(e);
  if (e.stages.length === 0 || !tooLong(text)) return indent(level) + text;
  const stages = groupStages(e.stages).map((g) => prettyStageGroup(g, level + 1));
  return indent(level) + matchersToString(e.matchers) + '\n' + stages.join('\n');
}

function prettyUnwrap(u: UnwrapExpr, level: number): string {
  let s = indent(level) + (u.conversion !== undefined ? `| unwrap ${u.conversion}(${u.label})` : `| unwrap ${u.label}`);
  for (const f of u.postFilters) s += `\n${indent(level)}| ${labelFilterToString(f)}`;
  return s;
}

function prettyRange(r: LogRange, level: number): string {
  let s = prettySelector(r.selector, level);
  if (r.unwrap !== undefined) s += '\n' + prettyUnwrap(r.unwrap, level + 1);
  s += ` [${formatPromDuration(r.rangeNs)}]`;
  if (r.offsetNs !== 0n) s += ` offset ${formatPromDuration(r.offsetNs)}`;
  return s;
}

function prettyGrouping(g: Grouping | undefined): string {
  if (g === undefined) return '';
  const groups = g.groups ?? [];
  let s = g.without ? ' without' : groups.length > 0 ? ' by' : '';
  if (groups.length > 0) s += ` (${groups.join(', ')})`;
  return s;
}

function binaryOpText(e: Extract<SampleExpr, { kind: 'binOp' }>): string {
  let op: string = e.op;
  if (e.returnBool) op += ' bool';
  const m = e.matching;
  let group = m.card === 'many-to-one' ? 'group_left' : m.card === 'one-to-many' ? 'group_right' : '';
  if ((m.include?.length ?? 0) > 0) group = `${group} (${m.include!.join(', ')})`;
  if ((m.labels?.length ?? 0) > 0) op = `${op} ${m.on ? 'on' : 'ignoring'} (${m.labels!.join(', ')}) ${group}`;
  return op;
}

function prettySample(e: SampleExpr, level: number): string {
  const text = sampleToString(e);
  if (!tooLong(text)) return indent(level) + text;
  switch (e.kind) {
    case 'rangeAggregation': {
      let s = indent(level) + e.op + '(\n';
      if (e.param !== undefined) s += `${indent(level + 1)}${goFormatFloat(e.param)},\n`;
      s += prettyRange(e.range, level + 1);
      return s + '\n' + indent(level) + ')' + prettyGrouping(e.grouping);
    }
    case 'vectorAggregation': {
      const params = [prettySample(e.expr, level + 1)];
      if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'approx_topk') params.unshift(`${indent(level + 1)}${e.param ?? 0}`);
      return indent(level) + e.op + prettyGrouping(e.grouping) + '(\n' + params.join(',\n') + '\n' + indent(level) + ')';
    }
    case 'binOp':
      return prettySample(e.lhs, level + 1) + '\n' + indent(level) + binaryOpText(e) + '\n' + prettySample(e.rhs, level + 1);
    case 'labelReplace': {
      const params = [
        prettySample(e.expr, level + 1),
        ...[e.dst, e.replacement, e.src, e.regex].map((x) => indent(level + 1) + goQuote(x)),
      ];
      return indent(level) + 'label_replace(\n' + params.join(',\n') + '\n' + indent(level) + ')';
    }
    default:
      return indent(level) + text;
  }
}

export { exprToString, logRangeToString };
