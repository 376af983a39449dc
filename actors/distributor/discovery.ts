// Loki 3's ingest discovery, applied by the distributor to every stream from every door (HTTP
// push, OTLP, NATS producers) before placement: `service_name` for streams pushed without one
// (`discover_service_name`), and a `detected_level` structured-metadata field per entry
// (`discover_log_levels`), so Grafana's Logs Drilldown can group by service and by level.

import { labelValue, labelsToString, sortLabels, type Entry, type Label, type Labels } from '../../core/model.js';
import type { LimitsConfig } from '../../core/limits.js';

export const SERVICE_NAME_LABEL = 'service_name';
export const UNKNOWN_SERVICE = 'unknown_service';
export const DETECTED_LEVEL = 'detected_level';
/** Streams Loki writes for its own aggregated metrics and patterns keep their labels as they are. */
const INTERNAL_LABELS = ['__aggregated_metric__', '__pattern__'];
/** OTLP's severity number, as the OTLP mapping stores it in structured metadata. */
export const OTLP_SEVERITY_NUMBER = 'severity_number';
/** Loki's `log_level_from_json_max_depth` default: a level key nested deeper is not looked at. */
const JSON_LEVEL_MAX_DEPTH = 2;

/** The stream's labels with `service_name` added when discovery applies; the same array otherwise. */
export function withServiceName(labels: Labels, limits: LimitsConfig): Labels {
  const sources = limits.discoverServiceName;
  if (sources.length === 0 || labelValue(labels, SERVICE_NAME_LABEL) !== undefined) return labels;
  if (labels.some((label) => INTERNAL_LABELS.includes(label.name))) return labels;
  let service = UNKNOWN_SERVICE;
  for (const name of sources) {
    const value = labelValue(labels, name);
    if (value !== undefined && value !== '') {
      service = value;
      break;
    }
  }
  return sortLabels([...labels, { name: SERVICE_NAME_LABEL, value: service }]);
}

/** Entries with `detected_level` metadata added where a level is found; the same array when off. */
export function withDetectedLevels(labels: Labels, entries: Entry[], limits: LimitsConfig): Entry[] {
  if (!limits.discoverLogLevels) return entries;
  const fields = limits.logLevelFields;
  const fromLabel = firstOf(labels, fields);
  let out: Entry[] | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const metadata = entry.metadata;
    let level: string;
    if (metadata === undefined || metadata.length === 0) {
      // Most lines come without metadata: nothing to look up in it, and the level's one-pair
      // metadata is shared by every such line (frozen, as nothing downstream changes metadata).
      level = fromLabel ?? levelOfLine(entry.line, fields);
      if (level === '') continue;
      out ??= entries.slice();
      out[i] = { ts: entry.ts, line: entry.line, metadata: levelOnly(level) };
      continue;
    }
    if (labelValue(metadata, DETECTED_LEVEL) !== undefined) continue;
    level = fromLabel ?? firstOf(metadata, fields) ?? levelOfEntry(entry.line, metadata, fields);
    if (level === '') continue;
    out ??= entries.slice();
    out[i] = { ts: entry.ts, line: entry.line, metadata: [...metadata, { name: DETECTED_LEVEL, value: level }] };
  }
  return out ?? entries;
}

/** Shared `[{detected_level: level}]` arrays for the levels the rules name; a new one for others. */
const LEVEL_ONLY = new Map<string, Labels>(
  ['trace', 'debug', 'info', 'warn', 'error', 'critical', 'fatal', 'unknown'].map((level) => [
    level,
    Object.freeze([Object.freeze({ name: DETECTED_LEVEL, value: level })]),
  ]),
);

function levelOnly(level: string): Labels {
  return LEVEL_ONLY.get(level) ?? [{ name: DETECTED_LEVEL, value: level }];
}

function firstOf(labels: readonly Label[], names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = labelValue(labels, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** OTLP's severity ranges (1-4 trace, 5-8 debug, ...), else what the line says. */
function levelOfEntry(line: string, metadata: Labels, fields: readonly string[]): string {
  const severity = labelValue(metadata, OTLP_SEVERITY_NUMBER);
  if (severity !== undefined && severity !== '') {
    const number = Number.parseInt(severity, 10);
    if (!/^[+-]?\d+$/.test(severity) || Number.isNaN(number)) return 'info';
    if (number === 0) return 'unknown';
    const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
    const index = Math.ceil(number / 4) - 1;
    return index >= 0 && index < levels.length ? levels[index]! : 'unknown';
  }
  return levelOfLine(line, fields);
}

/** Loki's order: a JSON line's level key, else a logfmt line's, else keywords in the text. */
export function levelOfLine(line: string, fields: readonly string[]): string {
  let value: string | undefined;
  if (looksLikeJson(line)) value = jsonLevel(line, fieldSet(fields));
  else if (line.includes('=')) value = mayHoldHintKey(line, fields) ? logfmtValue(line, fields) : undefined;
  else return levelFromKeywords(line);
  switch ((value ?? '').toLowerCase()) {
    case 'trace': case 'trc': return 'trace';
    case 'debug': case 'dbg': return 'debug';
    case 'info': case 'inf': return 'info';
    case 'warn': case 'wrn': case 'warning': return 'warn';
    case 'error': case 'err': return 'error';
    case 'critical': return 'critical';
    case 'fatal': return 'fatal';
    default: return levelFromKeywords(line);
  }
}

/** First and last non-space characters are braces (Loki's `isJSON`), without copying the line. */
function looksLikeJson(line: string): boolean {
  let first = 0;
  while (first < line.length && line.charCodeAt(first) <= 0x20) first++;
  if (line.charCodeAt(first) !== 0x7b) return false;
  let last = line.length - 1;
  while (last > first && line.charCodeAt(last) <= 0x20) last--;
  return line.charCodeAt(last) === 0x7d;
}

const fieldSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function fieldSet(fields: readonly string[]): ReadonlySet<string> {
  let set = fieldSets.get(fields);
  if (set === undefined) fieldSets.set(fields, (set = new Set(fields)));
  return set;
}

/**
 * Loki's keyword rule: the first of info, err, warn, critical, debug (each in lower or upper
 * case only) found anywhere in the line. Rather than up to ten searches of the whole line, one
 * regular expression finds the leftmost keyword of any precedence: most lines hold none, and
 * for those that is the answer after one pass. A keyword of higher precedence than the one
 * found can only start after it (none starts earlier, and at the same place the alternation
 * tries higher precedence first), so only those are then looked for, from there on.
 */
function levelFromKeywords(line: string): string {
  ANY_KEYWORD.lastIndex = 0;
  if (!ANY_KEYWORD.test(line)) return 'unknown';
  const end = ANY_KEYWORD.lastIndex;
  const rank = keywordRank(line.charCodeAt(end - 1));
  if (rank === 0) return 'info';
  const from = end - KEYWORDS[rank]!.spellings[0].length + 1;
  for (let higher = 0; higher < rank; higher++) {
    const [lower, upper] = KEYWORDS[higher]!.spellings;
    if (line.includes(lower, from) || line.includes(upper, from)) return KEYWORDS[higher]!.level;
  }
  return KEYWORDS[rank]!.level;
}

/** In precedence order: Loki's level for each keyword and its two spellings. */
const KEYWORDS: ReadonlyArray<{ readonly level: string; readonly spellings: readonly [string, string] }> = [
  { level: 'info', spellings: ['info', 'INFO'] },
  { level: 'error', spellings: ['err', 'ERR'] },
  { level: 'warn', spellings: ['warn', 'WARN'] },
  { level: 'critical', spellings: ['critical', 'CRITICAL'] },
  { level: 'debug', spellings: ['debug', 'DEBUG'] },
];

/** Every spelling, in precedence order (the alternation tries them in this order at each place). */
const ANY_KEYWORD = new RegExp(KEYWORDS.flatMap((keyword) => keyword.spellings).join('|'), 'g');

/** A keyword's precedence from its last character, which differs between all ten spellings. */
function keywordRank(last: number): number {
  switch (last) {
    case 0x6f: case 0x4f: return 0; // info, INFO
    case 0x72: case 0x52: return 1; // err, ERR
    case 0x6e: case 0x4e: return 2; // warn, WARN
    case 0x6c: case 0x4c: return 3; // critical, CRITICAL
    default: return 4; // debug, DEBUG
  }
}

/** The first string value under an allowed key, depth first, at most two objects deep. */
function jsonLevel(text: string, fields: ReadonlySet<string>): string | undefined {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return undefined;
  }
  const walk = (value: unknown, depth: number): string | undefined => {
    if (depth >= JSON_LEVEL_MAX_DEPTH || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    for (const [key, inner] of Object.entries(value)) {
      if (typeof inner === 'string' && fields.has(key)) return inner;
      if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
        const found = walk(inner, depth + 1);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  return walk(document, 0);
}

const hintKeyPatterns = new WeakMap<readonly string[], RegExp | null>();

/**
 * False only when no hint, in any case, stands right before an `=` anywhere in the line: then
 * logfmtValue cannot find one either (a key it takes ends at its `=`), and its scan of the whole
 * line is skipped. Most lines with an `=` in them name no level. Hints that are not plain ASCII
 * get no pattern, and their lines are always scanned.
 */
function mayHoldHintKey(line: string, hints: readonly string[]): boolean {
  let pattern = hintKeyPatterns.get(hints);
  if (pattern === undefined) hintKeyPatterns.set(hints, (pattern = hintKeyPattern(hints)));
  return pattern === null || pattern.test(line);
}

/**
 * Every key whose lower case is a hint's: an ASCII letter's two cases (and for k the Kelvin
 * sign, whose lower case is k too; no other character lower-cases to ASCII), other ASCII as it is.
 */
function hintKeyPattern(hints: readonly string[]): RegExp | null {
  if (hints.length === 0) return /(?!)/;
  const alternatives: string[] = [];
  for (const hint of new Set(hints.map((hint) => hint.toLowerCase()))) {
    let source = '';
    for (const ch of hint) {
      const code = ch.charCodeAt(0);
      if (code > 0x7e || code < 0x21) return null;
      if (ch >= 'a' && ch <= 'z') source += ch === 'k' ? '[kK\\u212a]' : `[${ch}${ch.toUpperCase()}]`;
      else source += ch.replace(/[\\^$.*+?()[\]{}|\/-]/g, '\\$&');
    }
    alternatives.push(source);
  }
  return new RegExp(`(?:${alternatives.join('|')})=`);
}

const hintIndexes = new WeakMap<readonly string[], Map<string, number>>();

function hintIndex(hints: readonly string[]): Map<string, number> {
  let index = hintIndexes.get(hints);
  if (index === undefined) {
    index = new Map();
    hints.forEach((hint, i) => {
      const lower = hint.toLowerCase();
      if (!index!.has(lower)) index!.set(lower, i);
    });
    hintIndexes.set(hints, index);
  }
  return index;
}

/**
 * The value of the earliest-listed hint among a logfmt line's keys (compared case-insensitively),
 * as go-logfmt scans it. Keys are only sliced, and a value only decoded, when a key is a hint:
 * this runs on every pushed line.
 */
export function logfmtValue(line: string, hints: readonly string[]): string | undefined {
  const index = hintIndex(hints);
  let best = hints.length;
  let result: string | undefined;
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && line.charCodeAt(i) <= 0x20) i++;
    const keyStart = i;
    let c = 0;
    while (i < n && (c = line.charCodeAt(i)) > 0x20 && c !== 0x3d && c !== 0x22) i++;
    const keyEnd = i;
    if (i < n && c === 0x22) {
      while (i < n && line.charCodeAt(i) > 0x20) i++;
      continue;
    }
    if (i >= n || c !== 0x3d) continue;
    i++;
    const valueStart = i;
    let quoted = false;
    if (i < n && line.charCodeAt(i) === 0x22) {
      quoted = true;
      i++;
      while (i < n && line.charCodeAt(i) !== 0x22) i += line.charCodeAt(i) === 0x5c ? 2 : 1;
      i++;
    } else {
      while (i < n && line.charCodeAt(i) > 0x20) i++;
    }
    const keyLength = keyEnd - keyStart;
    if (keyLength === 0 || keyLength > 16) continue;
    const hint = index.get(line.slice(keyStart, keyEnd).toLowerCase());
    if (hint === undefined || hint >= best) continue;
    best = hint;
    result = quoted ? unquote(line.slice(valueStart + 1, Math.min(i - 1, n))) : line.slice(valueStart, i);
    if (hint === 0) break;
  }
  return result;
}

function unquote(text: string): string {
  return text.includes('\\') ? text.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch === 't' ? '\t' : ch === 'r' ? '\r' : ch)) : text;
}

/** A validated stream with `service_name` discovered; its canonical string follows its labels. */
export function discoverStream<S extends { readonly labels: Labels; readonly labelString: string }>(stream: S, limits: LimitsConfig): S {
  const labels = withServiceName(stream.labels, limits);
  return labels === stream.labels ? stream : { ...stream, labels, labelString: labelsToString(labels) };
}
