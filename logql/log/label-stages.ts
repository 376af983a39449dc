// Stages that only reshape labels or clean the line: `drop`, `keep` and `decolorize`.

import type { NamedLabelMatcher } from '../syntax/ast.js';
import { compileMatcherTest } from './label-filter.js';
import { ERROR_DETAILS_LABEL, ERROR_LABEL, type LabelsBuilder } from './labels-builder.js';

type Selector = { name: string; test?: (value: string) => boolean };

function selectors(list: readonly NamedLabelMatcher[]): Selector[] {
  return list.map((n) => (n.matcher !== undefined ? { name: n.matcher.name, test: compileMatcherTest(n.matcher) } : { name: n.name! }));
}

export function dropStage(list: readonly NamedLabelMatcher[]) {
  const drops = selectors(list);
  return (line: string, lb: LabelsBuilder): string => {
    for (const d of drops) {
      const value = lb.filterValue(d.name);
      const present = d.name === ERROR_LABEL || d.name === ERROR_DETAILS_LABEL ? value !== '' : lb.has(d.name);
      if (!present) continue;
      if (d.test === undefined || d.test(value)) lb.delete(d.name);
    }
    return line;
  };
}

export function keepStage(list: readonly NamedLabelMatcher[]) {
  const keeps = selectors(list);
  return (line: string, lb: LabelsBuilder): string => {
    for (const name of lb.names()) {
      if (name === ERROR_LABEL || name === ERROR_DETAILS_LABEL) continue;
      const value = lb.get(name) ?? '';
      const kept = keeps.some((k) => k.name === name && (k.test === undefined || k.test(value)));
      if (!kept) lb.delete(name);
    }
    return line;
  };
}

// ANSI escape sequences, the pattern Loki strips with `decolorize`.
const ANSI = /[\u001B\u009B][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[a-zA-Z\d]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PRZcf-ntqry=><~]))/g;

export function decolorizeStage() {
  return (line: string): string => (line.includes('\u001b') || line.includes('\u009b') ? line.replace(ANSI, '') : line);
}
