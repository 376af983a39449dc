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
    out += metadata !== undefined && metadata.length > 0 ? ',{"structuredMetadata":' + renderLabelSet(metadata) + '}' : ',{}';
  }
  return out + ']';
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

export function renderStreams(result: readonly StreamResult[], options: RenderOptions, parts: string[]): void {
  parts.push('[');
  let first = true;
  for (const stream of result) {
    const groups = options.categorizeLabels ? [{ labels: stream.labels, entries: stream.entries }] : foldStream(stream);
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

/** One websocket message of `/loki/api/v1/tail`: `{"streams":[...]}`. */
export function renderTailMessage(streams: readonly StreamResult[], options: RenderOptions): string {
  const parts: string[] = ['{"streams":'];
  renderStreams(streams, options, parts);
  parts.push(renderFlags(options), '}');
  return parts.join('');
}
