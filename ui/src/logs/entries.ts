// Log lines as the UI shows them: one flat list, newest first, each entry with its stream
// labels, structured metadata and parsed fields told apart.

import type { Labels, StreamResult } from '../api/types';
import { labelsText } from '../query/analyze';
import { normalizeLevel } from './levels';

export interface LogEntry {
  /** Unique within a result: time, stream and line. */
  key: string;
  ns: bigint;
  ms: number;
  line: string;
  stream: Labels;
  metadata: Labels;
  parsed: Labels;
  level: string;
}

/**
 * Splits a result stream's labels into indexed ones and parsed ones. Loki 3 names parsed labels
 * itself under `categorize-labels`; when a server folds them into the stream's labels, the
 * indexed set is the largest known series (from `/series`) contained in them.
 */
export function splitParsed(labels: Labels, knownSeries: readonly Labels[]): { stream: Labels; parsed: Labels } {
  let best: Labels | undefined;
  let bestSize = -1;
  for (const candidate of knownSeries) {
    const names = Object.keys(candidate);
    if (names.length <= bestSize) continue;
    if (names.every((name) => labels[name] === candidate[name])) {
      best = candidate;
      bestSize = names.length;
    }
  }
  if (best === undefined) return { stream: labels, parsed: {} };
  const stream: Labels = {};
  const parsed: Labels = {};
  for (const [name, value] of Object.entries(labels)) (name in best ? stream : parsed)[name] = value;
  return { stream, parsed };
}

/**
 * `extras` names what labels beyond the indexed ones are when the server does not say: parsed
 * fields when the query has a parser stage, else structured metadata (nothing else adds labels).
 */
export function flattenStreams(result: StreamResult[], knownSeries: readonly Labels[] = [], extras: 'parsed' | 'metadata' = 'parsed'): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const s of result) {
    const split = splitParsed(s.stream, knownSeries);
    const streamKey = labelsText(s.stream);
    for (const value of s.values) {
      const extra = value[2];
      let stream = split.stream;
      let metadata: Labels = { ...(extra?.structuredMetadata ?? {}) };
      let parsed: Labels = {};
      if (extra?.parsed !== undefined) {
        stream = s.stream;
        parsed = extra.parsed;
      } else {
        for (const [name, v] of Object.entries(split.parsed)) if (!(name in metadata)) (extras === 'metadata' ? metadata : parsed)[name] = v;
      }
      metadata = Object.keys(metadata).length === 0 ? {} : metadata;
      const ns = BigInt(value[0]);
      const level = normalizeLevel(metadata['detected_level'] ?? parsed['detected_level'] ?? parsed['level'] ?? stream['level'] ?? stream['detected_level'] ?? guessLevel(value[1]));
      entries.push({ key: `${value[0]}\u0000${streamKey}\u0000${value[1]}`, ns, ms: Number(ns / 1_000_000n), line: value[1], stream, metadata, parsed, level });
    }
  }
  entries.sort((a, b) => (a.ns === b.ns ? (a.key < b.key ? -1 : 1) : a.ns > b.ns ? -1 : 1));
  return entries;
}

/** A level word near the start of the line (`level=error`, `[WARN]`, ` INFO `), as a hint only. */
function guessLevel(line: string): string | undefined {
  const head = line.slice(0, 200);
  const kv = /\b(?:level|lvl|severity)["']?\s*[=:]\s*["']?([A-Za-z]+)/i.exec(head);
  if (kv !== null) return kv[1];
  const word = /\b(CRITICAL|FATAL|ERROR|WARN(?:ING)?|INFO|DEBUG|TRACE)\b/.exec(head);
  return word?.[1];
}

/** Labels every shown line shares: shown once above the lines instead of on each. */
export function commonLabels(entries: readonly LogEntry[]): Labels {
  if (entries.length === 0) return {};
  const first = entries[0]!.stream;
  const common: Labels = { ...first };
  for (const entry of entries) {
    for (const name of Object.keys(common)) if (entry.stream[name] !== common[name]) delete common[name];
    if (Object.keys(common).length === 0) break;
  }
  return common;
}

/** Appends an older page, dropping entries already shown (pages overlap at their edge). */
export function appendPage(shown: readonly LogEntry[], page: readonly LogEntry[]): LogEntry[] {
  const seen = new Set(shown.map((e) => e.key));
  return [...shown, ...page.filter((e) => !seen.has(e.key))];
}
