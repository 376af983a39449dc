// Checks Loki makes while it builds parser stages, reported as parse errors with its wording.

import { RE2JS } from 're2js';
import { LogQLParseError } from '../errors.js';
import { PatternParser } from '../log/pattern.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The named groups of a `regexp` parser expression, or the error Loki gives for it. */
export function regexpParserNames(pattern: string): { re: RE2JS; names: Array<string | undefined> } {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    throw new Error((error as Error).message);
  }
  const groups = re.namedGroups() as Record<string, number>;
  const names: Array<string | undefined> = new Array(re.groupCount() + 1).fill(undefined);
  for (const [name, index] of Object.entries(groups)) {
    if (!LABEL_NAME.test(name)) throw new Error(`invalid extracted label name '${name}'`);
    names[index] = name;
  }
  if (Object.keys(groups).length === 0) throw new Error('at least one named capture must be supplied');
  return { re, names };
}

export function validateRegexpParser(pattern: string): void {
  try {
    regexpParserNames(pattern);
  } catch (error) {
    throw new LogQLParseError(`invalid regexp parser: ${(error as Error).message}`);
  }
}

export function validatePatternExpression(pattern: string): void {
  try {
    new PatternParser(pattern);
  } catch (error) {
    throw new LogQLParseError(`invalid pattern parser: ${(error as Error).message}`);
  }
}
