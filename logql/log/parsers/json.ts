// The json parser: every scalar of the line's object becomes a label (nested keys joined with
// `_`, arrays skipped, a repeated key keeps its first value); with extraction expressions
// (`| json a="b.c[0]"`) only those paths.
// A line that is not a JSON object gets `__error__=JSONParserErr`.

import type { LabelExtraction } from '../../syntax/ast.js';
import type { LabelsBuilder } from '../labels-builder.js';
import { compileJsonPath, evaluateJsonPath } from './json-path.js';
import { JsonScanner } from './json-scanner.js';
import { SanitizeCache } from './sanitize.js';

export const ERR_JSON = 'JSONParserErr';

export function jsonStage(extractions: readonly LabelExtraction[] | undefined) {
  if (extractions !== undefined) return jsonExpressionStage(extractions);
  const names = new SanitizeCache();
  return (line: string, lb: LabelsBuilder): string => {
    const scanner = new JsonScanner(line);
    const parsed = scanner.flatten((path, value) => {
      const name = path.length === 1 ? names.get(path[0]!) : path.map((p) => names.get(p)).join('_');
      if (name !== '') lb.setParsedFirst(name, value);
    });
    if (!parsed) lb.setError(ERR_JSON, scanner.failure);
    return line;
  };
}

function jsonExpressionStage(extractions: readonly LabelExtraction[]) {
  const compiled = extractions.map((x) => ({ name: x.name, path: compileJsonPath(x.expression) }));
  return (line: string, lb: LabelsBuilder): string => {
    if (line.length === 0) return line;
    const first = line.charCodeAt(0);
    // Loki checks only how the line starts; the rest fails while extracting.
    if (first !== 123 && first !== 91 && first !== 34) {
      lb.setError(ERR_JSON);
      return line;
    }
    const doc = new JsonScanner(line).parseDocument();
    if (doc === undefined) {
      lb.setError(ERR_JSON);
      for (const { name } of compiled) if (!lb.has(lb.parsedName(name))) lb.setParsed(name, '');
      return line;
    }
    for (const { name, path } of compiled) {
      const node = evaluateJsonPath(doc, path);
      let value = '';
      // Strings come back as written between the quotes, escapes and all, as Loki returns them.
      if (node !== undefined) value = node.type === 'string' ? node.raw.slice(1, -1) : node.type === 'null' ? '' : node.type === 'object' || node.type === 'array' ? node.raw : node.text;
      lb.setParsed(name, value);
    }
    return line;
  };
}
