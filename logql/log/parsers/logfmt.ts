// The logfmt parser: `key=value` and `key="quoted value"` pairs; a repeated key keeps its first
// value. Empty values and bare keys are dropped unless `--keep-empty`; malformed pairs are
// skipped, or, with `--strict`, stop the parse and set `__error__=LogfmtParserErr`.

import type { LabelExtraction } from '../../syntax/ast.js';
import type { LabelsBuilder } from '../labels-builder.js';
import { SanitizeCache } from './sanitize.js';
import { unescapeQuoted as unquote } from './unescape.js';

export const ERR_LOGFMT = 'LogfmtParserErr';

const EXTRACTED = '_extracted';

export interface LogfmtPair {
  key: string;
  value: string;
  bare: boolean;
}

/**
 * Scans pairs; calls `onPair` for each and returns an error message for the first bad one.
 * With `wantKey`, a pair whose key (the span [start, end) of the line) it refuses is passed over
 * without making a string of its key or value.
 */
export function scanLogfmt(
  line: string,
  strict: boolean,
  onPair: (pair: LogfmtPair) => void,
  wantKey?: (line: string, start: number, end: number) => boolean,
): string | undefined {
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
    const wanted = wantKey === undefined || wantKey(line, keyStart, pos);
    if (wanted) pair.key = line.slice(keyStart, pos);
    if (pos >= n || c <= 32) {
      if (!wanted) continue;
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
      if (wanted) onPair(pair);
      continue;
    }
    if (c === 34) {
      const end = quotedEnd(line, pos);
      if (end === -1) {
        firstError ??= syntaxError(pos, 'unterminated quoted value');
        if (strict) return firstError;
        break;
      }
      if (wanted) {
        pair.value = unquote(line, pos + 1, end);
        onPair(pair);
      }
      pos = end + 1;
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
    if (!wanted) continue;
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

/**
 * A test of raw keys against the only label names a query needs: equal to one of them, or a key
 * that sanitizes to one (checked only for keys with characters a label name cannot have).
 */
export function keyFilter(labels: readonly string[]): (line: string, start: number, end: number) => boolean {
  // A parsed label that collides with a stream label is renamed `<key>_extracted`: want the key too.
  const names = [...new Set(labels.flatMap((name) => (name.endsWith(EXTRACTED) ? [name, name.slice(0, -EXTRACTED.length)] : [name])))];
  const wanted = new Set(names);
  const sanitized = new SanitizeCache();
  return (line, start, end) => {
    for (const name of names) if (name.length === end - start && line.startsWith(name, start)) return true;
    let clean = true;
    for (let i = start; i < end && clean; i++) {
      const c = line.charCodeAt(i);
      clean = c === 95 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57 && i > start);
    }
    return !clean && wanted.has(sanitized.get(line.slice(start, end)));
  };
}

/**
 * The `| logfmt` stage. `onlyLabels`, when the pipeline's consumer needs no parsed label but
 * these (a metric query grouped `by` them, the parser the last stage, not `--strict`, which
 * must see every pair to report errors), makes the parser set only those.
 */
export function logfmtStage(strict: boolean, keepEmpty: boolean, extractions: readonly LabelExtraction[] | undefined, onlyLabels?: readonly string[]) {
  const wantKey = onlyLabels !== undefined && !strict && extractions === undefined ? keyFilter(onlyLabels) : undefined;
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
    }, wantKey);
    if (error !== undefined) lb.setError(ERR_LOGFMT, error);
    return line;
  };
}
