// The typed LogQL syntax tree. Nodes are plain readonly data: the printer turns them into the
// canonical text, `log/` compiles the pipeline parts and `engine/` evaluates the metric parts.

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
}

export type LineFilterOp = '|=' | '!=' | '|~' | '!~' | '|>' | '!>';

/** One alternative of a line filter: a literal/regex/pattern, or `ip("...")`. */
export interface LineFilterTerm {
  readonly match: string;
  readonly ip: boolean;
}

/** `|= "a" or "b"`: alternatives are ORed; negative operators never carry alternatives. */
export interface LineFilterStage {
  readonly kind: 'lineFilter';
  readonly op: LineFilterOp;
  readonly terms: readonly LineFilterTerm[];
}

export interface LabelExtraction {
  /** The label to create. */
  readonly name: string;
  /** The JSON path / logfmt key to read. */
  readonly expression: string;
}

export interface LogfmtStage {
  readonly kind: 'logfmt';
  readonly strict: boolean;
  readonly keepEmpty: boolean;
  /** Present for `| logfmt a, b="c"`: extract only these. */
  readonly extractions: readonly LabelExtraction[] | undefined;
}

export interface JsonStage {
  readonly kind: 'json';
  readonly extractions: readonly LabelExtraction[] | undefined;
}

export interface RegexpStage {
  readonly kind: 'regexp';
  readonly pattern: string;
}

export interface PatternStage {
  readonly kind: 'pattern';
  readonly pattern: string;
}

export interface UnpackStage {
  readonly kind: 'unpack';
}

export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

export type LabelFilter =
  | { readonly kind: 'string'; readonly matcher: LabelMatcher }
  | { readonly kind: 'ip'; readonly name: string; readonly op: '=' | '!='; readonly pattern: string }
  | { readonly kind: 'number'; readonly name: string; readonly op: CompareOp; readonly value: number }
  | { readonly kind: 'duration'; readonly name: string; readonly op: CompareOp; readonly ns: number }
  | { readonly kind: 'bytes'; readonly name: string; readonly op: CompareOp; readonly bytes: number }
  | { readonly kind: 'binary'; readonly and: boolean; readonly left: LabelFilter; readonly right: LabelFilter };

export interface LabelFilterStage {
  readonly kind: 'labelFilter';
  readonly filter: LabelFilter;
}

export interface LineFormatStage {
  readonly kind: 'lineFormat';
  readonly template: string;
}

export interface LabelFormatEntry {
  readonly name: string;
  /** The source label for a rename, the template text otherwise. */
  readonly value: string;
  readonly rename: boolean;
}

export interface LabelFormatStage {
  readonly kind: 'labelFormat';
  readonly formats: readonly LabelFormatEntry[];
}

export interface DecolorizeStage {
  readonly kind: 'decolorize';
}

/** `drop a, b="c"` / `keep a, b=~"x.*"`: a bare name, or a matcher on the value. */
export type NamedLabelMatcher =
  | { readonly name: string; readonly matcher?: undefined }
  | { readonly name?: undefined; readonly matcher: LabelMatcher };

export interface DropStage {
  readonly kind: 'drop';
  readonly labels: readonly NamedLabelMatcher[];
}

export interface KeepStage {
  readonly kind: 'keep';
  readonly labels: readonly NamedLabelMatcher[];
}

export type Stage =
  | LineFilterStage
  | LogfmtStage
  | JsonStage
  | RegexpStage
  | PatternStage
  | UnpackStage
  | LabelFilterStage
  | LineFormatStage
  | LabelFormatStage
  | DecolorizeStage
  | DropStage
  | KeepStage;

export interface LogSelectorExpr {
  readonly kind: 'logSelector';
  readonly matchers: readonly LabelMatcher[];
  readonly stages: readonly Stage[];
}

export type UnwrapConversion = 'bytes' | 'duration' | 'duration_seconds';

export interface UnwrapExpr {
  readonly label: string;
  readonly conversion: UnwrapConversion | undefined;
  readonly postFilters: readonly LabelFilter[];
}

export interface LogRange {
  readonly selector: LogSelectorExpr;
  readonly rangeNs: bigint;
  readonly offsetNs: bigint;
  readonly unwrap: UnwrapExpr | undefined;
}

export type RangeOp =
  | 'count_over_time'
  | 'rate'
  | 'rate_counter'
  | 'bytes_over_time'
  | 'bytes_rate'
  | 'avg_over_time'
  | 'sum_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'stdvar_over_time'
  | 'stddev_over_time'
  | 'quantile_over_time'
  | 'first_over_time'
  | 'last_over_time'
  | 'absent_over_time';

export interface Grouping {
  readonly without: boolean;
  /** `undefined` for `by ()` / `without ()` and for no grouping at all. */
  readonly groups: readonly string[] | undefined;
}

export interface RangeAggregationExpr {
  readonly kind: 'rangeAggregation';
  readonly op: RangeOp;
  readonly range: LogRange;
  readonly param: number | undefined;
  readonly grouping: Grouping | undefined;
}

export type VectorOp =
  | 'sum'
  | 'avg'
  | 'count'
  | 'max'
  | 'min'
  | 'stddev'
  | 'stdvar'
  | 'bottomk'
  | 'topk'
  | 'approx_topk'
  | 'sort'
  | 'sort_desc';

export interface VectorAggregationExpr {
  readonly kind: 'vectorAggregation';
  readonly op: VectorOp;
  readonly expr: SampleExpr;
  readonly grouping: Grouping;
  /** k for topk / bottomk. */
  readonly param: number | undefined;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^';
export type ComparisonOp = '==' | '!=' | '>' | '>=' | '<' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many';

export interface VectorMatching {
  readonly card: Cardinality;
  readonly on: boolean;
  /** `on (a)` / `ignoring (a)`; `undefined` when absent or empty. */
  readonly labels: readonly string[] | undefined;
  /** `group_left (a)`; `undefined` when absent. */
  readonly include: readonly string[] | undefined;
}

export interface BinOpExpr {
  readonly kind: 'binOp';
  readonly op: BinaryOp;
  readonly lhs: SampleExpr;
  readonly rhs: SampleExpr;
  readonly returnBool: boolean;
  readonly matching: VectorMatching;
}

export interface LiteralExpr {
  readonly kind: 'literal';
  readonly value: number;
}

export interface VectorExpr {
  readonly kind: 'vector';
  readonly value: number;
}

export interface LabelReplaceExpr {
  readonly kind: 'labelReplace';
  readonly expr: SampleExpr;
  readonly dst: string;
  readonly replacement: string;
  readonly src: string;
  readonly regex: string;
}

/**
 * `variants(count_over_time({app="a"}[1m]), bytes_over_time({app="a"}[1m])) of ({app="a"}[1m])`:
 * several metric queries over one log range, each series tagged `__variant__="<index>"`. Only
 * ever the outermost expression.
 */
export interface VariantsExpr {
  readonly kind: 'variants';
  readonly variants: readonly SampleExpr[];
  readonly of: LogRange;
}

export type SampleExpr =
  | RangeAggregationExpr
  | VectorAggregationExpr
  | BinOpExpr
  | LiteralExpr
  | VectorExpr
  | LabelReplaceExpr
  | VariantsExpr;

export type Expr = LogSelectorExpr | SampleExpr;

export function isSampleExpr(expr: Expr): expr is SampleExpr {
  return expr.kind !== 'logSelector';
}

export const RANGE_OPS: ReadonlySet<string> = new Set<RangeOp>([
  'count_over_time', 'rate', 'rate_counter', 'bytes_over_time', 'bytes_rate', 'avg_over_time',
  'sum_over_time', 'min_over_time', 'max_over_time', 'stdvar_over_time', 'stddev_over_time',
  'quantile_over_time', 'first_over_time', 'last_over_time', 'absent_over_time',
]);

export const VECTOR_OPS: ReadonlySet<string> = new Set<VectorOp>([
  'sum', 'avg', 'count', 'max', 'min', 'stddev', 'stdvar', 'bottomk', 'topk', 'approx_topk', 'sort', 'sort_desc',
]);
