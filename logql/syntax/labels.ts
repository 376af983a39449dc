// Loki's label strings, `{a="1", b="2"}`, as clients send them in protobuf pushes.

import { LogQLParseError } from '../errors.js';
import { sortLabels, type Label, type Labels } from '../../core/model.js';
import { TokenStream } from './token-stream.js';

/**
 * Parses a label string into sorted labels. Labels with empty values are dropped (an empty value
 * is the same as no label); duplicates are kept so validation can name them.
 */
export function parseLabels(text: string): Labels {
  const ts = new TokenStream(text);
  ts.expect('{');
  const labels: Label[] = [];
  if (!ts.accept('}')) {
    do {
      const name = ts.expect('IDENTIFIER').str;
      ts.expect('=', ['=']);
      const value = ts.expect('STRING').str;
      if (value !== '') labels.push({ name, value });
    } while (ts.accept(','));
    ts.expect('}', ['}', ',']);
  }
  if (!ts.is('$end')) ts.fail();
  return sortLabels(labels);
}

export function isLogQLParseError(error: unknown): error is LogQLParseError {
  return error instanceof LogQLParseError;
}
