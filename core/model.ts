// The data model every component shares: labels, entries and streams.
//
// Timestamps are nanoseconds since the Unix epoch held as `bigint`: Loki's clients send full
// nanosecond precision, a double keeps only ~256 ns of it at today's epoch, and deduplication
// compares timestamps exactly.

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

const SIMPLE_VALUE = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

/** Go's `strconv.Quote` for the characters label values carry. */
export function goQuote(value: string): string {
  if (SIMPLE_VALUE.test(value)) return '"' + value + '"';
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    switch (char) {
      case '"': out += '\\"'; break;
      case '\\': out += '\\\\'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\x07': out += '\\a'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\v': out += '\\v'; break;
      default:
        if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
        else if (code === 0xfffd && char !== '\ufffd') out += '\\ufffd';
        else out += char;
    }
  }
  return out + '"';
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
