// The regexp and pattern parsers: named captures / `<name>` captures become labels.

import { regexpParserNames } from '../../syntax/stage-validation.js';
import type { LabelsBuilder } from '../labels-builder.js';
import { PatternParser } from '../pattern.js';

export function regexpStage(pattern: string) {
  const { re, names } = regexpParserNames(pattern);
  return (line: string, lb: LabelsBuilder): string => {
    const m = re.matcher(line);
    if (!m.find()) return line;
    for (let i = 1; i < names.length; i++) {
      const name = names[i];
      if (name !== undefined) lb.setParsed(name, m.group(i) ?? '');
    }
    return line;
  };
}

export function patternStage(pattern: string) {
  const parser = new PatternParser(pattern);
  return (line: string, lb: LabelsBuilder): string => {
    const values = parser.matches(line);
    if (values === null) return line;
    for (let i = 0; i < values.length; i++) lb.setParsed(parser.names[i]!, values[i]!);
    return line;
  };
}
