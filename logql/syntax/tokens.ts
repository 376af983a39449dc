// Token kinds. A kind is also the name a syntax error shows for the token, as Loki's generated
// parser shows it: punctuation and keywords by their text, value tokens and functions by an
// upper-case name (`IDENTIFIER`, `RANGE`, `COUNT_OVER_TIME`), the end of input as `$end`.

/** Words and symbols that are always the same token, whatever follows them (case-insensitive). */
export const KEYWORDS: ReadonlyMap<string, string> = new Map([
  [',', ','], ['.', '.'], ['{', '{'], ['}', '}'], ['=', '='], ['!=', '!='], ['=~', '=~'],
  ['!~', '!~'], ['!>', '!>'], ['|=', '|='], ['|~', '|~'], ['|>', '|>'], ['|', '|'],
  ['unwrap', 'unwrap'], ['(', '('], [')', ')'], ['by', 'by'], ['without', 'without'],
  ['bool', 'bool'], ['[', '['], [']', ']'], ['label_replace', 'label_replace'],
  ['offset', 'offset'], ['on', 'on'], ['ignoring', 'ignoring'], ['group_left', 'group_left'],
  ['group_right', 'group_right'], ['or', 'or'], ['and', 'and'], ['unless', 'unless'],
  ['+', '+'], ['-', '-'], ['*', '*'], ['/', '/'], ['%', '%'], ['^', '^'], ['==', '=='],
  ['>', '>'], ['>=', '>='], ['<', '<'], ['<=', '<='], ['json', 'json'], ['regexp', 'regexp'],
  ['logfmt', 'logfmt'], ['unpack', 'unpack'], ['pattern', 'pattern'],
  ['label_format', 'label_format'], ['line_format', 'line_format'], ['ip', 'ip'],
  ['decolorize', 'decolorize'], ['drop', 'drop'], ['keep', 'keep'],
]);

/** Words that are tokens only when a call follows: `name(` or `name by (` / `name without (`. */
export const FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['rate', 'RATE'], ['rate_counter', 'RATE_COUNTER'], ['count_over_time', 'COUNT_OVER_TIME'],
  ['bytes_rate', 'BYTES_RATE'], ['bytes_over_time', 'BYTES_OVER_TIME'],
  ['avg_over_time', 'AVG_OVER_TIME'], ['sum_over_time', 'SUM_OVER_TIME'],
  ['min_over_time', 'MIN_OVER_TIME'], ['max_over_time', 'MAX_OVER_TIME'],
  ['stdvar_over_time', 'STDVAR_OVER_TIME'], ['stddev_over_time', 'STDDEV_OVER_TIME'],
  ['quantile_over_time', 'QUANTILE_OVER_TIME'], ['first_over_time', 'FIRST_OVER_TIME'],
  ['last_over_time', 'LAST_OVER_TIME'], ['absent_over_time', 'ABSENT_OVER_TIME'],
  ['vector', 'VECTOR'], ['sum', 'SUM'], ['avg', 'AVG'], ['max', 'MAX'], ['min', 'MIN'],
  ['count', 'COUNT'], ['stddev', 'STDDEV'], ['stdvar', 'STDVAR'], ['bottomk', 'BOTTOMK'],
  ['topk', 'TOPK'], ['sort', 'SORT'], ['sort_desc', 'SORT_DESC'],
  ['approx_topk', 'APPROX_TOPK'], ['label_replace', 'label_replace'],
  ['bytes', 'BYTES_CONV'], ['duration', 'DURATION_CONV'],
  ['duration_seconds', 'DURATION_SECONDS_CONV'], ['ip', 'ip'],
  ['variants', 'VARIANTS'], ['of', 'OF'],
]);

/** Parser flags after `logfmt`. */
export const PARSER_FLAGS: ReadonlySet<string> = new Set(['--strict', '--keep-empty']);

export const RANGE_FUNCTION_KINDS: ReadonlySet<string> = new Set([
  'RATE', 'RATE_COUNTER', 'COUNT_OVER_TIME', 'BYTES_RATE', 'BYTES_OVER_TIME', 'AVG_OVER_TIME',
  'SUM_OVER_TIME', 'MIN_OVER_TIME', 'MAX_OVER_TIME', 'STDVAR_OVER_TIME', 'STDDEV_OVER_TIME',
  'QUANTILE_OVER_TIME', 'FIRST_OVER_TIME', 'LAST_OVER_TIME', 'ABSENT_OVER_TIME',
]);

export const VECTOR_FUNCTION_KINDS: ReadonlySet<string> = new Set([
  'SUM', 'AVG', 'MAX', 'MIN', 'COUNT', 'STDDEV', 'STDVAR', 'BOTTOMK', 'TOPK', 'SORT', 'SORT_DESC',
  'APPROX_TOPK',
]);

export const CONVERSION_KINDS: ReadonlySet<string> = new Set(['BYTES_CONV', 'DURATION_CONV', 'DURATION_SECONDS_CONV']);

/** Binary operators by precedence, lowest first; `^` alone is right-associative. */
export const BINARY_PRECEDENCE: ReadonlyMap<string, number> = new Map([
  ['or', 1],
  ['and', 2], ['unless', 2],
  ['==', 3], ['!=', 3], ['<', 3], ['<=', 3], ['>', 3], ['>=', 3],
  ['+', 4], ['-', 4],
  ['*', 5], ['/', 5], ['%', 5],
  ['^', 6],
]);

export interface Token {
  readonly kind: string;
  /** Source text of the token. */
  readonly text: string;
  /** Identifier text, unquoted string, number text or flag. */
  readonly str: string;
  /** DURATION and RANGE values. */
  readonly ns: bigint;
  /** BYTES values. */
  readonly bytes: number;
  /** STRING whose escapes spell bytes that are not UTF-8 (`"\xa0\xa1"`). */
  readonly invalidUtf8?: boolean;
  /** Position as Loki reports it (line 0 for tokens its lexer finishes by look-ahead). */
  readonly line: number;
  readonly col: number;
}
