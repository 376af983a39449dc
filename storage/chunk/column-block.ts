// Reading Norn's block layout (chunk formats `norn-v1` and `norn-v2`, drawn in README.md; written
// by column-writer.ts): the entries of a block stored column by column, so the compressor sees
// long runs of like bytes: timestamps as deltas, then line lengths, then structured metadata,
// then the lines themselves, each ended by '\n'.
//
//   uvarint n | varint ts[0] | varint (ts[i] - ts[i-1]) for i = 1..n-1 | uvarint len[i] x n
//   | uvarint metadata bytes M | M bytes: per entry uvarint #pairs, (uvarint len | bytes) x 2 per pair
//   | per entry: line bytes, '\n'

import type { Entry, Label, Labels } from '../../core/model.js';
import { corruptChunk } from './corrupt.js';
import type { StorageError } from '../object-store.js';
import type { BlockBounds, EntryCursor } from './block-cursor.js';
import { holdsOtherPatterns, type ScanPlan } from './scan-plan.js';
import { readDeltas, readLengths } from './column-header.js';
import { indexMetadata, type MetadataIndex } from './metadata-records.js';
import { asciiSection, lineText } from './line-text.js';
import { ByteReader } from './varint.js';

const NEWLINE = 0x0a;

/**
 * Reads a column block. The header (timestamps, lengths) is decoded and checked whole when the
 * cursor opens; lines are decoded to strings only when yielded. With patterns, the longest is
 * searched over the lines section with Buffer.indexOf, and a hit maps to its line through the
 * line offsets, so no framing byte is ever mistaken for line text. `buf` is the whole block, or
 * (a `norn-v2` block, inflated by section) the header alone with the lines in `lines`.
 */
export class ColumnCursor implements EntryCursor {
  /** The first entry's timestamp. */
  private readonly base: bigint;
  /**
   * Entry i's timestamp as ns after `base`, for a block spanning less than 2^49 ns (so no BigInt
   * is made for entries the scan skips); otherwise undefined, and `wide` holds the timestamps.
   */
  private readonly rel: Float64Array | undefined;
  private readonly wide: bigint[] | undefined;
  /** The plan's bounds in `rel`'s terms. */
  private readonly fromRel: number;
  private readonly throughRel: number;
  /** Where each line starts in the block. */
  private readonly lineStart: Int32Array;
  private readonly lineLength: Int32Array;
  private readonly metadataStart: number;
  private readonly metadataEnd: number;
  /** Where the lines are: `buf`, or the block's separately inflated lines section. */
  private readonly lines: Buffer;
  /** Where the lines section starts in `lines`. */
  private readonly linesFrom: number;
  /** Whether the lines section is all ASCII; known on the first line decoded. */
  private ascii: boolean | undefined;
  /** The metadata section indexed, on first use. */
  private metadataIndex: MetadataIndex | undefined;
  /** Each distinct record's metadata once decoded, by its number (null: no pairs). */
  private readonly sharedMetadata: Array<Labels | null> = [];
  private readonly inside: boolean;
  private readonly anchor: Buffer | undefined;
  private index = 0;
  /**
   * Whether the cursor itself yields in the plan's backward order (an unfiltered backward scan:
   * the last entry in range first, down to `stop`); a filtered backward scan is drained and
   * reversed by its caller instead.
   */
  readonly backward: boolean;
  private stop = 0;
  private searchFrom: number;
  private done = false;

  constructor(
    private readonly buf: Buffer,
    bounds: BlockBounds,
    private readonly plan: ScanPlan,
    private readonly section: string,
    lines?: Buffer,
  ) {
    const reader = new ByteReader(buf, 0, buf.length, section);
    const n = reader.uvarint();
    if (n !== bounds.entries) throw this.corrupt(`holds ${n} entries, metas say ${bounds.entries}`);
    // A timestamp, a length and a newline take at least three bytes each entry (the newline in
    // the lines section when that is apart).
    if (n * (lines === undefined ? 3 : 2) > reader.remaining) throw this.corrupt(`claims ${n} entries in ${buf.length} bytes`);
    const base = n > 0 ? reader.varint64() : 0n;
    let rel: Float64Array | undefined = new Float64Array(n);
    let wide: bigint[] | undefined;
    const deltasEnd = readDeltas(buf, reader.pos, rel, section);
    if (deltasEnd !== undefined) {
      reader.pos = deltasEnd;
    } else {
      rel = undefined;
      wide = this.readWide(reader, base, n);
    }
    const last = n === 0 ? 0n : rel !== undefined ? base + BigInt(rel[n - 1]!) : wide![n - 1]!;
    if (n > 0 && (base < bounds.mint || last > bounds.maxt)) {
      throw this.corrupt(`timestamps [${base}, ${last}] outside the block's bounds [${bounds.mint}, ${bounds.maxt}]`);
    }
    const lineLength = new Int32Array(n);
    const { end, linesBytes } = readLengths(buf, reader.pos, lineLength, (lines ?? buf).length, section);
    reader.pos = end;
    const metadataSize = reader.uvarint();
    this.metadataStart = reader.skip(metadataSize);
    this.metadataEnd = reader.pos;
    if (lines !== undefined && reader.remaining !== 0) throw this.corrupt(`header has ${reader.remaining} bytes after its metadata`);
    this.lines = lines ?? buf;
    const linesFrom = lines === undefined ? reader.pos : 0;
    const linesTake = this.lines.length - linesFrom;
    if (linesBytes !== linesTake) throw this.corrupt(`lines take ${linesTake} bytes, lengths say ${linesBytes}`);
    const lineStart = new Int32Array(n);
    let pos = linesFrom;
    for (let i = 0; i < n; i++) {
      lineStart[i] = pos;
      pos += lineLength[i]! + 1;
      if (this.lines[pos - 1] !== NEWLINE) throw this.corrupt(`line ${i} does not end where its length says`);
    }
    this.base = base;
    this.rel = rel;
    this.wide = wide;
    this.fromRel = relative(plan.from, base);
    this.throughRel = relative(plan.through, base);
    this.lineStart = lineStart;
    this.lineLength = lineLength;
    this.linesFrom = linesFrom;
    this.searchFrom = linesFrom;
    this.inside = bounds.mint >= plan.from && bounds.maxt < plan.through;
    this.anchor = plan.patterns[0];
    this.backward = plan.direction === 'backward' && this.anchor === undefined;
    if (this.backward) {
      this.stop = this.inside ? 0 : this.firstAtOrAfter(this.fromRel, plan.from);
      this.index = (this.inside ? n : this.firstAtOrAfter(this.throughRel, plan.through)) - 1;
    } else if (!this.inside) {
      this.index = this.firstAtOrAfter(this.fromRel, plan.from);
    }
  }

  /** The timestamps of a block spanning 2^49 ns or more, as BigInts from after the first. */
  private readWide(reader: ByteReader, base: bigint, n: number): bigint[] {
    const ts: bigint[] = new Array<bigint>(n);
    let previous = base;
    if (n > 0) ts[0] = base;
    for (let i = 1; i < n; i++) {
      const delta = reader.varint64();
      if (delta < 0n) throw this.corrupt(`entry ${i} has a negative timestamp delta`);
      previous += delta;
      ts[i] = previous;
    }
    return ts;
  }

  private get count(): number {
    return this.lineLength.length;
  }

  private timeAt(i: number): bigint {
    return this.rel !== undefined ? this.base + BigInt(this.rel[i]!) : this.wide![i]!;
  }

  /** Whether entry i is at or after the plan's `through`. */
  private pastThrough(i: number): boolean {
    return this.rel !== undefined ? this.rel[i]! >= this.throughRel : this.wide![i]! >= this.plan.through;
  }

  /** The first entry at or after a bound (`boundRel` in `rel`'s terms, `bound` for `wide`). */
  private firstAtOrAfter(boundRel: number, bound: bigint): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const before = this.rel !== undefined ? this.rel[mid]! < boundRel : this.wide![mid]! < bound;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  next(): Entry | undefined {
    if (this.done) return undefined;
    return this.anchor === undefined ? this.nextPlain() : this.nextMatching(this.anchor);
  }

  private nextPlain(): Entry | undefined {
    const i = this.index;
    if (this.backward) {
      if (i < this.stop) {
        this.done = true;
        return undefined;
      }
      this.index = i - 1;
      return this.entryAt(i);
    }
    if (i >= this.count || (!this.inside && this.pastThrough(i))) {
      this.done = true;
      return undefined;
    }
    this.index = i + 1;
    return this.entryAt(i);
  }

  private nextMatching(anchor: Buffer): Entry | undefined {
    const n = this.count;
    for (;;) {
      const hit = this.index < n ? this.lines.indexOf(anchor, this.searchFrom) : -1;
      if (hit < 0) {
        this.done = true;
        return undefined;
      }
      // Hits come in increasing order, so the line they fall in only moves forward.
      let i = this.index;
      while (i < n && this.lineStart[i]! + this.lineLength[i]! < hit) i++;
      if (i >= n) {
        this.done = true;
        return undefined;
      }
      const start = this.lineStart[i]!;
      const end = start + this.lineLength[i]!;
      this.index = i;
      if (hit < start) {
        // Before the first line still in range: search from that line on.
        this.searchFrom = start;
        continue;
      }
      // The pattern lies in line i, or it crosses the newline and no later start in line i can fit.
      this.searchFrom = end + 1;
      this.index = i + 1;
      if (hit + anchor.length > end) continue;
      if (!this.inside && this.pastThrough(i)) {
        this.done = true;
        return undefined;
      }
      if (!holdsOtherPatterns(this.plan, this.lines, start, end)) continue;
      return this.entryAt(i);
    }
  }

  private entryAt(i: number): Entry {
    const start = this.lineStart[i]!;
    const ascii = (this.ascii ??= asciiSection(this.lines, this.linesFrom));
    const line = lineText(this.lines, ascii, start, start + this.lineLength[i]!);
    const metadata = this.metadataStart === this.metadataEnd ? undefined : this.readMetadata(i);
    const ts = this.timeAt(i);
    return metadata === undefined ? { ts, line } : { ts, line, metadata };
  }

  /**
   * Entry i's metadata. Entries repeating a record of the block share one frozen array (a block
   * holds a handful of distinct records), so later stages compare arrays, not their pairs.
   */
  private readMetadata(i: number): Labels | undefined {
    const index = (this.metadataIndex ??= indexMetadata(this.buf, this.count, this.metadataStart, this.metadataEnd, this.section));
    if (index.ids === undefined) return this.decodeMetadata(index.offsets[i]!);
    const id = index.ids[i]!;
    const shared = this.sharedMetadata[id];
    if (shared !== undefined) return shared === null ? undefined : shared;
    const metadata = this.decodeMetadata(index.offsets[i]!);
    this.sharedMetadata[id] = metadata === undefined ? null : Object.freeze(metadata);
    return metadata;
  }

  private decodeMetadata(offset: number): Label[] | undefined {
    const reader = new ByteReader(this.buf, offset, this.metadataEnd, this.section);
    const pairs = reader.uvarint();
    if (pairs === 0) return undefined;
    const metadata: Label[] = [];
    for (let k = 0; k < pairs; k++) {
      const name = this.readString(reader);
      const value = this.readString(reader);
      metadata.push({ name, value });
    }
    return metadata;
  }

  private readString(reader: ByteReader): string {
    const length = reader.uvarint();
    const start = reader.skip(length);
    return this.buf.toString('utf8', start, start + length);
  }


  private corrupt(what: string): StorageError {
    return corruptChunk(this.section, what);
  }
}

/** `ts - base` as a number to compare with a block's relative times (clamped far outside). */
function relative(ts: bigint, base: bigint): number {
  const delta = ts - base;
  if (delta > 2n ** 53n) return Infinity;
  if (delta < -(2n ** 53n)) return -Infinity;
  return Number(delta);
}
