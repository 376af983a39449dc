// LogQL for CodeMirror: Grafana's own grammar with highlighting tags for its node names.

import { LRLanguage, LanguageSupport } from '@codemirror/language';
import { parser } from '@grafana/lezer-logql';
import { styleTags, tags as t } from '@lezer/highlight';

const highlighting = styleTags({
  'Json Logfmt Unpack Pattern Regexp Unwrap LabelFormat LineFormat Decolorize Drop Keep': t.keyword,
  'By Without Bool On Ignoring GroupLeft GroupRight Offset': t.modifier,
  'And Or Unless': t.logicOperator,
  'Sum Avg Count Max Min Stddev Stdvar Bottomk Topk Sort Sort_Desc Approx_Topk ApproxCountDistinct Vector LabelReplace': t.function(t.variableName),
  'CountOverTime Rate RateCounter BytesOverTime BytesRate AvgOverTime SumOverTime MinOverTime MaxOverTime StddevOverTime StdvarOverTime QuantileOverTime FirstOverTime LastOverTime AbsentOverTime': t.function(t.variableName),
  'BytesConv DurationConv DurationSecondsConv Ip': t.function(t.variableName),
  Identifier: t.labelName,
  LabelName: t.labelName,
  String: t.string,
  'Number Duration Bytes': t.number,
  Range: t.number,
  LineComment: t.lineComment,
  'Eq Neq Re Nre PipeExact PipeMatch PipePattern Npa Gtr Gte Lss Lte Eql Add Sub Mul Div Mod Pow Pipe': t.operator,
  '( )': t.paren,
  '{ }': t.brace,
  '[ ]': t.squareBracket,
});

export const logqlLanguage = LRLanguage.define({
  name: 'logql',
  parser: parser.configure({ props: [highlighting] }),
  languageData: { commentTokens: { line: '#' }, closeBrackets: { brackets: ['(', '[', '{', '"', '`'] } },
});

export function logql(): LanguageSupport {
  return new LanguageSupport(logqlLanguage);
}
