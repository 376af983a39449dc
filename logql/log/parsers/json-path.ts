// Extraction expressions of `| json label="expr"`: `a.b`, `a["b c"]`, `a[0]`, `["a"].b[1]`.

import type { JsonNode } from './json-scanner.js';

export type PathStep = string | number;

export class JsonPathError extends Error {}

export function compileJsonPath(expr: string): PathStep[] {
  const steps: PathStep[] = [];
  let i = 0;
  const fail = (): never => {
    throw new JsonPathError(`cannot parse expression [${expr}]: syntax error`);
  };
  const ident = (): string => {
    const m = /^[^.\[\]"\s]+/.exec(expr.slice(i));
    if (m === null) return fail();
    i += m[0].length;
    return m[0];
  };
  if (expr === '') fail();
  if (expr[0] !== '[') steps.push(ident());
  while (i < expr.length) {
    const c = expr[i];
    if (c === '.') {
      i++;
      steps.push(ident());
    } else if (c === '[') {
      i++;
      if (expr[i] === '"') {
        const end = expr.indexOf('"', i + 1);
        if (end === -1) fail();
        steps.push(expr.slice(i + 1, end));
        i = end + 1;
      } else {
        const m = /^\d+/.exec(expr.slice(i));
        if (m === null) return fail();
        steps.push(Number(m[0]));
        i += m[0].length;
      }
      if (expr[i] !== ']') fail();
      i++;
    } else {
      fail();
    }
  }
  return steps;
}

export function evaluateJsonPath(doc: JsonNode, path: readonly PathStep[]): JsonNode | undefined {
  let node: JsonNode | undefined = doc;
  for (const step of path) {
    if (node === undefined) return undefined;
    if (typeof step === 'number') node = node.type === 'array' ? node.items[step] : undefined;
    else node = node.type === 'object' ? node.entries.get(step) : undefined;
  }
  return node;
}
