// Reads entries out of one decompressed block. Two paths:
// - plain: decode entry after entry, checking the range only when the block straddles an edge;
// - filtered: search the whole block for the longest pattern with Buffer.indexOf (native, and
//   far faster than decoding lines), then walk entry headers up to the hit to learn which line
//   it fell in. Only lines holding every pattern are decoded to strings.
// Every read is bounded by ByteReader, so a forged block fails with CORRUPT_CHUNK.

import type { Entry, Label, Labels } from '../../core/model.js';
import { corruptChunk } from './corrupt.js';
import type { StorageError } from '../object-store.js';
import { holdsOtherPatterns, type ScanPlan } from './scan-plan.js';
import { ByteReader } from './varint.js';

export interface EntryCursor {
  /** The next entry in the cursor's direction, undefined when exhausted. */
  next(): Entry | undefined;
}

/** Everything left in a cursor; backward scans drain a block to reverse it. */
export function drain(cursor: EntryCursor): Entry[] {
  const out: Entry[] = [];
  for (let entry = cursor.next(); entry !== undefined; entry = cursor.next()) out.push(entry);
  return out;
}

export interface BlockBounds {
  readonly entries: number;
  readonly mint: bigint;
  readonly maxt: bigint;
}

export class BlockCursor implements EntryCursor {
  private readonly reader: ByteReader;
  private readonly inside: boolean;
  private readonly anchor: Buffer | undefined;
  private searchFrom = 0;
  private walked = 0;
  private previousTs: bigint;
  private done = false;

  constructor(
    private readonly buf: Buffer,
    private readonly bounds: BlockBounds,
    private readonly plan: ScanPlan,
    private readonly section: string,
  ) {
    this.reader = new ByteReader(buf, 0, buf.length, section);
    this.inside = bounds.mint >= plan.from && bounds.maxt < plan.through;
    this.anchor = plan.patterns[0];
    this.previousTs = bounds.mint;
  }

  next(): Entry | undefined {
    if (this.done) return undefined;
    return this.anchor === undefined ? this.nextPlain() : this.nextMatching(this.anchor);
  }

  private nextPlain(): Entry | undefined {
    const reader = this.reader;
    while (reader.pos < reader.end) {
      const ts = reader.varint64();
      this.checkOrder(ts);
      const length = reader.uvarint();
      const lineStart = reader.skip(length);
      if (!this.inside) {
        if (ts < this.plan.from) {
          this.skipMetadata();
          continue;
        }
        if (ts >= this.plan.through) {
          this.done = true;
          return undefined;
        }
      }
      const line = this.buf.toString('utf8', lineStart, lineStart + length);
      return makeEntry(ts, line, this.readMetadata());
    }
    if (this.walked !== this.bounds.entries) {
      throw this.corrupt(`holds ${this.walked} entries, metas say ${this.bounds.entries}`);
    }
    this.done = true;
    return undefined;
  }

  private nextMatching(anchor: Buffer): Entry | undefined {
    const reader = this.reader;
    const buf = this.buf;
    for (;;) {
      const hit = reader.pos < reader.end ? buf.indexOf(anchor, this.searchFrom) : -1;
      if (hit < 0) {
        this.done = true;
        return undefined;
      }
      // Walk entry headers until the entry whose bytes hold the hit.
      let entryStart: number;
      let lineStart: number;
      let lineEnd: number;
      do {
        entryStart = reader.pos;
        reader.skipVarint();
        const length = reader.uvarint();
        lineStart = reader.skip(length);
        lineEnd = lineStart + length;
        this.skipMetadata();
      } while (reader.pos <= hit);
      if (hit < lineStart) {
        // The hit fell in the entry's framing bytes; the line itself may still hold the pattern.
        this.searchFrom = lineStart;
        reader.pos = entryStart;
        continue;
      }
      const entryEnd = reader.pos;
      this.searchFrom = entryEnd;
      if (hit + anchor.length > lineEnd || !holdsOtherPatterns(this.plan, this.buf, lineStart, lineEnd)) continue;
      reader.pos = entryStart;
      const ts = reader.varint64();
      if (!this.inside) {
        if (ts < this.plan.from) {
          reader.pos = entryEnd;
          continue;
        }
        if (ts >= this.plan.through) {
          this.done = true;
          return undefined;
        }
      }
      reader.pos = lineEnd;
      const metadata = this.readMetadata();
      return makeEntry(ts, buf.toString('utf8', lineStart, lineEnd), metadata);
    }
  }

  private checkOrder(ts: bigint): void {
    if (ts < this.previousTs || ts > this.bounds.maxt) {
      throw this.corrupt(`entry ${this.walked} has timestamp ${ts} outside the block's order or bounds`);
    }
    this.previousTs = ts;
    this.walked++;
  }

  private skipMetadata(): void {
    const reader = this.reader;
    const pairs = reader.uvarint();
    for (let i = 0; i < pairs; i++) {
      reader.skip(reader.uvarint());
      reader.skip(reader.uvarint());
    }
  }

  private readMetadata(): Labels | undefined {
    const reader = this.reader;
    const pairs = reader.uvarint();
    if (pairs === 0) return undefined;
    // Each pair takes at least two bytes, which bounds a forged count before allocating.
    if (pairs * 2 > reader.remaining) throw this.corrupt(`metadata pair count ${pairs} overruns the block`);
    const metadata: Label[] = [];
    for (let i = 0; i < pairs; i++) {
      const name = this.readString();
      const value = this.readString();
      metadata.push({ name, value });
    }
    return metadata;
  }

  private readString(): string {
    const length = this.reader.uvarint();
    const start = this.reader.skip(length);
    return this.buf.toString('utf8', start, start + length);
  }

  private corrupt(what: string): StorageError {
    return corruptChunk(this.section, what);
  }
}

function makeEntry(ts: bigint, line: string, metadata: Labels | undefined): Entry {
  return metadata === undefined ? { ts, line } : { ts, line, metadata };
}

/** A cursor over entries already in memory, sorted by timestamp, walked in either direction. */
export class ArrayCursor implements EntryCursor {
  private index: number;

  constructor(
    private readonly entries: readonly Entry[],
    private readonly start: number,
    private readonly end: number,
    private readonly backward: boolean,
    private readonly accept?: (entry: Entry) => boolean,
  ) {
    this.index = backward ? end - 1 : start;
  }

  next(): Entry | undefined {
    const accept = this.accept;
    if (this.backward) {
      while (this.index >= this.start) {
        const entry = this.entries[this.index--]!;
        if (accept === undefined || accept(entry)) return entry;
      }
    } else {
      while (this.index < this.end) {
        const entry = this.entries[this.index++]!;
        if (accept === undefined || accept(entry)) return entry;
      }
    }
    return undefined;
  }
}
