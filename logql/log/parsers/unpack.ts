// `| unpack`: the inverse of Promtail's `pack` stage. Top-level string fields become labels and
// the `_entry` field becomes the line.

import type { LabelsBuilder } from '../labels-builder.js';
import { ERR_JSON } from './json.js';
import { JsonScanner } from './json-scanner.js';

export function unpackStage() {
  return (line: string, lb: LabelsBuilder): string => {
    const scanner = new JsonScanner(line);
    const doc = scanner.parseDocument();
    if (doc === undefined) {
      lb.setError(ERR_JSON, scanner.failure);
      return line;
    }
    if (doc.type !== 'object') {
      lb.setError(ERR_JSON, "Value looks like it's not an object");
      return line;
    }
    let entry: string | undefined;
    const found: Array<[string, string]> = [];
    for (const [key, node] of doc.entries) {
      if (node.type !== 'string') continue;
      if (key === '_entry') entry = node.text;
      else found.push([key, node.text]);
    }
    // Labels are taken only from packed entries (those with `_entry`), as Loki does.
    if (entry === undefined) return line;
    for (const [key, value] of found) lb.setParsed(key, value);
    return entry;
  };
}
