// Reading an entry of a block's columns (`storage/chunk/line-columns.ts`) as the general path
// reads its Entry: its structured metadata decoded once per distinct record of a stream, with
// the labels its sample gets when no stage reads the line; whether it is a copy of an earlier
// entry of its timestamp (equal metadata and equal line); and its sample's hash, FNV-1a over
// the line's bytes, equal to `hashEntry` over its text for an ASCII line.

import type { Labels } from '../../core/model.js';
import type { StreamExtractor } from '../../logql/log/extractor.js';
import { hashEntry } from '../../logql/engine/select.js';
import type { FoldedSeries } from '../../logql/engine/sample-fold.js';
import { readLineMetadata, type LineColumns } from '../../storage/chunk/line-columns.js';
import { asciiSection } from '../../storage/chunk/line-text.js';

/**
 * Whether entry `i` equals one of the entries `from..i-1` (all of entry i's timestamp) as the
 * general path compares them: equal metadata, and equal line text: equal bytes, or (only for
 * non-ASCII bytes, where two invalid sequences may decode alike) equal decoded strings.
 */
export function copyOfEarlier<S>(columns: LineColumns, metas: MetadataLabels<S>, from: number, i: number, meta: EntryMeta<S>): boolean {
  const { buf, lineStart } = columns.lines();
  const lineLength = columns.lineLength;
  const start = lineStart[i]!;
  const length = lineLength[i]!;
  const ascii = asciiSection(buf, start, start + length);
  for (let k = from; k < i; k++) {
    if (columns.metadataOffsets !== undefined && metas.of(columns, k).suffix !== meta.suffix) continue;
    const other = lineStart[k]!;
    const otherLength = lineLength[k]!;
    if (otherLength === length && buf.compare(buf, start, start + length, other, other + length) === 0) return true;
    if (!ascii && !asciiSection(buf, other, other + otherLength) && buf.toString('utf8', start, start + length) === buf.toString('utf8', other, other + otherLength)) return true;
  }
  return false;
}

/** What an entry's metadata makes of its sample: the labels, and what copies compare; `S` the caller's series. */
export interface EntryMeta<S> {
  readonly metadata: Labels | undefined;
  readonly key: string;
  readonly labels: Labels;
  /** The metadata part of `entryKey`: copies have equal lines and equal suffixes. */
  readonly suffix: string;
  series?: S;
  /** Where its entries fold (null: this series is not folded). */
  folded?: FoldedSeries | null;
}

/**
 * Entries' metadata records decoded once per distinct record of a stream, with their labels.
 * An entry's record is found by its number among its block's distinct records, each of which is
 * found once a block by its bytes (a short compare with the last one, else an FNV lookup); so
 * reading an entry's metadata makes no string.
 */
export class MetadataLabels<S> {
  readonly plain: EntryMeta<S>;
  private readonly seen = new Map<number, { record: Buffer; meta: EntryMeta<S> }[]>();
  private size = 0;
  private lastBuf: Buffer | undefined;
  private lastStart = 0;
  private lastEnd = 0;
  private lastMeta: EntryMeta<S> | undefined;
  /** The block whose distinct records `blockMetas` holds, by their numbers. */
  private block: LineColumns | undefined;
  private readonly blockMetas: EntryMeta<S>[] = [];

  constructor(private readonly extractor: StreamExtractor) {
    this.plain = this.make(undefined);
  }

  of(columns: LineColumns, i: number): EntryMeta<S> {
    const ids = columns.metadata!.ids;
    if (ids === undefined) return this.lookup(columns, i);
    // Entries numbered by their block's distinct records: each one is looked up once a block.
    if (columns !== this.block) {
      this.block = columns;
      this.blockMetas.length = 0;
    }
    const id = ids[i]!;
    return (this.blockMetas[id] ??= this.lookup(columns, columns.metadata!.firstEntry[id]!));
  }

  /** Entry i's record found among the stream's by its bytes. */
  private lookup(columns: LineColumns, i: number): EntryMeta<S> {
    const offsets = columns.metadataOffsets!;
    const buf = columns.header;
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    // A record of no pairs is one zero byte.
    if (end - start === 1 && buf[start] === 0) return this.plain;
    if (this.lastBuf !== undefined && equalBytes(buf, start, end, this.lastBuf, this.lastStart, this.lastEnd)) return this.lastMeta!;
    let hash = 0x811c9dc5;
    for (let k = start; k < end; k++) hash = Math.imul(hash ^ buf[k]!, 0x01000193);
    let bucket = this.seen.get(hash);
    let found: EntryMeta<S> | undefined;
    for (const known of bucket ?? []) if (equalBytes(buf, start, end, known.record, 0, known.record.length)) found = known.meta;
    if (found === undefined) {
      if (this.size >= MAX_RECORDS) {
        this.seen.clear();
        this.size = 0;
        bucket = undefined;
      }
      found = this.make(readLineMetadata(columns, i));
      const entry = { record: Buffer.from(buf.subarray(start, end)), meta: found };
      if (bucket === undefined) this.seen.set(hash, [entry]);
      else bucket.push(entry);
      this.size++;
    }
    this.lastBuf = buf;
    this.lastStart = start;
    this.lastEnd = end;
    this.lastMeta = found;
    return found;
  }

  private make(metadata: Labels | undefined): EntryMeta<S> {
    // No stage reads the line, so an empty one gives the labels every line of this metadata gets.
    this.extractor.run(0n, '', metadata);
    let suffix = '';
    for (const { name, value } of metadata ?? []) suffix += '\u0000' + name + '\u0001' + value;
    return { metadata, key: this.extractor.key, labels: this.extractor.labels, suffix };
  }
}

function equalBytes(a: Buffer, aStart: number, aEnd: number, b: Buffer, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let k = 0; k < aEnd - aStart; k++) if (a[aStart + k] !== b[bStart + k]) return false;
  return true;
}

/** Distinct metadata records remembered per stream (a stream usually has a handful). */
const MAX_RECORDS = 4096;

/** FNV-1a of the line from its bytes (as `hashEntry` over its text): over the bytes while they are ASCII. */
export function hashLineBytes(streamHash: number, buf: Buffer, start: number, end: number): number {
  let hash = streamHash;
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    if (byte >= 0x80) return hashEntry(streamHash, buf.toString('utf8', start, end), undefined);
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}

/** The rest of `hashEntry`: its metadata folded into the line's hash. */
export function hashMetadata(lineHash: number, metadata: Labels | undefined): number {
  let hash = lineHash;
  if (metadata !== undefined) {
    for (const { name, value } of metadata) hash = fnvText(fnvText(hash ^ 0xff, name) ^ 0xfe, value);
  }
  return hash >>> 0;
}

function fnvText(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}
