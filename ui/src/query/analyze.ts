// What a LogQL query is, read from Grafana's LogQL grammar: a log or a metric query, where its
// stream selector sits, and the queries the UI derives from it (the volume histogram).

import { parser } from '@grafana/lezer-logql';
import type { SyntaxNode, Tree } from '@lezer/common';

export type QueryKind = 'log' | 'metric' | 'empty';

export interface Analysis {
  kind: QueryKind;
  /** The whole log expression (selector and pipeline) of a log query. */
  logExpr?: string;
  /** `{...}` of the first stream selector, and its span in the text. */
  selector?: { text: string; from: number; to: number };
  /** Whether the grammar found a syntax error; the server's `format_query` words it. */
  hasError: boolean;
  /** Whether a pipeline stage adds labels (a parser or label_format). */
  hasParser: boolean;
}

const PARSER_NODES = new Set(['LabelParser', 'JsonExpressionParser', 'LogfmtParser', 'LogfmtExpressionParser', 'LabelFormatExpr']);

export function parseTree(query: string): Tree {
  return parser.parse(query);
}

function firstNamed(tree: Tree, name: string): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  tree.iterate({
    enter(node) {
      if (found !== undefined) return false;
      if (node.name === name) {
        found = node.node;
        return false;
      }
      return undefined;
    },
  });
  return found;
}

export function analyze(query: string): Analysis {
  const trimmed = query.trim();
  if (trimmed === '') return { kind: 'empty', hasError: false, hasParser: false };
  const tree = parseTree(query);
  let hasError = false;
  let hasParser = false;
  tree.iterate({
    enter(node) {
      if (node.type.isError) hasError = true;
      if (PARSER_NODES.has(node.name)) hasParser = true;
    },
  });
  const expr = tree.topNode.getChild('Expr');
  const top = expr?.firstChild;
  const selectorNode = firstNamed(tree, 'Selector');
  const selector = selectorNode === undefined ? undefined : { text: query.slice(selectorNode.from, selectorNode.to), from: selectorNode.from, to: selectorNode.to };
  if (top?.name === 'LogExpr') return { kind: 'log', logExpr: query.slice(top.from, top.to).trim(), ...(selector ? { selector } : {}), hasError, hasParser };
  if (top !== undefined && top !== null) return { kind: 'metric', ...(selector ? { selector } : {}), hasError, hasParser };
  // Grammar failed at the top: guess from the first character so the UI still runs it and shows the server's error.
  return { kind: trimmed.startsWith('{') ? 'log' : 'metric', logExpr: trimmed, ...(selector ? { selector } : {}), hasError: true, hasParser };
}

/**
 * The volume histogram's query: lines per step, split by `detected_level` or `level`. Grouping by
 * both in one query means no second round trip when the first is absent: a series with neither
 * label is the plain count.
 */
export function histogramQuery(logExpr: string, stepText: string): string {
  return `sum by (detected_level, level) (count_over_time(${logExpr} [${stepText}]))`;
}

/** The level a histogram series stands for: `detected_level`, else `level`, else `unknown`. */
export function levelOf(labels: Record<string, string>): string {
  const level = labels['detected_level'] ?? labels['level'] ?? '';
  return level === '' ? 'unknown' : level.toLowerCase();
}

/** Canonical `{a="b", c="d"}` text of a label set, sorted by name, as Loki prints metrics. */
export function labelsText(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((name) => `${name}=${JSON.stringify(labels[name])}`).join(', ')}}`;
}
