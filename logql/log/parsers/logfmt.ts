// The logfmt parser: `key=value` and `key="quoted value"` pairs; a repeated key keeps its first
// value. Empty values and bare keys are dropped unless `--keep-empty`; malformed pairs are
// skipped, or, with `--strict`, stop the parse and set `__error__=LogfmtParserErr`.

import type { LabelExtraction } from '../../syntax/ast.js';
import type { LabelsBuilder } from '../labels-builder.js';
import { SanitizeCache, sanitizesTo } from './sanitize.js';
import { unescapeQuoted as unquote } from './unescape.js';

export const ERR_LOGFMT = 'LogfmtParserErr';

const EXTRACTED = '_extracted';

export interface LogfmtPair {
  key: string;
  value: string;
  bare: boolean;
}

/**
 * Scans pairs; calls `onPair` for each and returns an error message for the first bad one. An
 * `onPair` that returns true ends the scan there (it has all it wants; only without `strict`).
 * With `wantKey`, a pair whose key (the span [start, end) of the line) it refuses is passed over
 * without making a string of its key or value.
 */
export function scanLogfmt(
  line: string,
  strict: boolean,
  onPair: (pair: LogfmtPair) => boolean | void,
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
      if (onPair(pair) === true && !strict) break;
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
      if (wanted && onPair(pair) === true && !strict) break;
      continue;
    }
    if (c === 34) {
      const end = quotedEnd(line, pos);
      if (end === -1) {
        firstError ??= syntaxError(pos, 'unterminated quoted value');
        if (strict) return firstError;
        break;
      }
      if (wanted) pair.value = unquote(line, pos + 1, end);
      pos = end + 1;
      if (wanted && onPair(pair) === true && !strict) break;
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
    if (onPair(pair) === true && !strict) break;
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
 * A test of raw keys against the only label names a query needs: whether the key, sanitized as
 * a label name (`sanitize.ts`), is one of them, compared in place, so no key becomes a string.
 */
export function keyFilter(labels: readonly string[]): (line: string, start: number, end: number) => boolean {
  // A parsed label that collides with a stream label is renamed `<key>_extracted`: want the key too.
  const names = [...new Set(labels.flatMap((name) => (name.endsWith(EXTRACTED) ? [name, name.slice(0, -EXTRACTED.length)] : [name])))];
  return (line, start, end) => {
    for (const name of names) if (sanitizesTo(line, start, end, name)) return true;
    return false;
  };
}

/**
 * Texts of which a line holds at least one if it has a pair `keyFilter(labels)` wants with a
 * value that is kept: a key that sanitizes to a name ends with the name's last `_`-free part
 * as written (only units outside [a-zA-Z0-9_] change, each into `_`), and without
 * `--keep-empty` a kept pair has `=` right after its key. So a line holding none of them can be
 * passed over with one native search per text; undefined when no such text exists.
 */
export function keyNeedles(labels: readonly string[], keepEmpty: boolean): string[] | undefined {
  const needles = new Set<string>();
  for (const name of labels.flatMap((label) => (label.endsWith(EXTRACTED) ? [label, label.slice(0, -EXTRACTED.length)] : [label]))) {
    const tail = name.slice(name.lastIndexOf('_') + 1);
    const needle = keepEmpty ? tail : tail + '=';
    if (needle === '') return undefined;
    needles.add(needle);
  }
  return [...needles];
}

function holdsAny(line: string, needles: readonly string[]): boolean {
  for (const needle of needles) if (line.includes(needle)) return true;
  return false;
}

/**
 * The `| logfmt` stage. `onlyLabels`, when the pipeline's consumer needs no parsed label but
 * these (a metric query grouped `by` them, the parser the last stage, not `--strict`, which
 * must see every pair to report errors), makes the parser set only those.
 */
export function logfmtStage(strict: boolean, keepEmpty: boolean, extractions: readonly LabelExtraction[] | undefined, onlyLabels?: readonly string[]) {
  const wantKey = onlyLabels !== undefined && !strict && extractions === undefined ? keyFilter(onlyLabels) : undefined;
  // Early end only when no wanted name can come from a renamed key (`x_extracted` from `x`).
  const requested = wantKey !== undefined && onlyLabels!.every((name) => !name.endsWith(EXTRACTED)) ? new Set(onlyLabels) : undefined;
  // Which requested names this line has given a value, as the line's number in a slot per name
  // (no set to clear per line).
  const slots = requested !== undefined && requested.size > 0 ? new Map([...requested].map((name, k) => [name, k])) : undefined;
  const seenOnLine = new Float64Array(slots?.size ?? 0).fill(-1);
  let lineNumber = 0;
  const wanted = extractions === undefined ? undefined : new Map<string, string[]>();
  if (wanted !== undefined) {
    for (const x of extractions!) {
      const names = wanted.get(x.expression) ?? [];
      names.push(x.name);
      wanted.set(x.expression, names);
    }
  }
  const names = new SanitizeCache();
  // `by ()`: no label of the line is wanted, and without `--strict` the parse sets no error.
  if (wantKey !== undefined && onlyLabels!.length === 0) return (line: string): string => line;
  // Without `--strict` or extractions, a line with no wanted key gets nothing from the parse.
  const needles = wantKey !== undefined ? keyNeedles(onlyLabels!, keepEmpty) : undefined;
  // The line being parsed: the pair callback is made once per stage, not once per line (a
  // stage runs one line at a time, to its end).
  let lb: LabelsBuilder | undefined;
  let found = 0;
  const onPair = (pair: LogfmtPair): boolean | void => {
    if (wanted !== undefined) {
      const names = wanted.get(pair.key);
      if (names !== undefined) for (const name of names) lb!.setParsed(name, pair.value);
      return;
    }
    if (pair.value === '' && !keepEmpty) return;
    const name = names.get(pair.key);
    if (name !== '') lb!.setParsedFirst(name, pair.value);
    // The first value of a name is the one kept: once every wanted name has one, stop.
    const slot = slots?.get(name);
    if (slot !== undefined && seenOnLine[slot] !== lineNumber) {
      seenOnLine[slot] = lineNumber;
      if (++found === slots!.size) return true;
    }
  };
  return (line: string, labels: LabelsBuilder): string => {
    if (needles !== undefined && !holdsAny(line, needles)) return line;
    if (extractions !== undefined) {
      // Every requested label exists afterwards, empty when the line lacks its key.
      for (const x of extractions) if (labels.parsedName(x.name) === x.name) labels.setParsed(x.name, '');
    }
    lb = labels;
    found = 0;
    lineNumber++;
    const error = scanLogfmt(line, strict, onPair, wantKey);
    lb = undefined;
    if (error !== undefined) labels.setError(ERR_LOGFMT, error);
    return line;
  };
}
