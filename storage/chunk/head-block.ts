// The open block of a MemChunk: entries as appended, in any order. It is sorted (stably, so equal
// timestamps keep their append order) only when cut or read, because ingesters mostly append in
// order and then the sort is skipped altogether.

import type { Entry } from '../../core/model.js';
import { assertTimestamp, encodedEntrySize, serializeEntries } from './block-format.js';
import type { ChunkFormat } from './chunk-format.js';
import { columnBlockSize, serializeColumns } from './column-block.js';

export interface SerializedBlock {
  readonly raw: Buffer;
  readonly entries: number;
  readonly mint: bigint;
  readonly maxt: bigint;
}

export class HeadBlock {
  private entries: Entry[] = [];
  private lineBytes: number[] = [];
  private sorted = true;
  /**
   * Size of the block serialized entry by entry (the legacy layout), which decides when it is
   * cut; the column layout comes out within a byte or two per entry of it.
   */
  size = 0;
  mint = 0n;
  maxt = 0n;

  get count(): number {
    return this.entries.length;
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** Serialized size the entry would add; also validates it. */
  static sizeOf(entry: Entry): { size: number; lineBytes: number } {
    assertTimestamp(entry.ts);
    const lineBytes = Buffer.byteLength(entry.line);
    return { size: encodedEntrySize(entry, lineBytes), lineBytes };
  }

  append(entry: Entry): void {
    const { size, lineBytes } = HeadBlock.sizeOf(entry);
    // Stored blocks cannot tell empty metadata from none; the head block answers the same way.
    if (entry.metadata !== undefined && entry.metadata.length === 0) entry = { ts: entry.ts, line: entry.line };
    const count = this.entries.length;
    if (count === 0) {
      this.mint = entry.ts;
      this.maxt = entry.ts;
    } else {
      if (entry.ts < this.maxt) this.sorted = false;
      else this.maxt = entry.ts;
      if (entry.ts < this.mint) this.mint = entry.ts;
    }
    this.entries.push(entry);
    this.lineBytes.push(lineBytes);
    this.size += size;
  }

  /** The exact size the block would have if cut now in `format`'s layout. */
  serializedSize(format: ChunkFormat): number {
    if (format === 'legacy-v4' || this.entries.length === 0) return this.size;
    this.sortInPlace();
    return columnBlockSize(this.entries, this.lineBytes);
  }

  /** Entries in timestamp order (stable). */
  sortedEntries(): readonly Entry[] {
    this.sortInPlace();
    return this.entries;
  }

  /**
   * Serializes the block in timestamp order, in `format`'s block layout, and empties it;
   * `allocate` gives the buffer it is written into.
   */
  cut(format: ChunkFormat, allocate?: (size: number) => Buffer): SerializedBlock | undefined {
    if (this.entries.length === 0) return undefined;
    this.sortInPlace();
    const block: SerializedBlock = {
      raw: format === 'norn-v1' ? serializeColumns(this.entries, this.lineBytes, allocate) : serializeEntries(this.entries, this.lineBytes, this.size, allocate),
      entries: this.entries.length,
      mint: this.mint,
      maxt: this.maxt,
    };
    this.entries = [];
    this.lineBytes = [];
    this.sorted = true;
    this.size = 0;
    this.mint = 0n;
    this.maxt = 0n;
    return block;
  }

  private sortInPlace(): void {
    if (this.sorted) return;
    const order = this.entries.map((_, i) => i);
    const entries = this.entries;
    order.sort((a, b) => {
      const ta = entries[a]!.ts;
      const tb = entries[b]!.ts;
      return ta < tb ? -1 : ta > tb ? 1 : a - b;
    });
    this.entries = order.map((i) => entries[i]!);
    this.lineBytes = order.map((i) => this.lineBytes[i]!);
    this.sorted = true;
  }
}
