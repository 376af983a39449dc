// Loki's `detected_fields` and `detected_field/NAME/values`: what Drilldown's fields tab offers
// to filter on, read from a query's most recent lines (`line_limit`, newest first). A field is
// an entry's structured metadata (`parsers: null`) or what the json parser (else the logfmt
// parser) finds in the line, plus what the query's own parsers extracted; each gets a type
// (int, float, boolean, duration, bytes, string), its count of distinct values, the parsers that
// found it and, for json, the path of keys to it (`jsonPath`).

import { logfmtPairs } from '../../../core/logfmt.js';
import type { Entry, Labels } from '../../../core/model.js';
import type { StreamResult } from '../../../logql/types.js';
import type { DetectedField, DetectedFieldType } from '../api.js';
import { fieldType } from './field-types.js';

const ERROR_LABELS = new Set(['__error__', '__error_details__', '__preserve_error__']);
const EXTRACTED = '_extracted';

interface FieldState {
  readonly values: Set<string>;
  type: DetectedFieldType;
  parsers: string[] | null;
  jsonPath?: string[];
}

interface ParsedField {
  readonly name: string;
  readonly value: string;
  readonly jsonPath?: string[];
}

/** Loki's label-name sanitizing for parsed keys: every invalid character becomes `_`. */
function sanitize(key: string): string {
  let name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(name)) name = '_' + name;
  return name;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** `| json`: nested objects flatten with `_`; arrays and nulls give nothing. */
function jsonFields(line: string): ParsedField[] | undefined {
  const trimmed = line.trimStart();
  if (!trimmed.startsWith('{')) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return undefined;
  const out: ParsedField[] = [];
  const walk = (object: Record<string, unknown>, prefix: string, path: string[]): void => {
    for (const [key, value] of Object.entries(object)) {
      const name = prefix === '' ? sanitize(key) : `${prefix}_${sanitize(key)}`;
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        walk(value as Record<string, unknown>, name, [...path, key]);
        continue;
      }
      const text = scalarText(value);
      if (text !== undefined) out.push({ name, value: text, jsonPath: [...path, key] });
    }
  };
  walk(document as Record<string, unknown>, '', []);
  return out;
}

/** `| logfmt`: keys with a value (a bare word is no field). */
function logfmtFields(line: string): ParsedField[] {
  const out: ParsedField[] = [];
  const seen = new Set<string>();
  for (const [key, value] of logfmtPairs(line)) {
    const name = sanitize(key);
    if (value === '' || name === '' || seen.has(name)) continue;
    seen.add(name);
    out.push({ name, value });
  }
  return out;
}

/** The fields a line holds, by the first parser that reads it, as Loki's `parseEntry` does. */
function lineFields(line: string, streamLabels: ReadonlySet<string>): { fields: ParsedField[]; parser: string | undefined } {
  const json = jsonFields(line);
  const found = json ?? logfmtFields(line);
  const parser = json !== undefined ? 'json' : found.length > 0 ? 'logfmt' : undefined;
  const fields = found
    .filter((field) => !ERROR_LABELS.has(field.name))
    .map((field) => (streamLabels.has(field.name) ? { ...field, name: field.name + EXTRACTED } : field));
  return { fields, parser };
}

/** The query's own parser names, for fields its pipeline extracted. */
function queryParsers(query: string): string[] {
  const parsers: string[] = [];
  for (const name of ['json', 'logfmt', 'regexp', 'pattern', 'unpack']) if (new RegExp(`\\|\\s*${name}\\b`).test(query)) parsers.push(name);
  return parsers;
}

/** The entry's stream labels: the result's labels less what the entry's metadata and parsers added. */
function streamLabelNames(labels: Labels, entry: Entry): Set<string> {
  const own = new Map<string, string>();
  for (const label of entry.metadata ?? []) own.set(label.name, label.value);
  for (const label of entry.parsed ?? []) own.set(label.name, label.value);
  return new Set(labels.filter((label) => own.get(label.name) !== label.value).map((label) => label.name));
}

type Visit = (name: string, value: string, parsers: string[] | null, jsonPath: string[] | undefined, firstOfStream: boolean) => void;

function visitFields(streams: readonly StreamResult[], query: string, visit: Visit): void {
  const fromQuery = queryParsers(query);
  for (const stream of streams) {
    const typed = new Set<string>();
    for (const entry of stream.entries) {
      const first = (name: string): boolean => {
        if (typed.has(name)) return false;
        typed.add(name);
        return true;
      };
      for (const { name, value } of entry.metadata ?? []) visit(name, value, null, undefined, first(name));
      for (const { name, value } of entry.parsed ?? []) {
        if (!ERROR_LABELS.has(name)) visit(name, value, fromQuery, undefined, first(name));
      }
      const parsedNames = new Set((entry.parsed ?? []).map((label) => label.name));
      const { fields, parser } = lineFields(entry.line, streamLabelNames(stream.labels, entry));
      if (parser === undefined) continue;
      for (const field of fields) {
        if (parsedNames.has(field.name)) continue;
        visit(field.name, field.value, [parser], field.jsonPath, first(field.name));
      }
    }
  }
}

/** Fields of the lines, at most `limit` of them, sorted by name. */
export function detectFields(streams: readonly StreamResult[], query: string, limit: number): DetectedField[] {
  const fields = new Map<string, FieldState>();
  visitFields(streams, query, (name, value, parsers, jsonPath, firstOfStream) => {
    let field = fields.get(name);
    if (field === undefined) {
      if (fields.size >= limit) return;
      field = { values: new Set(), type: 'string', parsers: parsers === null ? null : [...parsers] };
      fields.set(name, field);
    } else if (parsers !== null) {
      field.parsers ??= [];
      for (const parser of parsers) if (!field.parsers.includes(parser)) field.parsers.push(parser);
    }
    if (jsonPath !== undefined && field.jsonPath === undefined) field.jsonPath = jsonPath;
    // As Loki: a stream's first value of a field decides its type, the last stream read wins.
    if (firstOfStream) field.type = fieldType(value);
    field.values.add(value);
  });
  return [...fields]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, field]) => ({
      label,
      type: field.type,
      cardinality: field.values.size,
      parsers: field.parsers !== null && field.parsers.length > 0 ? field.parsers : null,
      ...(field.jsonPath !== undefined ? { jsonPath: field.jsonPath } : {}),
    }));
}

/** One field's distinct values in the lines, at most `limit`, sorted. */
export function detectFieldValues(streams: readonly StreamResult[], query: string, name: string, limit: number): string[] {
  const values = new Set<string>();
  visitFields(streams, query, (field, value) => {
    if (field === name && values.size < limit) values.add(value);
  });
  return [...values].sort();
}
