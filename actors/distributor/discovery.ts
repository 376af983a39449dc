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
    const metadata = entry.metadata ?? [];
    if (labelValue(metadata, DETECTED_LEVEL) !== undefined) continue;
    const level = fromLabel ?? firstOf(metadata, fields) ?? levelOfEntry(entry.line, metadata, fields);
    if (level === '') continue;
    out ??= entries.slice();
    out[i] = { ts: entry.ts, line: entry.line, metadata: [...metadata, { name: DETECTED_LEVEL, value: level }] };
  }
  return out ?? entries;
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
  else if (line.includes('=')) value = logfmtValue(line, fields);
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

function levelFromKeywords(line: string): string {
  if (line.includes('info') || line.includes('INFO')) return 'info';
  if (line.includes('err') || line.includes('ERR')) return 'error';
  if (line.includes('warn') || line.includes('WARN')) return 'warn';
  if (line.includes('CRITICAL') || line.includes('critical')) return 'critical';
  if (line.includes('debug') || line.includes('DEBUG')) return 'debug';
  return 'unknown';
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
