// The open block of a MemChunk: entries as appended, in any order. It is sorted (stably, so equal
// timestamps keep their append order) only when cut or read, because ingesters mostly append in
// order and then the sort is skipped altogether.
//
// Entries are kept as columns, not as the Entry objects they arrived in: an ingester holds a head
// block for every stream, so per-entry overhead is multiplied by every line in memory. Timestamps
// are doubles relative to the block's first one (exact within 2^53 ns, about 104 days; a block
// spanning more switches to bigints); structured metadata arrays are interned, since most entries
// of a stream carry the same few (`detected_level`), and kept once while all entries carry the
// same; UTF-8 sizes are kept only once a line is not ASCII. Entries are rebuilt when cut or read.

import { internLabelSet } from '../../core/intern.js';
import type { Entry, Labels } from '../../core/model.js';
import { assertTimestamp, encodedEntrySize, serializeEntries } from './block-format.js';
import { hasColumnLayout, type ChunkFormat } from './chunk-format.js';
import { columnBlockSize, serializeColumns, type ColumnsToWrite } from './column-writer.js';

export interface SerializedBlock {
  readonly raw: Buffer;
  readonly entries: number;
  readonly mint: bigint;
  readonly maxt: bigint;
}

/** What an entry adds to a block: its serialized size (entry by entry) and its line's UTF-8 length. */
export interface EntrySize {
  readonly size: number;
  readonly lineBytes: number;
}

export class HeadBlock {
  private lines: string[] = [];
  /** UTF-8 lengths of the lines; undefined while every line is ASCII (its length is its size). */
  private lineBytes: number[] | undefined;
  /** Timestamps minus `base`, while every one fits a double exactly; else undefined and `wide` holds them. */
  private offsets: number[] | undefined = [];
  private wide: bigint[] | undefined;
  private base = 0n;
  /** The interned metadata every entry so far carries, while they all carry the same. */
  private sameMetadata: Labels | undefined;
  /** Interned metadata per entry, once entries differ in it; else undefined. */
  private metadata: Array<Labels | undefined> | undefined;
  private sorted = true;
  /**
   * Size of the block serialized entry by entry (the legacy layout), which decides when it is
   * cut; the column layout comes out within a byte or two per entry of it.
   */
  size = 0;
  mint = 0n;
  maxt = 0n;

  get count(): number {
    return this.lines.length;
  }

  get isEmpty(): boolean {
    return this.lines.length === 0;
  }

  /** Serialized size the entry would add; also validates it. */
  static sizeOf(entry: Entry): EntrySize {
    assertTimestamp(entry.ts);
    const lineBytes = Buffer.byteLength(entry.line);
    return { size: encodedEntrySize(entry, lineBytes), lineBytes };
  }

  /** Appends an entry; `sized` is its `sizeOf` when the caller has measured it already. */
  append(entry: Entry, sized?: EntrySize): void {
    const { size, lineBytes } = sized ?? HeadBlock.sizeOf(entry);
    const ts = entry.ts;
    const count = this.lines.length;
    if (count === 0) {
      this.mint = ts;
      this.maxt = ts;
      this.base = ts;
    } else {
      if (ts < this.maxt) this.sorted = false;
      else this.maxt = ts;
      if (ts < this.mint) this.mint = ts;
    }
    this.pushTimestamp(ts);
    this.lines.push(entry.line);
    if (this.lineBytes !== undefined) this.lineBytes.push(lineBytes);
    else if (lineBytes !== entry.line.length) this.lineBytes = this.lines.map((line, i) => (i === count ? lineBytes : line.length));
    // Stored blocks cannot tell empty metadata from none; the head block answers the same way.
    const metadata = entry.metadata !== undefined && entry.metadata.length > 0 ? this.intern(entry.metadata) : undefined;
    if (this.metadata !== undefined) this.metadata.push(metadata);
    else if (count === 0) this.sameMetadata = metadata;
    else if (metadata !== this.sameMetadata) {
      this.metadata = new Array<Labels | undefined>(count).fill(this.sameMetadata);
      this.metadata.push(metadata);
      this.sameMetadata = undefined;
    }
    this.size += size;
  }

  /** The exact size the block would have if cut now in `format`'s layout. */
  serializedSize(format: ChunkFormat): number {
    if (!hasColumnLayout(format) || this.lines.length === 0) return this.size;
    this.sortInPlace();
    return columnBlockSize(this.columns());
  }

  /** Entries in timestamp order (stable), built now: later appends do not change them. */
  sortedEntries(): readonly Entry[] {
    this.sortInPlace();
    return this.entries();
  }

  /**
   * Serializes the block in timestamp order, in `format`'s block layout, and empties it;
   * `allocate` gives the buffer it is written into.
   */
  cut(format: ChunkFormat, allocate?: (size: number) => Buffer): SerializedBlock | undefined {
    if (this.lines.length === 0) return undefined;
    this.sortInPlace();
    const block: SerializedBlock = {
      raw: hasColumnLayout(format) ? serializeColumns(this.columns(), allocate) : serializeEntries(this.entries(), this.lineSizes(), this.size, allocate),
      entries: this.lines.length,
      mint: this.mint,
      maxt: this.maxt,
    };
    this.lines = [];
    this.lineBytes = undefined;
    this.offsets = [];
    this.wide = undefined;
    this.base = 0n;
    this.sameMetadata = undefined;
    this.metadata = undefined;
    this.sorted = true;
    this.size = 0;
    this.mint = 0n;
    this.maxt = 0n;
    return block;
  }

  private pushTimestamp(ts: bigint): void {
    if (this.offsets === undefined) {
      this.wide!.push(ts);
      return;
    }
    const offset = ts - this.base;
    if (offset >= -MAX_EXACT && offset <= MAX_EXACT) {
      this.offsets.push(Number(offset));
      return;
    }
    this.wide = this.offsets.map((value) => this.base + BigInt(value));
    this.wide.push(ts);
    this.offsets = undefined;
  }

  private timestamp(i: number): bigint {
    return this.offsets === undefined ? this.wide![i]! : this.base + BigInt(this.offsets[i]!);
  }

  /** The entry's metadata as an array shared with equal ones (the previous entry's, usually). */
  private intern(metadata: Labels): Labels {
    const same = this.sameMetadata;
    if (same !== undefined && (same === metadata || sameLabels(same, metadata))) return same;
    const entries = this.metadata;
    if (entries !== undefined) {
      // The last few entries only: enough for streams that alternate between a few.
      for (let i = entries.length - 1; i >= 0 && i >= entries.length - 8; i--) {
        const candidate = entries[i];
        if (candidate !== undefined && (candidate === metadata || sameLabels(candidate, metadata))) return candidate;
      }
    }
    // Shared across all head blocks: a million entries tagged `detected_level=info` hold one
    // (frozen) array, not a million.
    return internLabelSet(metadata);
  }

  private lineSizes(): readonly number[] {
    return this.lineBytes ?? this.lines.map((line) => line.length);
  }

  /** The (sorted) block as the column writer takes it. */
  private columns(): ColumnsToWrite {
    const metadata = this.metadata;
    const same = this.sameMetadata;
    return {
      lines: this.lines,
      lineBytes: this.lineSizes(),
      timestamps: this.offsets !== undefined ? { base: this.base, offsets: this.offsets } : { wide: this.wide! },
      metadataOf: metadata === undefined ? () => same : (i) => metadata[i],
    };
  }

  private entries(): Entry[] {
    const n = this.lines.length;
    const out = new Array<Entry>(n);
    const metadata = this.metadata;
    const same = this.sameMetadata;
    for (let i = 0; i < n; i++) {
      const meta = metadata === undefined ? same : metadata[i];
      out[i] = meta === undefined ? { ts: this.timestamp(i), line: this.lines[i]! } : { ts: this.timestamp(i), line: this.lines[i]!, metadata: meta };
    }
    return out;
  }

  private sortInPlace(): void {
    if (this.sorted) return;
    const order = this.lines.map((_, i) => i);
    const times = order.map((i) => this.timestamp(i));
    order.sort((a, b) => {
      const ta = times[a]!;
      const tb = times[b]!;
      return ta < tb ? -1 : ta > tb ? 1 : a - b;
    });
    if (this.offsets !== undefined) {
      const offsets = this.offsets;
      this.offsets = order.map((i) => offsets[i]!);
    } else {
      this.wide = order.map((i) => times[i]!);
    }
    const lines = this.lines;
    const lineBytes = this.lineBytes;
    const metadata = this.metadata;
    this.lines = order.map((i) => lines[i]!);
    if (lineBytes !== undefined) this.lineBytes = order.map((i) => lineBytes[i]!);
    if (metadata !== undefined) this.metadata = order.map((i) => metadata[i]);
    this.sorted = true;
  }
}

/** Offsets from the block's first timestamp that a double holds exactly. */
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);


function sameLabels(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  return true;
}
