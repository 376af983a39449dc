// Query answers as Loki's JSON (pkg/util/marshal), written as text pieces joined once: a large
// streams answer never becomes an intermediate object tree.
//
// Without the `categorize-labels` encoding flag Loki folds each entry's structured metadata
// into its stream's labels, so entries with different metadata land in different streams. With
// the flag, stream labels stay as they are and every value carries a third element,
// `{"structuredMetadata": {...}}` (an empty `{}` when the entry has none).

import type { Entry, Labels } from '../core/model.js';
import { labelsToString, sortLabels } from '../core/model.js';
import type { Point, QueryData, QueryResponse, SeriesResult, StreamResult, VectorSample } from '../logql/types.js';
import { formatPromTime, formatSampleValue } from './number-format.js';
import { renderStats } from './stats.js';

export const ENCODING_FLAGS_HEADER = 'x-loki-response-encoding-flags';
export const FLAG_CATEGORIZE_LABELS = 'categorize-labels';

export interface RenderOptions {
  readonly categorizeLabels: boolean;
  /** Entry order of a log answer, for streams that merge when labels are categorized (default backward). */
  readonly forward?: boolean;
}

/** The encoding flags a request asked for that this edge understands. */
export function encodingFlags(header: string | string[] | undefined): RenderOptions {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const flags = text.split(',').map((flag) => flag.trim().toLowerCase());
  return { categorizeLabels: flags.includes(FLAG_CATEGORIZE_LABELS) };
}

export function renderLabelSet(labels: Labels): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (i > 0) out += ',';
    out += JSON.stringify(label.name) + ':' + JSON.stringify(label.value);
  }
  return out + '}';
}

function renderEntry(entry: Entry, categorize: boolean): string {
  let out = '["' + entry.ts.toString() + '",' + JSON.stringify(entry.line);
  if (categorize) {
    const metadata = entry.metadata;
    const parsed = entry.parsed;
    const parts: string[] = [];
    if (metadata !== undefined && metadata.length > 0) parts.push('"structuredMetadata":' + renderLabelSet(metadata));
    if (parsed !== undefined && parsed.length > 0) parts.push('"parsed":' + renderLabelSet(parsed));
    out += ',{' + parts.join(',') + '}';
  }
  return out + ']';
}

/**
 * Loki's categorized streams: a stream is its own labels only; what the entry's metadata and
 * the query's parsers added travel with each entry, so entries regroup by their stream labels.
 */
function categorizeStream(stream: StreamResult): { labels: Labels; entries: Entry[] }[] {
  const groups = new Map<string, { labels: Labels; entries: Entry[] }>();
  for (const entry of stream.entries) {
    let labels = stream.labels;
    if ((entry.metadata?.length ?? 0) > 0 || (entry.parsed?.length ?? 0) > 0) {
      // A label is the entry's own when name and value match (a clashing stream label stays).
      const extra = new Map<string, string>();
      for (const label of entry.metadata ?? []) extra.set(label.name, label.value);
      for (const label of entry.parsed ?? []) extra.set(label.name, label.value);
      labels = stream.labels.filter((label) => extra.get(label.name) !== label.value);
    }
    const key = labels === stream.labels ? '' : labelsToString(labels);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { labels, entries: [] }));
    group.entries.push(entry);
  }
  return [...groups.values()];
}

function renderStream(labels: Labels, entries: readonly Entry[], categorize: boolean, parts: string[]): void {
  parts.push('{"stream":', renderLabelSet(labels), ',"values":[');
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) parts.push(',');
    parts.push(renderEntry(entries[i]!, categorize));
  }
  parts.push(']}');
}

/** Stream labels plus metadata labels; a stream label keeps its value on a name clash. */
function foldMetadata(labels: Labels, metadata: Labels): Labels {
  const names = new Set(labels.map((label) => label.name));
  const extra = metadata.filter((label) => !names.has(label.name));
  return extra.length === 0 ? labels : sortLabels([...labels, ...extra]);
}

/** Splits a stream by its entries' metadata, keeping first-seen order of streams and entries. */
function foldStream(stream: StreamResult): { labels: Labels; entries: Entry[] }[] {
  if (!stream.entries.some((entry) => entry.metadata !== undefined && entry.metadata.length > 0)) {
    return [{ labels: stream.labels, entries: stream.entries }];
  }
  const groups = new Map<string, { labels: Labels; entries: Entry[] }>();
  for (const entry of stream.entries) {
    const metadata = entry.metadata ?? [];
    const key = metadata.length === 0 ? '' : labelsToString(metadata);
    let group = groups.get(key);
    if (group === undefined) {
      group = { labels: metadata.length === 0 ? stream.labels : foldMetadata(stream.labels, metadata), entries: [] };
      groups.set(key, group);
    }
    group.entries.push(entry);
  }
  return [...groups.values()];
}

/** Streams that share labels after categorizing become one, entries kept in their order. */
function mergeByLabels(streams: { labels: Labels; entries: Entry[] }[], direction: boolean | undefined): { labels: Labels; entries: Entry[] }[] {
  const merged = new Map<string, { labels: Labels; entries: Entry[] }>();
  for (const stream of streams) {
    const key = labelsToString(stream.labels);
    const known = merged.get(key);
    if (known === undefined) merged.set(key, { labels: stream.labels, entries: [...stream.entries] });
    else {
      // Each part is in the query's direction; the merge keeps it, whichever that is.
      const forward = direction ?? isForward(known.entries) ?? isForward(stream.entries) ?? false;
      known.entries.push(...stream.entries);
      known.entries.sort((x, y) => (x.ts === y.ts ? 0 : (x.ts < y.ts) === forward ? -1 : 1));
    }
  }
  return [...merged.values()];
}

function isForward(entries: readonly Entry[]): boolean | undefined {
  const first = entries[0]?.ts;
  const last = entries[entries.length - 1]?.ts;
  return first === undefined || last === undefined || first === last ? undefined : first < last;
}

export function renderStreams(result: readonly StreamResult[], options: RenderOptions, parts: string[]): void {
  parts.push('[');
  let first = true;
  const streams = options.categorizeLabels ? mergeByLabels(result.flatMap(categorizeStream), options.forward) : result;
  for (const stream of streams) {
    const groups = options.categorizeLabels ? [stream] : foldStream(stream);
    for (const group of groups) {
      if (!first) parts.push(',');
      first = false;
      renderStream(group.labels, group.entries, options.categorizeLabels, parts);
    }
  }
  parts.push(']');
}

function renderValue(t: number, v: number): string {
  return '[' + formatPromTime(t) + ',"' + formatSampleValue(v) + '"]';
}

function renderMatrix(result: readonly SeriesResult[], parts: string[]): void {
  parts.push('[');
  for (let i = 0; i < result.length; i++) {
    const series = result[i]!;
    if (i > 0) parts.push(',');
    parts.push('{"metric":', renderLabelSet(series.metric), ',"values":[');
    const points: readonly Point[] = series.points;
    for (let j = 0; j < points.length; j++) {
      if (j > 0) parts.push(',');
      parts.push(renderValue(points[j]!.t, points[j]!.v));
    }
    parts.push(']}');
  }
  parts.push(']');
}

function renderVector(result: readonly VectorSample[], parts: string[]): void {
  parts.push('[');
  for (let i = 0; i < result.length; i++) {
    const sample = result[i]!;
    if (i > 0) parts.push(',');
    parts.push('{"metric":', renderLabelSet(sample.metric), ',"value":', renderValue(sample.t, sample.v), '}');
  }
  parts.push(']');
}

function renderResult(data: QueryData, options: RenderOptions, parts: string[]): void {
  switch (data.resultType) {
    case 'streams':
      renderStreams(data.result, options, parts);
      return;
    case 'matrix':
      renderMatrix(data.result, parts);
      return;
    case 'vector':
      renderVector(data.result, parts);
      return;
    case 'scalar':
      parts.push(renderValue(data.result.t, data.result.v));
      return;
  }
}

function renderFlags(options: RenderOptions): string {
  return options.categorizeLabels ? `,"encodingFlags":["${FLAG_CATEGORIZE_LABELS}"]` : '';
}

/** `{"status":"success","data":{"resultType":...,"result":[...],"stats":{...}}}` */
export function renderQueryResponse(response: QueryResponse, options: RenderOptions): string {
  const parts: string[] = ['{"status":"success","data":{"resultType":"', response.data.resultType, '"', renderFlags(options), ',"result":'];
  renderResult(response.data, options, parts);
  parts.push(',"stats":', renderStats(response.stats), '}}');
  return parts.join('');
}

/** An entry a tail could not deliver to a slow client, as Loki reports it. */
export interface DroppedEntry {
  readonly labels: Labels;
  readonly ts: bigint;
}

/**
 * One websocket message of `/loki/api/v1/tail`: `{"streams":[...]}`, with Loki's
 * `"dropped_entries":[{"timestamp":"<ns>","labels":{...}}]` when entries were dropped.
 */
export function renderTailMessage(streams: readonly StreamResult[], options: RenderOptions, dropped: readonly DroppedEntry[] = []): string {
  const parts: string[] = ['{"streams":'];
  // Tail sends entries oldest first.
  renderStreams(streams, { ...options, forward: true }, parts);
  if (dropped.length > 0) {
    parts.push(',"dropped_entries":[');
    dropped.forEach((entry, i) => {
      if (i > 0) parts.push(',');
      parts.push('{"timestamp":"', entry.ts.toString(), '","labels":', renderLabelSet(entry.labels), '}');
    });
    parts.push(']');
  }
  parts.push(renderFlags(options), '}');
  return parts.join('');
}
