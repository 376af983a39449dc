// The logfmt parser: `key=value` and `key="quoted value"` pairs; a repeated key keeps its first
// value. Empty values and bare keys are dropped unless `--keep-empty`; malformed pairs are
// skipped, or, with `--strict`, stop the parse and set `__error__=LogfmtParserErr`.

import type { LabelExtraction } from '../../syntax/ast.js';
import type { LabelsBuilder } from '../labels-builder.js';
import { SanitizeCache } from './sanitize.js';
import { unescapeQuoted as unquote } from './unescape.js';

export const ERR_LOGFMT = 'LogfmtParserErr';

export interface LogfmtPair {
  key: string;
  value: string;
  bare: boolean;
}

/** Scans pairs; calls `onPair` for each and returns an error message for the first bad one. */
export function scanLogfmt(line: string, strict: boolean, onPair: (pair: LogfmtPair) => void): string | undefined {
  const n = line.length;
  let pos = 0;
  let firstError: string | undefined;
  const pair: LogfmtPair = { key: '', value: '', bare: false };
  while (pos < n) {
    let c = line.charCodeAt(pos);
    while (c <= 32 && pos < n) c = line.charCodeAt(++pos);
    if (pos >= n) break;
    const keyStart = pos;
    while (pos < n && c > 32 && c !== 61 && c !== 34) c = line.charCodeAt(++pos);
    if (pos === keyStart) {
      firstError ??= syntaxError(pos, c === 61 ? "unexpected '='" : 'unexpected \'"\'');
      if (strict) return firstError;
      pos = skipToken(line, pos);
      continue;
    }
    pair.key = line.slice(keyStart, pos);
    if (pos >= n || c <= 32) {
      pair.value = '';
      pair.bare = true;
      onPair(pair);
      continue;
    }
    if (c === 34) {
      firstError ??= syntaxError(pos, 'unexpected \'"\'');
      if (strict) return firstError;
      pos = skipToken(line, pos);
      continue;
    }
    pos++;
    pair.bare = false;
    c = line.charCodeAt(pos);
    if (pos >= n || c <= 32) {
      pair.value = '';
      onPair(pair);
      continue;
    }
    if (c === 34) {
      const end = quotedEnd(line, pos);
      if (end === -1) {
        firstError ??= syntaxError(pos, 'unterminated quoted value');
        if (strict) return firstError;
        break;
      }
      pair.value = unquote(line, pos + 1, end);
      pos = end + 1;
      onPair(pair);
      continue;
    }
    const valueStart = pos;
    while (pos < n && c > 32 && c !== 34) c = line.charCodeAt(++pos);
    if (pos < n && c === 34) {
      firstError ??= syntaxError(pos, 'unexpected \'"\'');
      if (strict) return firstError;
      pos = skipToken(line, pos);
      continue;
    }
    pair.value = line.slice(valueStart, pos);
    onPair(pair);
  }
  return strict ? firstError : undefined;
}

function syntaxError(at: number, what: string): string {
  return `logfmt syntax error at pos ${at + 1} on line 1: ${what}`;
}

function skipToken(line: string, pos: number): number {
  while (pos < line.length && line.charCodeAt(pos) > 32) pos++;
  return pos;
}

/** The closing quote of a quoted value opened at `open`, found with native searches. */
function quotedEnd(line: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = line.indexOf('"', from);
    if (q === -1) return -1;
    let backslashes = 0;
    for (let i = q - 1; i > open && line.charCodeAt(i) === 92; i--) backslashes++;
    if (backslashes % 2 === 0) return q;
    from = q + 1;
  }
}

export function logfmtStage(strict: boolean, keepEmpty: boolean, extractions: readonly LabelExtraction[] | undefined) {
  const wanted = extractions === undefined ? undefined : new Map<string, string[]>();
  if (wanted !== undefined) {
    for (const x of extractions!) {
      const names = wanted.get(x.expression) ?? [];
      names.push(x.name);
      wanted.set(x.expression, names);
    }
  }
  const names = new SanitizeCache();
  return (line: string, lb: LabelsBuilder): string => {
    if (extractions !== undefined) {
      // Every requested label exists afterwards, empty when the line lacks its key.
      for (const x of extractions) if (lb.parsedName(x.name) === x.name) lb.setParsed(x.name, '');
    }
    const error = scanLogfmt(line, strict, (pair) => {
      if (wanted !== undefined) {
        const names = wanted.get(pair.key);
        if (names !== undefined) for (const name of names) lb.setParsed(name, pair.value);
        return;
      }
      if (pair.value === '' && !keepEmpty) return;
      const name = names.get(pair.key);
      if (name !== '') lb.setParsedFirst(name, pair.value);
    });
    if (error !== undefined) lb.setError(ERR_LOGFMT, error);
    return line;
  };
}
