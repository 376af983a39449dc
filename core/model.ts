// The data model every component shares: labels, entries and streams.
//
// Timestamps are nanoseconds since the Unix epoch held as `bigint`: Loki's clients send full
// nanosecond precision, a double keeps only ~256 ns of it at today's epoch, and deduplication
// compares timestamps exactly.

import { goQuote } from './go/quote.js';

export interface Label {
  readonly name: string;
  readonly value: string;
}

/** Labels sorted by name, names unique. Build them with `labelsFromRecord` or `sortLabels`. */
export type Labels = readonly Label[];

export interface Entry {
  /** Nanoseconds since the Unix epoch. */
  readonly ts: bigint;
  readonly line: string;
  /** Structured metadata (Loki 3): per-entry labels that are stored but not indexed. */
  readonly metadata?: Labels;
  /**
   * In query results only: the labels a query's parsers and formatters added to this entry
   * (`metadata` then holds its structured metadata as the pipeline left it), so answers can
   * categorize labels as Loki's `categorize-labels` encoding does.
   */
  readonly parsed?: Labels;
}

export interface Stream {
  readonly labels: Labels;
  readonly entries: Entry[];
}

export function sortLabels(labels: Iterable<Label>): Labels {
  return [...labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function labelsFromRecord(record: Readonly<Record<string, string>>): Labels {
  return sortLabels(Object.entries(record).map(([name, value]) => ({ name, value })));
}

export function labelsToRecord(labels: Labels): Record<string, string> {
  const record: Record<string, string> = {};
  for (const { name, value } of labels) record[name] = value;
  return record;
}

export function labelValue(labels: Labels, name: string): string | undefined {
  for (const label of labels) if (label.name === name) return label.value;
  return undefined;
}

/**
 * Loki's canonical label string, `{a="1", b="2"}`: Prometheus `labels.String()`, values quoted
 * as Go's `strconv.Quote` does. The string is part of the ring hash, so it must match Loki's.
 */
export function labelsToString(labels: Labels): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (i > 0) out += ', ';
    out += label.name + '=' + goQuote(label.value);
  }
  return out + '}';
}

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/**
 * A stream's fingerprint: FNV-1a 64 over its canonical label string, as 16 hex digits. It names
 * the stream in chunk keys and the index; computed once per stream, so bigint's cost is moot.
 */
export function fingerprint(labelString: string): string {
  let hash = FNV64_OFFSET;
  for (const byte of Buffer.from(labelString, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * FNV64_PRIME) & MASK64;
  }
  return hash.toString(16).padStart(16, '0');
}

/** Nanoseconds <-> milliseconds helpers; ms values stay exact as JS numbers. */
export const NS_PER_MS = 1_000_000n;
export const NS_PER_SECOND = 1_000_000_000n;

export function nsToMs(ns: bigint): number {
  return Number(ns / NS_PER_MS);
}

/** Go's time.Time %v form of a ns timestamp, used by Loki's per-entry messages. */
export function formatNs(ns: bigint): string {
  const iso = new Date(Number(ns / NS_PER_MS)).toISOString();
  const nanos = (((ns % NS_PER_SECOND) + NS_PER_SECOND) % NS_PER_SECOND).toString().padStart(9, '0').replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${nanos ? '.' + nanos : ''} +0000 UTC`;
}
