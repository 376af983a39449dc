// The units a chunk scan merges: compressed blocks and the open head block. Each knows its time
// bounds, so the merge can skip it or open it only when its turn comes.

import type { Entry } from '../../core/model.js';
import { ArrayCursor, BlockCursor, drain, type EntryCursor } from './block-cursor.js';
import { hasColumnLayout, type ChunkFormat } from './chunk-format.js';
import { inflateColumns } from './block-sections.js';
import { ColumnCursor } from './column-block.js';
import type { BlockCodec } from './encoding.js';
import type { HeadBlock } from './head-block.js';
import type { ScanPlan } from './scan-plan.js';

export interface EntrySource {
  readonly mint: bigint;
  readonly maxt: bigint;
  /** Position in append order; breaks timestamp ties so equal timestamps keep append order. */
  readonly order: number;
  open(plan: ScanPlan): EntryCursor;
}

export interface EncodedBlock {
  readonly entries: number;
  readonly mint: bigint;
  readonly maxt: bigint;
  readonly uncompressedLength: number;
  /** The compressed bytes (without their checksum). */
  readonly data: Uint8Array;
}

export function blockSource(block: EncodedBlock, format: ChunkFormat, codec: BlockCodec, order: number): EntrySource {
  return {
    mint: block.mint,
    maxt: block.maxt,
    order,
    open(plan) {
      const section = `block ${order}`;
      const stats = plan.stats;
      if (stats !== undefined) {
        stats.blocksScanned++;
        stats.linesScanned += block.entries;
        stats.bytesScanned += block.uncompressedLength;
        stats.compressedBytesScanned += block.data.length;
      }
      let cursor: EntryCursor;
      if (hasColumnLayout(format)) {
        const inflated = inflateColumns(format, codec, block.data, block.uncompressedLength, section);
        const columns = new ColumnCursor(inflated.header, block, plan, section, inflated.split ? inflated.lines : undefined);
        // An unfiltered backward scan reads the columns from the end: no entry is made for the
        // part of the block a limit never reaches.
        if (columns.backward) return columns;
        cursor = columns;
      } else {
        cursor = new BlockCursor(codec.decompress(block.data, block.uncompressedLength), block, plan, section);
      }
      if (plan.direction === 'forward') return cursor;
      const entries = drain(cursor);
      return new ArrayCursor(entries, 0, entries.length, true);
    },
  };
}

/** A snapshot of the head block taken now: later appends are not seen by this scan. */
export function headSource(head: HeadBlock, order: number): EntrySource {
  const entries = head.sortedEntries();
  const length = entries.length;
  const size = head.size;
  return {
    mint: head.mint,
    maxt: head.maxt,
    order,
    open(plan) {
      const stats = plan.stats;
      if (stats !== undefined) {
        stats.blocksScanned++;
        stats.linesScanned += length;
        stats.bytesScanned += size;
      }
      const start = lowerBound(entries, length, plan.from);
      const end = lowerBound(entries, length, plan.through);
      return new ArrayCursor(entries, start, end, plan.direction === 'backward', linePredicate(plan));
    },
  };
}

function lowerBound(entries: readonly Entry[], length: number, ts: bigint): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.ts < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function linePredicate(plan: ScanPlan): ((entry: Entry) => boolean) | undefined {
  if (plan.patterns.length === 0) return undefined;
  const strings = plan.patternStrings;
  if (strings !== undefined) {
    return (entry) => {
      for (const pattern of strings) if (!entry.line.includes(pattern)) return false;
      return true;
    };
  }
  const patterns = plan.patterns;
  return (entry) => {
    const line = Buffer.from(entry.line);
    for (const pattern of patterns) if (line.indexOf(pattern) < 0) return false;
    return true;
  };
}
