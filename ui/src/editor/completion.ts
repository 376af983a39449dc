// Autocompletion: label names and values from the server for the current range and selector,
// LogQL's functions, aggregations and pipeline stages from Grafana's grammar package.

import type { Completion, CompletionContext as CmContext, CompletionResult, CompletionSource } from '@codemirror/autocomplete';
import { AGGREGATION_OPERATORS, BUILT_IN_FUNCTIONS, RANGE_VEC_FUNCTIONS } from '@grafana/lezer-logql';
import { labelNames, labelValues, type NsRange } from '../api/loki';
import { completionContext } from './context';

const PIPE_STAGES: Completion[] = [
  { label: 'json', type: 'keyword', detail: 'parser', info: 'Extract labels from a JSON line' },
  { label: 'logfmt', type: 'keyword', detail: 'parser', info: 'Extract labels from a logfmt line' },
  { label: 'pattern', type: 'keyword', detail: 'parser', apply: 'pattern "<_> <field>"', info: 'Extract labels with a pattern' },
  { label: 'regexp', type: 'keyword', detail: 'parser', apply: 'regexp "(?P<name>...)"', info: 'Extract labels with named groups' },
  { label: 'unpack', type: 'keyword', detail: 'parser', info: 'Unpack labels packed by Promtail' },
  { label: 'line_format', type: 'keyword', detail: 'formatter', apply: 'line_format "{{.label}}"', info: 'Rewrite the line with a template' },
  { label: 'label_format', type: 'keyword', detail: 'formatter', apply: 'label_format new=old', info: 'Rename or template labels' },
  { label: 'drop', type: 'keyword', detail: 'labels', info: 'Drop labels' },
  { label: 'keep', type: 'keyword', detail: 'labels', info: 'Keep only these labels' },
  { label: 'decolorize', type: 'keyword', detail: 'formatter', info: 'Strip ANSI colours' },
  { label: 'unwrap', type: 'keyword', detail: 'sample', info: 'Use a label as the sample value' },
];

const FUNCTION_COMPLETIONS: Completion[] = [...AGGREGATION_OPERATORS, ...RANGE_VEC_FUNCTIONS, ...BUILT_IN_FUNCTIONS].map((item) => ({
  label: item.label,
  type: 'function',
  detail: item.detail ?? '',
  info: item.documentation ?? '',
  apply: item.insertText ?? item.label,
}));

const KEYWORDS: Completion[] = ['by', 'without', 'and', 'or', 'unless', 'offset', 'bool', 'on', 'ignoring', 'group_left', 'group_right'].map((label) => ({
  label,
  type: 'keyword',
}));

export interface CompletionDeps {
  /** The range the page would query now. */
  range(): NsRange | undefined;
}

/** Caches answers for a few seconds: completion asks on every keystroke. */
function cached<T>(ttlMs: number): (key: string, load: () => Promise<T>) => Promise<T> {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return (key, load) => {
    const hit = entries.get(key);
    if (hit !== undefined && Date.now() - hit.at < ttlMs) return hit.value;
    const value = load();
    value.catch(() => entries.delete(key));
    entries.set(key, { at: Date.now(), value });
    return value;
  };
}

function escapeValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export function logqlCompletion(deps: CompletionDeps): CompletionSource {
  const names = cached<string[]>(10_000);
  const values = cached<string[]>(10_000);
  return async (context: CmContext): Promise<CompletionResult | null> => {
    const doc = context.state.doc.toString();
    const before = doc.slice(0, context.pos);
    const where = completionContext(before);
    const word = context.matchBefore(/[A-Za-z0-9_]*$/);
    const from = word?.from ?? context.pos;
    if (!context.explicit && where.kind === 'function' && (word === null || word.from === word.to)) return null;
    const range = deps.range();
    switch (where.kind) {
      case 'label-name':
      case 'grouping': {
        if (range === undefined) return null;
        const selector = where.kind === 'label-name' ? where.selector : '';
        const list = await names(`${selector}|${range.start}`, () => labelNames(range, selector === '' ? undefined : selector)).catch(() => []);
        return { from, options: list.map((label) => ({ label, type: 'property', apply: where.kind === 'label-name' ? `${label}=` : label })), validFor: /^[A-Za-z0-9_]*$/ };
      }
      case 'label-value': {
        if (range === undefined) return null;
        const list = await values(`${where.label}|${where.selector}|${range.start}`, () =>
          labelValues(where.label, range, where.selector === '' ? undefined : where.selector),
        ).catch(() => []);
        const typed = /"((?:[^"\\]|\\.)*)$/.exec(before);
        const valueFrom = where.quoted && typed !== null ? context.pos - typed[1]!.length : context.pos;
        const closeQuote = doc.slice(context.pos).startsWith('"');
        return {
          from: valueFrom,
          options: list.map((value) => ({
            label: value,
            type: 'text',
            apply: where.quoted ? `${escapeValue(value)}${closeQuote ? '' : '"'}` : `"${escapeValue(value)}"`,
          })),
          validFor: /^[^"]*$/,
        };
      }
      case 'pipe':
        return { from, options: PIPE_STAGES, validFor: /^[A-Za-z_]*$/ };
      case 'function':
        return { from, options: [...FUNCTION_COMPLETIONS, ...KEYWORDS], validFor: /^[A-Za-z_]*$/ };
      default:
        return null;
    }
  };
}
