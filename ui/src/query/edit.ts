// Edits of a query's text that the UI offers: "filter for" / "filter out" a label value. Stream
// labels go into the stream selector (the index narrows the streams read); parsed fields and
// structured metadata become label filters at the end of the pipeline, where they exist.

import { parseTree } from './analyze';

export type LabelSource = 'stream' | 'metadata' | 'parsed';

function quote(value: string): string {
  return JSON.stringify(value);
}

interface MatcherSpan {
  name: string;
  op: string;
  from: number;
  to: number;
}

function selectorMatchers(query: string): { open: number; close: number; matchers: MatcherSpan[] } | undefined {
  const tree = parseTree(query);
  let result: { open: number; close: number; matchers: MatcherSpan[] } | undefined;
  tree.iterate({
    enter(node) {
      if (result !== undefined) return false;
      if (node.name !== 'Selector') return undefined;
      const matchers: MatcherSpan[] = [];
      const cursor = node.node.cursor();
      cursor.iterate((inner) => {
        if (inner.name !== 'Matcher') return undefined;
        const text = query.slice(inner.from, inner.to);
        const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)/.exec(text);
        if (m !== null) matchers.push({ name: m[1]!, op: m[2]!, from: inner.from, to: inner.to });
        return false;
      });
      const text = query.slice(node.from, node.to);
      if (!text.endsWith('}')) return false;
      result = { open: node.from, close: node.to - 1, matchers };
      return false;
    },
  });
  return result;
}

/** The query with `name op "value"` in its stream selector, replacing an equality on the same name. */
export function addSelectorMatcher(query: string, name: string, value: string, include: boolean): string {
  const found = selectorMatchers(query);
  const matcher = `${name}${include ? '=' : '!='}${quote(value)}`;
  if (found === undefined) return query.trim() === '' ? `{${matcher}}` : query;
  const same = found.matchers.find((m) => m.name === name && query.slice(m.from, m.to).replace(/\s+/g, '') === matcher);
  if (same !== undefined) return query;
  const replaceable = include ? found.matchers.find((m) => m.name === name && (m.op === '=' || m.op === '=~')) : undefined;
  if (replaceable !== undefined) return query.slice(0, replaceable.from) + matcher + query.slice(replaceable.to);
  const inside = query.slice(found.open + 1, found.close).trim();
  const insert = inside === '' ? matcher : `, ${matcher}`;
  const before = query.slice(0, found.close).replace(/\s+$/, '');
  return before + insert + query.slice(found.close);
}

/** The query with `| name op "value"` as a label filter after its pipeline. */
export function addLabelFilter(logExpr: string, name: string, value: string, include: boolean): string {
  const filter = `${name}${include ? '=' : '!='}${quote(value)}`;
  const trimmed = logExpr.trimEnd();
  if (trimmed.endsWith(`| ${filter}`)) return logExpr;
  return `${trimmed} | ${filter}`;
}

/** "Filter for" / "filter out" on a label of a shown line. Only log queries are edited. */
export function filterQuery(query: string, source: LabelSource, name: string, value: string, include: boolean): string {
  if (source === 'stream') return addSelectorMatcher(query, name, value, include);
  return addLabelFilter(query, name, value, include);
}
